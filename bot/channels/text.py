"""Splitting long replies for platforms with a message length limit."""

from __future__ import annotations

from collections.abc import Callable


def split_text(text: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """Split on paragraph boundaries, then lines, then words, so every part measures ≤ limit."""
    if measure(text) <= limit:
        return [text]
    for separator in ("\n\n", "\n", " "):
        pieces = text.split(separator)
        if len(pieces) > 1:
            parts: list[str] = []
            current = ""
            for piece in pieces:
                candidate = f"{current}{separator}{piece}" if current else piece
                if measure(candidate) <= limit:
                    current = candidate
                    continue
                if current:
                    parts.append(current)
                current = piece
            parts.append(current)
            return [chunk for part in parts for chunk in split_text(part, limit, measure)]
    # One unbroken word longer than the limit: cut it so that even a fivefold growth
    # (HTML escaping) fits.
    step = max(1, limit // 5)
    return [text[i:i + step] for i in range(0, len(text), step)]

"""Webhook bodies read with limits: a body nested deeper than any platform sends is refused
before json.loads sees it (CPython's parser recurses, so 100,000 '[' would end in
RecursionError and an HTTP 500)."""

from __future__ import annotations

import json
from typing import Any

from content.errors import BodyError

MAX_DEPTH = 32
"""Telegram updates and Zalo events nest a handful of levels; 32 leaves room for any of them."""


def nesting_depth(body: bytes) -> int:
    """The deepest nesting of objects and arrays in `body`, brackets inside strings ignored."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def load_object(body: bytes, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """The JSON object in `body`; BodyError if it is not one, or nests deeper than max_depth."""
    if nesting_depth(body) > max_depth:
        raise BodyError(f"nested deeper than {max_depth} levels")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BodyError(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BodyError("not a JSON object")
    return data

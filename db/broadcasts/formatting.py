"""Broadcast text: a little markup (**bold**, __italic__) shown as Telegram HTML or as plain text
(Zalo shows no formatting), and the length limits a message must fit.

Everything else is text: it is HTML-escaped for Telegram, so an officer's "<" or "&" can never
break a send. Markers that are not properly paired or nested stay as typed.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from content.errors import MessageError

MARKERS = {"**": "b", "__": "i"}
_TOKEN_RE = re.compile(r"(\*\*|__)")
TEXT_LIMIT = 2000
"""Characters of visible text: Zalo's limit, the strictest of the channels (Telegram: 4,096)."""
CAPTION_LIMIT = 1024
"""Telegram's limit for a photo caption, in UTF-16 code units."""


@dataclass(frozen=True)
class BroadcastMessage:
    """What a broadcast sends, the same to every recipient."""

    text: str
    image_url: str | None = None
    link_url: str | None = None
    link_label: str | None = None


def _paired(tokens: list[str]) -> set[int]:
    """Indexes of marker tokens that open or close a properly nested pair."""
    stack: list[int] = []
    paired: set[int] = set()
    for index, token in enumerate(tokens):
        if token not in MARKERS:
            continue
        if stack and tokens[stack[-1]] == token:
            paired.update((stack.pop(), index))
        elif not any(tokens[i] == token for i in stack):  # an overlapping closer stays text
            stack.append(index)
    return paired


def _render(text: str, markup: bool) -> str:
    tokens = _TOKEN_RE.split(text)
    paired = _paired(tokens)
    opened: list[str] = []
    out: list[str] = []
    for index, token in enumerate(tokens):
        if index not in paired:
            out.append(html.escape(token, quote=False) if markup else token)
            continue
        if not markup:
            continue
        tag = MARKERS[token]
        if opened and opened[-1] == tag:
            opened.pop()
            out.append(f"</{tag}>")
        else:
            opened.append(tag)
            out.append(f"<{tag}>")
    return "".join(out)


def to_telegram_html(text: str) -> str:
    """The text for parse_mode=HTML: escaped, with the markup as <b> and <i>."""
    return _render(text, markup=True)


def to_plain(text: str) -> str:
    """The text as recipients see it without formatting (Zalo, lengths)."""
    return _render(text, markup=False)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def check_message(message: BroadcastMessage) -> None:
    """Raise MessageError unless every channel can send the message in one piece."""
    shown = to_plain(message.text).strip()
    if not shown:
        raise MessageError("the text is empty")
    if len(shown) > TEXT_LIMIT:
        raise MessageError(f"the text is {len(shown)} characters; at most {TEXT_LIMIT} "
                           "(Zalo's limit)")
    if message.image_url is not None:
        _check_url(message.image_url, "image")
        if utf16_len(shown) > CAPTION_LIMIT:
            raise MessageError(f"with an image the text is a caption: at most {CAPTION_LIMIT} "
                               "characters (Telegram's limit)")
    if message.link_url is not None:
        _check_url(message.link_url, "link")
        if not (message.link_label or "").strip():
            raise MessageError("a link button needs a label")


def _check_url(url: str, what: str) -> None:
    if not re.match(r"^https?://[^\s/]+\S*$", url):
        raise MessageError(f"the {what} must be an http(s) URL, not '{url}'")

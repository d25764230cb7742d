"""Zalo messages for a handler's replies, packed into as few as possible, and cut to the user's
free-reply budget (db/zalo_budget.py) with a last line saying how to see the rest.

An item is one Zalo message: a message body (text, template buttons) or, for a file or an image,
`{"upload": {...}}`, uploaded when it is sent. Items are plain JSON, so what does not fit is kept
in the database until the user types "tiếp".
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.channels.text import split_text
from content.normalize import tokenize
from handlers.messages import Attachment, Button, Reply

Item = dict[str, Any]

PAYLOAD_MARK = "#cds:"
"""Button payloads come back as the user's text (oa.query.hide); this mark tells them apart."""

MORE_WORDS = frozenset({"tiep", "xem tiep", "tiep tuc", "xem them", "more", "next"})
"""What a user types to get the rest of an answer (folded)."""


def asks_for_more(text: str) -> bool:
    return " ".join(tokenize(text)) in MORE_WORDS


def button_json(button: Button) -> dict[str, Any]:
    if button.url:
        return {"title": button.label[:100], "type": "oa.open.url", "payload": {"url": button.url}}
    return {"title": button.label[:100], "type": "oa.query.hide",
            "payload": f"{PAYLOAD_MARK}{button.payload or ''}"}


def messages_for(reply: Reply, text_limit: int, max_buttons: int,
                 type_a_number: str) -> tuple[list[Item], dict[str, str]]:
    """Zalo messages for one reply's text and buttons, and the numbered choices typed instead
    of pressed. The first `max_buttons` buttons are template buttons on the last text part; the
    rest are listed under the text as "6. Label" (Zalo shows no more), and typing the number
    presses them."""
    shown, rest = list(reply.buttons[:max_buttons]), reply.buttons[max_buttons:]
    lines: list[str] = []
    choices: dict[str, str] = {}
    for number, button in enumerate(rest, start=len(shown) + 1):
        if button.url:
            lines.append(f"{number}. {button.label}: {button.url}")
        else:
            lines.append(f"{number}. {button.label}")
            choices[str(number)] = button.payload or ""
    text = reply.text
    if lines:
        text = "\n\n".join(part for part in (text, type_a_number + "\n" + "\n".join(lines)) if part)
    if not text and shown:
        text = shown[0].label  # Zalo needs some text to carry the buttons
    messages: list[Item] = [{"text": part} for part in split_text(text, text_limit)] if text else []
    if shown:
        messages[-1]["attachment"] = {"type": "template", "payload": {
            "buttons": [button_json(b) for b in shown]}}
    return messages, choices


def pack(replies: Sequence[Reply], text_limit: int, max_buttons: int,
         type_a_number: str) -> tuple[list[Item], dict[str, str]]:
    """All the replies to one message as few Zalo messages: consecutive texts are joined (each
    Zalo message costs one of the user's free replies), their buttons go under the last part;
    a file or an image is a message of its own."""
    items: list[Item] = []
    choices: dict[str, str] = {}
    texts: list[str] = []
    buttons: list[Button] = []

    def flush() -> None:
        if texts or buttons:
            merged = Reply.with_buttons("\n\n".join(texts), buttons)
            messages, numbered = messages_for(merged, text_limit, max_buttons, type_a_number)
            items.extend(messages)
            choices.update(numbered)
            texts.clear()
            buttons.clear()

    for reply in replies:
        if reply.text:
            texts.append(reply.text)
        buttons.extend(reply.buttons)
        if reply.attachment is not None:
            flush()
            items.append({"upload": _upload_of(reply.attachment)})
    flush()
    return items, choices


def _upload_of(attachment: Attachment) -> dict[str, Any]:
    return {"kind": attachment.kind, "path": str(attachment.path),
            "filename": attachment.filename, "caption": attachment.caption}


def attachment_of(item: Item) -> Attachment:
    upload = item["upload"]
    return Attachment(upload["kind"], Path(upload["path"]), upload["filename"], upload["caption"])


def fit(items: list[Item], granted: int, hint: str,
        text_limit: int) -> tuple[list[Item], list[Item]]:
    """(what to send now, what to keep): at most `granted` messages, the last one ending with
    `hint` ("Bạn gõ “tiếp” để xem thêm.") when something is kept."""
    if len(items) <= granted:
        return list(items), []
    if granted <= 0:
        return [], list(items)
    now, rest = list(items[:granted]), list(items[granted:])
    last = now[-1]
    text = last.get("text")
    if text is not None and "upload" not in last and len(text) + 2 + len(hint) <= text_limit:
        now[-1] = {**last, "text": f"{text}\n\n{hint}"}
    else:
        rest.insert(0, now.pop())
        now.append({"text": hint})
    return now, rest

"""The channel-neutral message model: what adapters hand in, what handlers hand back."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

MAX_TEXT_CHARS = 4000
"""Incoming text beyond this is cut before handling (a polite note tells the user)."""


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """One thing a user did: typed text, a command, or pressed a button (`payload`)."""

    channel: str
    user_id: str
    chat_id: str
    text: str = ""
    payload: str | None = None
    locale_hint: str | None = None
    update_id: str | None = None
    is_group: bool = False
    addressed: bool = True
    """In a group: the message is a command or mentions the bot."""
    photo: str | None = None
    """An image the user sent: the platform's reference to it (Telegram file_id, Zalo URL)."""
    event: str | None = None
    """A platform event instead of text: 'blocked' / 'unblocked' (Telegram my_chat_member),
    'follow' / 'unfollow' (Zalo), 'unsupported' (a sticker, an image, a location…)."""

    @property
    def command(self) -> tuple[str, str] | None:
        """('/start', 'args') for a command, with any '@botname' suffix removed."""
        text = self.text.strip()
        if not text.startswith("/") or len(text) < 2:
            return None
        head, _, args = text.partition(" ")
        name = head.split("@", 1)[0].lower()
        return name, args.strip()


def shorten(text: str, limit: int) -> str:
    """The text, or its first words that fit in `limit` characters with "…": never cut inside
    a word (a label "… phải tổ c…" reads as a typo)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    if text[limit - 1] != " " and " " in cut:
        cut = cut[:cut.rfind(" ")]
    return cut.rstrip(" ,;:–-“\"(") + "…"


@dataclass(frozen=True, slots=True)
class Button:
    """A button: `payload` comes back as IncomingMessage.payload; `url` opens a link instead."""

    label: str
    payload: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    kind: str  # "document" or "image"
    path: Path
    filename: str
    caption: str | None = None


@dataclass(frozen=True, slots=True)
class AnswerInfo:
    """How a free-text question was answered (used by `cdsbot ask --json` and the question log)."""

    matched: bool
    faq_id: str | None
    score: float


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()
    attachment: Attachment | None = None
    answer: AnswerInfo | None = None
    expects_text: bool = False
    """The bot asked for typed input: a console must not read a typed number as a button."""
    track: int | None = None
    """A broadcast whose progress this message shows: channels that can edit a sent message
    update it as the broadcast goes; the others send the final summary."""
    private: bool = False
    """Send to the person's private chat, not to the group the message came from (reports)."""
    to: str | None = None
    """The chat to send to, when not the one the message came from (set by the pipeline)."""
    locale: str | None = None
    """The reader's language (set by the pipeline), for the words a channel adds itself
    (Zalo's "Or type a number", a followed broadcast's progress)."""

    @classmethod
    def with_buttons(cls, text: str, buttons: list[Button] | tuple[Button, ...],
                     **kwargs: object) -> Reply:
        return cls(text, tuple(buttons), **kwargs)  # type: ignore[arg-type]


@dataclass
class ConversationStep:
    """Where an unfinished conversation stands: the next handler's name and its collected data."""

    name: str
    data: dict[str, object] = field(default_factory=dict)


# -- stored forms: the inbox keeps messages and the outbox replies as JSON ------------------------

def message_to_json(msg: IncomingMessage) -> dict[str, object]:
    return {name: getattr(msg, name) for name in IncomingMessage.__slots__}


def message_from_json(data: dict[str, object]) -> IncomingMessage:
    known = set(IncomingMessage.__slots__)
    return IncomingMessage(**{k: v for k, v in data.items() if k in known})  # type: ignore[arg-type]


def reply_to_json(reply: Reply) -> dict[str, object]:
    """What sending needs: text, buttons, the file, the broadcast to follow."""
    data: dict[str, object] = {"text": reply.text}
    if reply.buttons:
        data["buttons"] = [[b.label, b.payload, b.url] for b in reply.buttons]
    if reply.attachment is not None:
        a = reply.attachment
        data["attachment"] = [a.kind, str(a.path), a.filename, a.caption]
    if reply.track is not None:
        data["track"] = reply.track
    if reply.locale is not None:
        data["locale"] = reply.locale
    return data


def reply_from_json(data: dict[str, object]) -> Reply:
    buttons = tuple(Button(str(label), payload, url)
                    for label, payload, url in data.get("buttons") or ())  # type: ignore[attr-defined]
    attachment = None
    stored = data.get("attachment")
    if isinstance(stored, list):
        kind, path, filename, caption = (str(v) if v is not None else None for v in stored)
        attachment = Attachment(kind or "document", Path(path or ""), filename or "", caption)
    track, locale = data.get("track"), data.get("locale")
    return Reply(str(data.get("text", "")), buttons, attachment,
                 track=int(track) if isinstance(track, int) else None,
                 locale=locale if isinstance(locale, str) else None)

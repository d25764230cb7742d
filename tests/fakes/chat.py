"""Message factories: drive the real pipeline as a user would (type text, press buttons)."""

from __future__ import annotations

import itertools

from bot.pipeline import Pipeline
from handlers.messages import Button, IncomingMessage, Reply

INTRODUCTION = "Nghị định 13/2023"
"""In the introduction that follows a person's first message (unless it was /start)."""


class Chat:
    """One user's conversation with the bot through the pipeline, remembering the last buttons."""

    _ids = itertools.count(1)

    def __init__(self, pipeline: Pipeline, channel: str = "test", user_id: str | None = None) -> None:
        self.pipeline = pipeline
        self.channel = channel
        self.user_id = user_id or f"user{next(self._ids)}"
        self.last: list[Reply] = []

    async def send(self, text: str, **kwargs: object) -> list[Reply]:
        msg = IncomingMessage(self.channel, self.user_id, self.user_id, text=text, **kwargs)  # type: ignore[arg-type]
        self.last = await self.pipeline.process(msg)
        return self.last

    async def press(self, label_or_payload: str) -> list[Reply]:
        """Press a button of the last replies, by its label or its payload."""
        button = self.button(label_or_payload)
        assert button.payload is not None, f"{button.label} is a link, not a button"
        msg = IncomingMessage(self.channel, self.user_id, self.user_id, text=button.label,
                              payload=button.payload)
        self.last = await self.pipeline.process(msg)
        return self.last

    def button(self, label_or_payload: str) -> Button:
        for reply in reversed(self.last):
            for button in reply.buttons:
                if label_or_payload in (button.label, button.payload):
                    return button
        raise AssertionError(f"no button {label_or_payload!r} in {self.buttons()}")

    def buttons(self) -> list[str]:
        return [b.label for r in self.last for b in r.buttons]

    @property
    def text(self) -> str:
        return "\n\n".join(r.text for r in self.last)

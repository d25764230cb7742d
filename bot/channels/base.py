"""What every chat channel is: a way in through the one intake (intake.py), a way out through
its platform's one connection (bot/platforms), and the platform's limits.

A channel's `send` raises content.errors.Unreachable when the platform says the chat cannot be
messaged; the intake then marks the identity unreachable (it never goes back into the pipeline).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from bot.channels.intake import Intake
from handlers.messages import Reply


@dataclass(frozen=True)
class Limits:
    """What one message may hold on the platform."""

    text_chars: int
    buttons: int | None
    """Buttons shown with one message (None: as many as the replies have)."""


class Channel(Protocol):
    name: str
    intake: Intake

    @property
    def limits(self) -> Limits: ...

    def add_routes(self, web_app: web.Application) -> None:
        """The platform's webhook on the bot's web server (nothing for polling)."""

    async def start(self) -> None: ...

    async def stop(self) -> None:
        """Finish what the intake holds, then stop receiving."""

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> None:
        """Send the replies in order; raises Unreachable when the chat cannot be messaged."""

"""The local console channel: `cdsbot chat`. Buttons are numbered; typing the number presses it."""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO

from handlers.messages import Button, IncomingMessage, Reply

CHANNEL = "console"
EXIT_WORDS = {"/quit", "/exit", "/thoat"}


class ConsoleChannel:
    """Converts typed lines to IncomingMessage and renders replies as text with numbered choices."""

    def __init__(self, user_id: str | None = None, locale_hint: str | None = None) -> None:
        self.user_id = user_id or getpass.getuser()
        self.locale_hint = locale_hint
        self.buttons: list[Button] = []
        self.expects_text = False

    def to_incoming(self, line: str) -> IncomingMessage:
        """A number that matches a shown button presses it; anything else is typed text."""
        text = line.strip()
        if text.isdigit() and not self.expects_text and 1 <= int(text) <= len(self.buttons):
            button = self.buttons[int(text) - 1]
            if button.payload is not None:
                return IncomingMessage(CHANNEL, self.user_id, self.user_id, text=button.label,
                                       payload=button.payload, locale_hint=self.locale_hint)
        return IncomingMessage(CHANNEL, self.user_id, self.user_id, text=text,
                               locale_hint=self.locale_hint)

    def render(self, replies: list[Reply]) -> str:
        """Text of each reply; the last reply's buttons become the numbered choices."""
        blocks: list[str] = []
        self.buttons = []
        self.expects_text = False
        for reply in replies:
            lines = [reply.text]
            if reply.attachment is not None:
                lines.append(f"[{reply.attachment.kind}: {reply.attachment.path}]")
            if reply.buttons:
                self.buttons = list(reply.buttons)
                for number, button in enumerate(reply.buttons, start=1):
                    target = f" → {button.url}" if button.url else ""
                    lines.append(f"  [{number}] {button.label}{target}")
            self.expects_text = reply.expects_text
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)


async def run_console(process: Callable[[IncomingMessage], Awaitable[list[Reply]]],
                      stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout,
                      channel: ConsoleChannel | None = None, greet: bool = True) -> None:
    """Read lines until end of input or /quit, printing the bot's replies."""
    console = channel or ConsoleChannel()
    if greet:
        stdout.write(console.render(await process(console.to_incoming("/start"))) + "\n")
    while True:
        stdout.write("\n> ")
        stdout.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line or line.strip().lower() in EXIT_WORDS:
            stdout.write("\n")
            return
        if not line.strip():
            continue
        stdout.write(console.render(await process(console.to_incoming(line))) + "\n")

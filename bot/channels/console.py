"""The local console channel: `cdsbot chat`. Buttons are numbered; typing the number presses it.

Every typed line goes through the one intake (bot/channels/intake.py) like a platform message:
stored, handled in order, its replies recorded and then printed. Announcements for this console
user (bot/platforms/local.py records them) are printed as they arrive, and a broadcast sent from
here prints its final state when it is over.
"""

from __future__ import annotations

import asyncio
import getpass
import itertools
import sys
import threading
import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import TextIO

from aiohttp import web

from bot.channels.base import Limits
from bot.channels.intake import Intake
from bot.channels.tracking import ProgressTracker
from bot.pipeline import Pipeline
from db.broadcasts.formatting import BroadcastMessage, to_plain
from db.local_deliveries import LocalDeliveries
from db.repositories import UserRepository
from handlers.messages import Button, IncomingMessage, Reply

CHANNEL = "console"
EXIT_WORDS = {"/quit", "/exit", "/thoat"}
ANNOUNCEMENT_POLL_SECONDS = 1.0


class ConsoleChannel:
    """One person at this terminal: typed lines in, replies printed with numbered choices."""

    name = CHANNEL
    limits = Limits(text_chars=1_000_000, buttons=None)

    def __init__(self, pipeline: Pipeline, user_id: str | None = None,
                 locale_hint: str | None = None, out: TextIO = sys.stdout) -> None:
        self.user_id = user_id or getpass.getuser()
        self.locale_hint = locale_hint
        self.out = out
        self.buttons: list[Button] = []
        self.expects_text = False
        # One person at their own keyboard (or a piped script): nothing to throttle.
        self.intake = Intake(CHANNEL, pipeline, self.send, prepare=self._numbered_choice,
                             throttle=None)
        self._session = uuid.uuid4().hex[:12]  # update ids stay unique across runs
        self._numbers = itertools.count(1)
        self.tracker = ProgressTracker(pipeline.sessions, pipeline.services.catalogs)
        self._announcements: asyncio.Task[None] | None = None

    def add_routes(self, web_app: web.Application) -> None:
        """The console has no webhook."""

    async def start(self) -> None:
        await self.intake.start()
        self._announcements = asyncio.create_task(self._show_announcements())

    async def stop(self) -> None:
        await self.intake.stop()
        await self.tracker.stop()
        if self._announcements is not None:
            self._announcements.cancel()
            await asyncio.gather(self._announcements, return_exceptions=True)
        await self.show_announcements()  # what arrived in the last moment is not left unshown

    async def show_announcements(self) -> int:
        """Print what was delivered to this user and not shown yet; how many."""
        async with self.intake.sessions() as session, session.begin():
            messages = await LocalDeliveries(session).take_unshown(CHANNEL, self.user_id)
        for message in messages:
            self.out.write("\n" + announcement_text(message) + "\n")
        self.out.flush()
        return len(messages)

    async def _show_announcements(self) -> None:
        while True:
            try:
                await self.show_announcements()
            except Exception as exc:  # the database may be away a moment: try again later
                self.intake.failures.failure("could not show console announcements", exc=exc)
            await asyncio.sleep(ANNOUNCEMENT_POLL_SECONDS)

    async def type(self, line: str) -> None:
        """One typed line, handled and answered before this returns."""
        await self.intake.accept(IncomingMessage(
            CHANNEL, self.user_id, self.user_id, text=line.strip(), locale_hint=self.locale_hint,
            update_id=f"{self._session}-{next(self._numbers)}"))
        await self.intake.idle()

    async def known(self) -> bool:
        """This console user has written before (and not deleted their data since)."""
        async with self.intake.sessions() as session:
            return await UserRepository(session).find(CHANNEL, self.user_id) is not None

    async def _numbered_choice(self, msg: IncomingMessage) -> IncomingMessage:
        """A number that matches a shown button presses it; anything else is typed text."""
        text = msg.text
        if text.isdigit() and not self.expects_text and 1 <= int(text) <= len(self.buttons):
            button = self.buttons[int(text) - 1]
            if button.payload is not None:
                return replace(msg, text=button.label, payload=button.payload)
        return msg

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> None:
        self.out.write(self.render(replies) + "\n")
        self.out.flush()
        for reply in replies:
            if reply.track is not None:
                self.tracker.follow(reply.track, self._final_state, reply.locale)

    async def _final_state(self, reply: Reply, final: bool) -> None:
        """A printed line cannot be edited: print a followed broadcast's state once it is over."""
        if final:
            self.out.write("\n" + reply.text + "\n")
            self.out.flush()

    def render(self, replies: Sequence[Reply]) -> str:
        """Text of each reply; the last reply's buttons become the numbered choices."""
        blocks: list[str] = []
        self.buttons = []
        self.expects_text = False
        for reply in replies:
            lines = [reply.text]
            if reply.attachment is not None:
                lines.append(f"📎 {reply.attachment.path}")
            if reply.buttons:
                self.buttons = list(reply.buttons)
                for number, button in enumerate(reply.buttons, start=1):
                    target = f" → {button.url}" if button.url else ""
                    lines.append(f"  [{number}] {button.label}{target}")
            self.expects_text = reply.expects_text
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)


def announcement_text(message: BroadcastMessage) -> str:
    """An announcement as the console prints it (symbols only: the text is the officer's)."""
    lines = [f"📢 {to_plain(message.text)}"]
    if message.image_url:
        lines.append(f"🖼 {message.image_url}")
    if message.link_url:
        lines.append(f"🔗 {message.link_label or message.link_url} → {message.link_url}")
    return "\n".join(lines)


async def run_console(console: ConsoleChannel, stdin: TextIO = sys.stdin,
                      greet: bool = True, stop: asyncio.Event | None = None) -> None:
    """Read lines until end of input, /quit or `stop`, printing the bot's replies. A new console
    user is greeted as /start greets; a known one goes on where they were (an open form stays
    open). A line being handled is always finished: `stop` is looked at between lines."""
    await console.start()
    lines = _Lines(stdin)
    try:
        if greet and not await console.known():
            await console.type("/start")
        while True:
            console.out.write("\n> ")
            console.out.flush()
            line = await lines.next(stop)
            if not line or line.strip().lower() in EXIT_WORDS:
                console.out.write("\n")
                return
            if line.strip():
                await console.type(line)
    finally:
        await console.stop()


class _Lines:
    """Lines of input read by a daemon thread: waiting for one can end with `stop`, and a
    blocked read never holds the process open at exit (asyncio.to_thread's would)."""

    def __init__(self, stdin: TextIO) -> None:
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[str] = asyncio.Queue()
        threading.Thread(target=self._read, args=(stdin,), daemon=True).start()

    def _read(self, stdin: TextIO) -> None:
        for line in [*iter(stdin.readline, ""), ""]:  # "" marks the end of input
            try:
                self.loop.call_soon_threadsafe(self.queue.put_nowait, line)
            except RuntimeError:  # the loop is closed: nobody is listening any more
                return

    async def next(self, stop: asyncio.Event | None) -> str:
        """The next line; "" at the end of input or when `stop` is set first."""
        if stop is None:
            return await self.queue.get()
        getting, stopping = asyncio.ensure_future(self.queue.get()), asyncio.ensure_future(stop.wait())
        await asyncio.wait({getting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if getting.done():
            return getting.result()
        getting.cancel()
        return ""

"""Kill the bot with SIGKILL while it is busy, start it again, and count what people received.

Real `cdsbot run` processes serve the webhooks; the platform is a fake server in this process
(tests/fakes) that also plays the platform's part on failure: a message whose webhook request
failed or got no 2xx is delivered again to the restarted bot (Telegram always does; Zalo retries
on connection failure). Every message comes from its own person, so a person's replies tell
whether their message was answered, and answered once. Used by tests/test_crash.py and
bench/faults.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time  # real clock: the platforms stamp their webhooks with it
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select

from db.engine import create_engine, session_factory
from db.inbox import PENDING
from db.models import InboxEntry, OutboxReply
from tests.clock_travel import bot_command
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZalo
from tests.test_runner import free_port

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "ngay chuyen doi so la ngay nao"
ANSWER_MARK = "505/QĐ-TTg"  # in the answer only (the greeting that follows names 10/10 too)
SECRET = "crash-test-secret"


@dataclass
class Outcome:
    channel: str
    messages: int
    accepted_before_kill: int = 0
    unsent_at_kill: int = 0
    """Replies recorded but not marked sent when the process died: the most that may come twice."""
    answered: int = 0
    lost: int = 0
    duplicated: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"{self.channel:9} messages {self.messages:5}  accepted before kill "
                f"{self.accepted_before_kill:5}  answered {self.answered:5}  lost {self.lost:3}  "
                f"duplicated {self.duplicated:3} (in flight at kill: {self.unsent_at_kill})  "
                f"{self.seconds:.1f} s")


class Platform:
    """The fake platform and the webhook requests it makes to the bot."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.telegram = FakeTelegramAPI(token="4242:CRASH") if channel == "telegram" else None
        self.zalo = FakeZalo() if channel == "zalo" else None

    async def __aenter__(self) -> Platform:
        await (self.telegram or self.zalo).__aenter__()  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc: object) -> None:
        await (self.telegram or self.zalo).__aexit__(*exc)  # type: ignore[union-attr]

    def env(self) -> dict[str, str]:
        if self.telegram is not None:
            return {"TELEGRAM_BOT_TOKEN": self.telegram.token,
                    "TELEGRAM_API_BASE_URL": self.telegram.base_url,
                    "TELEGRAM_FILE_BASE_URL": self.telegram.base_file_url,
                    "TELEGRAM_WEBHOOK_URL": "https://bot.example/webhooks/telegram",
                    "TELEGRAM_WEBHOOK_SECRET": SECRET, "TELEGRAM_MAX_RATE": "2000"}
        assert self.zalo is not None
        access, refresh = self.zalo.issue_tokens()
        return {"ZALO_APP_ID": self.zalo.app_id, "ZALO_APP_SECRET": self.zalo.app_secret,
                "ZALO_OA_SECRET_KEY": self.zalo.oa_secret_key, "ZALO_ACCESS_TOKEN": access,
                "ZALO_REFRESH_TOKEN": refresh, "ZALO_API_BASE_URL": self.zalo.api_base_url,
                "ZALO_OAUTH_BASE_URL": self.zalo.oauth_base_url}

    def webhook(self, n: int) -> tuple[str, bytes, dict[str, str]]:
        """Message n (from person n) as the platform posts it: path, body, headers."""
        if self.telegram is not None:
            update = self.telegram.message_update(700_000 + n, QUESTION)
            update["update_id"] = 900_000 + n  # fixed, so a redelivery carries the same id
            return ("/webhooks/telegram", json.dumps(update).encode(),
                    {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"})
        assert self.zalo is not None
        now_ms = int(time.time() * 1000)  # real clock: Zalo's replay window checks it
        body, headers = self.zalo.signed_event(self.zalo.text_event(
            f"z{n}", QUESTION, msg_id=f"crash-{n}", timestamp_ms=now_ms))
        return "/webhooks/zalo", body, headers

    def answers_per_person(self, messages: int) -> Counter[int]:
        if self.telegram is not None:
            return Counter(r.chat_id - 700_000 for r in self.telegram.sent
                           if ANSWER_MARK in (r.text or ""))
        assert self.zalo is not None
        return Counter(int(r.user_id[1:]) for r in self.zalo.sent if ANSWER_MARK in (r.text or ""))


class BotProcess:
    """`cdsbot run` in its own process, serving webhooks on its own port."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.port = free_port()
        self.env = {**env, "WEB_HOST": "127.0.0.1", "WEB_PORT": str(self.port)}
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self) -> None:
        with (self.cwd / f"bot-{self.port}.log").open("ab") as log:
            self.process = subprocess.Popen(bot_command("run"), cwd=self.cwd, env=self.env,
                                            stdout=log, stderr=log)

    async def start(self, http: aiohttp.ClientSession, within: float = 60) -> None:
        """Start the process and wait until /readyz says 200."""
        self._spawn()
        assert self.process is not None
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log_tail()
            try:
                async with http.get(self.url + "/readyz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)  # noqa: ASYNC110 - the state is in the database
        raise AssertionError("the bot did not start: " + self.log_tail())

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def log_tail(self) -> str:
        path = self.cwd / f"bot-{self.port}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def bot_env(database_url: str, platform: Platform) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(
        ("BROADCAST_", "TELEGRAM_", "ZALO_", "REDIS_", "DATABASE_", "INCOMING_"))}
    env.update({"DATABASE_URL": database_url, "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT),
                "BROADCAST_WORKER_IN_RUN": "false", "DATABASE_POOL_SIZE": "10"})
    env.update(platform.env())
    return env


async def _post_all(http: aiohttp.ClientSession, bots: list[BotProcess], platform: Platform,
                    numbers: list[int], concurrency: int) -> set[int]:
    """Post the messages, `concurrency` at a time, spread over the bots; the ones acknowledged."""
    accepted: set[int] = set()
    queue = list(reversed(numbers))

    async def sender() -> None:
        while queue:
            n = queue.pop()
            path, body, headers = platform.webhook(n)
            try:
                async with http.post(bots[n % len(bots)].url + path, data=body,
                                     headers=headers) as response:
                    if response.status == 200:
                        accepted.add(n)
            except (aiohttp.ClientError, TimeoutError):
                pass  # the process died under this request: the platform delivers it again

    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return accepted


async def _left_over(database_url: str) -> tuple[int, int]:
    """Messages not yet handled and replies not yet marked sent."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            pending = select(func.count()).select_from(InboxEntry).where(InboxEntry.state == PENDING)
            unsent = select(func.count()).select_from(OutboxReply).where(OutboxReply.sent_at.is_(None))
            return (int((await session.execute(pending)).scalar_one()),
                    int((await session.execute(unsent)).scalar_one()))
    finally:
        await engine.dispose()


async def kill_and_restart(channel: str, database_url: str, workdir: Path, *, messages: int = 300,
                           workers: int = 1, kill_when_answered: float = 0.3,
                           concurrency: int = 32, settle_seconds: float = 120) -> Outcome:
    """Post `messages`; SIGKILL the first worker once `kill_when_answered` of them are answered;
    restart it; deliver again what was not acknowledged; count answers per person."""
    outcome = Outcome(channel, messages)
    started = time.monotonic()
    async with AsyncExitStack() as stack:
        platform = await stack.enter_async_context(Platform(channel))
        http = await stack.enter_async_context(aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=30)))
        env = bot_env(database_url, platform)
        bots = [BotProcess(env, workdir) for _ in range(workers)]
        for bot in bots:
            stack.callback(bot.stop)
            await bot.start(http)
        victim = bots[0]

        async def kill_when_busy() -> None:
            target = messages * kill_when_answered
            answered = lambda: sum(platform.answers_per_person(messages).values())  # noqa: E731
            while answered() < target:  # noqa: ASYNC110 - the fake records sends, nothing signals
                await asyncio.sleep(0.005)
            victim.kill()

        killer = asyncio.create_task(kill_when_busy())
        numbers = list(range(messages))
        accepted = await _post_all(http, bots, platform, numbers, concurrency)
        await asyncio.wait_for(killer, settle_seconds)
        outcome.accepted_before_kill = len(accepted)
        outcome.unsent_at_kill = (await _left_over(database_url))[1]
        await victim.start(http)
        # The platform delivers again everything that was not acknowledged.
        missing = [n for n in numbers if n not in accepted]
        while missing:
            accepted |= await _post_all(http, bots, platform, missing, concurrency)
            missing = [n for n in numbers if n not in accepted]
        deadline = time.monotonic() + settle_seconds
        # Done when every message is handled and every reply marked sent (a reply is marked
        # after the platform has it, so nothing is still on its way then).
        while (await _left_over(database_url) != (0, 0)  # noqa: ASYNC110 - state in the database
               and time.monotonic() < deadline):
            await asyncio.sleep(0.1)
        answers = platform.answers_per_person(messages)
        outcome.answered = len(answers)
        outcome.lost = messages - len(answers)
        outcome.duplicated = sum(count - 1 for count in answers.values())
        for bot in bots:
            if bot.process is not None and bot.process.poll() is not None and bot is not victim:
                outcome.notes.append("a worker stopped: " + bot.log_tail())
    outcome.seconds = time.monotonic() - started
    return outcome


def describe(outcome: Outcome) -> dict[str, Any]:
    return {key: getattr(outcome, key) for key in (
        "channel", "messages", "accepted_before_kill", "unsent_at_kill", "answered", "lost",
        "duplicated", "seconds")}

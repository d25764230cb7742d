"""The running bot deletes delivery records older than MESSAGE_RETENTION_DAYS (they hold what
people wrote) and keeps the recent ones, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import open_app
from bot.housekeeping import purge_once
from bot.runner import serve
from bot.settings import Settings
from db.models import (
    ButtonChoices,
    CallbackPayload,
    InboxEntry,
    LocalDelivery,
    OutboxReply,
    WebConversation,
    WebEvent,
)
from tests.conftest import FIXED_NOW
from tests.test_runner import free_port

Sessions = async_sessionmaker[AsyncSession]
OLD = FIXED_NOW - dt.timedelta(days=8)
RECENT = FIXED_NOW - dt.timedelta(days=1)


async def add_records(sessions: Sessions, at: dt.datetime, tag: str) -> None:
    async with sessions() as session, session.begin():
        session.add(InboxEntry(channel="zalo", update_id=f"m-{tag}", user_id="u1",
                               message={"text": "toi ten An"}, state="handled", received_at=at))
        session.add(OutboxReply(inbox_id=1, channel="zalo", chat_id="u1", reply={"text": "x"},
                                created_at=at, claimed_at=at, sent_at=at))
        session.add(CallbackPayload(payload=f"faq:{tag}", created_at=at))
        session.add(ButtonChoices(channel="zalo", user_id=f"u-{tag}", choices={"6": "faq:x"},
                                  updated_at=at))
        session.add(LocalDelivery(channel="demo", chat_id="d1", message={"text": "x"},
                                  delivered_at=at))
        conversation = WebConversation(visitor_id=f"w-{tag}", last_seq=1, started_at=at,
                                       updated_at=at)
        session.add(conversation)
        await session.flush()
        session.add(WebEvent(conversation_id=conversation.id, seq=1, kind="user",
                             body={"text": "toi ten An"}, created_at=at))


async def counts(sessions: Sessions) -> list[int]:
    async with sessions() as session:
        return [int((await session.execute(select(func.count()).select_from(model))).scalar_one())
                for model in (InboxEntry, OutboxReply, CallbackPayload, ButtonChoices,
                              LocalDelivery, WebEvent)]


async def test_records_older_than_the_retention_go_and_recent_ones_stay(sessions: Sessions):
    await add_records(sessions, OLD, "old")
    await add_records(sessions, RECENT, "recent")
    removed = await purge_once(sessions, dt.timedelta(days=7), now=FIXED_NOW)
    assert removed == {"inbox": 1, "reply_outbox": 1, "callback_payloads": 1, "button_choices": 1,
                       "local_deliveries": 1, "web_events": 1}
    assert await counts(sessions) == [1, 1, 1, 1, 1, 1]


async def test_the_running_bot_purges_on_its_own(tmp_path: Path):
    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'h.sqlite3'}",  # type: ignore[call-arg]
                        web_host="127.0.0.1", web_port=free_port(), message_retention_days=7,
                        broadcast_worker_in_run=False)
    async with open_app(settings) as app:
        now = dt.datetime.now(dt.UTC)  # real clock: the running bot purges by the real date
        await add_records(app.sessions, now - dt.timedelta(days=30), "old")
        stop = asyncio.Event()
        task = asyncio.create_task(serve(app, stop))
        try:
            for _ in range(200):  # until the first purge has run (it runs at start)
                if await counts(app.sessions) == [0] * 6:
                    break
                await asyncio.sleep(0.05)
            assert await counts(app.sessions) == [0] * 6
        finally:
            stop.set()
            await asyncio.wait_for(task, 15)

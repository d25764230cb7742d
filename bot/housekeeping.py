"""What the running bot removes as it goes: records kept only to deliver messages reliably
(inbox, reply outbox, long button payloads, numbered button lists, announcements
delivered locally) once they are older than
MESSAGE_RETENTION_DAYS. They hold what people wrote, so they are not kept longer than needed
(Decree 13/2023/NĐ-CP); the retention outlasts every platform's redelivery (Telegram: 24 h)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.channel_state import ButtonChoiceRepository
from db.inbox import Inbox, ReplyOutbox
from db.local_deliveries import LocalDeliveries
from db.models import utcnow
from db.payloads import CallbackPayloadRepository
from db.web_chat import WebEventLog

log = logging.getLogger(__name__)
EVERY = dt.timedelta(hours=1)


async def purge_once(sessions: async_sessionmaker[AsyncSession], retention: dt.timedelta,
                     now: dt.datetime | None = None) -> dict[str, int]:
    """Delete what is older than `retention`; how many rows of each kind went."""
    cutoff = (now or utcnow()) - retention
    async with sessions() as session, session.begin():
        removed = {
            "inbox": await Inbox(session).purge_older_than(cutoff),
            "reply_outbox": await ReplyOutbox(session).purge_older_than(cutoff),
            "callback_payloads": await CallbackPayloadRepository(session).purge_older_than(cutoff),
            "button_choices": await ButtonChoiceRepository(session).purge_older_than(cutoff),
            "local_deliveries": await LocalDeliveries(session).purge_older_than(cutoff),
            "web_events": await WebEventLog(session).purge_older_than(cutoff),
        }
    return removed


async def run_housekeeping(sessions: async_sessionmaker[AsyncSession], retention: dt.timedelta,
                           stop: asyncio.Event) -> None:
    """Purge now, then once an hour, until `stop` is set."""
    while not stop.is_set():
        try:
            removed = await purge_once(sessions, retention)
            if any(removed.values()):
                log.info("removed records older than %s days: %s", retention.days, removed)
        except Exception as exc:
            log.warning("could not remove old records (%s); trying again in an hour",
                        type(exc).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), EVERY.total_seconds())

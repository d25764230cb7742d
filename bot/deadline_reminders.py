"""Reminding team leaders of their province's reporting deadlines (from content), a configurable
number of days before (DEADLINE_REMINDER_DAYS).

Each (deadline occurrence, leader) is recorded in sent_reminders before the message goes out, in
its own transaction, so several workers and restarts never send it twice. The price is that a
send failing after the record is not retried (at most once); the broadcast outbox is where
delivery guarantees live.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from content.models import Deadline
from db.models import ChannelIdentity, Role, SentReminder, Team, TeamMember, User, utcnow
from handlers.context import Services
from handlers.messages import Reply

log = logging.getLogger(__name__)
Send = Callable[[str, Sequence[Reply]], Awaitable[None]]
CHECK_EVERY = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Due:
    key: str
    deadline: Deadline
    due: dt.date
    province: str


def upcoming(services: Services, today: dt.date, days_before: int) -> list[Due]:
    """Provincial deadlines falling within `days_before` days from today (today included)."""
    found = []
    for pack, deadline in services.content.deadlines():
        if pack.province is None:
            continue  # national deadlines concern ministries and provinces, not teams
        due = deadline.next_due(today)
        if today <= due <= today + dt.timedelta(days=days_before):
            found.append(Due(f"deadline:{deadline.id}:{due.isoformat()}", deadline, due,
                             pack.province.slug))
    return found


async def _leaders(session: AsyncSession, province: str) -> list[tuple[User, ChannelIdentity]]:
    statement = (select(User, ChannelIdentity)
                 .join(TeamMember, TeamMember.user_id == User.id)
                 .join(Team, Team.id == TeamMember.team_id)
                 .join(ChannelIdentity, ChannelIdentity.user_id == User.id)
                 .where(Team.province == province, TeamMember.role >= int(Role.LEADER),
                        ChannelIdentity.reachable.is_(True)))
    return [(row[0], row[1]) for row in (await session.execute(statement)).all()]


async def _claim(session: AsyncSession, key: str, user_id: int) -> bool:
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    result = await session.execute(insert(SentReminder).values(key=key, user_id=user_id,
                                                               sent_at=utcnow())
                                   .on_conflict_do_nothing())
    return bool(getattr(result, "rowcount", 0))


def message(services: Services, user: User, item: Due, today: dt.date) -> Reply:
    t = services.catalogs.translator(user.locale or services.catalogs.default_locale)
    return Reply(t("Reporting deadline reminder: {title}, due {date} ({days} days left). "
                   "See your team's figures with /baocao.", title=item.deadline.title,
                   date=t.fmt.date(item.due), days=t.fmt.number((item.due - today).days)))


async def send_due_reminders(services: Services, sessions: async_sessionmaker[AsyncSession],
                             senders: Mapping[str, Send], today: dt.date, days_before: int) -> int:
    """Send every reminder that is due and not yet sent; return how many went out."""
    sent = 0
    for item in upcoming(services, today, days_before):
        async with sessions() as session:
            targets = await _leaders(session, item.province)
        for user, identity in targets:
            send = senders.get(identity.channel)
            if send is None:
                continue
            async with sessions() as session, session.begin():
                claimed = await _claim(session, item.key, user.id)
            if not claimed:
                continue
            try:
                await send(identity.chat_id, [message(services, user, item, today)])
                sent += 1
            except Exception:  # one unreachable leader must not stop the others
                log.exception("deadline reminder %s to user %s failed", item.key, user.id)
    return sent


async def run_reminders(services: Services, sessions: async_sessionmaker[AsyncSession],
                        senders: Mapping[str, Send], days_before: int, stop: asyncio.Event) -> None:
    """Check once an hour until `stop` is set."""
    while not stop.is_set():
        today = dt.datetime.now(services.timezone).date()
        try:
            count = await send_due_reminders(services, sessions, senders, today, days_before)
            if count:
                log.info("sent %d deadline reminders", count)
        except Exception:
            log.exception("deadline reminders failed; trying again in an hour")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), CHECK_EVERY.total_seconds())

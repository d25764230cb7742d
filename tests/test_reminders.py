"""Automatic reminders from content through the outbox: planned on the right day, created once
however often planned, sent to the right people, and each kind can be turned off (/nhacnho)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sqlalchemy import func, select

from bot.pipeline import Pipeline
from bot.reminders import plan_once
from db.broadcasts.audience import DEFAULT_RULES
from db.models import Broadcast, Delivery, ReminderOptOut
from handlers.reminders import plan
from tests.team_helpers import subscriber


def first_contest_round(services):
    pack, contest = next((p, c) for p, c in services.content.contests() if p.province)
    return pack, contest, contest.rounds[0]


def test_each_kind_is_planned_on_its_day(services):
    t = services.catalogs.translator("vi")
    planned = plan(services.content, t, dt.date(2024, 12, 12), lead_days=3)
    deadline = next(p for p in planned if p.kind == "deadline")
    assert deadline.filters == ("role:leader", "province:hung-yen", "reminder:deadline")
    assert "15/12/2024" in deadline.text
    pack, contest, first = first_contest_round(services)
    opening = plan(services.content, t, first.start - dt.timedelta(days=3), lead_days=3)
    assert any(p.kind == "contest" and contest.name in p.text and
               f"province:{pack.province.current}" in p.filters for p in opening)
    _, event = services.content.events()[0]
    eve = event.sessions[0].date - dt.timedelta(days=1)
    assert any(p.kind == "event" and p.text.startswith("Ngày mai")
               for p in plan(services.content, t, eve, lead_days=3))
    assert plan(services.content, t, dt.date(2031, 2, 2), lead_days=3) == []


async def test_a_reminder_is_created_once_and_skips_who_turned_it_off(pipeline, services):
    pipeline = Pipeline(replace(services, broadcast_rules=DEFAULT_RULES), pipeline.sessions,
                        clock=pipeline.clock)
    pack, _, first = first_contest_round(services)
    keen = await subscriber(pipeline, pack.province.slug)
    tired = await subscriber(pipeline, pack.province.slug)
    await subscriber(pipeline, "nghe-an" if pack.province.slug != "nghe-an" else "tien-giang")
    await tired.send("/nhacnho")
    await tired.press("rem:contest")
    assert [b for b in tired.buttons() if b.startswith("❌")] == ["❌ Cuộc thi mở và đóng vòng"]
    day = first.start - dt.timedelta(days=3)
    now = dt.datetime.combine(day, dt.time(8), tzinfo=services.timezone)
    created = await plan_once(pipeline.services, pipeline.sessions, 3, now)
    assert created
    assert await plan_once(pipeline.services, pipeline.sessions, 3, now) == []  # once only
    async with pipeline.sessions() as session:
        reminders = (await session.execute(select(Broadcast).where(
            Broadcast.reminder_key.like("contest-open:%")))).scalars().all()
        assert len(reminders) == 1
        recipients = (await session.execute(
            select(func.count()).select_from(Delivery)
            .where(Delivery.broadcast_id == reminders[0].id))).scalar_one()
        assert recipients == 1  # the keen subscriber of that province only
    await tired.press("rem:contest")  # back on
    assert not [b for b in tired.buttons() if b.startswith("❌")]
    async with pipeline.sessions() as session:
        assert (await session.execute(select(ReminderOptOut))).first() is None
    assert keen.user_id

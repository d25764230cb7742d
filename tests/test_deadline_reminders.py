"""Team leaders are reminded of their province's reporting deadline once, a few days before,
through the real Telegram channel and the fake Bot API."""

from __future__ import annotations

import datetime as dt

from bot.deadline_reminders import send_due_reminders, upcoming
from db.models import ChannelIdentity, Role, User
from db.teams import TeamRepository
from tests.test_telegram import Bot, bot  # noqa: F401  (fixture)

LEADER, MEMBER, OTHER_PROVINCE = 9101, 9102, 9103


async def add_team_person(bot: Bot, province: str, telegram_id: int, role: Role) -> None:  # noqa: F811
    async with bot.pipeline.sessions() as session, session.begin():
        teams = TeamRepository(session)
        team = await teams.create(name=f"Tổ {telegram_id}", province=province, district="Vũ Thư",
                                  communes=["Song An"])
        user = User()
        session.add(ChannelIdentity(channel="telegram", external_id=str(telegram_id),
                                    chat_id=str(telegram_id), user=user))
        await session.flush()
        await teams.add_member(team, user, role)


def test_only_provincial_deadlines_inside_the_window_are_due(services):
    # Thái Bình reports every 15/6 and 15/12; three days before 15/12/2024:
    due = upcoming(services, dt.date(2024, 12, 12), days_before=3)
    assert [(d.deadline.id, d.due) for d in due] == [("tb-deadline-annual", dt.date(2024, 12, 15))]
    assert upcoming(services, dt.date(2024, 12, 11), days_before=3) == []
    assert upcoming(services, dt.date(2024, 12, 16), days_before=3) == []


async def test_each_leader_is_reminded_once(bot: Bot):  # noqa: F811
    await add_team_person(bot, "thai-binh", LEADER, Role.LEADER)
    await add_team_person(bot, "thai-binh", MEMBER, Role.MEMBER)
    await add_team_person(bot, "nghe-an", OTHER_PROVINCE, Role.LEADER)
    senders = {"telegram": bot.channel.send}
    today = dt.date(2024, 12, 13)
    services = bot.pipeline.services
    assert await send_due_reminders(services, bot.pipeline.sessions, senders, today, 3) == 1
    assert await send_due_reminders(services, bot.pipeline.sessions, senders, today, 3) == 0
    assert await send_due_reminders(services, bot.pipeline.sessions, senders,
                                    today + dt.timedelta(days=1), 3) == 0  # the next day too
    [reminder] = bot.api.sent_to(LEADER)
    assert "Nhắc hạn báo cáo" in reminder.text and "15/12/2024" in reminder.text
    assert "còn 2 ngày" in reminder.text
    assert bot.api.sent_to(MEMBER) == [] and bot.api.sent_to(OTHER_PROVINCE) == []

"""Broadcast audiences (filters, reachability, one message per person) and message formatting."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast import (
    AudienceError,
    AudienceRules,
    BroadcastError,
    Link,
    MessageError,
    count_reachable,
    create_broadcast,
    parse_filters,
    to_plain,
    to_telegram_html,
)
from db.broadcasts import outbox
from db.broadcasts.audience import SYSTEM
from db.models import (
    Broadcast,
    ChannelIdentity,
    Role,
    Subscription,
    Team,
    TeamMember,
    User,
    utcnow,
)
from tests.broadcast_helpers import add_people, delivery_states
from tests.fakes.telegram_api import APIError, visible_text

NOW = utcnow()  # real clock: people are added as seen now (add_people)



# -- filters and formatting (no database) ------------------------------------------------------

def test_filters_parse_and_keep_what_was_written():
    audience = parse_filters(["topic:contests", "Topic:events", "province:nghe-an", "role:leader",
                              "team:7", "all", "commune:phường Vinh Hưng", "province:Tiền Giang"])
    assert audience.topics == {"contests", "events"}
    # Names become today's units: Tiền Giang is part of Đồng Tháp; the ward is given by code.
    assert audience.provinces == {"nghe-an", "dong-thap"} and audience.communes == {"17920"}
    assert audience.teams == {7} and audience.roles == {"leader"}
    assert audience.filters == ("topic:contests", "topic:events", "province:nghe-an",
                                "role:leader", "team:7", "all", "commune:17920",
                                "province:dong-thap")
    assert parse_filters([]) == parse_filters(["all"])


@pytest.mark.parametrize("bad", ["topic:weather", "team:abc", "role:king", "city:hue", "province:",
                                 "province:atlantis", "commune:Không Có", "district:Mỹ Tho",
                                 "everyone"])
def test_bad_filters_say_what_is_wrong(bad: str):
    with pytest.raises(AudienceError, match="'" + bad.split(":")[0]):
        parse_filters([bad])


def test_markup_becomes_safe_telegram_html_and_plain_text_for_zalo():
    text = "**Ngày CĐS** 10/10 & <quà> __tặng **ngay**__"
    assert to_telegram_html(text) == ("<b>Ngày CĐS</b> 10/10 &amp; &lt;quà&gt; "
                                      "<i>tặng <b>ngay</b></i>")
    assert to_plain(text) == "Ngày CĐS 10/10 & <quà> tặng ngay"
    assert to_telegram_html("**a __b** c__ **") == "<b>a <i>b** c</i> </b>"  # overlap: text


def test_any_text_gives_html_telegram_accepts():
    pieces = ["**", "__", "a", " ", "<", ">", "&", "b&c;", "*", "_", "đ"]
    generator = random.Random(6)
    for _ in range(2000):
        text = "".join(generator.choice(pieces) for _ in range(generator.randint(1, 12)))
        try:
            shown = visible_text(to_telegram_html(text), "HTML")
        except APIError as error:
            raise AssertionError(f"{text!r}: {error}") from None
        assert shown == to_plain(text)


# -- who is reachable (SQLite and PostgreSQL) ---------------------------------------------------

async def _person(session: AsyncSession, *identities: tuple[str, str, bool, dt.timedelta],
                  topics: tuple[str, ...] = (), province: str | None = None,
                  role: Role = Role.CITIZEN, team: Team | None = None,
                  team_role: Role = Role.MEMBER) -> User:
    user = User(province=province, role=int(role))
    session.add(user)
    await session.flush()
    for channel, chat, reachable, age in identities:
        session.add(ChannelIdentity(user_id=user.id, channel=channel, external_id=chat,
                                    chat_id=chat, reachable=reachable, last_message_at=NOW - age))
    session.add_all(Subscription(user_id=user.id, topic=t) for t in topics)
    if team is not None:
        session.add(TeamMember(user_id=user.id, team_id=team.id, role=int(team_role)))
    return user


DAY = dt.timedelta(days=1)


@pytest.fixture
async def people(sessions: async_sessionmaker[AsyncSession]) -> int:
    """A small town; returns the team's id."""
    async with sessions() as session, session.begin():
        team = Team(name="Tổ Vinh Hưng", province="nghe-an", commune_code="17920",
                    communes=["17920"])
        session.add(team)
        await session.flush()
        await _person(session, ("telegram", "1", True, DAY), topics=("announcements",),
                      province="nghe-an")
        await _person(session, ("telegram", "2", True, DAY), topics=("contests",),
                      province="dong-thap")
        await _person(session, ("telegram", "3", True, DAY))  # never subscribed
        await _person(session, ("zalo", "z4", True, 2 * DAY), topics=("events",))
        await _person(session, ("zalo", "z5", True, 8 * DAY), topics=("events",))  # window over
        await _person(session, ("telegram", "6", True, DAY), ("zalo", "z6", True, DAY),
                      topics=("contests",))  # on both channels: messaged once, on Telegram
        await _person(session, ("telegram", "7", False, DAY), ("zalo", "z7", True, DAY),
                      topics=("contests",))  # blocked the bot on Telegram: Zalo then
        await _person(session, ("telegram", "8", True, DAY), team=team, team_role=Role.LEADER,
                      role=Role.LEADER)  # no province of their own: the team's
        await _person(session, ("telegram", "9", True, DAY), team=team, role=Role.MEMBER,
                      topics=("events",))
        await _person(session, ("telegram", "10", True, DAY), role=Role.OFFICER,
                      province="nghe-an")
        await _person(session, ("console", "11", True, DAY), topics=("contests",))
        return team.id


async def _counts(sessions: async_sessionmaker[AsyncSession], *filters: str,
                  rules: AudienceRules | None = None) -> dict[str, int]:
    async with sessions() as session:
        return await count_reachable(session, filters, NOW, rules or AudienceRules())


async def test_all_means_every_subscriber_once_on_their_first_reachable_channel(sessions, people):
    assert await _counts(sessions, "all") == {"telegram": 4, "zalo": 2}  # 1 2 6 9, z4 z7
    assert await _counts(sessions) == await _counts(sessions, "all")


async def test_zalo_window_and_channel_choice_follow_the_rules(sessions, people):
    no_window = AudienceRules(zalo_window=None)
    assert await _counts(sessions, "topic:events", rules=no_window) == {"telegram": 1, "zalo": 2}
    assert await _counts(sessions, "topic:events") == {"telegram": 1, "zalo": 1}
    zalo_only = AudienceRules(channels=("zalo",))
    assert await _counts(sessions, "topic:contests", rules=zalo_only) == {"zalo": 2}


async def test_kinds_combine_with_and_values_of_one_kind_with_or(sessions, people):
    assert await _counts(sessions, "topic:contests") == {"telegram": 2, "zalo": 1}
    assert await _counts(sessions, "topic:contests", "topic:announcements") == {
        "telegram": 3, "zalo": 1}
    assert await _counts(sessions, "topic:contests", "province:tien-giang") == {
        "telegram": 1, "zalo": 0}
    assert await _counts(sessions, "province:nghe-an") == {"telegram": 2, "zalo": 0}  # 1, 9


async def test_teams_and_roles_pick_people_without_subscriptions(sessions, people):
    team = people
    assert await _counts(sessions, f"team:{team}") == {"telegram": 2, "zalo": 0}
    assert await _counts(sessions, "role:leader") == {"telegram": 1, "zalo": 0}
    assert await _counts(sessions, "role:leader", "role:member") == {"telegram": 2, "zalo": 0}
    assert await _counts(sessions, "role:leader", "province:nghe-an") == {"telegram": 1, "zalo": 0}
    assert await _counts(sessions, "role:officer", "province:nghe-an") == {"telegram": 1,
                                                                          "zalo": 0}
    assert await _counts(sessions, f"team:{team}", "topic:events") == {"telegram": 1, "zalo": 0}


async def test_create_writes_one_delivery_per_reachable_person(sessions, people):
    broadcast_id = await create_broadcast(sessions, text="Chào", filters=["topic:contests"])
    assert await delivery_states(sessions, broadcast_id) == {"pending": 3}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"text": "  "}, "empty"),
    ({"text": "x" * 2001}, "2000"),
    ({"text": "x" * 1100, "image_url": "https://a.vn/p.jpg"}, "caption"),
    ({"text": "x", "image_url": "ftp://a.vn/p.jpg"}, "http"),
    ({"text": "x", "link": Link("https://a.vn", " ")}, "label"),
    ({"text": "x", "at": NOW - DAY}, "past"),
    ({"text": "x", "at": dt.datetime(2030, 1, 1)}, "time zone"),
])
async def test_what_cannot_be_sent_is_refused_before_anything_is_written(sessions, kwargs, message):
    with pytest.raises((BroadcastError, MessageError), match=message):
        await create_broadcast(sessions, filters=["all"], **kwargs)
    async with sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Broadcast))).scalar() == 0


async def test_create_in_session_writes_utc_times_whatever_the_zone_given(sessions):
    await add_people(sessions, 2)
    local_now = utcnow().astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))  # real clock: claim's
    async with sessions() as session, session.begin():
        broadcast_id, total = await outbox.create_in_session(session, text="Chào", filters=["all"],
                                                             now=local_now, sender=SYSTEM)
    assert total == 2
    async with sessions() as session, session.begin():  # due now, not in seven hours
        rows = await outbox.claim(session, "w1", 10, DAY, broadcast_id=broadcast_id,
                                  channel="telegram")
    assert len(rows) == 2

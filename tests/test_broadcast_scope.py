"""An officer's announcement never leaves their area: the area is ANDed with every filter they
choose, where deliveries are counted and created (db/broadcasts), and in the chat flow on top.
Every kind of audience against every kind of sender, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.broadcasts.audience import (
    NOWHERE,
    SYSTEM,
    Area,
    AudienceError,
    Sender,
    count_reachable,
    parse_filters,
    recipients,
    scoped_to,
)
from db.broadcasts.outbox import create_in_session
from db.models import (
    Broadcast,
    ChannelIdentity,
    Delivery,
    Role,
    Subscription,
    Team,
    TeamMember,
    User,
)
from tests.broadcast_helpers import delivery_states

NOW = dt.datetime(2024, 10, 5, 2, 0, tzinfo=dt.UTC)
Sessions = async_sessionmaker[AsyncSession]

# Current communes by code: two wards of Nghệ An, one of Đồng Tháp.
VINH_HUNG, CUA_LO, MY_PHONG = "17920", "16732", "28273"
# (chat id, own province, own commune, team key, team role, own role, topics)
PEOPLE = [
    ("na-vinh", "nghe-an", VINH_HUNG, None, None, Role.CITIZEN, ("contests",)),
    ("na-cualo", "nghe-an", CUA_LO, None, None, Role.CITIZEN, ("events",)),
    ("dt-myphong", "dong-thap", MY_PHONG, None, None, Role.CITIZEN, ("contests",)),
    ("dt-province", "dong-thap", None, None, None, Role.CITIZEN, ("contests",)),
    ("nowhere", None, None, None, None, Role.CITIZEN, ("contests",)),
    ("na-member", None, None, "na", Role.MEMBER, Role.MEMBER, ()),  # the team's place
    ("na-leader", None, None, "na", Role.LEADER, Role.LEADER, ("announcements",)),
    ("dt-member", None, None, "dt", Role.MEMBER, Role.MEMBER, ("contests",)),
    ("dt-leader", "dong-thap", None, "dt", Role.LEADER, Role.LEADER, ()),
    ("na-officer", "nghe-an", VINH_HUNG, None, None, Role.OFFICER, ("announcements",)),
]
TEAMS = {"na": ("nghe-an", VINH_HUNG), "dt": ("dong-thap", MY_PHONG)}


@pytest.fixture
async def town(sessions: Sessions) -> dict[str, int]:
    """Nghệ An and Đồng Tháp people, teams and an officer; returns the team ids."""
    async with sessions() as session, session.begin():
        teams = {key: Team(name=f"Tổ {key}", province=p, commune_code=c, communes=[c])
                 for key, (p, c) in TEAMS.items()}
        session.add_all(teams.values())
        await session.flush()
        for chat, province, commune, team, team_role, role, topics in PEOPLE:
            user = User(province=province, commune=commune, role=int(role),
                        location_consent=province is not None)
            session.add(user)
            await session.flush()
            session.add(ChannelIdentity(user_id=user.id, channel="telegram", external_id=chat,
                                        chat_id=chat, reachable=True, last_message_at=NOW))
            session.add_all(Subscription(user_id=user.id, topic=t) for t in topics)
            if team is not None:
                session.add(TeamMember(user_id=user.id, team_id=teams[team].id,
                                       role=int(team_role)))
        return {key: team.id for key, team in teams.items()}


def _place(chat: str) -> tuple[str | None, str | None]:
    """Where a person is for a broadcast: their own place, or their team's."""
    _, province, commune, team, *_ = next(p for p in PEOPLE if p[0] == chat)
    if team is not None:
        province = province or TEAMS[team][0]
        commune = commune or TEAMS[team][1]
    return province, commune


def _inside(chat: str, area: Area | None) -> bool:
    if area is None:
        return True
    province, commune = _place(chat)
    return province == area.province and (not area.communes or commune in area.communes)


async def _reached(sessions: Sessions, filters: list[str], sender: Sender) -> set[str]:
    statement = recipients(scoped_to(parse_filters(filters), sender), NOW)
    async with sessions() as session:
        return {row.chat_id for row in await session.execute(statement)}


AUDIENCES = [["all"], ["topic:contests"], ["topic:events", "topic:announcements"],
             ["province:dong-thap"], ["province:nghe-an"], ["province:dong-thap", "province:nghe-an"],
             ["province:tien-giang"], [f"commune:{MY_PHONG}"], [f"commune:{CUA_LO}"],
             ["commune:Phường Cửa Lò"], ["team:{dt}"], ["team:{na}"], ["team:{dt}", "team:{na}"],
             ["role:member"], ["role:leader"], ["role:citizen"], ["role:officer"],
             ["role:member", f"commune:{VINH_HUNG}"], ["reminder:contest"], ["area:dong-thap"]]
SENDERS = {"officer of Nghệ An": Sender(Area("nghe-an")),
           "officer of Vinh Hưng, Nghệ An": Sender(Area("nghe-an", frozenset({VINH_HUNG}))),
           "officer of Đồng Tháp": Sender(Area("dong-thap")),
           "officer without an area": Sender(NOWHERE), "admin": Sender(None)}


@pytest.mark.parametrize("sender_name", list(SENDERS))
async def test_every_audience_stays_inside_the_senders_area(sessions, town, sender_name):
    sender = SENDERS[sender_name]
    for written in AUDIENCES:
        filters = [f.format(**town) for f in written]
        everyone = await _reached(sessions, filters, SYSTEM)
        reached = await _reached(sessions, filters, sender)
        outside = {chat for chat in reached if not _inside(chat, sender.area)}
        assert outside == set(), f"{filters} reached {outside} outside {sender.area}"
        # AND, not OR: exactly those of the unlimited audience who are inside the area.
        assert reached == {chat for chat in everyone if _inside(chat, sender.area)}, filters


async def test_an_officer_typing_another_province_reaches_nobody_there(sessions, town):
    """The probe's reproduction: scope `nghe-an`, typed `province:dong-thap`."""
    sender = Sender(Area("nghe-an"))
    assert await _reached(sessions, ["province:dong-thap"], sender) == set()
    async with sessions() as session, session.begin():
        counts = await count_reachable(session, ["province:dong-thap"], NOW, sender=sender)
        broadcast_id, total = await create_in_session(
            session, text="Chào", filters=["province:dong-thap"], now=NOW, sender=sender)
    assert counts == {"telegram": 0, "zalo": 0} and total == 0
    async with sessions() as session:
        broadcast = await session.get_one(Broadcast, broadcast_id)
    assert broadcast.audience == ["province:dong-thap", "area:nghe-an"]  # the record says so


async def test_a_commune_officer_typing_a_role_and_another_commune_reaches_nobody(sessions, town):
    sender = Sender(Area("nghe-an", frozenset({VINH_HUNG})))
    async with sessions() as session, session.begin():
        broadcast_id, total = await create_in_session(
            session, text="Họp tổ", filters=["role:member", f"commune:{CUA_LO}"], now=NOW,
            sender=sender)
    assert total == 0 and await delivery_states(sessions, broadcast_id) == {}


async def test_the_deliveries_created_are_the_scoped_ones(sessions, town):
    sender = Sender(Area("nghe-an"))
    async with sessions() as session, session.begin():
        broadcast_id, total = await create_in_session(
            session, text="Chào", filters=["role:leader", "role:member"], now=NOW, sender=sender)
    async with sessions() as session:
        chats = set((await session.execute(select(Delivery.chat_id).where(
            Delivery.broadcast_id == broadcast_id))).scalars())
    assert chats == {"na-member", "na-leader"} and total == 2


def test_who_may_send_where():
    assert Sender.of(Role.ADMIN, "nghe-an").area is None
    assert Sender.of(Role.OFFICER, "nghe-an", [VINH_HUNG]).area == Area(
        "nghe-an", frozenset({VINH_HUNG}))
    assert Sender.of(Role.OFFICER, None).area is NOWHERE
    for role in (Role.CITIZEN, Role.MEMBER, Role.LEADER):
        with pytest.raises(AudienceError):
            Sender.of(role, "nghe-an", None)


def test_a_typed_area_can_only_narrow():
    audience = scoped_to(parse_filters(["area:tien-giang"]), Sender(Area("nghe-an")))
    assert audience.areas == {Area("tien-giang"), Area("nghe-an")}  # both must hold: nobody

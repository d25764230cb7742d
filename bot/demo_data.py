"""Synthetic demo data (`cdsbot demo-data`): community tech teams with their members, house visits
and subscribers across the seed provinces, for demos and benchmarks.

Every row is marked demo (users.is_demo, teams.is_demo; visits belong to demo teams), so
`--clear` removes exactly what was generated. Rows come from one seeded `random.Random`, so the
same seed gives the same data, and are inserted in batches with Core executemany, so a million
visits never sit in memory at once.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Table, delete, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.demo_shape import (
    ENGLISH_SHARE,
    FOLLOW_UP_NOTES,
    FOLLOW_UP_SHARE,
    HAMLET_ADDRESS_SHARE,
    HAMLET_WORD,
    INSIDE_WINDOW_SHARE,
    MEMBERS_PER_TEAM,
    OTHER_SERVICE_SHARE,
    OTHER_SERVICES,
    OWN_COMMUNE_SHARE,
    PEOPLE_WEIGHTS,
    PROVINCES,
    SERVICE_COUNT_WEIGHTS,
    SERVICE_WEIGHTS,
    SPREAD_DAYS,
    STREET_GROUP_ADDRESS_SHARE,
    VIETNAM_OFFSET,
    VISIT_HOURS,
    DemoPlace,
    demo_places,
)
from content.loader import load_content
from content.places import admin_units
from content.services import ServiceCatalog
from db.models import TOPICS, ChannelIdentity, Role, Subscription, Team, TeamMember, User, Visit
from db.visit_tallies import add_visit_rows, recount

DEMO_CHANNEL = "demo"
BATCH_SIZE = 10_000
"""Rows per executemany (and per commit for visits and subscribers)."""

Row = dict[str, Any]
Window = tuple[dt.date, dt.date]
Sessions = async_sessionmaker[AsyncSession]

@dataclass(frozen=True)
class DemoSummary:
    teams: int
    members: int
    visits: int
    subscribers: int
    subscriptions: int


@dataclass(frozen=True)
class DemoTeam:
    """What the visits of one inserted team need to know."""

    id: int
    former: str  # the former province's slug (the seed plan's)
    province: str  # the current one
    places: tuple[DemoPlace, ...]  # its own commune first
    member_ids: tuple[int, ...]
    windows: tuple[Window, ...]


# -- public API --------------------------------------------------------------------------------

async def has_real_data(sessions: Sessions) -> bool:
    """Whether the database holds users or teams that are not demo ones (it may be production)."""
    real_user = select(User.id).where(User.is_demo.is_(False)).exists()
    real_team = select(Team.id).where(Team.is_demo.is_(False)).exists()
    async with sessions() as session:
        return bool(await session.scalar(select(or_(real_user, real_team))))


async def generate_demo_data(sessions: Sessions, *, teams: int, visits: int, subscribers: int,
                             seed: int = 1,
                             progress: Callable[[int], None] | None = None) -> DemoSummary:
    """Insert `teams` demo teams (3-8 members each), `visits` visits spread over them and
    `subscribers` demo citizens; `progress` is called with the number of visits just inserted,
    after each batch. Raises ValueError when visits are asked for without teams."""
    if visits and not teams:
        raise ValueError("visits need at least one team")
    rng = random.Random(seed)
    windows = campaign_windows()
    team_list = await _insert_teams(sessions, rng, teams, windows)
    subscribed = await _insert_subscribers(sessions, rng, subscribers, windows)
    maker = VisitMaker(rng, team_list, ServiceCatalog.load())
    for size in _batch_sizes(visits):
        rows = maker.rows(size)
        async with sessions.begin() as session:
            await session.execute(insert(_table(Visit)), rows)
            await add_visit_rows(session, rows)
        if progress is not None:
            progress(size)
    members = sum(len(team.member_ids) for team in team_list)
    return DemoSummary(teams=len(team_list), members=members, visits=visits,
                       subscribers=subscribers, subscriptions=subscribed)


async def clear_demo_data(sessions: Sessions) -> int:
    """Delete every demo row, and only those; returns how many rows were deleted. Rows that hang
    on demo users or teams elsewhere (conversation state, invite codes) go by the foreign keys."""
    demo_teams = select(Team.id).where(Team.is_demo.is_(True))
    demo_users = select(User.id).where(User.is_demo.is_(True))
    # Core tables, not the ORM entities: an ORM delete would fetch every id to sync the session.
    statements = [
        delete(_table(Visit)).where(Visit.team_id.in_(demo_teams)),
        delete(_table(TeamMember)).where(or_(TeamMember.team_id.in_(demo_teams),
                                             TeamMember.user_id.in_(demo_users))),
        delete(_table(Team)).where(Team.is_demo.is_(True)),
        delete(_table(Subscription)).where(Subscription.user_id.in_(demo_users)),
        delete(_table(ChannelIdentity)).where(ChannelIdentity.user_id.in_(demo_users)),
        delete(_table(User)).where(User.is_demo.is_(True)),
    ]
    deleted = 0
    async with sessions.begin() as session:
        for statement in statements:
            result = await session.execute(statement)
            deleted += max(result.rowcount, 0)  # type: ignore[attr-defined]
        await recount(session)
    return deleted


@cache
def campaign_windows() -> dict[str, tuple[Window, ...]]:
    """Each seed province's campaign days from its content pack; a province whose pack has none
    gets the national ones (the campaigns around 10/10 of Decision 1092)."""
    campaigns = load_content().campaigns()

    def windows_of(slug: str | None) -> tuple[Window, ...]:
        return tuple(sorted({(c.start, c.end) for pack, c in campaigns
                             if (pack.province.slug if pack.province else None) == slug}))

    national = windows_of(None)
    return {slug: windows_of(slug) or national for slug in PROVINCES}


# -- teams, members, subscribers ---------------------------------------------------------------

async def _insert_teams(sessions: Sessions, rng: random.Random, count: int,
                        windows: dict[str, tuple[Window, ...]]) -> list[DemoTeam]:
    """Teams spread evenly over the provinces, with their members."""
    plans = _team_rows(rng, count, windows)
    rows = [row for row, _, _ in plans]
    async with sessions.begin() as session:
        team_ids = await _insert_returning_ids(session, _table(Team), rows)
        members = await _insert_members(session, rng, team_ids, rows)
    return [DemoTeam(team_id, former, row["province"], places, ids, windows[former])
            for team_id, (row, former, places), ids in zip(team_ids, plans, members, strict=True)]


async def _insert_members(session: AsyncSession, rng: random.Random, team_ids: Sequence[int],
                          teams: Sequence[Row]) -> list[tuple[int, ...]]:
    """3-8 members for each team, the first its leader; returns each team's member ids."""
    sizes = [rng.randint(*MEMBERS_PER_TEAM) for _ in teams]
    users = [_member_row(rng, team, leader=(index == 0))
             for team, size in zip(teams, sizes, strict=True) for index in range(size)]
    user_ids = await _insert_returning_ids(session, _table(User), users)
    await _insert_identities(session, user_ids, users)
    team_of_user = [team_id for team_id, size in zip(team_ids, sizes, strict=True)
                    for _ in range(size)]
    await _insert_rows(session, _table(TeamMember), [
        {"user_id": user_id, "team_id": team_id, "role": user["role"],
         "joined_at": user["created_at"]}
        for user_id, team_id, user in zip(user_ids, team_of_user, users, strict=True)])
    bounds = list(itertools.accumulate(sizes, initial=0))
    return [tuple(user_ids[start:end]) for start, end in itertools.pairwise(bounds)]


def _current(former: str) -> str:
    """The current province a seed province is part of."""
    province = admin_units().current_province(former)
    assert province is not None, former
    return province.slug


TeamPlan = tuple[Row, str, tuple[DemoPlace, ...]]
"""A team row to insert, its former province and its places."""


def _team_rows(rng: random.Random, count: int,
               windows: dict[str, tuple[Window, ...]]) -> list[TeamPlan]:
    # A commune's first team is the commune's; later ones are village teams ("ấp 2, xã …").
    named: Counter[tuple[str, str, str]] = Counter()
    plans: list[TeamPlan] = []
    places = demo_places()
    for index in range(count):
        former = PROVINCES[index % len(PROVINCES)]
        district = rng.choice(sorted(places[former]))
        communes = places[former][district]
        own = rng.choice(communes)
        neighbours = rng.sample([c for c in communes if c != own], rng.randint(0, 2))
        named[former, district, own.commune] += 1
        village = named[former, district, own.commune] - 1
        name = (f"Tổ CNSCĐ xã {own.commune}" if not village
                else f"Tổ CNSCĐ {HAMLET_WORD[former].lower()} {village}, xã {own.commune}")
        created = _at(windows[former][0][0] - dt.timedelta(days=rng.randint(30, 90)), rng)
        team_places = (own, *neighbours)
        plans.append(({"name": name, "province": _current(former),
                       "commune_code": own.code,
                       "communes": list(dict.fromkeys(p.code for p in team_places)),
                       "former_place": {"province": former, "district": district,
                                        "communes": [p.commune for p in team_places]},
                       "created_at": created, "created_by": None, "is_demo": True},
                      former, team_places))
    return plans


def _member_row(rng: random.Random, team: Row, *, leader: bool) -> Row:
    joined = team["created_at"] + dt.timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 600))
    role = Role.LEADER if leader else Role.MEMBER
    return _user_row(rng, joined, role, team["province"], team["commune_code"])


def _user_row(rng: random.Random, created: dt.datetime, role: Role, province: str,
              commune: str | None = None) -> Row:
    return {"created_at": created, "last_seen_at": created,
            "locale": "en" if rng.random() < ENGLISH_SHARE else "vi",
            "province": province, "commune": commune,
            "location_consent": True, "location_consent_at": created, "role": int(role),
            "is_demo": True}


async def _insert_subscribers(sessions: Sessions, rng: random.Random, count: int,
                              windows: dict[str, tuple[Window, ...]]) -> int:
    """Demo citizens with a province and 1-3 topics; returns the number of subscriptions."""
    subscriptions = 0
    for size in _batch_sizes(count):
        users = []
        for _ in range(size):
            former = rng.choice(PROVINCES)
            created = _at(_campaign_day(rng, rng.choice(windows[former])), rng)
            users.append(_user_row(rng, created, Role.CITIZEN,
                                   _current(former)))
        async with sessions.begin() as session:
            user_ids = await _insert_returning_ids(session, _table(User), users)
            await _insert_identities(session, user_ids, users)
            rows = [{"user_id": user_id, "topic": topic, "created_at": user["created_at"]}
                    for user_id, user in zip(user_ids, users, strict=True)
                    for topic in rng.sample(TOPICS, rng.randint(1, 3))]
            await _insert_rows(session, _table(Subscription), rows)
        subscriptions += len(rows)
    return subscriptions


async def _insert_identities(session: AsyncSession, user_ids: Sequence[int],
                             users: Sequence[Row]) -> None:
    # The external id comes from the user id, unique in the database: generating twice never
    # collides with the first run's identities.
    await _insert_rows(session, _table(ChannelIdentity), [
        {"user_id": user_id, "channel": DEMO_CHANNEL, "external_id": f"demo-{user_id}",
         "chat_id": f"demo-{user_id}", "reachable": True, "created_at": user["created_at"],
         "last_message_at": user["last_seen_at"]}
        for user_id, user in zip(user_ids, users, strict=True)])


# -- visits ------------------------------------------------------------------------------------

class VisitMaker:
    """Builds visit rows for a list of inserted teams, batch by batch, from one random stream."""

    def __init__(self, rng: random.Random, teams: Sequence[DemoTeam],
                 catalog: ServiceCatalog) -> None:
        self.rng = rng
        self.teams = list(teams)
        # Some teams are busier than others.
        self.team_weights = list(itertools.accumulate(rng.lognormvariate(0, 0.6) for _ in teams))
        self.people_weights = list(itertools.accumulate(PEOPLE_WEIGHTS))
        self.masks, self.mask_weights = service_masks(catalog, len(SERVICE_COUNT_WEIGHTS))
        # An "other" service comes with at most two listed ones, so a visit never exceeds three.
        self.small_masks, self.small_weights = service_masks(catalog, 2)
        self.other_bit = catalog.mask(["other"])

    def rows(self, size: int) -> list[Row]:
        rng = self.rng
        teams = rng.choices(self.teams, cum_weights=self.team_weights, k=size)
        people = rng.choices(range(1, len(PEOPLE_WEIGHTS) + 1), cum_weights=self.people_weights,
                             k=size)
        masks = rng.choices(self.masks, cum_weights=self.mask_weights, k=size)
        return [self._row(team, count, mask)
                for team, count, mask in zip(teams, people, masks, strict=True)]

    def _row(self, team: DemoTeam, people: int, services: int) -> Row:
        rng = self.rng
        other = None
        if rng.random() < OTHER_SERVICE_SHARE:
            services = rng.choices(self.small_masks, cum_weights=self.small_weights)[0]
            services |= self.other_bit
            other = rng.choice(OTHER_SERVICES)
        follow_up = rng.random() < FOLLOW_UP_SHARE
        day = _campaign_day(rng, rng.choice(team.windows))
        created = _at(day, rng)
        place = (team.places[0] if rng.random() < OWN_COMMUNE_SHARE
                 else rng.choice(team.places))
        return {"team_id": team.id, "member_id": rng.choice(team.member_ids),
                "province": team.province, "commune_code": place.code,
                "former_province": team.former, "former_district": place.district,
                "former_commune": place.commune, "address": _address(rng, team.former), "visit_date": day, "people": people,
                "services": services, "other_service": other,
                "outcome": "follow_up" if follow_up else "done",
                "note": rng.choice(FOLLOW_UP_NOTES) if follow_up else None, "photo": None,
                "channel": DEMO_CHANNEL, "created_at": created, "updated_at": created,
                "deleted_at": None}


def service_masks(catalog: ServiceCatalog, max_services: int) -> tuple[list[int], list[float]]:
    """Every set of 1..max_services listed services as a bit mask, with cumulative weights: the
    set's size drawn by SERVICE_COUNT_WEIGHTS, then the set in proportion to the product of its
    services' weights (dvc and vneid most often)."""
    masks: list[int] = []
    weights: list[float] = []
    for size in range(1, max_services + 1):
        sets = list(itertools.combinations(SERVICE_WEIGHTS, size))
        products = [math.prod(SERVICE_WEIGHTS[code] for code in codes) for codes in sets]
        total = sum(products)
        for codes, product in zip(sets, products, strict=True):
            masks.append(catalog.mask(codes))
            weights.append(SERVICE_COUNT_WEIGHTS[size - 1] * product / total)
    return masks, list(itertools.accumulate(weights))


def _campaign_day(rng: random.Random, window: Window) -> dt.date:
    """A day of the campaign, or (1 - INSIDE_WINDOW_SHARE of the time) one of the SPREAD_DAYS
    before or after it, more often close to it."""
    start, end = window
    if rng.random() < INSIDE_WINDOW_SHARE:
        return start + dt.timedelta(days=rng.randint(0, (end - start).days))
    offset = 1 + min(SPREAD_DAYS - 1, int(rng.triangular(0, SPREAD_DAYS, 0)))
    return start - dt.timedelta(days=offset) if rng.random() < 0.5 else end + dt.timedelta(days=offset)


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    """A moment of that day in daytime, Vietnam time, stored in UTC like every timestamp."""
    local = dt.datetime(day.year, day.month, day.day, rng.randint(*VISIT_HOURS),
                        rng.randint(0, 59), tzinfo=dt.UTC)
    return local - VIETNAM_OFFSET


def _address(rng: random.Random, province: str) -> str | None:
    roll = rng.random()
    if roll < HAMLET_ADDRESS_SHARE:
        return f"{HAMLET_WORD[province]} {rng.randint(1, 12)}"
    if roll < HAMLET_ADDRESS_SHARE + STREET_GROUP_ADDRESS_SHARE:
        return f"Tổ {rng.randint(1, 15)}"
    return None


# -- inserting ---------------------------------------------------------------------------------

def _table(model: type[Any]) -> Table:
    return model.__table__


def _batch_sizes(total: int) -> Iterator[int]:
    for start in range(0, total, BATCH_SIZE):
        yield min(BATCH_SIZE, total - start)


def _chunks(rows: Sequence[Row]) -> Iterator[Sequence[Row]]:
    for start in range(0, len(rows), BATCH_SIZE):
        yield rows[start:start + BATCH_SIZE]


async def _insert_rows(session: AsyncSession, table: Table, rows: Sequence[Row]) -> None:
    for chunk in _chunks(rows):
        await session.execute(insert(table), chunk)


async def _insert_returning_ids(session: AsyncSession, table: Table,
                                rows: Sequence[Row]) -> list[int]:
    """Insert and return the new ids in the order of `rows`."""
    ids: list[int] = []
    for chunk in _chunks(rows):
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        ids.extend((await session.execute(statement, chunk)).scalars())
    return ids

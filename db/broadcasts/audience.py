"""Who a broadcast goes to: audience filters, and the SELECT of the identities to message.

Filters are strings: `all`, `topic:X`, `province:P` (a current province: slug or name),
`commune:C` (a current commune: its code, or a name that fits one), `team:T` (a team id) and
`role:R` (citizen, member, leader, officer, admin). A list of filters combines with AND
across kinds and OR within one kind: `topic:contests topic:events province:nghe-an` is whoever
subscribed to contests or events and lives in Nghệ An. `all` restricts nothing.

Who may receive at all:
- without a team or role filter, subscribers only (at least one topic, or one of the `topic:`
  filters): citizens are messaged because they asked to be;
- with a team or role filter, the members of that team or role whether or not they subscribed
  (work messages to the network); a topic filter then still applies.

`area:P` or `area:P/C1+C2` (a province, or some of its communes by code) is the one kind that combines with AND:
every area listed must hold. It is how a sender's own area is applied: an officer's broadcast is
limited to their area whatever filters they chose (`scoped_to`, applied where deliveries are
created and counted, so no caller can widen it), and the stored filters say so.

`role:member` and `role:leader` are the person's role in their team (so an officer who leads a
team is a leader); `role:citizen|officer|admin` are the person's own role, exactly. Place filters
take the person's own place, or their team's when they gave none (a team's commune is its own).

Each person is messaged once, on the first channel of `channels` where they are reachable:
Telegram identities that have not blocked the bot; Zalo identities that are reachable and wrote
within the 7-day consultation window, unless promotion messages are configured (no window).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from content.errors import AudienceError
from content.places import place_finder
from db.models import (
    REMINDER_KINDS,
    TOPICS,
    ChannelIdentity,
    ReminderOptOut,
    Role,
    Subscription,
    Team,
    TeamMember,
    User,
)

BROADCAST_CHANNELS = ("telegram", "zalo")
"""Channels a broadcast can go out on, in order of preference for a person who has both."""
ZALO_WINDOW = dt.timedelta(days=7)
"""Zalo consultation messages reach only users who wrote within this window (-230/-232 after)."""
KINDS = ("topic", "province", "commune", "team", "role", "reminder", "area")
TEAM_ROLES = {"member": Role.MEMBER, "leader": Role.LEADER}
USER_ROLES = {"citizen": Role.CITIZEN, "officer": Role.OFFICER, "admin": Role.ADMIN}


@dataclass(frozen=True)
class Area:
    """A current province, or some of its communes (codes): where an officer works."""

    province: str
    communes: frozenset[str] = frozenset()

    @property
    def filter(self) -> str:
        return f"area:{self.province}" + (f"/{'+'.join(sorted(self.communes))}"
                                          if self.communes else "")

    @classmethod
    def parse(cls, value: str) -> Area:
        province, _, communes = value.partition("/")
        return cls(province.strip().lower(),
                   frozenset(c.strip() for c in communes.split("+") if c.strip()))


NOWHERE = Area("-")
"""The area of an officer who was given none: no person lives there."""


@dataclass(frozen=True)
class Sender:
    """Who sends a broadcast, as far as where it may go is concerned: everywhere (`area` None:
    admins, the command line on the server, automatic reminders) or one area (officers)."""

    area: Area | None

    @classmethod
    def of(cls, role: Role, province: str | None, communes: Iterable[str] = ()) -> Sender:
        """An account's sender: admins anywhere, officers their area; others may not broadcast."""
        if role >= Role.ADMIN:
            return cls(None)
        if role >= Role.OFFICER:
            return cls(Area(province, frozenset(communes)) if province else NOWHERE)
        raise AudienceError("only officers and admins may send announcements")


SYSTEM = Sender(None)
"""The server itself: the command line and automatic reminders."""


def scoped_to(audience: Audience, sender: Sender) -> Audience:
    """The audience limited to what the sender may reach: AND over all they chose."""
    return audience if sender.area is None else audience.within(sender.area)


@dataclass(frozen=True)
class Audience:
    """Parsed filters: for each kind, the values any of which may match (empty: no condition)."""

    topics: frozenset[str] = frozenset()
    provinces: frozenset[str] = frozenset()
    communes: frozenset[str] = frozenset()
    teams: frozenset[int] = frozenset()
    roles: frozenset[str] = frozenset()
    reminders: frozenset[str] = frozenset()
    """Automatic reminders of these kinds: whoever turned the kind off is left out."""
    areas: frozenset[Area] = frozenset()
    """Every one of these must hold (AND): the senders' areas."""
    filters: tuple[str, ...] = field(default=(), compare=False)
    """The filters as written, normalised (stored with the broadcast)."""

    def within(self, area: Area) -> Audience:
        """The same audience, limited to `area` as well."""
        return replace(self, areas=self.areas | {area},
                       filters=tuple(dict.fromkeys([*self.filters, area.filter])))

    @property
    def picks_people(self) -> bool:
        """A team or role filter names the people: no subscription needed."""
        return bool(self.teams or self.roles)

    @property
    def needs_team(self) -> bool:
        return bool(self.provinces or self.communes or self.teams or self.roles or self.areas)


@dataclass(frozen=True)
class AudienceRules:
    """How reachability is judged: the channels configured, and Zalo's window (None: promotion
    messages are configured, so no window)."""

    channels: tuple[str, ...] = BROADCAST_CHANNELS
    zalo_window: dt.timedelta | None = ZALO_WINDOW


DEFAULT_RULES = AudienceRules()

def parse_filters(values: Iterable[str]) -> Audience:
    """Parse `kind:value` filters (see the module docstring); raise AudienceError when one is
    not understood. No filter at all means `all`."""
    found: dict[str, set[str]] = {kind: set() for kind in KINDS}
    written: list[str] = []
    for raw in values:
        text = raw.strip()
        if text.lower() == "all":
            written.append("all")
            continue
        kind, sep, value = text.partition(":")
        kind, value = kind.strip().lower(), value.strip()
        if not sep or kind not in KINDS or not value:
            raise AudienceError(f"'{raw}' is not a filter: use all, " +
                                ", ".join(f"{k}:…" for k in KINDS))
        value = _checked(kind, value, raw)
        found[kind].add(value)
        written.append(f"{kind}:{value}")
    return Audience(topics=frozenset(found["topic"]), provinces=frozenset(found["province"]),
                    communes=frozenset(found["commune"]),
                    teams=frozenset(int(v) for v in found["team"]),
                    roles=frozenset(found["role"]), reminders=frozenset(found["reminder"]),
                    areas=frozenset(Area.parse(v) for v in found["area"]),
                    filters=tuple(dict.fromkeys(written)))


def _checked(kind: str, value: str, raw: str) -> str:
    if kind == "topic" and value.lower() not in TOPICS:
        raise AudienceError(f"'{raw}': unknown topic (known: {', '.join(TOPICS)})")
    if kind == "team" and not (value.isascii() and value.isdigit() and int(value) < 2**31):
        raise AudienceError(f"'{raw}': a team is given by its id (a number)")
    if kind == "role" and value.lower() not in {**TEAM_ROLES, **USER_ROLES}:
        raise AudienceError(f"'{raw}': unknown role (known: citizen, member, leader, officer, "
                            "admin)")
    if kind == "reminder" and value.lower() not in REMINDER_KINDS:
        raise AudienceError(f"'{raw}': unknown reminder (known: {', '.join(REMINDER_KINDS)})")
    if kind == "area":
        return Area.parse(value).filter.removeprefix("area:")
    if kind == "province":
        found = place_finder().province(value.replace("-", " "))
        if found is None:
            raise AudienceError(f"'{raw}': unknown province (one of the 34 current ones: a slug "
                                "such as dong-thap, or its name)")
        return found[0].slug
    if kind == "commune":
        return _commune_code(value, raw)
    return value.lower() if kind in ("topic", "role", "reminder") else value


def _commune_code(value: str, raw: str) -> str:
    """A current commune's code, from its code or a name that fits exactly one commune."""
    places = place_finder()
    if places.units.commune(value) is not None:
        return value
    choices = places.communes(value)
    if len(choices) == 1:
        return choices[0].commune.code
    listed = "; ".join(f"commune:{c.commune.code} ({c.commune.name}, {c.commune.province})"
                       for c in choices[:6])
    raise AudienceError(f"'{raw}': " + (f"several communes fit, give the code: {listed}"
                                        if choices else "no current commune has that name"))


def recipients(audience: Audience, now: dt.datetime, rules: AudienceRules = DEFAULT_RULES,
               ) -> Select[int, str, str]:
    """SELECT identity id, channel, chat id of every identity to message, one per person."""
    identity = ChannelIdentity
    statement = (select(identity.id, identity.channel, identity.chat_id)
                 .join(User, User.id == identity.user_id))
    if audience.needs_team:
        statement = (statement.outerjoin(TeamMember, TeamMember.user_id == User.id)
                     .outerjoin(Team, Team.id == TeamMember.team_id))
    return statement.where(reachable(identity, now, rules), *_conditions(audience),
                           _first_reachable_channel(identity, now, rules))


async def count_reachable(session: AsyncSession, audience: Audience | Sequence[str],
                          now: dt.datetime, rules: AudienceRules = DEFAULT_RULES,
                          sender: Sender = SYSTEM) -> dict[str, int]:
    """How many people the audience reaches on each channel right now (every channel listed),
    within the sender's area."""
    if not isinstance(audience, Audience):
        audience = parse_filters(audience)
    audience = scoped_to(audience, sender)
    chosen = recipients(audience, now.astimezone(dt.UTC), rules).subquery()
    rows = await session.execute(select(chosen.c.channel, func.count())
                                 .group_by(chosen.c.channel))
    counts = dict.fromkeys(rules.channels, 0)
    counts.update({channel: int(n) for channel, n in rows})
    return counts


def reachable(identity: type[ChannelIdentity], now: dt.datetime,
              rules: AudienceRules) -> ColumnElement[bool]:
    """The identity is on a broadcast channel and can be messaged there now."""
    per_channel = []
    for channel in rules.channels:
        condition: ColumnElement[bool] = identity.reachable.is_(True)
        if channel == "zalo" and rules.zalo_window is not None:
            condition = and_(condition, identity.last_message_at >= now - rules.zalo_window)
        per_channel.append(and_(identity.channel == channel, condition))
    return or_(*per_channel) if per_channel else false()


def _first_reachable_channel(identity: type[ChannelIdentity], now: dt.datetime,
                             rules: AudienceRules) -> ColumnElement[bool]:
    """Skip an identity when the same person is reachable on a channel preferred to its own."""
    conditions = []
    for position, channel in enumerate(rules.channels[1:], start=1):
        other = aliased(ChannelIdentity)
        preferred = exists().where(other.user_id == identity.user_id,
                                   other.channel.in_(rules.channels[:position]),
                                   reachable(other, now, rules))
        conditions.append(or_(identity.channel != channel, ~preferred))
    return and_(true(), *conditions)


def _conditions(audience: Audience) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    subscribed = exists().where(Subscription.user_id == User.id)
    if audience.topics:
        conditions.append(subscribed.where(Subscription.topic.in_(audience.topics)))
    elif not audience.picks_people:
        conditions.append(subscribed)
    if audience.provinces:
        conditions.append(func.coalesce(User.province, Team.province).in_(audience.provinces))
    if audience.communes:
        conditions.append(_commune().in_(audience.communes))
    if audience.teams:
        conditions.append(TeamMember.team_id.in_(audience.teams))
    if audience.roles:
        team_roles = [int(TEAM_ROLES[r]) for r in audience.roles if r in TEAM_ROLES]
        user_roles = [int(USER_ROLES[r]) for r in audience.roles if r in USER_ROLES]
        conditions.append(or_(TeamMember.role.in_(team_roles), User.role.in_(user_roles)))
    if audience.reminders:
        conditions.append(~exists().where(ReminderOptOut.user_id == User.id,
                                          ReminderOptOut.kind.in_(audience.reminders)))
    for area in audience.areas:
        conditions.append(func.coalesce(User.province, Team.province) == area.province)
        if area.communes:
            conditions.append(_commune().in_(sorted(area.communes)))
    return conditions


def _commune() -> ColumnElement[str]:
    """A person's commune: their own, or their team's."""
    return func.coalesce(User.commune, Team.commune_code)


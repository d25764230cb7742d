"""The explicit context a handler receives: the user, their state, repositories, content, clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from content.i18n import Catalogs, Translator
from content.loader import ContentStore
from content.matcher import FaqMatcher
from content.places import PlaceFinder, place_finder
from content.smalltalk import SmallTalk
from db.broadcasts.audience import DEFAULT_RULES, AudienceRules
from db.broadcasts.repository import BroadcastRepository
from db.channel_state import AlertRepository
from db.models import ChannelIdentity, Role, User
from db.reports import ReportRepository
from db.repositories import (
    ConversationRepository,
    QuestionLogRepository,
    ReminderOptOutRepository,
    SubscriptionRepository,
    UserRepository,
)
from db.teams import InviteRepository, TeamRepository, VisitRepository
from db.zalo_budget import ReplyBudget
from handlers.messages import ConversationStep


@dataclass(frozen=True)
class TeamRules:
    """Limits of the team features (from settings)."""

    visit_max_age_days: int = 30
    visit_max_people: int = 200
    visit_undo_minutes: int = 10
    invite_valid_days: int = 14
    invite_max_uses: int = 30


@dataclass
class Services:
    """Long-lived things built once at start-up and shared by every message."""

    content: ContentStore
    matcher: FaqMatcher
    catalogs: Catalogs
    timezone: ZoneInfo
    rules: TeamRules = field(default_factory=TeamRules)
    admins: frozenset[str] = frozenset()
    """'channel:user' accounts that are admins by configuration (ADMIN_IDS)."""
    broadcast_rules: AudienceRules = DEFAULT_RULES
    """Which channels broadcasts go out on and Zalo's consultation window (from settings)."""
    reports_dir: Path = Path("data/reports")
    """Where /baocao writes the files it sends (kept a day)."""
    join_links: dict[str, str] = field(default_factory=dict)
    """Per channel, the deep link a join code is appended to (Telegram: t.me/<bot>?start=)."""
    smalltalk: SmallTalk = field(default_factory=SmallTalk.load)
    """Greetings, thanks, "ok", emoji: answered like a person, not as questions."""
    zalo_proactive_quota: int | None = None
    """Proactive Zalo messages the OA may send a month (ZALO_PROACTIVE_QUOTA); None: no Zalo."""
    places: PlaceFinder = field(default_factory=place_finder)
    """The current provinces and communes, and the former ones they replaced (content/places)."""
    console_url: str | None = None
    """The web console's address (…/console) for /dangnhap's links; None: no console."""


@dataclass
class Context:
    """Everything one message's handling may use; built by the pipeline for each message."""

    services: Services
    session: AsyncSession
    identity: ChannelIdentity
    now: dt.datetime
    t: Translator
    step: ConversationStep | None = None
    first_contact: bool = False
    """This message is the first the bot knows from this person (or the first since they
    deleted their data)."""
    erased: bool = False
    """Set when the user deleted their data: nothing of theirs may be saved after."""
    users: UserRepository = field(init=False)
    conversations: ConversationRepository = field(init=False)
    questions: QuestionLogRepository = field(init=False)
    subscriptions: SubscriptionRepository = field(init=False)

    def __post_init__(self) -> None:
        self.users = UserRepository(self.session, self.clock)
        self.conversations = ConversationRepository(self.session, self.clock)
        self.questions = QuestionLogRepository(self.session, self.clock)
        self.subscriptions = SubscriptionRepository(self.session, self.clock)

    def clock(self) -> dt.datetime:
        """The message's now, for the repositories (everything a message writes has its time)."""
        return self.now

    # Handlers reach storage only through these repositories (made when first used).
    @cached_property
    def teams(self) -> TeamRepository:
        return TeamRepository(self.session, self.clock)

    @cached_property
    def visits(self) -> VisitRepository:
        return VisitRepository(self.session)

    @cached_property
    def invites(self) -> InviteRepository:
        return InviteRepository(self.session, self.clock)

    @cached_property
    def alerts(self) -> AlertRepository:
        return AlertRepository(self.session)

    @cached_property
    def reminder_opt_outs(self) -> ReminderOptOutRepository:
        return ReminderOptOutRepository(self.session)

    @cached_property
    def broadcasts(self) -> BroadcastRepository:
        return BroadcastRepository(self.session)

    @cached_property
    def reports(self) -> ReportRepository:
        return ReportRepository(self.session)

    @cached_property
    def zalo_replies(self) -> ReplyBudget:
        return ReplyBudget(self.session)

    @property
    def user(self) -> User:
        return self.identity.user

    @property
    def role(self) -> Role:
        """The stored role, or admin when ADMIN_IDS names this account (checked on every message)."""
        if f"{self.identity.channel}:{self.identity.external_id}" in self.services.admins:
            return Role.ADMIN
        return Role(self.user.role)

    @property
    def content(self) -> ContentStore:
        return self.services.content

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(self.services.timezone).date()

    def goto(self, name: str, **data: object) -> None:
        """Continue the conversation at handler `name` with the next message."""
        self.step = ConversationStep(name, dict(data))

    def finish(self) -> None:
        """End the conversation in progress."""
        self.step = None

    def set_locale(self, locale: str) -> None:
        self.user.locale = locale
        self.t = self.services.catalogs.translator(locale)

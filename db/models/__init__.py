"""SQLAlchemy 2 models, one module per area; every name is importable from `db.models`.
Schema changes go through alembic (db/migrations)."""

from db.models.base import Base, Clock, Role, as_utc, utcnow
from db.models.broadcasts import (
    BROADCAST_STATES,
    DELIVERY_STATES,
    OPEN_DELIVERY_STATES,
    Broadcast,
    Delivery,
    RateSlot,
)
from db.models.channels import (
    ButtonChoices,
    CallbackPayload,
    ChannelAlert,
    InboxEntry,
    LocalDelivery,
    OutboxReply,
    ZaloOverflow,
    ZaloProactiveUsage,
    ZaloReplyWindow,
    ZaloToken,
)
from db.models.console import AuditEntry, ConsoleLink, ConsoleSession, QuestionDismissal
from db.models.people import (
    REMINDER_KINDS,
    TOPICS,
    ChannelIdentity,
    ConversationState,
    QuestionLog,
    ReminderOptOut,
    Subscription,
    User,
)
from db.models.teams import OUTCOMES, InviteCode, Team, TeamMember, Visit
from db.models.web import WebConversation, WebEvent, WebFile, WebSite, WebVisitor

__all__ = [
    "AuditEntry",
    "ConsoleLink",
    "ConsoleSession",
    "QuestionDismissal",
    "Clock",
    "BROADCAST_STATES",
    "Base",
    "Broadcast",
    "ButtonChoices",
    "CallbackPayload",
    "ChannelAlert",
    "ChannelIdentity",
    "ConversationState",
    "DELIVERY_STATES",
    "Delivery",
    "InboxEntry",
    "InviteCode",
    "LocalDelivery",
    "OPEN_DELIVERY_STATES",
    "OUTCOMES",
    "OutboxReply",
    "QuestionLog",
    "REMINDER_KINDS",
    "RateSlot",
    "ReminderOptOut",
    "Role",
    "Subscription",
    "TOPICS",
    "Team",
    "TeamMember",
    "User",
    "Visit",
    "WebConversation",
    "WebEvent",
    "WebFile",
    "WebSite",
    "WebVisitor",
    "ZaloOverflow",
    "ZaloProactiveUsage",
    "ZaloReplyWindow",
    "ZaloToken",
    "as_utc",
    "utcnow",
]

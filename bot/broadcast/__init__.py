"""Broadcasts: officers' messages to an audience through a crash-safe outbox (issue 6).

The data side (audience, formatting, outbox, control, reporting) is in db/broadcasts, where
handlers may use it; this package sends:

- `ratelimit`: one send rate per channel shared by every worker (database or Redis);
- `outcome`: what came of one message to one chat (bot/platforms sends it);
- `worker` (with `lane` per channel and `recorder`): claims due deliveries, sends them at the
  rate, records each outcome;
- `progress`: following one broadcast's status from anywhere;
- `config`: the worker's settings and the audience rules the settings give.

The names below are the public API of both packages together.
"""

from bot.broadcast.config import rules_for
from bot.broadcast.progress import FINAL_STATES, ProgressHook, watch_progress
from bot.broadcast.worker import WorkerStats, run_worker
from db.broadcasts.audience import (
    Audience,
    AudienceError,
    AudienceRules,
    count_reachable,
    parse_filters,
)
from db.broadcasts.control import cancel, pause, resume
from db.broadcasts.formatting import BroadcastMessage, MessageError, to_plain, to_telegram_html
from db.broadcasts.outbox import BroadcastError, Link, create_broadcast, create_in_session
from db.broadcasts.reporting import failures_csv, list_broadcasts, status

__all__ = [
    "FINAL_STATES", "Audience", "AudienceError", "AudienceRules", "BroadcastError",
    "BroadcastMessage", "Link", "MessageError", "ProgressHook", "WorkerStats", "cancel",
    "count_reachable", "create_broadcast", "create_in_session", "failures_csv",
    "list_broadcasts", "parse_filters", "pause", "resume", "rules_for", "run_worker", "status",
    "to_plain", "to_telegram_html", "watch_progress",
]

"""What came of sending one broadcast message to one chat, and what sends it.

Outcomes (`Outcome.kind`):
- sent;
- blocked: the person blocked the bot or cannot be messaged (content.errors.Unreachable); never
  retried, and the identity is marked unreachable;
- wait: the platform asked us to slow down (Telegram 429 with retry_after, Zalo -32, Zalo -234 at
  night): the channel pauses that long and the message is retried; not a failure;
- retry: a network error, a time-out or a 5xx; retried with back-off up to a number of attempts;
- quota: the platform's messages are used up (Zalo's monthly proactive quota): the broadcast is
  paused with an alert and the row handed back, so nothing is lost;
- failed: anything else (a 400); not retried.

Rate limiting is not done by a sender: the worker's RateGate decides when each send may start,
for every worker process at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from db.broadcasts.formatting import BroadcastMessage


@dataclass(frozen=True)
class Outcome:
    kind: str
    error: str | None = None
    wait_seconds: float = 0.0


SENT = Outcome("sent")


class Sender(Protocol):
    """A platform's one connection (bot/platforms), as the broadcast worker uses it."""

    name: str

    async def deliver(self, chat_id: str, message: BroadcastMessage) -> Outcome: ...

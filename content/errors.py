"""The project's exceptions, in one tree (content/ is the layer every other package imports).

    CdsError                    raised on purpose by this project; anything else is a bug
    ├── InputError (ValueError) what a person or an operator gave cannot be used as given; the
    │   │                       message says why (and is safe to show: no secrets in it)
    │   ├── BodyError           a request body: not JSON, not an object, nested too deep
    │   ├── AudienceError       a broadcast audience filter
    │   ├── MessageError        a broadcast message's text, image or link
    │   └── BroadcastError      a broadcast that cannot be created or changed as asked
    ├── ContentError            the content packs are invalid (`problems` lists each); exit 2
    ├── NotReady                a dependency answers but cannot be used (/readyz says why)
    └── PlatformError           a messaging platform refused a send or could not be reached
        ├── Unreachable         this person cannot be messaged (blocked, unfollowed, window closed)
        ├── RateLimited         slow down: `retry_after` seconds, when the platform says
        ├── QuotaExceeded       the messages the platform allows are used up: tell an officer
        └── PlatformUnavailable network error, time-out or a 5xx: may work later

A form field that cannot be read is not an exception: its reader returns a FieldError value
(handlers/visit_fields.py), the reason in the person's language, and the form asks again.
Each platform's errors subclass these (bot/channels/zalo_client.py, bot/platforms/telegram.py),
so callers catch the kind and never a platform's code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class CdsError(Exception):
    """Base of every error the project raises on purpose."""


class InputError(CdsError, ValueError):
    """What was given cannot be used; the message says why."""


class BodyError(InputError):
    """A request body that is not JSON, or not JSON we accept."""


class AudienceError(InputError):
    """A filter that cannot be understood; the message says which and why."""


class MessageError(InputError):
    """A broadcast message that cannot be sent as written; the message says why."""


class BroadcastError(InputError):
    """A broadcast that cannot be created as asked; the message says why."""


class _Problem(Protocol):
    def __str__(self) -> str: ...


class ContentError(CdsError):
    """The packs are invalid; `problems` lists each error with its file and entry id."""

    def __init__(self, problems: Sequence[_Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} content error(s):\n{lines}")


class NotReady(CdsError):
    """A dependency answers but cannot be used; the message says why and what to do."""


class PlatformError(CdsError):
    """A platform refused a send, or could not be reached."""


class Unreachable(PlatformError):
    """This chat cannot be messaged: the person blocked the bot, unfollowed, or is out of the
    platform's window. Never retried; the identity is marked unreachable."""


class RateLimited(PlatformError):
    """The platform asks us to slow down; `retry_after` is how long, when it says."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QuotaExceeded(PlatformError):
    """The messages the platform allows (per month, per user) are used up."""


class PlatformUnavailable(PlatformError):
    """A network error, a time-out or a server error: the same request may work later."""

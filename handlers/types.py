"""The handler signature every feature module implements, and its one special answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum

from handlers.context import Context
from handlers.messages import IncomingMessage, Reply


class Declined(Enum):
    NOT_HANDLED = "not handled"


NOT_HANDLED = Declined.NOT_HANDLED
"""What a step answers to typed text that is not its answer (a question typed at "Which
province?"): the router hands the text to the FAQ. An empty list means handled, nothing to say."""

Handler = Callable[[IncomingMessage, Context], Awaitable[list[Reply] | Declined]]

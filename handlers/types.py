"""The handler signature every feature module implements."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers.context import Context
from handlers.messages import IncomingMessage, Reply

Handler = Callable[[IncomingMessage, Context], Awaitable[list[Reply]]]

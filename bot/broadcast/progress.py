"""Following one broadcast from anywhere: poll its status and report each change.

Any worker may send a broadcast's rows, so whoever shows progress (the officer's chat, a command)
polls the database rather than listening to one worker. `watch_progress` calls `on_progress` when
the counts change, at most every `interval` seconds, and returns the final status.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.broadcasts.reporting import status

FINAL_STATES = ("done", "cancelled")
ProgressHook = Callable[[int, dict[str, Any]], Awaitable[None] | None]
"""on_progress(broadcast_id, status), status as db.broadcasts.reporting.status gives it."""


async def report(on_progress: ProgressHook, broadcast_id: int, current: dict[str, Any]) -> None:
    """Call the hook, awaiting it if it is a coroutine function."""
    outcome = on_progress(broadcast_id, current)
    if inspect.isawaitable(outcome):
        await outcome


async def watch_progress(sessions: async_sessionmaker[AsyncSession], broadcast_id: int,
                         on_progress: ProgressHook, interval: float = 3.0,
                         stop_event: asyncio.Event | None = None) -> dict[str, Any] | None:
    """Report the broadcast's status on each change until it is done or cancelled (or
    `stop_event` is set); return the last status, None for an unknown broadcast."""
    stop = stop_event or asyncio.Event()
    last: dict[str, Any] | None = None
    while True:
        async with sessions() as session:
            current = await status(session, broadcast_id)
        if current is None:
            return None
        if current != last:
            await report(on_progress, broadcast_id, current)
            last = current
        if current["state"] in FINAL_STATES or stop.is_set():
            return current
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)

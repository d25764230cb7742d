"""Engine and session factory for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def ensure_sqlite_dir(url: str) -> None:
    """Create the folder of a SQLite file (./data/ by default) so the first run just works."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


DEFAULT_POOL_SIZE = 20
"""PostgreSQL connections kept open per process (DATABASE_POOL_SIZE)."""


def create_engine(url: str, pool_size: int = DEFAULT_POOL_SIZE, **kwargs: Any) -> AsyncEngine:
    """An async engine; on SQLite with WAL, foreign keys and a busy timeout for several processes.
    Errors and logs never show the statements' parameters: they carry people's messages."""
    ensure_sqlite_dir(url)
    if is_sqlite(url):
        engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True,
                                     **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # With WAL, NORMAL syncs at checkpoints, not at every commit: safe against a crash
            # of the bot (only a power loss can drop the last commits) and several times faster.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    # No pre-ping: it costs a round trip per transaction. Connections are recycled hourly, and
    # a dropped one fails that one message (the pipeline apologises) and is replaced.
    # The pool must cover the messages handled at once: an overflow connection is opened and
    # closed per use (a TCP + TLS handshake and every statement prepared again), which once
    # cost a fifth of the bot's CPU under load.
    return create_async_engine(url, pool_recycle=3600, pool_size=pool_size, max_overflow=pool_size,
                               hide_parameters=True, **kwargs)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    import db.visit_tallies  # noqa: F401  (its hook keeps the tallies equal to the visits)

    return async_sessionmaker(engine, expire_on_commit=False)

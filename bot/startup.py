"""Start-up failures in one line: what failed, why, and the setting to change (exit code 2).

A port in use, a database that does not exist or cannot be reached, a SQLite file in a folder
that cannot be written: people meet these on the first run, and a page of traceback hides the
one line that matters. The traceback is still there with LOG_LEVEL=DEBUG.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator

from sqlalchemy.engine import make_url

from bot.settings import Settings
from db.engine import is_sqlite


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _database(settings: Settings) -> str:
    url = make_url(settings.database_url)
    if is_sqlite(settings.database_url):
        return f"the SQLite file {url.database}"
    return f"the database '{url.database}' on {url.host}:{url.port or 5432}"


def explain(exc: BaseException, settings: Settings | None) -> str | None:
    """The one line for a known start-up failure, or None."""
    for cause in _chain(exc):
        text = str(cause)
        if isinstance(cause, OSError) and cause.errno == errno.EADDRINUSE:
            where = f"{settings.web_host}:{settings.web_port}" if settings else "the web port"
            return f"{where} is already in use by another program: stop it, or set WEB_PORT"
        if isinstance(cause, OSError) and cause.errno == errno.EADDRNOTAVAIL:
            host = settings.web_host if settings else "WEB_HOST"
            return f"{host} is not an address of this machine: set WEB_HOST (0.0.0.0 for all)"
        if isinstance(cause, PermissionError) and "bind" in text:
            return "not allowed to listen on this port (below 1024 needs privileges): set WEB_PORT"
        if settings is None:
            continue
        database = _database(settings)
        if "does not exist" in text and "database" in text:
            return f"{database} does not exist: create it (createdb), or set DATABASE_URL"
        if "password authentication failed" in text or "role" in text and "does not exist" in text:
            return f"{database} refused the user name or password: set DATABASE_URL"
        if isinstance(cause, ConnectionRefusedError | TimeoutError) or "Connect call failed" in text:
            return f"cannot reach {database}: start the database server, or set DATABASE_URL"
        if isinstance(cause, sqlite3.OperationalError) and (
                "unable to open" in text or "readonly" in text or "read-only" in text):
            return (f"cannot write {database} (its folder is missing, not writable or on a "
                    "read-only file system): set DATABASE_URL to a writable path")
        if isinstance(cause, OSError) and cause.errno in (errno.EROFS, errno.EACCES, errno.ENOTDIR,
                                                          errno.ENOENT, errno.EEXIST):
            path = cause.filename or "a file"
            setting = "REPORTS_DIR" if str(path).startswith(str(settings.reports_dir)) else (
                "DATABASE_URL" if is_sqlite(settings.database_url) else "the path")
            return f"cannot create or write {path} ({cause.strerror}): set {setting}"
    return None

"""Shared fixtures: loaded content, real databases (SQLite file and PostgreSQL), a fixed clock."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import queue
import shutil
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import build_services
from bot.pipeline import Pipeline
from bot.settings import Settings
from db.engine import create_engine, session_factory
from db.migrate import upgrade
from handlers.context import Services
from tests.clock_travel import travel_to
from tests.fakes.chat import Chat
from tests.zalo_harness import Zalo, zalo_harness

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
FIXED_NOW = dt.datetime(2024, 10, 5, 9, 0, tzinfo=TZ)
"""Inside Nghệ An's 2024 campaign (01-10/10/2024): lets schedules be tested as running."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--today", metavar="YYYY-MM-DD", type=dt.date.fromisoformat,
                     help="move the real clock to this day (the clock guard, tests/clock_travel.py)")


def pytest_configure(config: pytest.Config) -> None:
    # The tests' start-up builds (many of packs of their own) stay out of the bot's own cache
    # (content/build_cache.py keeps a few per build name), in the checkout; child processes too.
    os.environ.setdefault("CDSBOT_CACHE_DIR", str(Path(__file__).resolve().parents[1] / ".cache"
                                                  / "test-builds"))
    today = config.getoption("--today")
    if today is not None:
        config.add_cleanup(travel_to(today, TZ).stop)


def pytest_report_header(config: pytest.Config) -> str | None:
    today = config.getoption("--today")
    return f"clock guard: the real clock reads {today} 09:00 {TZ.key}" if today else None


@pytest.fixture(scope="session")
def services() -> Services:
    return build_services(Settings(_env_file=None))  # type: ignore[call-arg]


def _postgres_admin_url() -> str | None:
    return os.environ.get("TEST_POSTGRES_URL")


@asynccontextmanager
async def _admin_connection(admin_url: str) -> AsyncIterator[Any]:
    import asyncpg

    url = make_url(admin_url)
    conn = await asyncpg.connect(user=url.username, password=url.password, host=url.host,
                                 port=url.port or 5432, database=url.database)
    try:
        yield conn
    finally:
        await conn.close()


async def _create_postgres_database(admin_url: str, template: str | None = None) -> str:
    name = f"cdsbot_test_{uuid.uuid4().hex[:10]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    async with _admin_connection(admin_url) as conn:
        await conn.execute(f'CREATE DATABASE "{name}"{copy}')
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


async def _drop_postgres_database(admin_url: str, test_url: str) -> None:
    async with _admin_connection(admin_url) as conn:
        await conn.execute(f'DROP DATABASE IF EXISTS "{make_url(test_url).database}" WITH (FORCE)')


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated once per test session; each test gets a copy (migrations take
    longer than most tests)."""
    path = tmp_path_factory.mktemp("template") / "migrated.sqlite3"
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


def sqlite_database(template: Path, directory: Path, name: str = "test.sqlite3") -> str:
    """A fresh, migrated SQLite database in `directory` (a copy of the template)."""
    shutil.copyfile(template, directory / name)
    return f"sqlite+aiosqlite:///{directory / name}"


@pytest.fixture(scope="session")
def migrated_postgres() -> Iterator[str | None]:
    """A PostgreSQL database migrated once per test session, the template of each test's own."""
    admin = _postgres_admin_url()
    if not admin:
        yield None
        return
    url = asyncio.run(_create_postgres_database(admin))
    asyncio.run(upgrade(url))
    try:
        yield url
    finally:
        asyncio.run(_drop_postgres_database(admin, url))


class PostgresDatabases:
    """Fresh copies of the migrated template, made ahead in a thread while tests run: a test
    takes one that is ready and its database is dropped in the background. CREATE DATABASE
    takes about 0.35 s, nearly all of it the server writing files, and 250 tests need one."""

    AHEAD = 2

    def __init__(self, admin: str, template: str) -> None:
        self._admin, self._template = admin, template
        self._ready: queue.Queue[str | BaseException] = queue.Queue()
        self._jobs: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="postgres-databases",
                                        daemon=True)
        self._thread.start()
        for _ in range(self.AHEAD):
            self._jobs.put(("create", ""))

    def take(self) -> str:
        self._jobs.put(("create", ""))  # the next test's
        ready = self._ready.get(timeout=120)
        if isinstance(ready, BaseException):
            raise ready
        return ready

    def drop(self, url: str) -> None:
        self._jobs.put(("drop", url))

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=120)
        while not self._ready.empty():  # made ahead for tests that never came
            if isinstance(ready := self._ready.get(), str):
                asyncio.run(_drop_postgres_database(self._admin, ready))

    def _work(self) -> None:
        loop = asyncio.new_event_loop()
        try:
            while (job := self._jobs.get()) is not None:
                kind, url = job
                try:
                    if kind == "create":
                        self._ready.put(loop.run_until_complete(
                            _create_postgres_database(self._admin, template=self._template)))
                    else:
                        loop.run_until_complete(_drop_postgres_database(self._admin, url))
                except Exception as error:  # the test that waits for it fails with it
                    self._ready.put(error)
        finally:
            loop.close()


@pytest.fixture(scope="session")
def postgres_databases(migrated_postgres: str | None) -> Iterator[PostgresDatabases | None]:
    admin = _postgres_admin_url()
    if not admin or not migrated_postgres:
        yield None
        return
    databases = PostgresDatabases(admin, make_url(migrated_postgres).database or "")
    try:
        yield databases
    finally:
        databases.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database: a SQLite file, or a new PostgreSQL database dropped after."""
    if request.param == "sqlite":
        yield sqlite_database(request.getfixturevalue("migrated_sqlite"), tmp_path)
        return
    databases: PostgresDatabases | None = request.getfixturevalue("postgres_databases")
    if databases is None:
        pytest.skip("TEST_POSTGRES_URL is not set")
    url = databases.take()
    try:
        yield url
    finally:
        databases.drop(url)


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the fresh database, for tests that write rows themselves."""
    engine = create_engine(database_url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
def clock() -> list[dt.datetime]:
    """A settable clock: tests change clock[0] to move time."""
    return [FIXED_NOW]


@pytest.fixture
async def pipeline(services: Services, database_url: str, clock: list[dt.datetime]) -> AsyncIterator[Pipeline]:
    engine = create_engine(database_url)
    try:
        yield Pipeline(services, session_factory(engine), clock=lambda: clock[0])
    finally:
        await engine.dispose()


@pytest.fixture
def chat(pipeline: Pipeline) -> Chat:
    return Chat(pipeline)


@pytest.fixture
async def zalo(services: Services, tmp_path: Path, migrated_sqlite: Path) -> AsyncIterator[Zalo]:
    """The Zalo channel on SQLite against the fake Zalo server (tests/zalo_harness.py)."""
    url = sqlite_database(migrated_sqlite, tmp_path, "zalo.sqlite3")
    async with zalo_harness(services, url, lambda: FIXED_NOW) as harness:
        yield harness


@pytest.fixture
async def signed_in(server: Any) -> AsyncIterator[Any]:
    """sign_in(chat): a console browser signed in with the link /dangnhap sends to the chat
    (tests/console_harness.py; the test module provides the console `server`)."""
    from tests.console_harness import login_token

    opened: list[Any] = []

    async def sign_in(chat: Any) -> Any:
        browser = server.browser()
        opened.append(browser)
        await browser.sign_in(await login_token(chat))
        return browser
    yield sign_in
    for browser in opened:
        await browser.close()

"""Start-up and teardown: content, matcher, catalogs, database; shared by every command."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.broadcast.config import rules_for
from bot.console.pages import CONSOLE_PATH
from bot.content_refresh import MatcherRefresher
from bot.pipeline import Pipeline
from bot.settings import Settings
from bot.store import open_store
from content.build_cache import cached
from content.i18n import Catalogs
from content.index import build_matcher
from content.loader import ContentStore, load_content
from content.matcher import FaqMatcher
from db.engine import is_sqlite
from db.repositories import UserRepository
from handlers.context import Services, TeamRules

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    services: Services
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    pipeline: Pipeline
    refresher: MatcherRefresher
    """Keeps the matcher in step with the phrasings added in the console (every worker)."""

    async def set_province(self, channel: str, external_id: str, province: str | None) -> None:
        """Give a (CLI) user a province preference, as if they had chosen it with consent."""
        async with self.sessions() as session, session.begin():
            identity = (await UserRepository(session).identify(channel, external_id, external_id)).identity
            identity.user.province = province
            identity.user.location_consent = province is not None


def build_services(settings: Settings) -> Services:
    """Load and validate content (raises ContentError), index the FAQ, compile the catalogs."""
    content, matcher = cached("matcher", [Path(__file__), settings.packs_path,
                                          settings.seeds_path, str(settings.provinces)],
                              lambda: _content_and_matcher(settings))
    rules = TeamRules(visit_max_age_days=settings.visit_max_age_days,
                      visit_max_people=settings.visit_max_people,
                      visit_undo_minutes=settings.visit_undo_minutes,
                      invite_valid_days=settings.invite_valid_days,
                      invite_max_uses=settings.invite_max_uses)
    return Services(content=content, matcher=matcher,
                    catalogs=Catalogs(default_locale=settings.default_locale), timezone=settings.tz,
                    rules=rules, admins=settings.admins, reports_dir=settings.reports_dir,
                    broadcast_rules=rules_for(settings),
                    zalo_proactive_quota=(settings.zalo_proactive_quota
                                          if settings.zalo_enabled else None),
                    console_url=settings.public_url() + CONSOLE_PATH)


def _content_and_matcher(settings: Settings) -> tuple[ContentStore, FaqMatcher]:
    content = load_content(settings.packs_path, provinces=settings.provinces,
                           seeds_dir=settings.seeds_path)
    return content, build_matcher(content)


def settle_startup_objects() -> None:
    """Take what start-up made (modules, the content and its index, the catalogs: some 200,000
    objects that live as long as the process) out of the garbage collector's sight. A full
    collection walked them all, about 100 ms on the development machine, and every message in
    flight waited through it; after this one takes about 15 ms."""
    gc.collect()
    gc.freeze()


@asynccontextmanager
async def open_app(settings: Settings, *, migrate: bool = True) -> AsyncIterator[App]:
    """Everything a channel needs, migrated and ready; disposed of on exit."""
    services = build_services(settings)
    async with open_store(settings, migrate=migrate) as store:
        pipeline = Pipeline(services, store.sessions,
                            serialize_writes=is_sqlite(settings.database_url))
        refresher = MatcherRefresher(services, store.sessions)
        if migrate:  # the console's additions to the packs, from the start
            await refresher.refresh()
        yield App(settings, services, store.engine, store.sessions, pipeline, refresher)

"""`cdsbot db upgrade`, `cdsbot db recount` and `cdsbot unanswered`: the database, without content or matcher."""

from __future__ import annotations

import click

from bot.cli.common import load_settings, run_command
from bot.settings import Settings
from bot.store import open_store
from db.migrate import upgrade
from db.repositories import QuestionLogRepository
from db.visit_tallies import mismatched, recount


@click.group()
def db() -> None:
    """Database."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations (alembic) up to the latest."""
    run_command(upgrade(load_settings().database_url))
    click.echo("Database is up to date.")


@db.command("recount")
def db_recount() -> None:
    """Rebuild the visit tallies that reports read, from the visits (after rows were changed
    outside the bot, by hand or by another tool)."""
    run_command(_recount(load_settings()))


async def _recount(settings: Settings) -> None:
    async with open_store(settings) as store, store.sessions.begin() as session:
        wrong = await mismatched(session)
        await recount(session)
    click.echo(f"Visit tallies recounted from the visits: {wrong} rows were out of step.")


@click.command()
@click.option("--limit", default=50, show_default=True)
def unanswered(limit: int) -> None:
    """Questions the bot could not answer, newest first (for officers)."""
    run_command(_unanswered(load_settings(), limit))


async def _unanswered(settings: Settings, limit: int) -> None:
    async with open_store(settings) as store, store.sessions() as session:
        for row in await QuestionLogRepository(session).unanswered(limit):
            when = row.created_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
            click.echo(f"{when}  {row.score:.2f}  {row.text or row.normalized_text}")

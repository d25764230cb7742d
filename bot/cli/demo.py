"""`cdsbot demo-data`: fill the database with synthetic teams, visits and subscribers (bot/demo_data.py),
all marked demo, or remove them."""

from __future__ import annotations

import time

import click

from bot.cli.common import BAD_INPUT, load_settings, run_command
from bot.demo_data import clear_demo_data, generate_demo_data, has_real_data
from bot.settings import Settings
from bot.store import open_store


class RefusedError(click.ClickException):
    """The database may be production: stop with exit code 2."""

    exit_code = BAD_INPUT


@click.command("demo-data")
@click.option("--teams", type=click.IntRange(min=0), default=40, show_default=True)
@click.option("--visits", type=click.IntRange(min=0), default=20_000, show_default=True)
@click.option("--subscribers", type=click.IntRange(min=0), default=500, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same data.")
@click.option("--yes", is_flag=True, help="Run even though the database holds real users or teams.")
@click.option("--clear", is_flag=True, help="Remove all demo data (and only it), then stop.")
def demo_data_command(teams: int, visits: int, subscribers: int, seed: int, yes: bool,
                      clear: bool) -> None:
    """Fill the database with synthetic teams, visits and subscribers, all marked demo."""
    if visits and not teams:
        raise click.BadParameter("visits need at least one team", param_hint="--teams")
    run_command(_demo_data(load_settings(), teams=teams, visits=visits, subscribers=subscribers, seed=seed,
                    yes=yes, clear=clear))


async def _demo_data(settings: Settings, *, teams: int, visits: int, subscribers: int, seed: int,
                     yes: bool, clear: bool) -> None:
    async with open_store(settings) as store:
        if clear:
            click.echo(f"Removed {await clear_demo_data(store.sessions)} demo rows.")
            return
        if not yes and await has_real_data(store.sessions):
            raise RefusedError("the database holds real (non-demo) users or teams; it may be "
                               "production. Add --yes to add demo data to it anyway.")
        started = time.monotonic()
        with click.progressbar(length=visits, label="Writing demo visits") as bar:
            summary = await generate_demo_data(store.sessions, teams=teams, visits=visits,
                                               subscribers=subscribers, seed=seed,
                                               progress=bar.update)
        click.echo(f"Demo data: {summary.teams} teams ({summary.members} members), "
                   f"{summary.visits} visits, {summary.subscribers} subscribers "
                   f"({summary.subscriptions} subscriptions) in "
                   f"{time.monotonic() - started:.1f} s. Remove it with --clear.")

"""`cdsbot broadcast`: create officers' broadcasts, send them (the worker), follow, list, pause,
resume and cancel them, and export their failures."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from sqlalchemy import func, select

from bot.broadcast import (
    AudienceError,
    BroadcastError,
    BroadcastMessage,
    Link,
    MessageError,
    count_reachable,
    create_broadcast,
    failures_csv,
    list_broadcasts,
    parse_filters,
    rules_for,
    run_worker,
    status,
    to_plain,
)
from bot.broadcast import cancel as cancel_broadcast
from bot.broadcast import pause as pause_broadcast
from bot.broadcast import resume as resume_broadcast
from bot.cli.common import load_settings, run_command
from bot.settings import Settings
from bot.store import open_store
from content.i18n import N_, Catalogs
from db.broadcasts.formatting import check_message
from db.broadcasts.outbox import OPEN
from db.local_deliveries import LocalDeliveries
from db.models import Broadcast, ChannelIdentity, Delivery, utcnow
from db.zalo_budget import ProactiveQuota

DEFAULT_LINK_LABEL = N_("Learn more")
"""The link button's label when none is given, in the default language."""
AUDIENCE_HELP = ("all | topic:X | province:P | commune:C | team:ID | role:R "
                 "(citizen, member, leader, officer, admin). Repeat it: filters of different "
                 "kinds must all match, filters of one kind any of them.")


def parse_when(value: str, tz: dt.tzinfo, now: dt.datetime) -> dt.datetime:
    """An ISO 8601 date and time in the future; local time (`tz`) unless it has an offset."""
    try:
        when = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date and time: write it as ISO 8601, e.g. "
                                 "2024-10-10T08:00 (Asia/Ho_Chi_Minh) or 2024-10-10T01:00Z",
                                 param_hint="'--at'") from None
    when = when if when.tzinfo else when.replace(tzinfo=tz)
    if when <= now:
        raise click.BadParameter(f"{when.isoformat()} is in the past (now: "
                                 f"{now.astimezone(tz).isoformat(timespec='seconds')})",
                                 param_hint="'--at'")
    return when


@click.group("broadcast")
def broadcast_command() -> None:
    """Officers' broadcasts: create, send (worker), status, list, pause, resume, cancel."""


@broadcast_command.command("create")
@click.option("--text", required=True, help="The message; **bold** and __italic__ work.")
@click.option("--image", default=None, help="URL of an image, sent with the text as caption.")
@click.option("--link", default=None, help="URL of a button under the message.")
@click.option("--link-label", default=None, help="The button's label (default: 'Learn more', "
              "translated).")
@click.option("--audience", "filters", multiple=True, help=AUDIENCE_HELP)
@click.option("--at", "at", default=None,
              help="When to send, ISO 8601 (2024-10-10T08:00); Asia/Ho_Chi_Minh unless it "
                   "has an offset. Default: now.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def create(text: str, image: str | None, link: str | None, link_label: str | None,
           filters: tuple[str, ...], at: str | None, yes: bool) -> None:
    """Create a broadcast (prints its id); `broadcast worker` sends it."""
    settings = load_settings()
    when = parse_when(at, settings.tz, utcnow()) if at else None
    try:
        audience = parse_filters(filters)
    except AudienceError as error:
        raise click.BadParameter(str(error), param_hint="'--audience'") from None
    try:
        check_message(BroadcastMessage(text, image, link, link_label or DEFAULT_LINK_LABEL))
    except MessageError as error:
        raise click.UsageError(str(error)) from None
    run_command(_create(settings, text, image, link, link_label, audience, when, yes))


async def _create(settings: Settings, text: str, image: str | None, link: str | None,
                  link_label: str | None, audience: Any, when: dt.datetime | None,
                  yes: bool) -> None:
    rules = rules_for(settings)  # with no platform configured: console users and demo ones
    async with open_store(settings) as store:
        async with store.sessions() as session:
            counts = await count_reachable(session, audience, utcnow(), rules)
            low, high = (await session.execute(select(func.min(ChannelIdentity.id),
                                                      func.max(ChannelIdentity.id)))).one()
            left = await ProactiveQuota(session, settings.zalo_proactive_quota,
                                        settings.tz).left()
        _show_plan(settings, text, audience.filters, counts, when)
        if not sum(counts.values()):
            raise click.UsageError("nobody in that audience can be reached right now: people "
                                   "are reached once they have started a chat with the bot, "
                                   "agreed and subscribed; nothing was created")
        if counts.get("zalo"):
            _show_quota(settings, counts["zalo"], left)
        if not yes:
            click.confirm("Create this broadcast?", abort=True)
        translate = Catalogs(default_locale=settings.default_locale).translator(
            settings.default_locale)
        label = link_label or translate(DEFAULT_LINK_LABEL)
        with _bar(high - low + 1 if low is not None else 0, "Writing deliveries") as advance:
            try:
                broadcast_id = await create_broadcast(
                    store.sessions, text=text, image_url=image,
                    link=Link(link, label) if link else None, filters=audience, at=when,
                    rules=rules, progress=advance)
            except (BroadcastError, ValueError) as error:
                raise click.UsageError(str(error)) from None
    click.echo(broadcast_id)


def _show_plan(settings: Settings, text: str, filters: tuple[str, ...], counts: dict[str, int],
               when: dt.datetime | None) -> None:
    out = sys.stderr  # stdout carries only the id, for scripts
    click.echo(f"Audience: {' '.join(filters) or 'all'}", file=out)
    for channel, count in counts.items():
        click.echo(f"  {channel}: {count:,} reachable", file=out)
    click.echo(f"  total: {sum(counts.values()):,}", file=out)
    click.echo("When: " + (when.astimezone(settings.tz).isoformat(timespec="minutes") if when
                           else "now"), file=out)
    click.echo("Text:\n" + to_plain(text), file=out)


def _show_quota(settings: Settings, zalo_people: int, left: int) -> None:
    """Zalo broadcast messages are proactive ("tin chủ động"): the count and the month's quota."""
    quota = settings.zalo_proactive_quota
    click.echo(f"  zalo: {zalo_people:,} proactive messages; this month's quota: {left:,} of "
               f"{quota:,} left", file=sys.stderr)
    if zalo_people > left:
        click.echo("  not enough quota: the broadcast pauses with an alert when it is used up; "
                   "resume it when the quota renews (nothing is lost)", file=sys.stderr)


@contextmanager
def _bar(length: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar with an ETA on standard error (stdout is for results)."""
    with click.progressbar(length=max(length, 1), label=label, show_eta=True,
                           file=sys.stderr) as bar:
        yield bar.update


@broadcast_command.command("worker")
@click.option("--until-idle", is_flag=True, help="Exit when nothing is due.")
def worker(until_idle: bool) -> None:
    """Send due broadcasts until stopped (SIGTERM/Ctrl-C stop gracefully)."""
    run_command(_worker(load_settings(), until_idle))


async def _worker(settings: Settings, until_idle: bool) -> None:
    async with open_store(settings) as store:
        async with store.sessions() as session:
            unsent = (await session.execute(
                select(func.count()).select_from(Delivery).join(Broadcast)
                .where(OPEN, Broadcast.state.in_(("sending", "scheduled"))))).scalar_one()
        with _bar(int(unsent), "Sending broadcasts") as advance:
            stats = await run_worker(settings, until_idle, sessions=store.sessions,
                                     rows_done=advance)
    click.echo(f"sent {stats.sent}, failed {stats.failed}, blocked {stats.blocked}, "
               f"retried {stats.retried}")


@broadcast_command.command("status")
@click.argument("broadcast_id", type=int)
@click.option("--json", "as_json", is_flag=True,
              help='{"id", "state", "total", "sent", "failed", "blocked", "pending"}')
def status_command(broadcast_id: int, as_json: bool) -> None:
    """How far a broadcast has got."""
    run_command(_status(load_settings(), broadcast_id, as_json))


async def _status(settings: Settings, broadcast_id: int, as_json: bool) -> None:
    async with open_store(settings) as store, store.sessions() as session:
        current = await status(session, broadcast_id)
    if current is None:
        raise click.ClickException(f"no broadcast {broadcast_id}")
    click.echo(json.dumps(current) if as_json else _describe(current))


def _describe(s: dict[str, Any]) -> str:
    return (f"#{s['id']} {s['state']}: {s['sent']:,} of {s['total']:,} sent, {s['failed']:,} "
            f"failed, {s['blocked']:,} blocked, {s['pending']:,} pending")


@broadcast_command.command("list")
@click.option("--limit", default=20, show_default=True)
def list_command(limit: int) -> None:
    """The latest broadcasts, newest first."""
    run_command(_list(load_settings(), limit))


async def _list(settings: Settings, limit: int) -> None:
    async with open_store(settings) as store, store.sessions() as session:
        rows = await list_broadcasts(session, limit)
    for broadcast, current in rows:
        when = broadcast.scheduled_at or broadcast.created_at
        local = when.replace(tzinfo=when.tzinfo or dt.UTC).astimezone(settings.tz)
        text = to_plain(broadcast.text).replace("\n", " ")
        click.echo(f"{_describe(current)}  {local:%Y-%m-%d %H:%M}  "
                   f"{' '.join(broadcast.audience)}  {text[:40]}")


def _state_change(name: str, change: Callable[..., Any], done: str) -> click.Command:
    @click.argument("broadcast_id", type=int)
    def command(broadcast_id: int) -> None:
            run_command(_change(load_settings(), broadcast_id, change, done))

    command.__doc__ = f"{name.capitalize()} a broadcast."
    return broadcast_command.command(name)(command)


async def _change(settings: Settings, broadcast_id: int, change: Callable[..., Any],
                  done: str) -> None:
    async with open_store(settings) as store, store.sessions() as session, session.begin():
        changed = await change(session, broadcast_id)
        current = await status(session, broadcast_id)
    if current is None:
        raise click.ClickException(f"no broadcast {broadcast_id}")
    if not changed:
        raise click.ClickException(f"broadcast {broadcast_id} is {current['state']}: nothing "
                                   "to do")
    click.echo(f"Broadcast {broadcast_id} {done}. {_describe(current)}")


_state_change("cancel", cancel_broadcast, "cancelled")
_state_change("pause", pause_broadcast, "paused")
_state_change("resume", resume_broadcast, "resumed")


@broadcast_command.command("sink")
@click.option("--limit", default=20, show_default=True)
def sink_command(limit: int) -> None:
    """What the demo subscribers received, newest first (with no platform configured,
    announcements to them are only recorded here: nothing leaves this machine)."""
    run_command(_sink(load_settings(), limit))


async def _sink(settings: Settings, limit: int) -> None:
    async with open_store(settings) as store, store.sessions() as session:
        rows = await LocalDeliveries(session).recent("demo", limit)
    if not rows:
        click.echo("The demo sink holds no announcement yet.")
    for row in rows:
        local = row.delivered_at.replace(tzinfo=row.delivered_at.tzinfo or dt.UTC)
        text = to_plain(row.message.get("text", "")).replace("\n", " ")
        click.echo(f"{local.astimezone(settings.tz):%Y-%m-%d %H:%M:%S}  {row.chat_id}  {text[:60]}")


@broadcast_command.command("failures")
@click.argument("broadcast_id", type=int)
@click.option("--out", "path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV file (default: REPORTS_DIR/broadcast-ID-failures.csv).")
def failures_command(broadcast_id: int, path: Path | None) -> None:
    """Write a broadcast's failed and blocked deliveries as CSV."""
    settings = load_settings()
    run_command(_failures(settings, broadcast_id,
                  path or settings.reports_dir / f"broadcast-{broadcast_id}-failures.csv"))


async def _failures(settings: Settings, broadcast_id: int, path: Path) -> None:
    async with open_store(settings) as store, store.sessions() as session:
        count = await failures_csv(session, broadcast_id, path)
    click.echo(f"{count} failed or blocked deliveries written to {path}")

"""`cdsbot`: the command line (run, chat, ask, content check, db upgrade, questions)."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Iterable

import click
from pydantic import ValidationError

from bot.app import App, open_app
from bot.channels.console import ConsoleChannel, run_console
from bot.cli_places import province_slug
from bot.log_secrets import SecretsFilter, mask_secrets_in_logs
from bot.settings import Settings, describe_invalid
from bot.startup import explain
from content.loader import ContentError, load_content
from db.migrate import upgrade
from handlers.messages import IncomingMessage

ASK_CHANNEL = "cli"


def _settings() -> Settings:
    """The settings from the environment and .env; invalid ones stop with exit code 2 and a line
    per setting that never shows the value given. Logging masks every secret set."""
    try:
        settings = Settings()
    except ValidationError as error:
        click.echo("Cannot start: invalid settings (see .env.example):", err=True)
        for line in describe_invalid(error):
            click.echo(f"  {line}", err=True)
        sys.exit(2)
    logging.basicConfig(level=getattr(logging, settings.log_level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per migration is noise
    mask_secrets_in_logs(settings.secrets)
    _LAST_SETTINGS.append(settings)
    return settings


_LAST_SETTINGS: list[Settings] = []
"""The settings `_settings` read, so a failure can name the setting to change."""


def _run(coro: object) -> None:
    """Run a coroutine. Invalid content stops with its list of errors; a known start-up
    failure (port in use, database missing or unreachable, folder not writable) with one line
    naming the setting to change; anything else with one line too. Exit code 2; the traceback
    only with LOG_LEVEL=DEBUG."""
    try:
        asyncio.run(coro)  # type: ignore[arg-type]
    except ContentError as exc:
        click.echo(f"Cannot start: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        pass
    except (click.ClickException, click.Abort, click.exceptions.Exit):
        raise  # click's own answers to the person at the terminal, with its exit codes
    except Exception as exc:
        settings = _LAST_SETTINGS[-1] if _LAST_SETTINGS else None
        known = explain(exc, settings)
        line = (f"Cannot start: {known}" if known else
                f"Stopped by an error: {type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}")
        click.echo(SecretsFilter(settings.secrets if settings else []).mask(line), err=True)
        if logging.getLogger().isEnabledFor(logging.DEBUG):
            logging.getLogger(__name__).debug("the error in full", exc_info=exc)
        else:
            click.echo("(LOG_LEVEL=DEBUG shows the details)", err=True)
        sys.exit(2)


@click.group()
def main() -> None:
    """CDS Outreach Bot: National Digital Transformation Day assistant."""


@main.command()
def run() -> None:
    """Run every configured channel (with no tokens: the local console chat)."""
    from bot import runner

    _run(runner.run(_settings()))


@main.command()
@click.option("--user", default=None, help="Console user id (default: your login name).")
def chat(user: str | None) -> None:
    """Chat with the bot in this terminal; type a button's number to press it, /quit to leave."""
    _run(_chat(_settings(), user))


async def _chat(settings: Settings, user: str | None = None) -> None:
    async with open_app(settings) as app:
        await run_console(app.pipeline.process, channel=ConsoleChannel(user))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per question.")
@click.option("--province", default=None, help="Rank this province's answers first (slug).")
@click.argument("questions", nargs=-1)
def ask(as_json: bool, province: str | None, questions: tuple[str, ...]) -> None:
    """Answer QUESTIONS, or one question per line of standard input when none are given."""
    lines: Iterable[str] = questions or (line.rstrip("\n") for line in sys.stdin)
    _run(_ask(_settings(), lines, as_json, province))


async def _ask(settings: Settings, lines: Iterable[str], as_json: bool, province: str | None) -> None:
    async with open_app(settings) as app:
        if province is not None:
            province = province_slug(province, places=app.services.places)
        user_id = f"ask:{province or 'all'}"
        await app.set_province(ASK_CHANNEL, user_id, province)
        for line in lines:
            click.echo(await _answer_line(app, user_id, line, as_json))


async def _answer_line(app: App, user_id: str, question: str, as_json: bool) -> str:
    replies = await app.pipeline.process(IncomingMessage(ASK_CHANNEL, user_id, user_id, text=question))
    answer = "\n\n".join(r.text for r in replies)
    if not as_json:
        return answer + "\n"
    info = next((r.answer for r in replies if r.answer is not None), None)
    return json.dumps({"question": question, "matched": bool(info and info.matched),
                       "answer": answer, "faq_id": info.faq_id if info else None,
                       "score": float(info.score) if info else 0.0}, ensure_ascii=False)


@main.group()
def content() -> None:
    """Content packs."""


@content.command("check")
def content_check() -> None:
    """Validate the content packs; print each error with its file and entry id."""
    settings = _settings()
    try:
        store = load_content(settings.packs_path, provinces=settings.provinces,
                         seeds_dir=settings.seeds_path)
    except ContentError as exc:
        for problem in exc.problems:
            click.echo(f"ERROR {problem}", err=True)
        click.echo(f"{len(exc.problems)} error(s).", err=True)
        sys.exit(1)
    faq = len(store.faq)
    schedule = len(store.schedule)
    click.echo(f"OK: {len(store.packs)} packs, {faq} FAQ entries, {schedule} dated items, "
               f"{sum(len(p.resources) for p in store.packs)} links.")


@content.command("coverage")
@click.option("--all", "show_all", is_flag=True, help="List covered sections too.")
def content_coverage(show_all: bool) -> None:
    """For every section of every seed, the FAQ entries that answer from it; sections with none
    and no written reason (content/coverage_exclusions.yaml) are listed, and exit with 1."""
    from content.coverage import audit

    settings = _settings()
    if settings.seeds_path is None:
        raise click.ClickException("SEEDS_DIR is not set: the audit reads the seed documents")
    store = load_content(settings.packs_path, provinces=settings.provinces,
                         seeds_dir=settings.seeds_path)
    open_sections = 0
    for file, sections in audit(store, settings.seeds_path).items():
        gaps = [s for s in sections if not s.covered]
        open_sections += len(gaps)
        click.echo(f"{file}: {len(sections)} sections, {len(sections) - len(gaps)} covered")
        for section in sections:
            if not section.covered:
                click.echo(f"  NO ENTRY  {section.code:24} line {section.line:4}  {section.title}")
            elif show_all:
                what = ", ".join(section.entries) or f"left out: {section.excluded}"
                click.echo(f"  ok        {section.code:24} {what}")
    click.echo(f"{open_sections} section(s) without an entry or a reason.")
    sys.exit(1 if open_sections else 0)


@main.group()
def db() -> None:
    """Database."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations (alembic) up to the latest."""
    settings = _settings()
    asyncio.run(upgrade(settings.database_url))
    click.echo("Database is up to date.")


@main.command()
@click.option("--limit", default=50, show_default=True)
def unanswered(limit: int) -> None:
    """Questions the bot could not answer, newest first (for officers)."""
    _run(_unanswered(_settings(), limit))


async def _unanswered(settings: Settings, limit: int) -> None:
    from db.repositories import QuestionLogRepository

    async with open_app(settings) as app, app.sessions() as session:
        for row in await QuestionLogRepository(session).unanswered(limit):
            when = row.created_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
            click.echo(f"{when}  {row.score:.2f}  {row.text or row.normalized_text}")


@main.group()
def zalo() -> None:
    """Zalo OA: obtain the first token pair (OAuth v4 with PKCE)."""


@zalo.command("auth-url")
@click.option("--state", default="cdsbot", show_default=True)
def zalo_auth_url(state: str) -> None:
    """Print the OA permission URL and the PKCE code verifier to keep for `exchange`."""
    from bot.channels.zalo_client import permission_url, pkce_pair

    settings = _settings()
    if not (settings.zalo_app_id and settings.zalo_redirect_uri):
        raise click.UsageError("set ZALO_APP_ID and ZALO_REDIRECT_URI first")
    verifier, challenge = pkce_pair()
    click.echo(permission_url(settings.zalo_oauth_base_url, settings.zalo_app_id,
                              settings.zalo_redirect_uri, challenge, state))
    click.echo(f"code_verifier: {verifier}")
    click.echo("Open the URL as the OA admin, approve, then run: "
               "cdsbot zalo exchange CODE --verifier <code_verifier>")


@zalo.command("exchange")
@click.argument("code")
@click.option("--verifier", required=True, help="The code_verifier printed by `auth-url`.")
def zalo_exchange(code: str, verifier: str) -> None:
    """Trade the authorisation CODE for the first token pair and store it in the database."""
    _run(_zalo_exchange(_settings(), code, verifier))


async def _zalo_exchange(settings: Settings, code: str, verifier: str) -> None:
    import aiohttp

    from bot.channels.zalo_client import ZaloTokens

    if not (settings.zalo_app_id and settings.zalo_app_secret):
        raise click.UsageError("set ZALO_APP_ID and ZALO_APP_SECRET first")
    async with open_app(settings) as app, aiohttp.ClientSession() as http:
        tokens = ZaloTokens(app.sessions, http, settings.zalo_oauth_base_url, settings.zalo_app_id,
                            settings.zalo_app_secret.get_secret_value())
        await tokens.exchange_code(code, verifier)
    click.echo("Zalo token pair stored; the bot refreshes it from now on.")


def _register_commands() -> None:
    from bot.cli_teams import teams_command, users_command

    main.add_command(teams_command)
    main.add_command(users_command)


_register_commands()


def _register_demo_data() -> None:
    from bot.demo_data import demo_data_command

    main.add_command(demo_data_command)


_register_demo_data()


def _register_report() -> None:
    from bot.cli_report import report_command

    main.add_command(report_command)


_register_report()


def _register_places() -> None:
    from bot.cli_places import places_command

    main.add_command(places_command)


_register_places()


def _register_broadcast() -> None:
    from bot.cli_broadcast import broadcast_command

    main.add_command(broadcast_command)


_register_broadcast()

"""`cdsbot`'s own commands: run, chat, ask, content check, export and coverage, db upgrade,
unanswered questions, Zalo's first token pair."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path

import aiohttp
import click

from bot import runner
from bot.app import App, open_app
from bot.channels.zalo_client import ZaloTokens, permission_url, pkce_pair
from bot.cli.common import BAD_INPUT, FAILED, load_settings, run_command
from bot.cli.places import province_slug
from bot.settings import Settings
from content.coverage import audit
from content.errors import ContentError
from content.layer import export_packs, overlay, with_phrasings
from content.loader import authoring_problems, load_content
from db.content_layer import ContentLayer
from db.migrate import upgrade
from db.repositories import QuestionLogRepository
from handlers.messages import IncomingMessage, Reply

ASK_CHANNEL = "cli"


@click.group()
def main() -> None:
    """CDS Outreach Bot: National Digital Transformation Day assistant."""


@main.command()
def run() -> None:
    """Run every configured channel (with no tokens: the local console chat)."""
    run_command(runner.run(load_settings()))


@main.command()
@click.option("--user", default=None, help="Console user id (default: your login name).")
def chat(user: str | None) -> None:
    """Chat with the bot in this terminal; type a button's number to press it, /quit to leave."""
    run_command(_chat(load_settings(), user))


async def _chat(settings: Settings, user: str | None = None) -> None:
    async with open_app(settings) as app:
        await runner.chat(app, user)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per question.")
@click.option("--province", default=None, help="Rank this province's answers first (slug).")
@click.argument("questions", nargs=-1)
def ask(as_json: bool, province: str | None, questions: tuple[str, ...]) -> None:
    """Answer QUESTIONS, or one question per line of standard input when none are given."""
    lines: Iterable[str] = questions or (line.rstrip("\n") for line in sys.stdin)
    run_command(_ask(load_settings(), lines, as_json, province))


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
    answer = "\n\n".join(_as_text(r) for r in replies)
    if not as_json:
        return answer + "\n"
    info = next((r.answer for r in replies if r.answer is not None), None)
    return json.dumps({"question": question, "matched": bool(info and info.matched),
                       "answer": answer, "faq_id": info.faq_id if info else None,
                       "score": float(info.score) if info else 0.0}, ensure_ascii=False)


def _as_text(reply: Reply) -> str:
    """The reply as text, its buttons listed under it: "choose below" has something below."""
    choices = [f"• {b.label}" + (f" → {b.url}" if b.url else "") for b in reply.buttons]
    return "\n".join([reply.text, *choices])


@main.group()
def content() -> None:
    """Content packs."""


@content.command("check")
def content_check() -> None:
    """Validate the content packs; print each error with its file and entry id."""
    settings = load_settings()
    try:
        store = load_content(settings.packs_path, provinces=settings.provinces,
                             seeds_dir=settings.seeds_path)
        if problems := authoring_problems(store):
            raise ContentError(problems)
    except ContentError as exc:
        for problem in exc.problems:
            click.echo(f"ERROR {problem}", err=True)
        click.echo(f"{len(exc.problems)} error(s).", err=True)
        sys.exit(BAD_INPUT)
    faq = len(store.faq)
    schedule = len(store.schedule)
    click.echo(f"OK: {len(store.packs)} packs, {faq} FAQ entries, {schedule} dated items, "
               f"{sum(len(p.resources) for p in store.packs)} links.")


@content.command("export")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("data/export"), show_default=True,
              help="Folder to write the packs to.")
def content_export(out: Path) -> None:
    """Write the packs the console changed, with its changes in them, as YAML in the packs'
    format: review them and commit them into content/packs."""
    run_command(_content_export(load_settings(), out))


async def _content_export(settings: Settings, out: Path) -> None:
    async with open_app(settings) as app, app.sessions() as session:
        items = await ContentLayer(session).items()
        added = await ContentLayer(session).phrasings()
    content = overlay(app.refresher.base, items)  # every answer, expired ones too
    content = with_phrasings(content, added)
    packs = {item.pack for item in items} | {content.faq_pack[faq].pack for faq in added
                                             if faq in content.faq_pack}
    if not packs:
        click.echo("The console has changed nothing: there is nothing to export.")
        return
    for path in export_packs(content, packs, out):
        click.echo(f"wrote {path}")


@content.command("coverage")
@click.option("--all", "show_all", is_flag=True, help="List covered sections too.")
def content_coverage(show_all: bool) -> None:
    """For every section of every seed, the FAQ entries that answer from it; sections with none
    and no written reason (content/coverage_exclusions.yaml) are listed, and exit with 1."""
    settings = load_settings()
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
    sys.exit(FAILED if open_sections else 0)


@main.group()
def db() -> None:
    """Database."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations (alembic) up to the latest."""
    run_command(upgrade(load_settings().database_url))
    click.echo("Database is up to date.")


@main.command()
@click.option("--limit", default=50, show_default=True)
def unanswered(limit: int) -> None:
    """Questions the bot could not answer, newest first (for officers)."""
    run_command(_unanswered(load_settings(), limit))


async def _unanswered(settings: Settings, limit: int) -> None:
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
    settings = load_settings()
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
    run_command(_zalo_exchange(load_settings(), code, verifier))


async def _zalo_exchange(settings: Settings, code: str, verifier: str) -> None:
    if not (settings.zalo_app_id and settings.zalo_app_secret):
        raise click.UsageError("set ZALO_APP_ID and ZALO_APP_SECRET first")
    async with open_app(settings) as app, aiohttp.ClientSession() as http:
        tokens = ZaloTokens(app.sessions, http, settings.zalo_oauth_base_url, settings.zalo_app_id,
                            settings.zalo_app_secret.get_secret_value())
        await tokens.exchange_code(code, verifier)
    click.echo("Zalo token pair stored; the bot refreshes it from now on.")

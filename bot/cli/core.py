"""`cdsbot run`, `chat`, `ask` and `content check|export|coverage`: the commands that answer
questions or read the packs."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path

import click

from bot import runner
from bot.app import App, open_app
from bot.cli.common import BAD_INPUT, FAILED, load_settings, run_command
from bot.cli.places import province_slug
from bot.settings import Settings
from content.coverage import audit
from content.errors import ContentError
from content.layer import export_packs, overlay, with_phrasings
from content.loader import authoring_problems, load_content
from db.content_layer import ContentLayer
from db.question_inbox import OPERATOR_CHANNEL
from handlers.messages import IncomingMessage, Reply

ASK_CHANNEL = OPERATOR_CHANNEL


@click.command()
def run() -> None:
    """Run every configured channel (with no tokens: the local console chat)."""
    run_command(runner.run(load_settings()))


@click.command()
@click.option("--user", default=None, help="Console user id (default: your login name).")
def chat(user: str | None) -> None:
    """Chat with the bot in this terminal; type a button's number to press it, /quit to leave."""
    run_command(_chat(load_settings(), user))


async def _chat(settings: Settings, user: str | None = None) -> None:
    async with open_app(settings) as app:
        await runner.chat(app, user)


@click.command()
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


@click.group()
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

"""/baocao: visit reports in chat for leaders (their team) and officers (their communes or
province; admins everywhere). Choose a campaign window from content, the last 7 or 30 days, or
type a range; the answer is a short summary, an XLSX workbook, a CSV and a chart.

The scope is worked out from the user's role on every step, never taken from the conversation
state or a button, so nobody can ask for another team's figures."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import time
import uuid
from contextlib import aclosing
from pathlib import Path

from content.models import CAMPAIGN_LABEL_CHARS, Campaign
from db.models import Role, User
from db.reports import Report, ReportScope
from db.teams import TeamRepository
from handlers.context import Context
from handlers.exports.chart import render_chart
from handlers.exports.labels import describe_scope
from handlers.exports.summary import summary_text
from handlers.exports.table import write_csv
from handlers.messages import Attachment, Button, IncomingMessage, Reply, shorten
from handlers.numbers import read_id
from handlers.visit_fields import error_text, parse_day

MAX_CAMPAIGN_BUTTONS = 4
MAX_RANGE_DAYS = 800
KEEP_FILES = dt.timedelta(days=1)
_RANGE_SPLIT = re.compile(r"\s*(?:-|–|—|đến|den|to|>)\s*")


async def scope_for(role: Role, user: User, teams: TeamRepository) -> ReportScope | None:
    """Whose visits this person may see: admins everything, officers their province or
    communes, leaders their team; None: no one's (the chat and the console both ask here)."""
    if role >= Role.ADMIN:
        return ReportScope()
    if role >= Role.OFFICER and user.scope_province:
        return ReportScope(province=user.scope_province,
                           communes=frozenset(user.scope_communes or ()))
    found = await teams.membership(user.id)
    if found is not None and (found[0].role >= Role.LEADER or role >= Role.OFFICER):
        return ReportScope(team_id=found[1].id)
    return None


async def report_scope(ctx: Context) -> ReportScope | str:
    """The scope of scope_for; a string is the polite refusal."""
    scope = await scope_for(ctx.role, ctx.user, ctx.teams)
    if scope is not None:
        return scope
    return ctx.t("Reports are for team leaders and officers. Ask your team leader for your "
                 "team's figures.")


async def start_report(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """/baocao [from - to]: the period buttons, or the report at once for a typed range."""
    scope = await report_scope(ctx)
    if isinstance(scope, str):
        return [Reply(scope)]
    command = msg.command
    if command and command[1]:
        return await _from_text(ctx, scope, command[1])
    return [await _period_question(ctx, scope)]


async def choose_period(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """A period button ('report:campaign:<id>', 'report:last:<days>') or a typed range."""
    scope = await report_scope(ctx)
    if isinstance(scope, str):
        ctx.finish()
        return [Reply(scope)]
    parts = (msg.payload or "").split(":")
    if len(parts) == 3 and parts[1] == "campaign":
        campaign = next((c for c in await _campaigns(ctx, scope) if c.id == parts[2]), None)
        if campaign is None:
            return [await _period_question(ctx, scope)]
        ctx.finish()
        return await produce(ctx, scope, campaign.start, campaign.end, (campaign.start, campaign.end))
    days = read_id(parts[2], MAX_RANGE_DAYS) if len(parts) == 3 and parts[1] == "last" else None
    if days:  # a forged button may not ask for more than a typed range may
        ctx.finish()
        return await produce(ctx, scope, ctx.today - dt.timedelta(days=days - 1), ctx.today, None)
    if msg.payload:
        return [await _period_question(ctx, scope)]
    return await _from_text(ctx, scope, msg.text)


async def _period_question(ctx: Context, scope: ReportScope) -> Reply:
    ctx.goto("report.period")
    t = ctx.t
    buttons = [Button(f"{c.short_name or shorten(c.name, CAMPAIGN_LABEL_CHARS)} "
                      f"({t.fmt.date_range(c.start, c.end)})", f"report:campaign:{c.id}")
               for c in (await _campaigns(ctx, scope))[:MAX_CAMPAIGN_BUTTONS]]
    buttons += [Button(t("Last 7 days"), "report:last:7"), Button(t("Last 30 days"), "report:last:30")]
    return Reply.with_buttons(t("Which period? Choose one, or type a range such as "
                                "1/10/2024 - 10/10/2024."), buttons)


async def _campaigns(ctx: Context, scope: ReportScope) -> list[Campaign]:
    """Campaign windows that concern the scope: its province's and the national ones, newest first."""
    province = scope.province
    if scope.team_id is not None:
        team = await ctx.teams.get(scope.team_id)
        province = team.province if team else None
    chosen = [campaign for pack, campaign in ctx.content.campaigns()
              if pack.province is None or province is None or pack.province.current == province]
    return sorted(chosen, key=lambda c: c.start, reverse=True)


async def _from_text(ctx: Context, scope: ReportScope, text: str) -> list[Reply]:
    bounds = _RANGE_SPLIT.split(text.strip(), maxsplit=1)
    if len(bounds) != 2:
        ctx.goto("report.period")
        return [Reply(ctx.t("Type the period as two dates, for example 1/10/2024 - 10/10/2024."),
                      expects_text=True)]
    days: list[dt.date] = []
    for bound in bounds:
        day, error = parse_day(bound, ctx.today)
        if error is not None:
            ctx.goto("report.period")
            return [Reply(error_text(ctx.t, error), expects_text=True)]
        assert day is not None
        days.append(day)
    start, end = days
    if start > end:
        start, end = end, start  # "10/10 - 1/10" means the same period
    if (end - start).days >= MAX_RANGE_DAYS:
        ctx.goto("report.period")
        return [Reply(ctx.t("Choose a period of at most {n} days.", n=MAX_RANGE_DAYS),
                      expects_text=True)]
    ctx.finish()
    return await produce(ctx, scope, start, end, None)


async def produce(ctx: Context, scope: ReportScope, start: dt.date, end: dt.date,
                  window: tuple[dt.date, dt.date] | None) -> list[Reply]:
    """The summary and, when there is anything to show, the three files."""
    catalog = ctx.content.services
    report = await ctx.reports.build(scope, start, end, catalog)
    report.scope_label = _scope_label(ctx, report)
    summary = Reply(summary_text(report, ctx.t, catalog))
    if report.total.visits == 0 and not report.by_team:
        return [summary]
    folder = new_folder(ctx.services.reports_dir)
    stem = f"bao-cao-{start.isoformat()}-{end.isoformat()}"
    xlsx, csv, chart = folder / f"{stem}.xlsx", folder / f"{stem}.csv", folder / f"{stem}.png"
    # Imported on the first export: openpyxl (with numpy) is about 30 MB of every worker's
    # memory, and most workers never write a workbook.
    from handlers.exports.xlsx import write_xlsx

    async with aclosing(ctx.reports.visits(scope, start, end)) as visits:
        await write_xlsx(report, visits, xlsx, ctx.t, catalog)
    async with aclosing(ctx.reports.visits(scope, start, end)) as visits:
        await write_csv(visits, csv, ctx.t, catalog)
    render_chart(report, chart, ctx.t, window)
    return [summary,
            Reply("", attachment=Attachment("image", chart, chart.name)),
            Reply("", attachment=Attachment("document", xlsx, xlsx.name)),
            Reply("", attachment=Attachment("document", csv, csv.name))]


def _scope_label(ctx: Context, report: Report) -> str:
    province = ctx.services.places.units.province(report.scope.province)
    return describe_scope(report, ctx.t, province.short if province else None)


def new_folder(root: Path) -> Path:
    """A folder of its own for this report; folders older than a day are removed (the channels
    have sent their files by then)."""
    root.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - KEEP_FILES.total_seconds()
    for old in root.iterdir():
        if old.is_dir() and old.stat().st_mtime < cutoff:
            shutil.rmtree(old, ignore_errors=True)
    folder = root / uuid.uuid4().hex
    folder.mkdir()
    return folder

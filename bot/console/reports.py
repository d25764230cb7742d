"""Visit reports in the console, for the same people and scopes as /baocao (leaders their
team, officers their province or communes, admins everywhere; handlers.reports.scope_for): a
period, the summary, the chart, the breakdown tables, and the Excel and CSV downloads. Each day
of the table leads to that day's report, with its rows in the downloads."""

from __future__ import annotations

import asyncio
import io
from contextlib import aclosing

from aiohttp import web

from bot.console.day_chart import day_chart
from bot.console.pages import (
    CONSOLE,
    SIGNED,
    T,
    period,
    period_warning,
    render,
    signed_in,
)
from bot.console.report_scope import Picked, pick
from db.reports import Report, ReportRepository
from db.teams import TeamRepository
from handlers.exports.chart import chart_figure
from handlers.exports.labels import describe_scope, service_names
from handlers.exports.summary import summary_text
from handlers.exports.table import write_csv
from handlers.reports import new_folder, scope_for

DEFAULT_DAYS = 30


MOST_ROWS = 100
"""Rows of the commune and team tables on the page (most visits first); the files have all:
a country's 3,000 communes or 2,000 teams made the page half a second to render and to read."""


def add_routes(app: web.Application) -> None:
    app.router.add_get("/reports", signed_in(reports))
    app.router.add_get("/reports/chart.png", signed_in(chart))
    app.router.add_get("/reports/visits.xlsx", signed_in(download))
    app.router.add_get("/reports/visits.csv", signed_in(download))


async def _report(request: web.Request) -> tuple[Report, str | None, Picked]:
    """The report of the period and scope asked for, within the person's own scope (403 when
    none, or when what is asked is outside it)."""
    signed = request[SIGNED]
    console = request.app[CONSOLE]
    assert signed is not None and console.services is not None
    today = console.clock().astimezone(console.tz).date()
    start, end, problem = period(request, today, DEFAULT_DAYS)
    async with console.sessions() as session:
        teams = TeamRepository(session)
        allowed = await scope_for(signed.role, signed.user, teams)
        if allowed is None:
            raise web.HTTPForbidden()
        picked = await pick(request, allowed, teams)
        report = await ReportRepository(session).build(picked.scope, start, end,
                                                       console.services.content.services)
    province = console.services.places.units.province(report.scope.province)
    report.scope_label = describe_scope(report, request[T], province.short if province else None)
    return report, problem, picked


def _query(report: Report, picked: Picked) -> str:
    scope = picked.query()
    return f"from={report.start.isoformat()}&to={report.end.isoformat()}" + (
        f"&{scope}" if scope else "")


async def reports(request: web.Request) -> web.Response:
    report, problem, picked = await _report(request)
    console = request.app[CONSOLE]
    assert console.services is not None
    t = request[T]
    catalog = console.services.content.services
    names = service_names(catalog, t.locale)
    return render(request, "reports.html", report=report, query=_query(report, picked),
                  scope_query=picked.query(), picked=picked,
                  chart=day_chart(report, t, picked.query()), most_rows=MOST_ROWS,
                  summary=summary_text(report, t, catalog), services=names,
                  start=report.start.isoformat(), end=report.end.isoformat(),
                  empty=report.total.visits == 0 and not report.by_team,
                  warning=period_warning(t, problem, DEFAULT_DAYS))


async def chart(request: web.Request) -> web.Response:
    report, _, _ = await _report(request)
    t = request[T]

    def draw() -> bytes:  # matplotlib takes ~0.1 s: off the event loop
        buffer = io.BytesIO()
        chart_figure(report, t).savefig(buffer, format="png")
        return buffer.getvalue()
    name = f"bieu-do-{report.start.isoformat()}-{report.end.isoformat()}.png"  # as the files
    return web.Response(body=await asyncio.to_thread(draw), content_type="image/png",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


async def download(request: web.Request) -> web.StreamResponse:
    report, _, _ = await _report(request)
    console = request.app[CONSOLE]
    assert console.services is not None
    t, catalog = request[T], console.services.content.services
    folder = new_folder(console.services.reports_dir)
    kind = request.path.rsplit(".", 1)[1]
    path = folder / f"bao-cao-{report.start.isoformat()}-{report.end.isoformat()}.{kind}"
    async with console.sessions() as session:
        repository = ReportRepository(session)
        visits = repository.visits(report.scope, report.start, report.end)
        async with aclosing(visits):
            if kind == "xlsx":
                from handlers.exports.xlsx import write_xlsx  # openpyxl: on first use

                await write_xlsx(report, visits, path, t, catalog)
            else:
                await write_csv(visits, path, t, catalog)
    return web.FileResponse(path, headers={
        "Content-Disposition": f'attachment; filename="{path.name}"'})


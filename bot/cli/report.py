"""`cdsbot report`: the visit report of a period and scope as Excel, CSV and a chart."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import AsyncIterator
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from bot.app import App, open_app
from bot.cli.common import load_settings, run_command
from bot.cli.places import commune_codes, province_slug
from bot.settings import Settings
from content.loader import ContentStore
from db.models import Team
from db.reports import Report, ReportScope, VisitRow, build_report, stream_visits
from handlers.exports import render_chart, summary_text, write_csv, write_xlsx
from handlers.exports.labels import describe_scope
from handlers.exports.progress import Progress

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
PROGRESS_FROM = 20_000
"""Detail exports with at least this many visits show a progress bar."""


class DateParam(click.ParamType):
    """YYYY-MM-DD or DD/MM/YYYY (as Vietnamese write dates)."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        for pattern in DATE_FORMATS:
            try:
                return dt.datetime.strptime(value, pattern).date()
            except ValueError:
                continue
        self.fail(f"'{value}' is not a date: write YYYY-MM-DD or DD/MM/YYYY (e.g. 2024-10-01 "
                  "or 01/10/2024)", param, ctx)


@dataclass(frozen=True)
class Outputs:
    xlsx: Path | None
    csv: Path | None
    chart: Path | None


@click.command("report")
@click.option("--from", "start", type=DateParam(), help="First day (default: the campaign's).")
@click.option("--to", "end", type=DateParam(), help="Last day, included (default: the campaign's).")
@click.option("--province", default=None, help="Current province: slug or name, e.g. dong-thap.")
@click.option("--commune", "communes", multiple=True,
              help="Only this commune (code or name; needs --province); repeat for several.")
@click.option("--team", "team_id", type=int, default=None, help="One team's id (wins over places).")
@click.option("--campaign", default=None,
              help="A campaign id from the content packs: its window is shaded on the chart.")
@click.option("--locale", type=click.Choice(["vi", "en"]), default=None,
              help="Language of the files and summary (default: DEFAULT_LOCALE).")
@click.option("--xlsx", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the Excel workbook here.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write every visit as CSV here.")
@click.option("--chart", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the visits-per-day chart (PNG) here.")
def report_command(start: dt.date | None, end: dt.date | None, province: str | None,
                   communes: tuple[str, ...], team_id: int | None, campaign: str | None,
                   locale: str | None, xlsx: Path | None, csv_path: Path | None,
                   chart: Path | None) -> None:
    """Visits of a period and scope: prints a summary (in the report's language, --locale) and
    writes Excel, CSV and/or a chart when asked."""
    outputs = Outputs(xlsx, csv_path, chart)
    if communes and province is None:
        raise click.UsageError("--commune needs --province (commune names repeat across provinces)")
    slug = province_slug(province) if province else None
    scope = ReportScope(province=slug, communes=frozenset(commune_codes(slug, communes))
                        if slug else frozenset(), team_id=team_id)
    run_command(_report(load_settings(), scope, start, end, campaign, locale, outputs))


async def _report(settings: Settings, scope: ReportScope, start: dt.date | None,
                  end: dt.date | None, campaign: str | None, locale: str | None,
                  outputs: Outputs) -> None:
    async with open_app(settings) as app:
        content = app.services.content
        window = _campaign_window(content, campaign) if campaign else None
        if window is not None:
            start, end = start or window[0], end or window[1]
        if start is None or end is None:
            raise click.UsageError("give --from and --to, or --campaign to take its window")
        if start > end:
            raise click.UsageError(f"--from {start.isoformat()} is after --to {end.isoformat()}")
        t = app.services.catalogs.translator(locale or settings.default_locale)
        catalog = content.services
        async with app.sessions() as session:
            if scope.team_id is not None and await session.get(Team, scope.team_id) is None:
                raise click.BadParameter(f"no team has id {scope.team_id}", param_hint="--team")
            report = await build_report(session, scope, start, end, catalog)
        province = app.services.places.units.province(scope.province)
        report.scope_label = describe_scope(report, t, province.short if province else None)
        click.echo(summary_text(report, t, catalog))
        if outputs.xlsx:
            async with _detail_rows(app, report, outputs.xlsx) as (visits, progress):
                written = await write_xlsx(report, visits, outputs.xlsx, t, catalog, progress)
            click.echo(t("Excel: {path} ({n} visits)", path=outputs.xlsx, n=t.fmt.number(written)))
        if outputs.csv:
            async with _detail_rows(app, report, outputs.csv) as (visits, progress):
                written = await write_csv(visits, outputs.csv, t, catalog, progress)
            click.echo(t("CSV: {path} ({n} visits)", path=outputs.csv, n=t.fmt.number(written)))
        if outputs.chart:
            render_chart(report, outputs.chart, t, window)
            click.echo(t("Chart: {path}", path=outputs.chart))


@asynccontextmanager
async def _detail_rows(app: App, report: Report,
                       path: Path) -> AsyncIterator[tuple[AsyncIterator[VisitRow], Progress | None]]:
    """The report's visits streamed from a session of their own, and a progress bar (on
    standard error, so the summary can be piped) when there are many."""
    async with app.sessions() as session, aclosing(
            stream_visits(session, report.scope, report.start, report.end)) as visits:
        if report.total.visits < PROGRESS_FROM:
            yield visits, None
            return
        with click.progressbar(length=report.total.visits, label=str(path),
                               file=sys.stderr) as bar:
            yield visits, bar.update


def _campaign_window(content: ContentStore, campaign_id: str) -> tuple[dt.date, dt.date]:
    for _pack, campaign in content.campaigns():
        if campaign.id == campaign_id:
            return campaign.start, campaign.end
    known = ", ".join(c.id for _p, c in content.campaigns())
    raise click.BadParameter(f"unknown campaign '{campaign_id}' (known: {known})",
                             param_hint="--campaign")

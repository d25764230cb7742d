"""Visit reports at scale: each breakdown query, the whole report, and the Excel and CSV exports
of a database holding `--visits` visits (default 1,000,000), on SQLite and on PostgreSQL.

    .venv/bin/python bench/report_bench.py [--visits 1000000] [--teams 2000] [--repeat 3]
        [--database sqlite,postgres] [--trace-rows 100000] [--explain] [--no-export]

The visits come from `bot.demo_data.generate_demo_data` (the campaign days of the seed provinces).
Each breakdown is timed alone (median of `--repeat`) for four scopes: everything, the busiest
province, its busiest commune, the busiest team; the period is every day that has visits. The
whole report is also built from the visits instead of their tallies (the baseline, side by
side: the speed-up column). The
exports run in a child process of their own, so its peak resident memory (ru_maxrss) is the
export's: once untraced (times, memory), once under tracemalloc on the first `--trace-rows`
visits (Python's own peak; tracing makes it several times slower).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing
import resource
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, aclosing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchlib import postgres_database
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from content.services import ServiceCatalog
from db.engine import create_engine, is_sqlite, session_factory
from db.migrate import upgrade
from db.models import Team, Visit
from db.reports import ReportScope, VisitRow, build_report, report_queries

Sessions = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class Case:
    """A scope to report on, and how many visits it holds over the period."""

    name: str
    scope: ReportScope
    visits: int


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# -- filling ----------------------------------------------------------------------------------

async def fill(sessions: Sessions, visits: int, teams: int) -> float:
    from bot.demo_data import generate_demo_data

    started = time.perf_counter()
    done = 0

    def progress(n: int) -> None:
        nonlocal done
        done += n
        if done % 100_000 < n:
            print(f"  {done:,} visits in {time.perf_counter() - started:.0f} s", flush=True)

    await generate_demo_data(sessions, teams=teams, visits=visits, subscribers=0,
                             progress=progress)
    return time.perf_counter() - started


async def analyze(engine: AsyncEngine) -> None:
    """PostgreSQL: fresh statistics, as autovacuum gives a live database after a big insert.
    Not SQLite: nothing runs ANALYZE on the bot's file, and with its statistics SQLite picks
    index skip-scans that made the whole-table breakdowns 4-6 times slower."""
    if is_sqlite(str(engine.url)):
        return
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE"))


async def period_and_cases(sessions: Sessions) -> tuple[dt.date, dt.date, list[Case]]:
    """Every day with visits; everything, the busiest province, commune and team."""
    async with sessions() as session:
        start, end, total = (await session.execute(
            select(func.min(Visit.visit_date), func.max(Visit.visit_date), func.count()))).one()
        province, in_province = (await session.execute(
            select(Visit.province, func.count()).group_by(Visit.province)
            .order_by(func.count().desc()).limit(1))).one()
        commune, in_commune = (await session.execute(
            select(Visit.commune_code, func.count()).where(Visit.province == province)
            .group_by(Visit.commune_code).order_by(func.count().desc()).limit(1))).one()
        team_id, in_team = (await session.execute(
            select(Visit.team_id, func.count()).group_by(Visit.team_id)
            .order_by(func.count().desc()).limit(1))).one()
        teams = await session.scalar(select(func.count()).select_from(Team))
    print(f"  {total:,} visits of {teams:,} teams, {start} – {end}")
    return start, end, [Case("everything", ReportScope(), total),
                        Case(f"province {province}", ReportScope(province), in_province),
                        Case(f"commune {commune}", ReportScope(province, frozenset({commune})),
                             in_commune),
                        Case(f"team #{team_id}", ReportScope(team_id=team_id), in_team)]


# -- the breakdowns ---------------------------------------------------------------------------

async def time_breakdowns(sessions: Sessions, case: Case, start: dt.date, end: dt.date,
                          catalog: ServiceCatalog, repeat: int) -> dict[str, float]:
    """Median milliseconds of each breakdown query alone (rows fetched), and of build_report."""
    timings: dict[str, float] = {}
    queries = report_queries(case.scope, start, end, catalog)
    async with sessions() as session:
        for name, query in queries.items():
            runs = []
            for _ in range(repeat):
                began = time.perf_counter()
                (await session.execute(query)).all()
                runs.append(time.perf_counter() - began)
            timings[name] = statistics.median(runs) * 1000
        for label, from_visits in (("build_report", False), ("from the visits", True)):
            runs = []
            for _ in range(repeat):
                began = time.perf_counter()
                await build_report(session, case.scope, start, end, catalog,
                                   from_visits=from_visits)
                runs.append(time.perf_counter() - began)
            timings[label] = statistics.median(runs) * 1000
    timings["ratio"] = timings["from the visits"] / timings["build_report"]
    return timings


async def explain(engine: AsyncEngine, case: Case, start: dt.date, end: dt.date,
                  catalog: ServiceCatalog) -> None:
    """Print each breakdown's plan: EXPLAIN QUERY PLAN (SQLite), EXPLAIN ANALYZE (PostgreSQL)."""
    sqlite = is_sqlite(str(engine.url))
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) "
    async with engine.connect() as conn:
        for name, query in report_queries(case.scope, start, end, catalog).items():
            sql = str(query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
            rows = (await conn.exec_driver_sql(prefix + sql)).all()
            lines = [row[-1] for row in rows]
            print(f"    {case.name} / {name}:")
            for line in lines:
                print(f"      {line}")


# -- the exports, in a child process ----------------------------------------------------------

@dataclass(frozen=True)
class ExportJob:
    url: str
    scope: ReportScope
    start: dt.date
    end: dt.date
    directory: str
    trace_rows: int | None
    """None: untraced, every visit; a number: under tracemalloc, that many visits."""


def run_export(job: ExportJob) -> dict[str, float]:
    """Entry point of the child process."""
    return asyncio.run(_export(job))


async def _limited(visits: AsyncIterator[VisitRow], limit: int | None) -> AsyncIterator[VisitRow]:
    count = 0
    async with aclosing(visits):  # type: ignore[type-var]
        async for visit in visits:
            if limit is not None and count == limit:
                return
            count += 1
            yield visit


async def _export(job: ExportJob) -> dict[str, float]:
    from bot.app import build_services
    from bot.settings import Settings
    from db.reports import stream_visits
    from handlers.exports import render_chart, write_csv, write_xlsx

    services = build_services(Settings(_env_file=None))  # type: ignore[call-arg]
    t = services.catalogs.translator("vi")
    catalog = services.content.services
    engine = create_engine(job.url)
    sessions = session_factory(engine)
    directory = Path(job.directory)
    result: dict[str, float] = {}
    try:
        async with sessions() as session:
            report = await build_report(session, job.scope, job.start, job.end, catalog)
        result["rss_before_mb"] = rss_mb()
        if job.trace_rows is not None:
            tracemalloc.start()
        for kind in ("xlsx", "csv"):
            if job.trace_rows is not None:
                tracemalloc.reset_peak()
            began = time.perf_counter()
            async with sessions() as session:
                visits = _limited(stream_visits(session, job.scope, job.start, job.end),
                                  job.trace_rows)
                path = directory / f"visits.{kind}"
                if kind == "xlsx":
                    rows = await write_xlsx(report, visits, path, t, catalog)
                else:
                    rows = await write_csv(visits, path, t, catalog)
            result[f"{kind}_s"] = time.perf_counter() - began
            result[f"{kind}_rows"] = rows
            result[f"{kind}_mb"] = path.stat().st_size / 2**20
            if job.trace_rows is not None:
                result[f"{kind}_traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        began = time.perf_counter()
        render_chart(report, directory / "chart.png", t)
        result["chart_s"] = time.perf_counter() - began
        result["rss_peak_mb"] = rss_mb()
    finally:
        await engine.dispose()
    return result


def export_in_child(job: ExportJob) -> dict[str, float]:
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(run_export, (job,))


# -- one database -----------------------------------------------------------------------------

async def bench_database(kind: str, args: argparse.Namespace, catalog: ServiceCatalog,
                         folder: Path) -> dict[str, Any]:
    async with AsyncExitStack() as stack:
        if kind == "sqlite":
            url = f"sqlite+aiosqlite:///{folder / 'report_bench.sqlite3'}"
        else:
            url = await postgres_database(stack, "cdsbot_report_bench")
        await upgrade(url)
        engine = create_engine(url)
        stack.push_async_callback(engine.dispose)
        sessions = session_factory(engine)
        print(f"{kind}: filling {args.visits:,} visits …", flush=True)
        fill_s = await fill(sessions, args.visits, args.teams)
        await analyze(engine)
        start, end, cases = await period_and_cases(sessions)
        breakdowns = []
        for case in cases:
            timings = await time_breakdowns(sessions, case, start, end, catalog, args.repeat)
            breakdowns.append((case, timings))
            print(f"  {case.name}: " + ", ".join(f"{k} {v:.0f} ms" for k, v in timings.items()
                                                 if k != "ratio"),
                  flush=True)
            if args.explain:
                await explain(engine, case, start, end, catalog)
        exports: dict[str, dict[str, float]] = {}
        if not args.no_export:
            for label, trace_rows in (("untraced", None), ("traced", args.trace_rows)):
                job = ExportJob(url, cases[0].scope, start, end, str(folder), trace_rows)
                exports[label] = export_in_child(job)
                print(f"  export ({label}): {json.dumps(exports[label])}", flush=True)
        return {"kind": kind, "fill_s": fill_s, "breakdowns": breakdowns, "exports": exports}


def print_tables(results: list[dict[str, Any]]) -> None:
    names = ["by_services", "by_commune", "by_team", "by_day", "build_report", "from the visits"]
    print("\n| store | scope | visits | " + " | ".join(names) + " | speed-up |")
    print("| --- | --- | --- |" + " --- |" * (len(names) + 1))
    for result in results:
        for case, timings in result["breakdowns"]:
            cells = " | ".join(f"{timings[n]:,.0f}" for n in names)
            print(f"| {result['kind']} | {case.name} | {case.visits:,} | {cells} | "
                  f"{timings['ratio']:.1f}× |")
    print("\n(milliseconds, median of the runs; the last column: how many times faster the report"
          " reads the tallies than the same report read from the visits, side by side)\n")
    print("| store | fill s | xlsx s | csv s | chart s | xlsx MB | csv MB | child RSS before / peak MB "
          "| traced peak MB xlsx / csv (rows) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for result in results:
        plain, traced = result["exports"].get("untraced"), result["exports"].get("traced")
        if not plain or not traced:
            continue
        print(f"| {result['kind']} | {result['fill_s']:.0f} | {plain['xlsx_s']:.1f} | "
              f"{plain['csv_s']:.1f} | {plain['chart_s']:.2f} | {plain['xlsx_mb']:.0f} | "
              f"{plain['csv_mb']:.0f} | {plain['rss_before_mb']:.0f} / {plain['rss_peak_mb']:.0f} | "
              f"{traced['xlsx_traced_peak_mb']:.1f} / {traced['csv_traced_peak_mb']:.1f} "
              f"({traced['xlsx_rows']:,.0f}) |")
    print(f"\nbench process peak RSS: {rss_mb():.0f} MB")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--teams", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database", default="sqlite,postgres")
    parser.add_argument("--trace-rows", type=int, default=100_000)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--no-export", action="store_true")
    args = parser.parse_args()
    catalog = ServiceCatalog.load()
    results = []
    with tempfile.TemporaryDirectory(prefix="report_bench_") as folder:
        for kind in args.database.split(","):
            results.append(await bench_database(kind, args, catalog, Path(folder)))
    print_tables(results)


if __name__ == "__main__":
    asyncio.run(main())

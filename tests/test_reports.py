"""Visit reports: the breakdowns add up to the visits logged (SQLite and PostgreSQL), and the
exports (Excel, CSV, chart, chat summary, `cdsbot report`) carry the same figures."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from matplotlib.backends.backend_agg import FigureCanvasAgg
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import handlers.exports.xlsx
from bot.cli import main
from content.i18n import Catalogs, Translator
from content.services import ServiceCatalog
from db.engine import create_engine, session_factory
from db.migrate import upgrade
from db.models import Team, Visit
from db.reports import Report, ReportScope, build_report, stream_visits
from handlers.context import Services
from handlers.exports import render_chart, summary_text, write_csv, write_xlsx
from handlers.exports.chart import chart_figure
from handlers.exports.labels import DETAIL_HEADERS

Sessions = async_sessionmaker[AsyncSession]
START, END = dt.date(2024, 10, 1), dt.date(2024, 10, 5)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Current communes (official codes): four of Đồng Tháp, two of Nghệ An.
MY_PHONG, DAO_THANH, AN_THANH_THUY, CHO_GAO = "28273", "28249", "28633", "28594"
KIM_LIEN, VINH_HUNG = "17971", "17920"


@pytest.fixture
def catalog(services: Services) -> ServiceCatalog:
    return services.content.services


@pytest.fixture
def t(services: Services) -> Translator:
    return services.catalogs.translator("vi")


async def seed(sessions: Sessions, catalog: ServiceCatalog) -> dict[str, int]:
    """Four teams (D logs nothing) and their visits; three visits must not count: one undone,
    two outside 1-5/10/2024. Places are current communes (codes)."""
    teams = {
        "A": Team(name="Tổ Mỹ Phong", province="dong-thap", commune_code=MY_PHONG,
                  communes=[MY_PHONG, DAO_THANH]),
        "B": Team(name="Tổ Bình Phan", province="dong-thap", commune_code=AN_THANH_THUY,
                  communes=[AN_THANH_THUY]),
        "C": Team(name="Tổ Kim Liên", province="nghe-an", commune_code=KIM_LIEN,
                  communes=[KIM_LIEN, VINH_HUNG]),
        "D": Team(name="Tổ Song Bình", province="dong-thap", commune_code=CHO_GAO,
                  communes=[CHO_GAO]),
    }
    async with sessions.begin() as session:
        session.add_all(teams.values())
        await session.flush()

        def visit(team: str, day: int, commune: str, people: int, codes: list[str],
                  outcome: str = "done", month: int = 10, **extra: object) -> Visit:
            owner = teams[team]
            return Visit(team_id=owner.id, province=owner.province,
                         commune_code=commune, visit_date=dt.date(2024, month, day), people=people,
                         services=catalog.mask(codes), outcome=outcome, channel="telegram",
                         **extra)

        session.add_all([
            visit("A", 1, MY_PHONG, 2, ["dvc", "vneid"], address="Ấp 3", note="ổn",
                  former_commune="Mỹ Phong", former_district="Mỹ Tho",
                  former_province="tien-giang"),
            visit("A", 1, DAO_THANH, 1, ["vneid"], "follow_up"),
            visit("A", 3, MY_PHONG, 3, ["dvc", "tmdt", "other"], other_service="Zalo"),
            visit("A", 3, MY_PHONG, 5, ["dvc"], deleted_at=dt.datetime(2024, 10, 3, 9, tzinfo=dt.UTC)),  # undone
            visit("B", 2, AN_THANH_THUY, 4, ["money"], "follow_up"),
            visit("B", 30, AN_THANH_THUY, 9, ["dvc"], month=9),  # before the period
            visit("C", 4, VINH_HUNG, 1, ["app"]),
            visit("C", 5, KIM_LIEN, 6, ["dvc", "safety"]),
            visit("C", 6, KIM_LIEN, 9, ["dvc"]),  # after the period
        ])
    return {name: team.id for name, team in teams.items()}


async def report_of(sessions: Sessions, catalog: ServiceCatalog,
                    scope: ReportScope | None = None) -> Report:
    async with sessions() as session:
        return await build_report(session, scope or ReportScope(), START, END, catalog)


def measures(rows: list) -> dict[object, tuple[int, int, int]]:
    return {row.key: (row.visits, row.people, row.follow_ups) for row in rows}


async def test_everything_counts_each_visit_once_and_skips_undone_and_out_of_period(
        sessions, catalog):
    ids = await seed(sessions, catalog)
    report = await report_of(sessions, catalog)
    assert (report.total.visits, report.total.people, report.total.follow_ups) == (6, 17, 2)
    # A visit with several services counts for each of them; every service is listed.
    assert [row.key for row in report.by_service] == catalog.codes
    assert measures(report.by_service) == {
        "dvc": (3, 11, 0), "vneid": (2, 3, 1), "app": (1, 1, 0), "tmdt": (1, 3, 0),
        "money": (1, 4, 1), "safety": (1, 6, 0), "other": (1, 3, 0)}
    communes = {(row.code, row.key): (row.visits, row.people, row.follow_ups)
                for row in report.by_commune}
    assert communes == {(MY_PHONG, "Phường Mỹ Phong"): (2, 5, 0),
                        (DAO_THANH, "Phường Đạo Thạnh"): (1, 1, 1),
                        (AN_THANH_THUY, "Xã An Thạnh Thủy"): (1, 4, 1),
                        (VINH_HUNG, "Phường Vinh Hưng"): (1, 1, 0),
                        (KIM_LIEN, "Xã Kim Liên"): (1, 6, 0)}
    assert report.by_commune[0].key == "Phường Mỹ Phong"
    assert [(row.name, row.visits, row.people, row.follow_ups) for row in report.by_team] == [
        ("Tổ Mỹ Phong", 3, 6, 1), ("Tổ Kim Liên", 2, 7, 0), ("Tổ Bình Phan", 1, 4, 1),
        ("Tổ Song Bình", 0, 0, 0)]
    assert report.by_team[0].team_id == ids["A"]  # both communes it covers, its own first
    assert report.by_team[0].commune == "Phường Mỹ Phong, Phường Đạo Thạnh"
    assert [(row.day.day, row.visits, row.people) for row in report.by_day] == [
        (1, 2, 3), (2, 1, 4), (3, 1, 3), (4, 1, 1), (5, 1, 6)]
    assert [row.team_id for row in report.silent_teams] == [ids["D"]]


async def test_province_commune_and_team_scopes_see_only_their_visits_and_teams(
        sessions, catalog):
    ids = await seed(sessions, catalog)
    province = await report_of(sessions, catalog, ReportScope(province="dong-thap"))
    assert (province.total.visits, province.total.people) == (4, 10)
    assert {row.team_id for row in province.by_team} == {ids["A"], ids["B"], ids["D"]}
    assert {row.code for row in province.by_commune} == {MY_PHONG, DAO_THANH, AN_THANH_THUY}

    communes = await report_of(sessions, catalog, ReportScope(
        "dong-thap", frozenset({AN_THANH_THUY, CHO_GAO})))
    assert (communes.total.visits, communes.total.people, communes.total.follow_ups) == (1, 4, 1)
    assert {row.team_id for row in communes.by_team} == {ids["B"], ids["D"]}
    assert measures(communes.by_service)["money"] == (1, 4, 1)
    assert sum(row.visits for row in communes.by_day) == 1

    team = await report_of(sessions, catalog, ReportScope(province="nghe-an", team_id=ids["A"]))
    assert (team.total.visits, team.total.people) == (3, 6)  # the team wins over the province
    assert [row.team_id for row in team.by_team] == [ids["A"]] and team.silent_teams == []
    assert {row.key for row in team.by_commune} == {"Phường Mỹ Phong", "Phường Đạo Thạnh"}

    silent = await report_of(sessions, catalog, ReportScope(team_id=ids["D"]))
    assert silent.total.visits == 0 and [r.team_id for r in silent.silent_teams] == [ids["D"]]
    assert all(row.visits == 0 for row in [*silent.by_service, *silent.by_day])

    with pytest.raises(ValueError, match="province"):
        ReportScope(communes=frozenset({CHO_GAO}))


async def test_stream_visits_returns_the_counted_visits_in_date_order(sessions, catalog):
    await seed(sessions, catalog)
    async with sessions() as session:
        rows = [row async for row in stream_visits(session, ReportScope(), START, END,
                                                   batch_size=2)]
    assert [(row.visit_date.day, row.team, row.people) for row in rows] == [
        (1, "Tổ Mỹ Phong", 2), (1, "Tổ Mỹ Phong", 1), (2, "Tổ Bình Phan", 4),
        (3, "Tổ Mỹ Phong", 3), (4, "Tổ Kim Liên", 1), (5, "Tổ Kim Liên", 6)]
    assert catalog.codes_in(rows[3].services) == ["dvc", "tmdt", "other"]
    assert rows[3].other_service == "Zalo" and rows[0].address == "Ấp 3"
    assert (rows[0].commune_code, rows[0].former_commune, rows[0].former_district) == (
        MY_PHONG, "Mỹ Phong", "Mỹ Tho")


async def _write_xlsx(sessions: Sessions, report: Report, path: Path, t: Translator,
                      catalog: ServiceCatalog) -> int:
    async with sessions() as session:
        visits = stream_visits(session, report.scope, report.start, report.end)
        return await write_xlsx(report, visits, path, t, catalog)


async def test_xlsx_sheets_hold_the_report_and_every_visit(sessions, catalog, t, tmp_path):
    await seed(sessions, catalog)
    report = await report_of(sessions, catalog)
    path = tmp_path / "report.xlsx"
    progress: list[int] = []
    async with sessions() as session:
        visits = stream_visits(session, report.scope, START, END)
        assert await write_xlsx(report, visits, path, t, catalog, progress.append) == 6
    assert sum(progress) == 6

    book = load_workbook(path)
    assert book.sheetnames == [t("Summary"), t("By service"), t("By commune"), t("By team"),
                               t("By day"), t("Not reported"), t("Details")]
    summary = {row[0]: row[1] for row in book[t("Summary")].iter_rows(min_row=2, values_only=True)}
    assert summary[t("Visits")] == 6 and summary[t("People guided")] == 17
    assert summary[t("Visits needing a follow-up")] == 2
    assert summary[t("Teams with no visit")] == 1
    assert summary[t("From")] == dt.datetime(2024, 10, 1)
    services = list(book[t("By service")].iter_rows(min_row=2, values_only=True))
    assert services[0] == (catalog.get("dvc").name, 3, 11, 0) and len(services) == 7
    teams = list(book[t("By team")].iter_rows(min_row=2, values_only=True))
    assert sum(row[2] for row in teams) == report.total.visits
    silent = list(book[t("Not reported")].iter_rows(min_row=2, values_only=True))
    assert silent == [("Tổ Song Bình", "Xã Chợ Gạo")]
    days = book[t("By day")]
    assert days["A2"].value == dt.datetime(2024, 10, 1) and days["A2"].number_format == "dd/mm/yyyy"

    details = book[t("Details")]
    assert [cell.value for cell in details[1]] == [t(header) for header in DETAIL_HEADERS]
    assert details.max_row == 1 + report.total.visits
    first = [cell.value for cell in details[2]]
    assert first[0] == dt.datetime(2024, 10, 1) and details["A2"].is_date
    assert first[5] == 2 and first[6] == "Dịch vụ công trực tuyến; VNeID (định danh điện tử)"
    assert first[2:4] == ["Phường Mỹ Phong", MY_PHONG] and first[10] == "Mỹ Phong, Mỹ Tho"


async def test_xlsx_details_stop_at_the_sheet_limit_with_a_note(sessions, catalog, t, tmp_path,
                                                                monkeypatch):
    await seed(sessions, catalog)
    report = await report_of(sessions, catalog)
    monkeypatch.setattr(handlers.exports.xlsx, "EXCEL_MAX_ROWS", 6)  # header + 4 visits + the note
    assert await _write_xlsx(sessions, report, tmp_path / "r.xlsx", t, catalog) == 4
    details = load_workbook(tmp_path / "r.xlsx")[t("Details")]
    assert details.max_row == 6 and "CSV" in details["A6"].value


async def test_csv_has_a_bom_a_translated_header_and_one_line_per_visit(sessions, catalog, t,
                                                                        tmp_path):
    await seed(sessions, catalog)
    path = tmp_path / "visits.csv"
    async with sessions() as session:
        assert await write_csv(stream_visits(session, ReportScope(province="dong-thap"),
                                             START, END), path, t, catalog) == 4
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == [t(header) for header in DETAIL_HEADERS]
    assert [row[0] for row in rows[1:]] == ["2024-10-01", "2024-10-01", "2024-10-02", "2024-10-03"]
    assert rows[1][1:6] == ["Tổ Mỹ Phong", "Phường Mỹ Phong", MY_PHONG, "Ấp 3", "2"]
    assert rows[1][10] == "Mỹ Phong, Mỹ Tho" and rows[2][10] == ""
    assert rows[4][7] == "Zalo"
    assert {row[8] for row in rows[1:]} <= {"Người dân đã làm được", "Cần quay lại"}  # as the form


async def test_chart_is_a_png_and_the_summary_names_the_figures(sessions, catalog, t, tmp_path):
    await seed(sessions, catalog)
    report = await report_of(sessions, catalog, ReportScope(province="dong-thap"))
    path = tmp_path / "chart.png"
    render_chart(report, path, t, window=(dt.date(2024, 10, 2), dt.date(2024, 10, 4)))
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000

    text = summary_text(report, t, catalog)
    assert "dong-thap" in text and t.fmt.date_range(START, END) in text
    assert all(figure in text for figure in ("4", "10", "2"))
    assert catalog.get("dvc").name in text and "Phường Mỹ Phong (2)" in text
    assert t("Teams with no visit: {silent} of {teams}", silent=1, teams=3) in text


def test_cli_report_writes_the_three_files(tmp_path, catalog):
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"

    async def prepare() -> None:
        await upgrade(url)
        engine = create_engine(url)
        try:
            await seed(session_factory(engine), catalog)
        finally:
            await engine.dispose()

    asyncio.run(prepare())
    files = {kind: tmp_path / f"report.{kind}" for kind in ("xlsx", "csv", "png")}
    result = CliRunner().invoke(main, [
        "report", "--from", "2024-10-01", "--to", "05/10/2024", "--province", "tien giang",
        "--campaign", "tg-cnscd-2022", "--xlsx", str(files["xlsx"]), "--csv", str(files["csv"]),
        "--chart", str(files["png"])], env={"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    assert result.exit_code == 0, result.output
    assert "Đồng Tháp" in result.output  # Tiền Giang is part of it now; its name, not its slug
    assert all(path.stat().st_size > 0 for path in files.values())
    assert load_workbook(files["xlsx"]).worksheets[-1].max_row == 5
    assert files["png"].read_bytes().startswith(PNG_SIGNATURE)

    later = CliRunner().invoke(main, ["report", "--from", "2024-10-05", "--to", "2024-10-01",
                                      "--csv", str(files["csv"])],
                               env={"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    assert later.exit_code == 2 and "is after --to" in later.output


def test_cli_report_refuses_a_wrong_date(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["report", "--from", "2024-13-01", "--to", "2024-10-05",
                                  "--csv", str(tmp_path / "x.csv")])
    assert result.exit_code == 2
    assert "'2024-13-01' is not a date: write YYYY-MM-DD or DD/MM/YYYY" in result.output


async def test_chart_dates_follow_the_locale_and_the_legend_stays_off_the_bars(sessions, catalog):
    await seed(sessions, catalog)
    report = await report_of(sessions, catalog, ReportScope(province="dong-thap"))
    catalogs = Catalogs()
    for locale, tick, title in (("vi", "2/10", "1/10/2024"), ("en", "02/10", "01/10/2024")):
        figure = chart_figure(report, catalogs.translator(locale), window=(START, END))
        FigureCanvasAgg(figure).draw()
        [axes] = figure.axes
        assert tick in [label.get_text() for label in axes.get_xticklabels()]
        assert title in axes.get_title()  # one date format in the title and on the axis
        assert axes.get_legend() is None and len(figure.legends) == 1  # under the plot
        assert len(axes.patches) == len(report.by_day)  # the window is the period: no shading
    shaded = chart_figure(report, catalogs.translator("vi"),
                          window=(dt.date(2024, 10, 2), dt.date(2024, 10, 4)))
    assert len(shaded.axes[0].patches) == len(report.by_day) + 1

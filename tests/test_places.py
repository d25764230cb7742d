"""Administrative units since 1 July 2025 (content/places): the current two tiers with official
codes, former units mapped to them, and place names as people type them."""

from __future__ import annotations

import datetime as dt

import pytest

from content.places import admin_units, place_finder
from content.places.history import FormerPlaces
from content.places.units import build, read_text, table_files


def test_there_are_34_provinces_and_3321_communes_with_official_codes():
    units = admin_units()
    assert len(units.provinces) == 34
    assert len(units.communes) == 3321
    kinds = {c.kind for c in units.communes.values()}
    assert kinds == {"xã", "phường", "đặc khu"}
    assert units.provinces["dong-thap"].code == "82"
    assert units.communes["28273"].name == "Phường Mỹ Phong"
    assert units.effective == dt.date(2025, 7, 1)


@pytest.mark.parametrize(("former", "now"), [
    ("tien-giang", "dong-thap"), ("thai-binh", "hung-yen"), ("kon-tum", "quang-ngai"),
    ("nghe-an", "nghe-an"), ("ba-ria-vung-tau", "ho-chi-minh"), ("ha-giang", "tuyen-quang"),
])
def test_each_of_the_63_former_provinces_is_part_of_a_current_one(former, now):
    units = admin_units()
    assert len(units.former_provinces) == 63
    assert units.current_province(former).slug == now
    assert all(p.now in units.provinces for p in units.former_provinces.values())


def test_former_communes_and_districts_lead_to_current_communes():
    units = admin_units()
    assert all(c.now and all(code in units.communes for code in c.now)
               for c in units.former_communes.values())
    my_tho = next(d for d in units.former_districts.values()
                  if d.name == "Thành phố Mỹ Tho" and d.province == "tien-giang")
    assert "28273" in my_tho.now and my_tho.until == dt.date(2025, 7, 1)


@pytest.mark.parametrize(("typed", "province", "expected"), [
    ("xã Mỹ Phong", "dong-thap", ["Phường Mỹ Phong"]),  # a former xã, now a ward
    ("phuong my phong", "dong-thap", ["Phường Mỹ Phong"]),
    ("Mỹ Phongg", "dong-thap", ["Phường Mỹ Phong"]),  # a typo
    ("p.5", "dong-thap", ["Phường Đạo Thạnh", "Phường Gò Công", "Phường Cai Lậy"]),
    ("phuong 5", "dong-thap", ["Phường Đạo Thạnh", "Phường Gò Công", "Phường Cai Lậy"]),
    ("phường Vinh Hưng", "nghe-an", ["Phường Vinh Hưng"]),
])
def test_typed_commune_names_resolve_with_or_without_diacritics_and_type_words(
        typed, province, expected):
    assert [c.commune.name for c in place_finder().communes(typed, province)] == expected


def test_a_former_city_gives_its_current_wards_as_candidates_and_says_what_it_was():
    choices = place_finder().communes("tp vinh", "nghe-an")
    assert len(choices) > 1
    assert {c.commune.province for c in choices} == {"nghe-an"}
    assert "Phường Vinh Hưng" in [c.commune.name for c in choices]
    assert all(c.former == "Thành phố Vinh" for c in choices)


def test_an_unknown_name_gives_no_candidate():
    assert place_finder().communes("xã Không Có Thật", "dong-thap") == []


@pytest.mark.parametrize(("typed", "now", "former"), [
    ("Đồng Tháp", "dong-thap", None), ("tien giang", "dong-thap", "Tiền Giang"),
    ("tỉnh Thái Bình", "hung-yen", "Hưng Yên"), ("tp hcm", "ho-chi-minh", None),
    ("thanh pho hue", "hue", None), ("nghe an", "nghe-an", None),
])
def test_typed_province_names_resolve_to_a_current_province(typed, now, former):
    found = place_finder().province(typed)
    assert found is not None and found[0].slug == now
    if former == "Hưng Yên":  # Thái Bình named: the former province comes back
        assert found[1] is not None and found[1].short == "Thái Bình"
    elif former:
        assert found[1] is not None and found[1].short == former
    else:
        assert found[1] is None


def test_places_recorded_by_name_under_the_former_units_map_to_current_codes():
    places = FormerPlaces(admin_units())
    assert places.current("tien-giang", "Mỹ Tho", "Mỹ Phong").commune == "28273"
    assert places.current("tien-giang", "Thành phố Mỹ Tho", "xã Tân Mỹ Chánh").commune == "28273"
    assert places.current("tien-giang", "Nowhere", "Nothing").province == "dong-thap"
    assert places.current("tien-giang", "Nowhere", "Nothing").commune is None
    assert set(places.district_communes("nghe-an", "Vinh")) >= {"17920"}


def test_a_later_table_maps_the_units_it_replaces_through_to_the_newest(tmp_path):
    """When units change again, a newer table (today's communes → newer ones) is added: former
    units of 2025 follow the chain to the newest units."""
    (first_date, first_path), = table_files()
    newer = ("Đơn vị hành chính mới,,,Đơn vị hành chính cũ,,,,\n"
             "Tỉnh Đồng Tháp (82),Phường Mỹ Tho Mới,99001,Phường Mỹ Phong,28273,Nhập toàn bộ,"
             "Tỉnh Đồng Tháp (82),Tỉnh Đồng Tháp (82)\n")
    units = build([(first_date, read_text(first_path)), (dt.date(2030, 1, 1), newer)])
    assert list(units.communes) == ["99001"]
    former = next(c for c in units.former_communes.values()
                  if c.name == "Xã Tân Mỹ Chánh" and c.province == "tien-giang")
    assert former.now == ("99001",)


def test_places_update_loads_a_newer_table_and_moves_the_stored_rows(tmp_path):
    """`cdsbot places update`: a newer table (Phường Mỹ Phong goes into a new ward) is kept
    beside the 2025 one, and the team and visits stored in Mỹ Phong move to the new ward, the
    visits keeping the place they were recorded under."""
    import asyncio
    import shutil

    from click.testing import CliRunner
    from sqlalchemy import select

    from bot.cli import main
    from db.engine import create_engine, session_factory
    from db.migrate import upgrade
    from db.models import Team, Visit

    url = f"sqlite+aiosqlite:///{tmp_path / 'units.sqlite3'}"
    data = tmp_path / "data"
    data.mkdir()
    (_, first), = table_files()
    shutil.copy(first, data / first.name)
    newer = tmp_path / "newer.csv"
    newer.write_text("Đơn vị hành chính mới,,,Đơn vị hành chính cũ,,,,\n"
                     "Tỉnh Đồng Tháp (82),Phường Mỹ Tho Mới,99001,Phường Mỹ Phong,28273,"
                     "Nhập toàn bộ,Tỉnh Đồng Tháp (82),Tỉnh Đồng Tháp (82)\n", encoding="utf-8")

    async def seed() -> None:
        await upgrade(url)
        engine = create_engine(url)
        async with session_factory(engine).begin() as session:
            team = Team(name="Tổ A", province="dong-thap", commune_code="28273",
                        communes=["28273", "28249"])
            session.add(team)
            await session.flush()
            session.add_all([Visit(team_id=team.id, province="dong-thap", commune_code="28273",
                                   visit_date=dt.date(2030, 2, 1), people=1, services=1,
                                   outcome="done", channel="zalo"),
                             Visit(team_id=team.id, province="dong-thap", commune_code="28273",
                                   former_commune="Mỹ Phong", former_district="Mỹ Tho",
                                   visit_date=dt.date(2024, 10, 1), people=1, services=1,
                                   outcome="done", channel="zalo")])
        await engine.dispose()

    async def stored() -> tuple[Team, list[Visit]]:
        engine = create_engine(url)
        async with session_factory(engine)() as session:
            team = (await session.execute(select(Team))).scalar_one()
            visits = list((await session.execute(select(Visit).order_by(Visit.id))).scalars())
        await engine.dispose()
        return team, visits

    asyncio.run(seed())
    result = CliRunner().invoke(main, ["places", "update", str(newer), "--effective",
                                       "2030-01-01", "--data-dir", str(data), "--yes"],
                                env={"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    assert result.exit_code == 0, result.output
    assert "moved 1 teams, 2 visits" in result.output
    assert (data / "2030-01-01.csv.gz").exists()
    team, visits = asyncio.run(stored())
    assert (team.commune_code, team.communes) == ("99001", ["99001", "28249"])
    assert team.former_place == {"province": "dong-thap",
                                 "communes": ["Phường Mỹ Phong", "Phường Đạo Thạnh"]}
    assert [(v.commune_code, v.former_commune) for v in visits] == [
        ("99001", "Phường Mỹ Phong"), ("99001", "Mỹ Phong")]
    again = CliRunner().invoke(main, ["places", "update", str(newer), "--effective",
                                      "2029-01-01", "--data-dir", str(data), "--yes"],
                               env={"DATABASE_URL": url})
    assert again.exit_code == 2 and "already takes effect 2030-01-01" in again.output

"""Provinces and communes given on the command line: a slug, a code or a name (with or without
diacritics), checked against the current units (content/places)."""

from __future__ import annotations

import datetime as dt
import gzip
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from bot.cli.common import load_settings, run_command
from content.places import PlaceFinder, place_finder
from content.places.units import (
    DATA_DIR,
    UnitChanges,
    build,
    changes_between,
    read_table,
    read_text,
    table_files,
)
from db.engine import create_engine, session_factory
from db.migrate import upgrade
from db.unit_changes import apply_changes


def province_slug(text: str, option: str = "--province",
                  places: PlaceFinder | None = None) -> str:
    """The current province meant by a slug or name ('dong-thap', 'Tiền Giang' → 'dong-thap')."""
    places = places or place_finder()
    found = places.province(text)
    if found is None:
        known = ", ".join(sorted(places.units.provinces))
        raise click.BadParameter(f"unknown province '{text}' (current provinces: {known})",
                                 param_hint=option)
    return found[0].slug


def commune_codes(province: str, texts: Iterable[str], option: str = "--commune",
                  places: PlaceFinder | None = None) -> list[str]:
    """Current commune codes for codes or names within `province`; a name that fits several
    communes is refused with the candidates' codes, so the caller can pick one."""
    places = places or place_finder()
    codes = []
    for text in texts:
        commune = places.units.commune(text.strip())
        if commune is not None and commune.province == province:
            codes.append(commune.code)
            continue
        choices = places.communes(text, province)
        if len(choices) != 1:
            listed = "; ".join(f"{c.commune.code} {c.commune.name}"
                               + (f" (was {c.former})" if c.former else "") for c in choices[:12])
            raise click.BadParameter(
                f"'{text}' fits {len(choices)} communes of {province}"
                + (f": {listed} — give the code" if choices else ""), param_hint=option)
        codes.append(choices[0].commune.code)
    return list(dict.fromkeys(codes))


@click.group("places")
def places_command() -> None:
    """Administrative units (content/places): load a newer table of them."""


@places_command.command("update")
@click.argument("table", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--effective", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="The day the new units take effect (YYYY-MM-DD).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=DATA_DIR,
              show_default=True, help="Where the conversion tables are kept.")
@click.option("--yes", is_flag=True, help="Do not ask before writing.")
def update(table: Path, effective: dt.datetime, data_dir: Path, yes: bool) -> None:
    """Load TABLE, a newer conversion table of the General Statistics Office (same columns as
    content/places/data/2025-07-01.csv.gz: new province, new commune and code, former commune
    and code, note, former district, former province), and move the stored teams, visits,
    users and officers' scopes to the units it gives."""
    day = effective.date()
    tables = [(d, read_text(p)) for d, p in table_files(data_dir)]
    if tables and day <= tables[-1][0]:
        raise click.BadParameter(f"the newest table already takes effect {tables[-1][0]}",
                                 param_hint="--effective")
    raw = read_text(table)
    try:
        if not any(True for _ in read_table(raw)):
            raise ValueError("no unit rows found")
        old, new = build(tables), build([*tables, (day, raw)])
    except (ValueError, KeyError) as error:
        raise click.BadParameter(f"not a conversion table: {error}", param_hint="TABLE") from None
    changes = changes_between(old, new)
    click.echo(f"{len(old.provinces)} → {len(new.provinces)} provinces, {len(old.communes):,} → "
               f"{len(new.communes):,} communes from {day.isoformat()}: "
               f"{len(changes.communes):,} current communes and {len(changes.provinces)} "
               f"provinces go into others; {changes.added:,} new communes")
    if not yes:
        click.confirm("Write the table and move the stored rows?", abort=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / f"{day.isoformat()}.csv.gz").write_bytes(gzip.compress(raw.encode("utf-8")))
    run_command(_move_rows(load_settings(), changes))


async def _move_rows(settings: Any, changes: UnitChanges) -> None:
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            moved = await apply_changes(session, changes)
    finally:
        await engine.dispose()
    click.echo(f"moved {moved['teams']:,} teams, {moved['visits']:,} visits and "
               f"{moved['users']:,} users; restart the bot to use the new units")

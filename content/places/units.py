"""Vietnam's administrative units as data: the current two tiers (provinces and cities; communes,
wards and special zones) with their official codes, and the former units (63 provinces,
districts, communes) each mapped to the current ones, with the date the change took effect.

Built from conversion tables in `content/places/data/` named by the date they took effect
(`2025-07-01.csv.gz`: the General Statistics Office's table of new and former units under
Decision 19/2025/QĐ-TTg, see `content/places/data/SOURCE.md`). The newest table gives the
current units; units of older tables are former ones and follow the chain to today's.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from content.build_cache import cached
from content.collation import vietnamese_order
from content.normalize import fold

DATA_DIR = Path(__file__).parent / "data"

_CODED_RE = re.compile(r"^(?P<name>.*?)\s*\((?P<code>\d+)\)\s*$")
_TYPES = ("thành phố", "tỉnh", "thị trấn", "thị xã", "đặc khu", "phường", "xã", "quận", "huyện")
_FOLDED_TYPES = tuple((kind, fold(kind) + " ") for kind in _TYPES)


@cache
def slug_of(name: str) -> str:
    """'Hồ Chí Minh' → 'ho-chi-minh', 'Bà Rịa - Vũng Tàu' → 'ba-ria-vung-tau'."""
    return "-".join(re.findall(r"[a-z0-9]+", fold(name)))


@cache  # the table repeats each name many times: fold it once
def split_type(name: str) -> tuple[str, str]:
    """'Phường Mỹ Tho' → ('phường', 'Mỹ Tho'); a name without a type word keeps it whole.
    Compared folded: the table also writes 'Xa Ea Kly' and decomposed diacritics."""
    clean = unicodedata.normalize("NFC", " ".join(name.split()))
    folded = fold(clean)
    for kind, prefix in _FOLDED_TYPES:
        if folded.startswith(prefix):
            return kind, clean[len(kind) + 1:]
    return "", clean


@dataclass(frozen=True)
class Province:
    """A current province or centrally-run city: slug ('dong-thap'), official code, names."""

    slug: str
    code: str
    name: str  # "Tỉnh Đồng Tháp"
    short: str  # "Đồng Tháp"

    @property
    def in_sentence(self) -> str:
        """'tỉnh Đồng Tháp', 'thành phố Huế': the name as written inside a sentence."""
        return self.name[:1].lower() + self.name[1:]


@dataclass(frozen=True)
class Commune:
    """A current commune, ward or special zone (xã, phường, đặc khu) of a province."""

    code: str
    name: str  # "Phường Mỹ Tho"
    short: str
    kind: str  # "xã", "phường", "đặc khu"
    province: str  # slug


@dataclass(frozen=True)
class FormerProvince:
    slug: str
    code: str
    name: str
    short: str
    now: str  # the current province's slug
    until: dt.date  # the day it ceased: the change's effective date


@dataclass(frozen=True)
class FormerDistrict:
    code: str
    name: str  # "Thành phố Mỹ Tho"
    short: str
    kind: str
    province: str  # the former province's slug
    now: tuple[str, ...]  # the current communes its communes went into
    until: dt.date


@dataclass(frozen=True)
class FormerCommune:
    code: str
    name: str
    short: str
    kind: str
    district: str  # the former district's code
    province: str  # the former province's slug
    now: tuple[str, ...]  # current commune codes, the one taking all or most of it first
    until: dt.date


FormerKey = tuple[str, dt.date]


@dataclass
class AdminUnits:
    """Every unit, current and former, by slug or code."""

    provinces: dict[str, Province] = field(default_factory=dict)
    communes: dict[str, Commune] = field(default_factory=dict)
    former_provinces: dict[str, FormerProvince] = field(default_factory=dict)
    former_districts: dict[FormerKey, FormerDistrict] = field(default_factory=dict)
    former_communes: dict[FormerKey, FormerCommune] = field(default_factory=dict)
    """Former units by (code, the day they ceased): a new unit often keeps a former one's code."""
    effective: dt.date = dt.date(2025, 7, 1)
    """When the current units took effect."""

    def province(self, slug: str | None) -> Province | None:
        return self.provinces.get(slug or "")

    def current_province(self, slug: str | None) -> Province | None:
        """The current province a slug names: itself, or the one a former province is part of."""
        if slug in self.provinces:
            return self.provinces[slug]
        former = self.former_provinces.get(slug or "")
        return self.provinces.get(former.now) if former else None

    def provinces_in_order(self) -> list[Province]:
        """The current provinces in Vietnamese alphabetical order, as people pick from them."""
        return sorted(self.provinces.values(), key=lambda p: vietnamese_order(p.short))

    def communes_of(self, province: str) -> list[Commune]:
        return [c for c in self.communes.values() if c.province == province]

    def commune(self, code: str | None) -> Commune | None:
        return self.communes.get(code or "")

    def former_provinces_of(self, province: str) -> list[FormerProvince]:
        """The former provinces now part of a current one (itself included when it existed)."""
        return [f for f in self.former_provinces.values() if f.now == province]


@dataclass(frozen=True)
class _Row:
    new_province: tuple[str, str]  # (name, code)
    new_commune: tuple[str, str]
    old_commune: tuple[str, str] | None  # None for a whole district made a special zone
    whole: bool
    old_district: tuple[str, str]
    old_province: tuple[str, str]


def _coded(text: str) -> tuple[str, str]:
    match = _CODED_RE.match(" ".join(text.split()))
    if match is None:
        raise ValueError(f"no code in {text!r}")
    return match["name"], match["code"]


def read_table(raw: str) -> Iterator[_Row]:
    """The rows of a GSO conversion table (CSV: new province, new commune name, code, former
    commune name, code, note, former district, former province); heading rows are skipped."""
    for cells in csv.reader(io.StringIO(raw)):
        cells = [c.strip() for c in cells] + [""] * 8
        if not re.fullmatch(r"\d{5}", cells[2]):
            continue
        old = (cells[3], cells[4]) if re.fullmatch(r"\d{5}", cells[4]) else None
        yield _Row(_coded(cells[0]), (cells[1], cells[2]), old,
                   cells[5].lower().startswith(("nhập toàn bộ", "giữ nguyên", "đổi")),
                   _coded(cells[6]), _coded(cells[7]))


def _province_names(name: str) -> tuple[str, str]:
    """('Tỉnh Quảng Trị', 'Quảng Trị') also when the table wrote only 'Quảng Trị'."""
    kind, short = split_type(name)
    return (name if kind else f"Tỉnh {short}"), short


def build(tables: Iterable[tuple[dt.date, str]]) -> AdminUnits:
    """Units from conversion tables (effective date, CSV text), oldest first; the newest gives
    the current units, older ones' new units become former units pointing at today's."""
    units = AdminUnits()
    for effective, raw in sorted(tables):
        _apply(units, effective, list(read_table(raw)))
    return units


def _apply(units: AdminUnits, effective: dt.date, rows: list[_Row]) -> None:
    previous_provinces, previous_communes = units.provinces, units.communes
    units.provinces, units.communes, units.effective = {}, {}, effective
    for row in rows:
        name, short = _province_names(row.new_province[0])
        slug = slug_of(short)
        units.provinces.setdefault(slug, Province(slug, row.new_province[1], name, short))
        kind, commune_short = split_type(row.new_commune[0])
        units.communes.setdefault(row.new_commune[1], Commune(
            row.new_commune[1], row.new_commune[0], commune_short, kind, slug))
    new_of_code = {p.code: p.slug for p in units.provinces.values()}
    goes_to: dict[str, list[tuple[bool, str]]] = defaultdict(list)
    district_to: dict[str, list[str]] = defaultdict(list)
    province_to: dict[str, Counter[str]] = defaultdict(Counter)
    # A few communes went partly to a neighbouring province: a former province is part of the
    # current one most of its communes went to.
    for row in rows:
        target = row.new_commune[1]
        old_name, old_short = _province_names(row.old_province[0])
        old_slug = slug_of(old_short)
        province_to[old_slug][new_of_code[row.new_province[1]]] += 1
        district_to[row.old_district[1]].append(target)
        kind, district_short = split_type(row.old_district[0])
        units.former_districts.setdefault((row.old_district[1], effective), FormerDistrict(
            row.old_district[1], row.old_district[0], district_short, kind, old_slug, (),
            effective))
        known = units.former_provinces.get(old_slug)
        if known is None or known.until < effective:  # a province may cease twice over years
            units.former_provinces[old_slug] = FormerProvince(
                old_slug, row.old_province[1], old_name, old_short, "", effective)
        if row.old_commune is not None:
            goes_to[row.old_commune[1]].append((row.whole, target))
            kind, commune_short = split_type(row.old_commune[0])
            units.former_communes.setdefault((row.old_commune[1], effective), FormerCommune(
                row.old_commune[1], row.old_commune[0], commune_short, kind,
                row.old_district[1], old_slug, (), effective))
    for slug, former in list(units.former_provinces.items()):
        if former.until == effective:
            units.former_provinces[slug] = replace(former, now=province_to[slug].most_common(1)[0][0])
    for key, district in list(units.former_districts.items()):
        if district.until == effective:
            units.former_districts[key] = replace(district, now=_unique(district_to[key[0]]))
    for key, commune in list(units.former_communes.items()):
        if commune.until == effective:
            ranked = sorted(goes_to[key[0]], key=lambda pair: not pair[0])  # whole merges first
            units.former_communes[key] = replace(commune, now=_unique(t for _, t in ranked))
    _carry_older(units, previous_provinces, previous_communes)


def _carry_older(units: AdminUnits, provinces: dict[str, Province],
                 communes: dict[str, Commune]) -> None:
    """Units that were current before this table and older former units now point at today's
    units (a later table maps the previous current units; used when units change again)."""
    if not communes:
        return
    for key, former in list(units.former_communes.items()):
        if former.until < units.effective:
            units.former_communes[key] = replace(former, now=_unique(
                c for old in former.now for c in _today(units, old)))
    for key, district in list(units.former_districts.items()):
        if district.until < units.effective:
            units.former_districts[key] = replace(district, now=_unique(
                c for old in district.now for c in _today(units, old)))
    for slug, province in list(units.former_provinces.items()):
        if province.now not in units.provinces and province.now in provinces:
            units.former_provinces[slug] = replace(province, now=units.former_provinces[
                province.now].now)


def _today(units: AdminUnits, code: str) -> tuple[str, ...]:
    """Where a commune that was current until this table's date is now."""
    if code in units.communes:
        return (code,)
    former = units.former_communes.get((code, units.effective))
    return former.now if former else ()


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def table_files(data_dir: Path = DATA_DIR) -> list[tuple[dt.date, Path]]:
    """The conversion tables there, by the date in their name (YYYY-MM-DD.csv or .csv.gz)."""
    found = []
    for path in data_dir.glob("*.csv*"):
        match = re.match(r"^(\d{4}-\d{2}-\d{2})\.csv(\.gz)?$", path.name)
        if match:
            found.append((dt.date.fromisoformat(match[1]), path))
    return sorted(found)


def read_text(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8-sig")


@cache
def admin_units(data_dir: Path = DATA_DIR) -> AdminUnits:
    """Every unit, loaded once per process (about 10,000 rows; from the start-up cache when an
    earlier process built the same tables)."""
    return cached("units", [data_dir], lambda: build(
        (effective, read_text(path)) for effective, path in table_files(data_dir)))


@dataclass(frozen=True)
class UnitChanges:
    """What a newer table changes for rows stored under the current units."""

    communes: dict[str, str]  # a current commune's code → the code of the one it went into
    names: dict[str, str]  # every current commune's name, kept on moved rows as their former place
    provinces: dict[str, str]  # a current province's slug → the one it is part of now
    added: int  # communes of the newer units that are not among the current ones

    @property
    def empty(self) -> bool:
        return not (self.communes or self.provinces)


def changes_between(old: AdminUnits, new: AdminUnits) -> UnitChanges:
    """From the current units of `old` to those of `new` (built with one more table)."""
    communes = {}
    names = {code: commune.name for code, commune in old.communes.items()}
    for code in old.communes:
        former = new.former_communes.get((code, new.effective))
        if code in new.communes and (former is None or former.now == (code,)):
            continue
        if former is not None and former.now:
            communes[code] = former.now[0]
    provinces = {slug: new.former_provinces[slug].now for slug in old.provinces
                 if slug not in new.provinces and slug in new.former_provinces}
    return UnitChanges(communes, names, provinces,
                       added=len(set(new.communes) - set(old.communes)))

"""Places recorded by name under the former units (province slug, district, commune, as teams and
visits were stored before 1 July 2025) mapped to the current province and commune."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from content.normalize import tokenize
from content.places.resolve import split_type_words
from content.places.units import AdminUnits, FormerCommune, FormerKey


def name_key(name: str) -> str:
    """A unit name without its type word, folded: 'Thị trấn Cái Bè' and 'cai be' → 'cai be'."""
    _, rest = split_type_words(tokenize(name))
    return " ".join(rest)


@dataclass(frozen=True)
class CurrentPlace:
    province: str  # current province slug, or the recorded one when it is not a known unit
    commune: str | None  # current commune code, None when the recorded name is not found


class FormerPlaces:
    """Look-ups of former units by name within their former province and district."""

    def __init__(self, units: AdminUnits) -> None:
        self.units = units
        self._districts: dict[tuple[str, str], FormerKey] = {}
        self._in_district: dict[tuple[FormerKey, str], list[FormerCommune]] = defaultdict(list)
        self._in_province: dict[tuple[str, str], list[FormerCommune]] = defaultdict(list)
        for district in units.former_districts.values():
            self._districts.setdefault((district.province, name_key(district.short)),
                                       (district.code, district.until))
        for commune in units.former_communes.values():
            key = name_key(commune.short)
            self._in_district[((commune.district, commune.until), key)].append(commune)
            self._in_province[(commune.province, key)].append(commune)

    def current(self, province: str, district: str | None, commune: str | None) -> CurrentPlace:
        """Where a recorded (province, district, commune) lies today. The former commune of
        that name in that district wins; then one of that name in the former province; then a
        current commune of that name in the current province."""
        now = self.units.current_province(province)
        if now is None:
            return CurrentPlace(province, None)
        if not commune:
            return CurrentPlace(now.slug, None)
        key = name_key(commune)
        district_key = self._districts.get((province, name_key(district or "")))
        found = (self._in_district.get((district_key, key)) if district_key else None) \
            or self._in_province.get((province, key))
        if found:
            return CurrentPlace(now.slug, found[0].now[0])
        current = [c for c in self.units.communes_of(now.slug) if name_key(c.short) == key]
        return CurrentPlace(now.slug, current[0].code if current else None)

    def district_communes(self, province: str, district: str) -> list[str]:
        """The current communes a former district (by name, in a former province) went into,
        within that province's current one: an officer of the district keeps that area."""
        now = self.units.current_province(province)
        key = self._districts.get((province, name_key(district)))
        if now is None or key is None:
            return []
        return [c for c in self.units.former_districts[key].now
                if self.units.communes[c].province == now.slug]

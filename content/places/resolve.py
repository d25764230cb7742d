"""Place names as people type them ("xã Mỹ Phong", "p.5", "phuong 5", "tp vinh", "tien giang")
resolved to current units, with or without diacritics and type words. A former unit resolves to
the current communes it went into, so several candidates may come back: the caller offers them as
buttons."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from content.normalize import fold, tokenize
from content.places.units import AdminUnits, Commune, FormerProvince, Province

TYPE_WORDS: dict[tuple[str, ...], str] = {
    ("thanh", "pho"): "thành phố", ("tp",): "thành phố", ("thi", "tran"): "thị trấn",
    ("tt",): "thị trấn", ("thi", "xa"): "thị xã", ("tx",): "thị xã", ("dac", "khu"): "đặc khu",
    ("dk",): "đặc khu", ("phuong",): "phường", ("p",): "phường", ("xa",): "xã", ("x",): "xã",
    ("huyen",): "huyện", ("h",): "huyện", ("quan",): "quận", ("q",): "quận", ("tinh",): "tỉnh",
    ("t",): "tỉnh",
}
"""Type words and their short forms, folded; the longest is tried first."""

PROVINCE_NICKNAMES = {"hcm": "ho-chi-minh", "tphcm": "ho-chi-minh", "sai gon": "ho-chi-minh",
                      "saigon": "ho-chi-minh", "sg": "ho-chi-minh", "hn": "ha-noi"}
MAX_CHOICES = 8
"""More candidates than this are no help as buttons: the caller asks for a closer name."""
FUZZY_CUTOFF = 86


@dataclass(frozen=True)
class PlaceChoice:
    """A current commune the typed name may mean; `former` names the former unit typed, when
    the name was one (shown so people see why: "Xã Mỹ Phong (cũ)")."""

    commune: Commune
    former: str | None = None


@dataclass(frozen=True)
class _Named:
    kind: str  # the unit's type word: "xã", "phường", "thành phố"…
    written: str  # its name as written, lower-case: "vinh hưng" (not "vĩnh hưng")
    tier: int  # 0 current commune, 1 former commune, 2 former district
    label: str | None
    communes: tuple[str, ...]
    provinces: frozenset[str]  # current provinces it lies in


def split_type_words(tokens: list[str]) -> tuple[str, list[str]]:
    """(type, the rest): ['p', '5'] → ('phường', ['5']); no type word → ('', tokens)."""
    for words, kind in sorted(TYPE_WORDS.items(), key=lambda item: -len(item[0])):
        if tuple(tokens[:len(words)]) == words and len(tokens) > len(words):
            return kind, tokens[len(words):]
    return "", tokens


class PlaceFinder:
    """Name indexes over every unit, built once per process."""

    def __init__(self, units: AdminUnits) -> None:
        self.units = units
        self._names: dict[str, list[_Named]] = defaultdict(list)
        self._provinces: dict[str, tuple[Province, FormerProvince | None]] = {}
        for commune in units.communes.values():
            self._add(commune.short, _Named(commune.kind, _written(commune.short), 0, None,
                                            (commune.code,),
                                            frozenset({commune.province})))
        for former in units.former_communes.values():
            district = units.former_districts[(former.district, former.until)]
            self._add(former.short, _Named(former.kind, _written(former.short), 1,
                                           f"{former.name}, {district.name}",
                                           former.now, self._provinces_of(former.now)))
        for district in units.former_districts.values():
            self._add(district.short, _Named(district.kind, _written(district.short), 2,
                                             district.name, district.now,
                                             self._provinces_of(district.now)))
        for former_province in units.former_provinces.values():
            now = units.provinces[former_province.now]
            self._provinces[self._key(former_province.short)] = (
                now, None if former_province.slug == now.slug else former_province)
        for province in units.provinces.values():
            self._provinces[self._key(province.short)] = (province, None)
            self._provinces[province.slug.replace("-", " ")] = (province, None)
        for nickname, slug in PROVINCE_NICKNAMES.items():
            self._provinces[nickname] = (units.provinces[slug], None)

    @staticmethod
    def _key(name: str) -> str:
        return " ".join(tokenize(name))

    def _add(self, name: str, named: _Named) -> None:
        self._names[self._key(name)].append(named)

    def _provinces_of(self, codes: tuple[str, ...]) -> frozenset[str]:
        return frozenset(self.units.communes[c].province for c in codes)

    def province(self, text: str) -> tuple[Province, FormerProvince | None] | None:
        """The current province a typed name means, and the former province typed if it was
        one ('tien giang' → Đồng Tháp, Tiền Giang)."""
        kind, rest = split_type_words(tokenize(text))
        key = " ".join(rest if kind in ("tỉnh", "thành phố") else tokenize(text))
        found = self._provinces.get(key) or self._provinces.get(key.replace(" ", ""))
        if found is None and len(key) >= 4:
            close = process.extractOne(key, list(self._provinces), scorer=fuzz.ratio,
                                       score_cutoff=FUZZY_CUTOFF)
            found = self._provinces[close[0]] if close else None
        return found

    def communes(self, text: str, province: str | None = None) -> list[PlaceChoice]:
        """Current communes a typed name may mean, within `province` (a current slug) if given:
        current communes of that name first, then those former communes and districts of that
        name went into. Typos are forgiven when nothing matches exactly."""
        kind, rest = split_type_words(tokenize(text))
        key = " ".join(rest)
        if not key:
            return []
        named = self._within(self._names.get(key, []), province)
        if not named:
            pool = [k for k, entries in self._names.items() if self._within(entries, province)]
            close = process.extract(key, pool, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF,
                                    limit=3)
            named = [n for k, _, _ in close for n in self._within(self._names[k], province)]
        of_kind = [n for n in named if kind and _same_kind(n.kind, kind)] or named
        # Typed with diacritics: "Vinh Hưng" is not "Vĩnh Hưng" when both exist.
        typed = _written(" ".join(text.split()[len(text.split()) - len(rest):]))
        exact = [n for n in of_kind if typed != fold(typed) and n.written == typed]
        return self._choices(sorted(exact or of_kind, key=lambda n: n.tier), province)

    @staticmethod
    def _within(named: list[_Named], province: str | None) -> list[_Named]:
        return [n for n in named if province is None or province in n.provinces]

    def _choices(self, named: list[_Named], province: str | None) -> list[PlaceChoice]:
        choices: dict[str, PlaceChoice] = {}
        for entry in named:
            for code in entry.communes:
                commune = self.units.communes[code]
                if province is None or commune.province == province:
                    choices.setdefault(code, PlaceChoice(commune, entry.label))
        return list(choices.values())


def _written(name: str) -> str:
    return unicodedata.normalize("NFC", " ".join(name.lower().split()))


def _same_kind(unit_kind: str, typed: str) -> bool:
    """'tp vinh' means the former city; 'p.5' a ward; 'xã' may also be typed for a 'thị trấn'."""
    return unit_kind == typed or (typed == "xã" and unit_kind == "thị trấn")

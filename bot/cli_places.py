"""Provinces and communes given on the command line: a slug, a code or a name (with or without
diacritics), checked against the current units (content/places)."""

from __future__ import annotations

from collections.abc import Iterable

import click

from content.places import PlaceFinder, place_finder


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

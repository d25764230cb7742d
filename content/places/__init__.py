"""Vietnam's administrative units (two tiers since 1 July 2025) and typed place names."""

from __future__ import annotations

from functools import cache

from content.build_cache import cached
from content.places.resolve import PlaceChoice, PlaceFinder
from content.places.units import AdminUnits, Commune, Province, admin_units

__all__ = ["AdminUnits", "Commune", "PlaceChoice", "PlaceFinder", "Province", "admin_units",
           "place_finder"]


@cache
def place_finder() -> PlaceFinder:
    """The finder over the bundled units, built once per process (about 0.2 s; from the start-up
    cache when an earlier process built it)."""
    return cached("places", [], lambda: PlaceFinder(admin_units()))

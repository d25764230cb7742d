"""What a visit's parts are called and how its summary reads, for the form (handlers/visits.py)
before saving, the same for a new visit and a correction (/sua)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from content.i18n import N_
from handlers.context import Context
from handlers.exports.labels import OUTCOME_LABELS

Data = dict[str, Any]
FIELDS = ("date", "commune", "address", "people", "services", "outcome", "note", "photo")
FIELD_LABELS = {"date": N_("Date"), "commune": N_("Commune"), "address": N_("Hamlet / address"),
                "people": N_("People guided"), "services": N_("Services"),
                "outcome": N_("Outcome"), "note": N_("Note"), "photo": N_("Photo")}


def commune_names(ctx: Context, codes: list[str]) -> list[tuple[str, str]]:
    """(code, name) of a team's communes, as they are called today."""
    communes = ctx.services.places.units.communes
    return [(code, communes[code].name if code in communes else code) for code in codes]


def summary_lines(ctx: Context, data: Data) -> list[str]:
    t = ctx.t
    catalog = ctx.content.services
    services = ", ".join(catalog.get(code).label(t.locale) for code in data.get("services") or [])
    if data.get("other"):
        services += f" ({data['other']})"
    lines = [
        f"• {t(FIELD_LABELS['date'])}: {t.fmt.date(dt.date.fromisoformat(data['date']))}",
        f"• {t(FIELD_LABELS['commune'])}: {dict(commune_names(ctx, [data['commune']]))[data['commune']]}"
        + (f", {data['address']}" if data.get("address") else ""),
        f"• {t(FIELD_LABELS['people'])}: {t.fmt.number(data['people'])}",
        f"• {t(FIELD_LABELS['services'])}: {services}",
        f"• {t(FIELD_LABELS['outcome'])}: {t(OUTCOME_LABELS[data['outcome']])}",
    ]
    if data.get("note"):
        lines.append(f"• {t(FIELD_LABELS['note'])}: {data['note']}")
    if data.get("photo"):
        lines.append(f"• {t(FIELD_LABELS['photo'])}: ✅")
    return lines

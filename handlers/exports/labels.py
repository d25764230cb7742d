"""What every export calls things: the scope, outcomes, service names, column headers."""

from __future__ import annotations

from collections.abc import Callable

from content.i18n import N_, Translator
from content.services import ServiceCatalog
from db.reports import Report, VisitRow

DETAIL_HEADERS = (N_("Date"), N_("Team"), N_("District"), N_("Commune"), N_("Address"),
                  N_("People"), N_("Services"), N_("Other service"), N_("Outcome"), N_("Note"))
OUTCOMES = {"done": N_("Resident managed"), "follow_up": N_("Come back")}


def describe_scope(report: Report, t: Translator, province_name: str | None = None) -> str:
    """'Cái Bè, Tiền Giang'; the province's slug when no name is given."""
    scope = report.scope
    if scope.team_id is not None:
        team = next((row for row in report.by_team if row.team_id == scope.team_id), None)
        return t("Team {name}", name=team.name if team else f"#{scope.team_id}")
    province = province_name or scope.province
    if scope.district is not None:
        return f"{scope.district}, {province}"
    return province or t("All provinces")


def scope_text(report: Report, t: Translator) -> str:
    return report.scope_label or describe_scope(report, t)


def period_text(report: Report, t: Translator) -> str:
    return t.fmt.date_range(report.start, report.end)


def outcome_text(outcome: str, t: Translator) -> str:
    return t(OUTCOMES[outcome]) if outcome in OUTCOMES else outcome


def service_names(catalog: ServiceCatalog, locale: str) -> dict[str, str]:
    return {service.code: service.label(locale) for service in catalog.services}


def detail_maker(t: Translator, catalog: ServiceCatalog) -> Callable[[VisitRow], list[object]]:
    """VisitRow → the detail columns (DETAIL_HEADERS), values still typed, None for empty.
    Labels are looked up once per outcome and service mask (there are few), not per visit."""
    names = service_names(catalog, t.locale)
    outcomes = {code: t(label) for code, label in OUTCOMES.items()}
    masks: dict[int, str] = {}

    def services(mask: int) -> str:
        if mask not in masks:
            # "; " because service names contain commas.
            masks[mask] = "; ".join(names[code] for code in catalog.codes_in(mask))
        return masks[mask]

    def cells(row: VisitRow) -> list[object]:
        return [row.visit_date, row.team, row.district, row.commune, row.address,
                row.people, services(row.services), row.other_service,
                outcomes.get(row.outcome, row.outcome), row.note]

    return cells

"""What every export calls things: the scope, outcomes, service names, column headers."""

from __future__ import annotations

from collections.abc import Callable

from content.i18n import N_, Translator
from content.normalize import fold
from content.services import ServiceCatalog
from db.reports import Report, VisitRow, commune_name

DETAIL_HEADERS = (N_("Date"), N_("Team"), N_("Commune"), N_("Commune code"), N_("Address"),
                  N_("People"), N_("Services"), N_("Other service"), N_("Outcome"), N_("Note"),
                  N_("Recorded before 1/7/2025 as"))
OUTCOME_LABELS = {"done": N_("Resident managed"), "follow_up": N_("Come back")}
"""The one wording of each visit outcome: the form's buttons, its summary and every export."""


def describe_scope(report: Report, t: Translator, province_name: str | None = None) -> str:
    """'Phường Mỹ Phong, Đồng Tháp'; the province's slug when no name is given."""
    scope = report.scope
    if scope.team_id is not None:
        team = next((row for row in report.by_team if row.team_id == scope.team_id), None)
        if team is not None and fold(team.name).startswith(("to ", "team ")):
            return team.name  # "Tổ CNSCĐ …" already says it is a team
        return t("Team {name}", name=team.name if team else f"#{scope.team_id}")
    province = province_name or scope.province
    if scope.communes:
        names = ", ".join(sorted(commune_name(code) for code in scope.communes))
        return f"{names}, {province}"
    return province or t("All provinces")


def scope_text(report: Report, t: Translator) -> str:
    return report.scope_label or describe_scope(report, t)


def period_text(report: Report, t: Translator) -> str:
    return t.fmt.date_range(report.start, report.end)


def service_names(catalog: ServiceCatalog, locale: str) -> dict[str, str]:
    return {service.code: service.label(locale) for service in catalog.services}


def detail_maker(t: Translator, catalog: ServiceCatalog) -> Callable[[VisitRow], list[object]]:
    """VisitRow → the detail columns (DETAIL_HEADERS), values still typed, None for empty.
    Labels are looked up once per outcome and service mask (there are few), not per visit."""
    names = service_names(catalog, t.locale)
    outcomes = {code: t(label) for code, label in OUTCOME_LABELS.items()}
    masks: dict[int, str] = {}

    def services(mask: int) -> str:
        if mask not in masks:
            # "; " because service names contain commas.
            masks[mask] = "; ".join(names[code] for code in catalog.codes_in(mask))
        return masks[mask]

    def cells(row: VisitRow) -> list[object]:
        former = ", ".join(p for p in (row.former_commune, row.former_district) if p) or None
        return [row.visit_date, row.team, commune_name(row.commune_code) or None,
                row.commune_code, row.address, row.people, services(row.services),
                row.other_service, outcomes.get(row.outcome, row.outcome), row.note, former]

    return cells

"""The report in a few lines for a chat or a terminal."""

from __future__ import annotations

from content.i18n import Translator
from content.services import ServiceCatalog
from db.reports import Report
from handlers.exports.labels import period_text, scope_text, service_names

TOP = 3


def summary_text(report: Report, t: Translator, services: ServiceCatalog) -> str:
    """Totals, the top services and communes, and how many teams logged nothing."""
    number = t.fmt.number
    lines = [t("Report: {scope}, {period}", scope=scope_text(report, t),
               period=period_text(report, t))]
    total = report.total
    if total.visits == 0:
        lines.append(t("No visits were logged in this period."))
    else:
        lines.append(t("Visits: {visits} · people guided: {people} · to come back: {follow_ups}",
                       visits=number(total.visits), people=number(total.people),
                       follow_ups=number(total.follow_ups)))
        names = service_names(services, t.locale)
        top_services = sorted((row for row in report.by_service if row.visits),
                              key=lambda row: -row.visits)[:TOP]
        lines.append(t("Top services: {items}", items=", ".join(
            f"{names[row.key]} ({number(row.visits)})" for row in top_services)))
        lines.append(t("Top communes: {items}", items=", ".join(
            f"{row.key or t('place not found')} ({number(row.visits)})"
            for row in report.by_commune[:TOP])))
    if report.by_team:
        lines.append(t("Teams with no visit: {silent} of {teams}",
                       silent=number(len(report.silent_teams)), teams=number(len(report.by_team))))
    return "\n".join(lines)


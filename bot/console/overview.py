"""The console's home page (who you are, what you may see) and the audit log."""

from __future__ import annotations

from aiohttp import web

from bot.console.pages import CONSOLE, SIGNED, T, render, signed_in
from content.i18n import N_
from content.places import admin_units
from db.console import AuditLog
from db.models import Role
from db.reports import commune_name

ROLE_NAMES = {
    Role.CITIZEN: N_("citizen"),
    Role.MEMBER: N_("team member"),
    Role.LEADER: N_("team leader"),
    Role.OFFICER: N_("officer"),
    Role.ADMIN: N_("admin"),
}
ACTIONS = {
    "sign_in": N_("signed in to the console"),
    "sign_out": N_("signed out"),
    "sign_out_everywhere": N_("signed out everywhere"),
    "link_sent": N_("asked for a sign-in link"),
    "role_granted": N_("gave a role"),
    "question_dismissed": N_("set a question aside"),
    "phrasing_added": N_("added a question to an entry"),
    "phrasing_removed": N_("removed a question from an entry"),
    "team_created": N_("created a team"),
    "invite_created": N_("made an invite code"),
    "content_added": N_("added content"),
    "content_edited": N_("changed content"),
    "content_undone": N_("undid a content change"),
    "broadcast_created": N_("sent an announcement"),
    "broadcast_pause": N_("paused an announcement"),
    "broadcast_resume": N_("resumed an announcement"),
    "broadcast_cancel": N_("stopped an announcement"),
    "broadcast_retry": N_("sent an announcement again to its failed deliveries"),
}


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", signed_in(home))
    app.router.add_get("/audit", signed_in(audit))


def _scope(request: web.Request) -> str:
    signed = request[SIGNED]
    assert signed is not None
    t, user = request[T], signed.user
    if signed.role >= Role.ADMIN:
        return t("every province")
    if not user.scope_province:
        return t("no area assigned yet (ask an admin)")
    province = province_name(user.scope_province)
    if user.scope_communes:
        return t("{province}: {communes}", province=province,
                 communes=", ".join(commune_name(code) for code in user.scope_communes))
    return province


def province_name(slug: str | None) -> str:
    """A current province's name ("Đồng Tháp"); the slug as stored if it is not one."""
    province = admin_units().province(slug)
    return province.short if province else (slug or "—")


async def home(request: web.Request) -> web.Response:
    signed = request[SIGNED]
    assert signed is not None
    console = request.app[CONSOLE]
    async with console.sessions() as session:
        sessions = await console.auth(session).open_sessions(signed.user.id)
    t = request[T]
    return render(request, "home.html", role=t(ROLE_NAMES[signed.role]), scope=_scope(request),
                  sessions=sessions)


async def audit(request: web.Request) -> web.Response:
    signed = request[SIGNED]
    assert signed is not None
    console = request.app[CONSOLE]
    async with console.sessions() as session:
        entries = await AuditLog(session, console.clock).visible_to(signed.user, signed.role)
    t = request[T]
    rows = [{"at": entry.at, "actor": f"#{entry.actor_id}" if entry.actor_id else "—",
             "action": t(ACTIONS[entry.action]) if entry.action in ACTIONS else entry.action,
             "province": province_name(entry.province), "target": entry.target or ""}
            for entry in entries]
    return render(request, "audit.html", rows=rows)

"""A broadcast's own page in the console: its live progress (counted from the delivery rows,
polled every 2 s by progress.js while the tab is visible), pause, resume, stop sending (asked
first), its failures as CSV, and sending again to the failed only. Only those who may manage it
(handlers.broadcasts.may_manage) reach any of it; another province's is 403 by URL and form.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web
from markupsafe import Markup

from bot.console.inbox import officers_only
from bot.console.pages import CONSOLE, CONSOLE_PATH, T, render, signed_in, signed_user
from content.i18n import N_, Translator
from content.places import PlaceFinder
from db.broadcasts.audience import Area, Sender
from db.broadcasts.formatting import to_telegram_html
from db.broadcasts.reporting import sent_since
from db.broadcasts.repository import BroadcastRepository
from db.console import AuditLog
from db.models import Broadcast
from handlers.broadcasts import AUDIENCE_CHOICES, STATE_LABELS, area_text, may_manage
from handlers.numbers import read_id
from handlers.reports import new_folder

RATE_WINDOW = dt.timedelta(minutes=1)
ACTIONS = ("pause", "resume", "cancel", "retry")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/broadcasts/{id}", signed_in(officers_only(detail)))
    app.router.add_get("/broadcasts/{id}/progress", signed_in(officers_only(progress)))
    app.router.add_get("/broadcasts/{id}/failures.csv", signed_in(officers_only(failures)))
    app.router.add_post("/broadcasts/{id}/{action}", signed_in(officers_only(act)))


async def _allowed(request: web.Request, session: Any) -> Broadcast:
    """The broadcast of the URL, if this person may manage it (404 / 403 otherwise)."""
    signed = signed_user(request)
    broadcast_id = read_id(request.match_info["id"])
    broadcast = await session.get(Broadcast, broadcast_id) if broadcast_id is not None else None
    if broadcast is None:
        raise web.HTTPNotFound()
    if not may_manage(signed.role, signed.user, broadcast):
        raise web.HTTPForbidden()
    return broadcast


async def _progress(request: web.Request) -> tuple[Broadcast, dict[str, Any]]:
    """The broadcast and its progress as the page shows it (numbers formatted for its
    language): counts from the delivery rows themselves, the last minute's rate, time left."""
    console, t = request.app[CONSOLE], request[T]
    now = console.clock()
    async with console.sessions() as session:
        broadcast = await _allowed(request, session)
        status = await BroadcastRepository(session).status(broadcast.id)
        recent = (await sent_since(session, broadcast.id, now - RATE_WINDOW)
                  if broadcast.state == "sending" else 0)
    assert status is not None
    done = status["sent"] + status["failed"] + status["blocked"]
    cancelled = max(status["total"] - done - status["pending"], 0)
    per_minute = recent * dt.timedelta(minutes=1) / RATE_WINDOW
    number = t.fmt.number
    figures = {
        "state": status["state"], "state_label": t(STATE_LABELS.get(status["state"],
                                                                      status["state"])),
        "sent": number(status["sent"]), "failed": number(status["failed"]),
        "blocked": number(status["blocked"]), "pending": number(status["pending"]),
        "cancelled": number(cancelled), "total": number(status["total"]),
        "percent": number(round(100 * done / status["total"])) if status["total"] else "0",
        "rate": t("{n} a minute", n=number(round(per_minute))) if per_minute else "—",
        "left": (t.fmt.duration(dt.timedelta(minutes=status["pending"] / per_minute))
                 if per_minute and status["pending"] else "—"),
        "failed_count": status["failed"],
        "failures_count": status["failed"] + status["blocked"],
    }
    return broadcast, figures


async def detail(request: web.Request) -> web.Response:
    broadcast, figures = await _progress(request)
    console, t = request.app[CONSOLE], request[T]
    assert console.services is not None
    scheduled = (console.when(request, broadcast.scheduled_at)
                 if broadcast.scheduled_at is not None else None)
    return render(request, "broadcast.html", broadcast=broadcast, figures=figures,
                  formatted=formatted(broadcast.text), scheduled=scheduled,
                  audience=audience_words(t, console.services.places, broadcast.audience or []),
                  live=broadcast.state in ("scheduled", "sending", "paused", "draft"),
                  notice=_done_notice(request),
                  retry_note=t("Sends again to the {n} failed deliveries only; nobody who got it "
                               "or blocked the bot gets it twice.",
                               n=figures["failed"]))


DONE = {"pause": N_("Paused: nothing more goes out until you resume it."),
        "resume": N_("Resumed: it is going out again."),
        "cancel": N_("Stopped: nobody else will get it."),
        "retry": N_("Sending again to the {n} failed deliveries.")}


def _done_notice(request: web.Request) -> str | None:
    """What the action just taken did (the page it redirected to says so once)."""
    done = request.query.get("done", "")
    if done not in DONE:
        return None
    return request[T](DONE[done], n=request[T].fmt.number(read_id(request.query.get("n", "")) or 0))


FAILURE_COLUMNS = (N_("Delivery"), N_("Channel"), N_("Recipient's chat id"), N_("State"),
                   N_("Attempts"), N_("Error from the platform"))
"""The failures CSV's columns, as officers read them (the command line's stay ids)."""
FAILURE_STATES = {"failed": N_("failed"), "blocked": N_("blocked the bot")}


def formatted(text: str) -> Markup:
    """The message with its **bold** and __italic__ as Telegram shows them: escaped text with
    <b> and <i> only (db/broadcasts/formatting.py), so safe in the page."""
    return Markup(to_telegram_html(text))


def audience_words(t: Translator, places: PlaceFinder, filters: list[str]) -> str:
    """The stored filters as an officer would say them: 'Contests · Đồng Tháp'."""
    groups = dict(AUDIENCE_CHOICES)
    words = []
    for value in filters:
        kind, _, rest = value.partition(":")
        if value in groups:
            words.append(t(groups[value]))
        elif kind == "area":
            words.append(area_text(t, places, Sender(Area.parse(rest))))
        elif kind == "province" and (province := places.units.current_province(rest)):
            words.append(province.short)
        else:
            words.append(value)  # typed in chat (team:12, commune:…): as written
    return " · ".join(words) or t(groups["all"])


async def progress(request: web.Request) -> web.Response:
    _, figures = await _progress(request)
    return web.json_response(figures)


async def act(request: web.Request) -> web.StreamResponse:
    action = request.match_info["action"]
    if action not in ACTIONS:
        raise web.HTTPNotFound()
    signed, console = signed_user(request), request.app[CONSOLE]
    now = console.clock()
    confirmed = (await request.post()).get("confirm") == "yes"
    async with console.sessions() as session, session.begin():
        broadcast = await _allowed(request, session)
        repository = BroadcastRepository(session)
        if action == "cancel" and not confirmed:  # one click away from pause: ask first
            status = await repository.status(broadcast.id)
            waiting = request[T].fmt.number(status["pending"] if status else 0)
            return render(request, "broadcast_cancel.html", broadcast=broadcast, waiting=waiting)
        details: dict[str, Any] = {}
        if action == "pause":
            await repository.pause(broadcast.id)
        elif action == "resume":
            await repository.resume(broadcast.id, now)
        elif action == "cancel":
            await repository.cancel(broadcast.id, now)
        else:
            details["retried"] = await repository.retry_failed(broadcast.id, now)
        await AuditLog(session, console.clock).record(
            signed.user, f"broadcast_{action}", province=broadcast.province,
            target=f"#{broadcast.id}", details=details)
    raise web.HTTPSeeOther(f"{CONSOLE_PATH}/broadcasts/{broadcast.id}?done={action}"
                           + (f"&n={details['retried']}" if "retried" in details else ""))


async def failures(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    assert console.services is not None
    path = new_folder(console.services.reports_dir) / "failures.csv"
    async with console.sessions() as session:
        broadcast = await _allowed(request, session)
        t = request[T]
        await BroadcastRepository(session).failures_csv(
            broadcast.id, path, header=[t(label) for label in FAILURE_COLUMNS],
            states={state: t(words) for state, words in FAILURE_STATES.items()})
    name = f"thong-bao-{broadcast.id}-loi.csv"
    return web.FileResponse(path, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                           "Content-Type": "text/csv; charset=utf-8"})

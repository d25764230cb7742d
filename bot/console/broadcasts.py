"""Broadcasts in the console, with the rules of /thongbao: the list of those a person may manage
(handlers.broadcasts.may_manage: their own, their province's, an admin's all), and composing
(text, image, link button, groups, now or at a time) with the reach per channel and a preview
before anything is created. A broadcast's own page is bot/console/broadcast_page.py.

An officer's audience is always cut to their area where it is counted and created (the same
Sender as in chat), and the form's one-time key makes a double click or a resent form create
one broadcast, not two.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.console import broadcast_page
from bot.console.broadcast_page import formatted
from bot.console.inbox import officers_only
from bot.console.pages import CONSOLE, CONSOLE_PATH, T, render, signed_in, signed_user
from content.i18n import N_, Translator
from db.broadcasts.audience import AudienceError, Sender
from db.broadcasts.formatting import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    to_plain,
    utf16_len,
)
from db.broadcasts.outbox import Link
from db.broadcasts.reporting import list_broadcasts
from db.broadcasts.repository import BroadcastRepository
from db.console import AuditLog, Signed
from db.models import Broadcast, Role
from handlers.broadcasts import (
    AUDIENCE_CHOICES,
    CHANNEL_LABELS,
    STATE_LABELS,
    area_text,
    quota_note,
    visible_broadcasts,
)
from handlers.numbers import read_id

log = logging.getLogger(__name__)
PAGE_SIZE = 50
"""The rate shown is of the last minute: what the worker does now, not since the start."""
LONGEST_AHEAD = dt.timedelta(days=366)
URL_START = ("https://", "http://")

TEXT_MISSING = N_("Write the announcement's text.")
TEXT_TOO_LONG = N_("The text has {n} characters; at most {limit} fit every channel. Please "
                   "shorten it.")
IMAGE_BAD = N_("The image must be a link starting with https://.")
CAPTION_TOO_LONG = N_("With an image the text becomes its caption: at most {n} characters. "
                      "Remove the image or shorten the text.")
LINK_BAD = N_("A link button needs a label of at most 40 characters and a link starting with "
              "https://.")
GROUPS_MISSING = N_("Choose at least one group.")
TIME_BAD = N_("Choose the date and time to send it, in the future and within a year (Vietnam "
              "time).")
NOT_CREATED = N_("This announcement could not be created: check its text, links and groups.")
NOBODY = N_("Nobody in this audience can be reached right now, so there is nothing to send. "
            "People are reached once they have started a chat with the bot, agreed to it and "
            "subscribed to a chosen topic, within your area ({area}).")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/broadcasts", signed_in(officers_only(listing)))
    app.router.add_get("/broadcasts/new", signed_in(officers_only(compose)))
    app.router.add_post("/broadcasts/preview", signed_in(officers_only(preview)))
    app.router.add_post("/broadcasts/create", signed_in(officers_only(create)))
    broadcast_page.add_routes(app)


def _sender(signed: Signed) -> Sender:
    return Sender.of(signed.role, signed.user.scope_province, signed.user.scope_communes or ())


# -- the list ----------------------------------------------------------------------------------

async def listing(request: web.Request) -> web.Response:
    signed, console = signed_user(request), request.app[CONSOLE]
    page = max(read_id(request.query.get("page", "1")) or 1, 1)
    async with console.sessions() as session:
        found = await list_broadcasts(session, PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE,
                                      where=visible_broadcasts(signed.role, signed.user))
    t = request[T]
    rows = [{"broadcast": b, "status": s, "state": t(STATE_LABELS.get(s["state"], s["state"])),
             "text": _excerpt(b.text)} for b, s in found[:PAGE_SIZE]]
    return render(request, "broadcasts.html", rows=rows, page=page,
                  more=len(found) > PAGE_SIZE)


def _excerpt(text: str, length: int = 90) -> str:
    plain = " ".join(to_plain(text).split())
    return plain if len(plain) <= length else plain[:length - 1] + "…"


# -- composing ---------------------------------------------------------------------------------

@dataclass
class Draft:
    """What the compose form holds, as typed."""

    text: str = ""
    image: str = ""
    link_label: str = ""
    link_url: str = ""
    groups: tuple[str, ...] = ()
    province: str = ""
    """Admins only: one province, or "" for everywhere."""
    when: str = "now"
    at: str = ""
    """The datetime-local value, Vietnam time: '2026-12-05T08:00'."""
    errors: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, form: Mapping[str, Any], groups: list[str]) -> Draft:
        def text(name: str) -> str:
            return str(form.get(name, "")).strip()
        return cls(text=str(form.get("text", "")).strip(), image=text("image"),
                   link_label=text("link_label"), link_url=text("link_url"),
                   groups=tuple(g for g in groups if g in dict(AUDIENCE_CHOICES)),
                   province=text("province"), when="later" if text("when") == "later" else "now",
                   at=text("at"))

    def filters(self) -> list[str]:
        """The groups as filters ("all" alone means everyone); an admin's province too."""
        chosen = [] if "all" in self.groups else list(self.groups)
        return chosen + ([f"province:{self.province}"] if self.province else [])

    def link(self) -> Link | None:
        return Link(self.link_url, self.link_label) if self.link_url else None


def _check(draft: Draft, t: Translator, now: dt.datetime, tz: dt.tzinfo,
           provinces: Mapping[str, Any]) -> dt.datetime | None:
    """Fill draft.errors with what stops it being sent (the rules of /thongbao); the time it
    is to go out (None: now)."""
    shown = to_plain(draft.text).strip()
    errors = draft.errors
    if not shown:
        errors.append(t(TEXT_MISSING))
    elif len(shown) > TEXT_LIMIT:
        errors.append(t(TEXT_TOO_LONG, n=t.fmt.number(len(shown)),
                        limit=t.fmt.number(TEXT_LIMIT)))
    if draft.image and (not draft.image.startswith(URL_START) or " " in draft.image):
        errors.append(t(IMAGE_BAD))
    elif draft.image and utf16_len(shown) > CAPTION_LIMIT:
        errors.append(t(CAPTION_TOO_LONG, n=t.fmt.number(CAPTION_LIMIT)))
    if (draft.link_url or draft.link_label) and (
            not draft.link_label or len(draft.link_label) > 40
            or not draft.link_url.startswith(URL_START) or " " in draft.link_url):
        errors.append(t(LINK_BAD))
    if not draft.groups:
        errors.append(t(GROUPS_MISSING))
    if draft.province and draft.province not in provinces:
        draft.province = ""
    if draft.when == "now":
        return None
    try:
        at = dt.datetime.fromisoformat(draft.at).replace(tzinfo=tz)
    except ValueError:
        errors.append(t(TIME_BAD))
        return None
    if not now < at <= now + LONGEST_AHEAD:
        errors.append(t(TIME_BAD))
    return at


def _compose_page(request: web.Request, draft: Draft, status: int = 200) -> web.Response:
    signed, console = signed_user(request), request.app[CONSOLE]
    assert console.services is not None
    t = request[T]
    provinces = (console.services.places.units.provinces_in_order()
                 if signed.role >= Role.ADMIN else [])
    now_local = console.clock().astimezone(console.tz)
    return render(request, "broadcast_new.html", status=status, draft=draft,
                  choices=[(value, t(label)) for value, label in AUDIENCE_CHOICES],
                  provinces=provinces, area=area_text(t, console.services.places,
                                                      _sender(signed)),
                  earliest=now_local.strftime("%Y-%m-%dT%H:%M"),
                  text_limit=TEXT_LIMIT)


async def compose(request: web.Request) -> web.Response:
    return _compose_page(request, Draft())


async def _read_draft(request: web.Request) -> tuple[Draft, dt.datetime | None]:
    console = request.app[CONSOLE]
    assert console.services is not None
    form = await request.post()
    draft = Draft.read(form, [str(g) for g in form.getall("groups", [])])
    if signed_user(request).role < Role.ADMIN:
        draft.province = ""  # an officer's area is added where it is counted, not chosen
    at = _check(draft, request[T], console.clock(), console.tz,
                console.services.places.units.provinces)
    return draft, at


async def preview(request: web.Request) -> web.Response:
    """The reach per channel and the message as recipients will see it, before anything is
    created; 'Send' posts the same values with a one-time key."""
    draft, at = await _read_draft(request)
    if draft.errors:
        return _compose_page(request, draft, 400)
    signed, console = signed_user(request), request.app[CONSOLE]
    assert console.services is not None
    services, t = console.services, request[T]
    async with console.sessions() as session:
        repository = BroadcastRepository(session)
        counts = await repository.reach(draft.filters(), console.clock(),
                                        services.broadcast_rules, _sender(signed))
        quota = services.zalo_proactive_quota
        left = (await repository.proactive_left(quota, console.tz, console.clock())
                if quota is not None and counts.get("zalo") else None)
    total = sum(counts.values())
    reach = [(t(CHANNEL_LABELS.get(channel, channel)), n) for channel, n in counts.items() if n]
    return render(request, "broadcast_preview.html", draft=draft, reach=reach, total=total,
                  formatted=formatted(draft.text), key=secrets.token_urlsafe(24),
                  at=t.fmt.date(at.date()) + " " + t.fmt.time(at.timetz()) if at else None,
                  nobody=t(NOBODY, area=area_text(t, services.places, _sender(signed))),
                  quota=quota_note(t, counts["zalo"], left, quota)
                  if quota is not None and left is not None else None)


async def create(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    if form.get("action") == "edit":
        draft, _ = await _read_draft(request)
        draft.errors.clear()
        return _compose_page(request, draft)
    draft, at = await _read_draft(request)
    if draft.errors:
        return _compose_page(request, draft, 400)
    key = str(form.get("key", ""))[:64] or None
    signed, console = signed_user(request), request.app[CONSOLE]
    assert console.services is not None
    if key and (existing := await _by_key(request, key)) is not None:
        raise web.HTTPSeeOther(f"{CONSOLE_PATH}/broadcasts/{existing}")
    try:
        async with console.sessions() as session, session.begin():
            broadcast_id, total = await BroadcastRepository(session).create(
                text=draft.text, image_url=draft.image or None, link=draft.link(),
                filters=draft.filters(), at=at, created_by=signed.user.id,
                rules=console.services.broadcast_rules, now=console.clock(),
                sender=_sender(signed), submit_key=key)
            if total == 0:  # a broadcast to nobody is not created (it would show "done")
                raise _Nobody()
            await AuditLog(session, console.clock).record(
                signed.user, "broadcast_created", province=signed.user.scope_province,
                target=f"#{broadcast_id}", details={"recipients": total,
                                                    "filters": draft.filters()})
    except IntegrityError:  # the same form, sent twice at once: the other one created it
        existing = await _by_key(request, key or "")
        if existing is None:
            raise
        broadcast_id = existing
    except _Nobody:
        t = request[T]
        return _compose_page(request, _with_error(draft, t(
            NOBODY, area=area_text(t, console.services.places, _sender(signed)))), 400)
    except (AudienceError, ValueError) as error:  # what _check did not foresee
        log.warning("console broadcast refused: %s", error)
        return _compose_page(request, _with_error(draft, request[T](NOT_CREATED)), 400)
    raise web.HTTPSeeOther(f"{CONSOLE_PATH}/broadcasts/{broadcast_id}")


class _Nobody(Exception):
    """Nobody can be reached: the transaction that wrote the broadcast is rolled back."""


def _with_error(draft: Draft, message: str) -> Draft:
    draft.errors.append(message)
    return draft


async def _by_key(request: web.Request, key: str) -> int | None:
    console = request.app[CONSOLE]
    async with console.sessions() as session:
        found = await session.execute(select(Broadcast.id).where(Broadcast.submit_key == key))
        return found.scalar_one_or_none()


# -- one broadcast -----------------------------------------------------------------------------

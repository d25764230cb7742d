"""The questions inbox: what citizens asked that the bot refused or answered with low
confidence, grouped (db/question_inbox.py), for officers within their province and admins
anywhere; a group can be dismissed (out of scope, small talk, answered elsewhere).

Questions logged without a province (the person never chose one) belong to no officer's area:
only admins see them, in "every province".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from multidict import MultiDictProxy

from bot.console.pages import (
    CONSOLE,
    CONSOLE_PATH,
    SIGNED,
    Handler,
    T,
    may_change,
    period,
    period_warning,
    render,
    signed_in,
)
from content.i18n import N_
from content.places import admin_units
from db.console import AuditLog, Signed
from db.content_layer import ContentLayer
from db.models import Role
from db.question_inbox import REASONS, Filter, Order, QuestionInbox
from handlers.context import Services

DEFAULT_DAYS = 30
MAX_VARIANTS = 20
"""A group's near variants a form sends with it (set aside or added with it), at most."""
REASON_NAMES = {
    "out_of_scope": N_("not about the campaign"),
    "small_talk": N_("small talk"),
    "answered": N_("answered another way"),
}


def add_routes(app: web.Application) -> None:
    app.router.add_get("/inbox", signed_in(officers_only(inbox)))
    app.router.add_post("/inbox/dismiss", signed_in(officers_only(dismiss)))
    app.router.add_post("/inbox/attach", signed_in(officers_only(attach)))


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    question: str
    """Its first phrasing, to recognise it by."""


def may_edit(services: Services, signed: Signed, faq_id: str) -> bool:
    """An admin any entry; an officer those of their province's packs (a former province's
    pack counts for the province it is part of now), not the national ones."""
    if faq_id not in services.content.faq:
        return False
    return may_change(signed, services.content.faq_pack[faq_id])


def _closest(services: Services, signed: Signed, text: str, province: str | None) -> list[Entry]:
    """The entries that come closest to a question, that this person may add it to."""
    result = services.matcher.match(text, province)
    found = [result.best] if result.best else []
    ids = dict.fromkeys(c.faq_id for c in (*found, *result.alternatives))
    return [Entry(faq_id, services.content.faq[faq_id].questions[0]) for faq_id in ids
            if may_edit(services, signed, faq_id)][:3]


def officers_only(handler: Handler) -> Handler:
    """Officers and admins: the inbox is of a whole area, beyond a leader's team."""
    async def page(request: web.Request) -> web.StreamResponse:
        signed = request[SIGNED]
        if signed is None or signed.role < Role.OFFICER:
            raise web.HTTPForbidden()
        return await handler(request)
    return page


def _province_for(signed: Signed, asked: str | None) -> str | None:
    """The province the page shows: an officer's own whatever was asked; an admin's choice
    (None for every province). 403 for an officer without a province."""
    if signed.role >= Role.ADMIN:
        return asked if asked in admin_units().provinces else None
    if not signed.user.scope_province:
        raise web.HTTPForbidden()
    return signed.user.scope_province


def _form_province(signed: Signed, form: Mapping[str, object]) -> str | None:
    """The province a form acts on: 403 when an officer's form names another one (nothing
    changes), else as _province_for."""
    asked = str(form.get("province", "")) or None
    if signed.role < Role.ADMIN and asked not in (None, signed.user.scope_province):
        raise web.HTTPForbidden()
    return _province_for(signed, asked)


async def inbox(request: web.Request) -> web.Response:
    signed = request[SIGNED]
    assert signed is not None
    console = request.app[CONSOLE]
    t = request[T]
    province = _province_for(signed, request.query.get("province"))
    today = console.clock().astimezone(console.tz).date()
    start, end, problem = period(request, today, DEFAULT_DAYS)
    order: Order = "newest" if request.query.get("order") == "newest" else "most"
    window = Filter(province,
                    dt.datetime.combine(start, dt.time(), console.tz).astimezone(dt.UTC),
                    dt.datetime.combine(end + dt.timedelta(days=1), dt.time(),
                                        console.tz).astimezone(dt.UTC))
    async with console.sessions() as session:
        groups = await QuestionInbox(session, console.clock).groups(window, order)
    services = console.services
    closest = {g.key: _closest(services, signed, g.example, province) for g in groups} \
        if services else {}
    units = admin_units()
    provinces = units.provinces_in_order()
    new_answer = {g.key: CONSOLE_PATH + "/content/faq/new?" + urlencode(
        [("q", text) for text in [g.example, *g.variants][:20]] + [("key", g.key)]
        + ([("province", province)] if province else [])) for g in groups}
    return render(request, "inbox.html", groups=groups, province=province, closest=closest,
                  new_answer=new_answer, max_variants=MAX_VARIANTS,
                  provinces=provinces if signed.role >= Role.ADMIN else [],
                  province_name=units.provinces[province].short if province else None,
                  start=start.isoformat(), end=end.isoformat(), order=order,
                  reasons=[(key, t(REASON_NAMES[key])) for key in REASONS],
                  warning=period_warning(t, problem, DEFAULT_DAYS))


def _as_written(services: Services, key: str, example: str) -> str:
    """The group's question as a citizen wrote it (diacritics, capitals: what the phrasings
    page and exported packs show), when it reads as the key does; else the key itself."""
    example = " ".join(example.split())
    tokens = services.matcher.normalizer.tokens(example) if example else []
    return example if example and " ".join(tokens) == key else key


def _group_texts(form: MultiDictProxy[Any]) -> list[str]:
    """The group's normalised question and its near variants, as the inbox's form sends them."""
    texts = [str(form.get("key", "")).strip(), *(str(v).strip() for v in
                                                  form.getall("variant", []))]
    return [text for text in dict.fromkeys(texts[:MAX_VARIANTS + 1]) if text] if texts[0] else []


async def dismiss(request: web.Request) -> web.StreamResponse:
    signed = request[SIGNED]
    assert signed is not None
    form = await request.post()
    texts, reason = _group_texts(form), str(form.get("reason", ""))
    province = _form_province(signed, form)
    if not texts or reason not in REASONS:
        raise web.HTTPSeeOther(CONSOLE_PATH + "/inbox")
    key = texts[0]
    console = request.app[CONSOLE]
    async with console.sessions() as session, session.begin():
        inbox = QuestionInbox(session, console.clock)
        for text in texts:
            await inbox.dismiss(text, province, reason, signed.user.id)
        await AuditLog(session, console.clock).record(
            signed.user, "question_dismissed", province=province, target=key,
            details={"reason": reason})
    back = CONSOLE_PATH + "/inbox" + (f"?province={province}" if province else "")
    raise web.HTTPSeeOther(back)


async def attach(request: web.Request) -> web.StreamResponse:
    """Add the group's question to an entry as a new phrasing; this worker's matcher takes it
    at once (the others within seconds), the group leaves the inbox, and the page shows how the
    bot answers the question now."""
    signed = request[SIGNED]
    assert signed is not None
    console = request.app[CONSOLE]
    services = console.services
    form = await request.post()
    texts, faq_id = _group_texts(form), str(form.get("faq_id", ""))
    province = _form_province(signed, form)
    if services is None or not may_edit(services, signed, faq_id):
        raise web.HTTPForbidden()  # an entry of another province, or one that does not exist
    if not texts:
        raise web.HTTPSeeOther(CONSOLE_PATH + "/inbox")
    key = texts[0]
    async with console.sessions() as session, session.begin():
        layer, inbox = ContentLayer(session, console.clock), QuestionInbox(session, console.clock)
        written = _as_written(services, key, str(form.get("example", "")))
        for text in texts:  # every question of the group: its near variants too
            added = await layer.add_phrasing(faq_id, written if text == key else text,
                                             province=province, by=signed.user.id)
            await inbox.dismiss(text, province, "answered", signed.user.id)
            await AuditLog(session, console.clock).record(
                signed.user, "phrasing_added", province=province, target=faq_id,
                details={"text": text, "new": added is not None})
    if console.refresher is not None:
        await console.refresher.refresh()
    result = services.matcher.match(key, province)
    answered = result.best.faq_id if result.best else None
    return render(request, "attached.html", question=key, entry=Entry(
        faq_id, services.content.faq[faq_id].questions[0]), answered=answered,
        answered_question=services.content.faq[answered].questions[0] if answered else None,
        province=province)

"""The questions added to entries from the inbox (the content layer's phrasings), newest first,
each with its undo: the matcher of every worker drops it within seconds, as it took it up."""

from __future__ import annotations

from aiohttp import web

from bot.console.inbox import may_edit, officers_only
from bot.console.pages import CONSOLE, CONSOLE_PATH, SIGNED, render, signed_in
from db.console import AuditLog
from db.content_layer import ContentLayer
from db.question_inbox import QuestionInbox
from handlers.numbers import read_id


def add_routes(app: web.Application) -> None:
    app.router.add_get("/phrasings", signed_in(officers_only(listing)))
    app.router.add_post("/phrasings/undo", signed_in(officers_only(undo)))


async def listing(request: web.Request) -> web.Response:
    signed = request[SIGNED]
    console = request.app[CONSOLE]
    assert signed is not None and console.services is not None
    services = console.services
    mine = {faq_id for faq_id in services.content.faq if may_edit(services, signed, faq_id)}
    async with console.sessions() as session:
        added = await ContentLayer(session, console.clock).added(mine)
    rows = [{"id": p.id, "text": p.text, "entry": p.faq_id,
             "question": services.content.faq[p.faq_id].questions[0], "at": p.created_at}
            for p in added if p.faq_id in services.content.faq]
    return render(request, "phrasings.html", rows=rows)


async def undo(request: web.Request) -> web.StreamResponse:
    signed = request[SIGNED]
    console = request.app[CONSOLE]
    assert signed is not None and console.services is not None
    form = await request.post()
    phrasing_id = read_id(str(form.get("id", "")))
    if phrasing_id is None:
        raise web.HTTPSeeOther(CONSOLE_PATH + "/phrasings")
    async with console.sessions() as session, session.begin():
        layer = ContentLayer(session, console.clock)
        found = await session.get(layer.model, phrasing_id)
        if found is None or not may_edit(console.services, signed, found.faq_id):
            raise web.HTTPForbidden()  # another province's entry: refused, nothing changes
        removed = await layer.remove(phrasing_id)
        if removed is not None:  # the question is waiting again, unless set aside otherwise
            inbox = QuestionInbox(session, console.clock)
            normalized = " ".join(console.services.matcher.normalizer.tokens(removed.text))
            for key in {removed.text, normalized}:  # stored as written, or as the inbox's key
                await inbox.restore(key, removed.province, "answered")
            await AuditLog(session, console.clock).record(
                signed.user, "phrasing_removed", province=removed.province,
                target=removed.faq_id, details={"text": removed.text})
    if console.refresher is not None:
        await console.refresher.refresh()
    raise web.HTTPSeeOther(CONSOLE_PATH + "/phrasings")

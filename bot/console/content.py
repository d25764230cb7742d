"""Content in the console: browse the answers, contests, events, promotions, campaigns and
reporting deadlines by province, topic and phase (upcoming, running, over); add and edit them
in forms, checked by the rules of `cdsbot content check`; every change kept with who, when and
what before, the latest undoable; warnings for what needs doing (nothing for this year, items
ending this week, sources without a reference).

Changes live in the database as a layer over the packs (db/content_layer.py, content/layer.py)
and reach every worker within seconds; `cdsbot content export` writes them back as pack YAML.
Officers change their province's packs (a former province's pack counts for the one it is part
of now) and add to them; admins any pack, the national one too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from bot.console.content_forms import (
    FIELDS,
    ID_TAKEN,
    KIND_NAMES,
    NEW_SOURCE,
    ROWS,
    TOPIC_NAMES,
    Posted,
    check_messages,
    form_values,
    model_errors,
    read_form,
    readable,
)
from bot.console.inbox import officers_only
from bot.console.pages import (
    CONSOLE,
    CONSOLE_PATH,
    T,
    may_change,
    render,
    signed_in,
    signed_user,
)
from content.collation import vietnamese_order
from content.i18n import N_, Translator
from content.layer import KIND_MODELS, KINDS, LayerItem, as_data, overlay, problems_of
from content.loader import ContentStore, ScheduleItem
from content.models import Identified, Pack
from content.places import admin_units
from content.places.units import slug_of
from content.schedule import Phase, span_of, standing
from db.console import AuditLog, Signed
from db.content_layer import ContentLayer
from db.models import Role
from db.question_inbox import QuestionInbox
from handlers.numbers import read_id

PHASE_NAMES = {Phase.UPCOMING: N_("upcoming"), Phase.RUNNING: N_("running"),
               Phase.OVER: N_("over"), "expired": N_("past its last day"), "": "—"}
SOON = dt.timedelta(days=7)
NATIONAL = "national"


def add_routes(app: web.Application) -> None:
    app.router.add_get("/content", signed_in(officers_only(overview)))
    app.router.add_post("/content/undo", signed_in(officers_only(undo)))
    app.router.add_get("/content/{kind}/new", signed_in(officers_only(new_item)))
    app.router.add_post("/content/{kind}/new", signed_in(officers_only(save)))
    app.router.add_get("/content/{kind}/{item}", signed_in(officers_only(item_page)))
    app.router.add_post("/content/{kind}/{item}", signed_in(officers_only(save)))


@dataclass(frozen=True)
class Row:
    kind: str
    pack: Pack
    item: Any
    title: str
    phase: str
    end: dt.date | None
    changed: bool
    editable: bool


def _kind(request: web.Request) -> str:
    kind = request.match_info["kind"]
    if kind not in KINDS:
        raise web.HTTPNotFound()
    return kind


def _today(request: web.Request) -> dt.date:
    console = request.app[CONSOLE]
    return console.clock().astimezone(console.tz).date()


async def _everything(request: web.Request) -> tuple[ContentStore, set[tuple[str, str]]]:
    """The packs with the layer in them, answers past their last day too (officers renew
    them), and which items the console changed."""
    console = request.app[CONSOLE]
    assert console.services is not None
    base = console.refresher.base if console.refresher else console.services.content
    async with console.sessions() as session:
        items = await ContentLayer(session).items()
    return overlay(base, items), {(i.kind, i.item_id) for i in items}


def _items(content: ContentStore, kind: str) -> list[tuple[Pack, Any]]:
    return [(pack, item) for pack in content.packs for item in getattr(pack, kind)]


def _title(kind: str, item: Any) -> str:
    if kind == "faq":
        return str(item.questions[0])
    return str(getattr(item, "name", None) or getattr(item, "title", None)
               or getattr(item, "platform", ""))


def _phase(content: ContentStore, kind: str, item: Any,
           today: dt.date) -> tuple[str, dt.date | None]:
    """The item's phase and its last day, if it has dates."""
    year = None
    if kind == "faq":
        if item.expires is not None and item.expires < today:
            return "expired", item.expires
        dated: ScheduleItem | None = content.schedule.get(item.schedule or "")
        if dated is None:
            return "", item.expires
        item, year = dated, item.year
    start, end = span_of(item, today, year)
    return standing(start, end, today).phase, end


def _rows(request: web.Request, content: ContentStore, changed: set[tuple[str, str]],
          kind: str) -> list[Row]:
    signed, today = signed_user(request), _today(request)
    rows = []
    for pack, item in _items(content, kind):
        if not _visible(signed, pack):
            continue
        phase, end = _phase(content, kind, item, today)
        rows.append(Row(kind, pack, item, _title(kind, item), phase, end,
                        (kind, item.id) in changed, may_change(signed, pack)))
    return rows


def _visible(signed: Signed, pack: Pack) -> bool:
    """Officers see their province's packs and the national one; admins all."""
    return pack.province is None or may_change(signed, pack)


# -- the overview ------------------------------------------------------------------------------

async def overview(request: web.Request) -> web.Response:
    t, signed = request[T], signed_user(request)
    content, changed = await _everything(request)
    kind = request.query.get("kind", "faq")
    kind = kind if kind in KINDS else "faq"
    province = request.query.get("province", "")
    topic = request.query.get("topic", "")
    phase = request.query.get("phase", "")
    rows = _rows(request, content, changed, kind)
    shown = [r for r in rows
             if (not province or (r.pack.province and r.pack.province.current == province)
                 or (province == NATIONAL and r.pack.province is None))
             and (not topic or kind != "faq" or r.item.topic == topic)
             and (not phase or r.phase == phase)]
    units = admin_units()
    return render(request, "content.html", rows=shown, kind=kind, kinds=[
        (k, t(KIND_NAMES[k])) for k in KINDS], topics=[(k, t(v)) for k, v in TOPIC_NAMES.items()],
        phases=[(str(k), t(v)) for k, v in PHASE_NAMES.items() if k],
        phase_names={str(k): t(v) for k, v in PHASE_NAMES.items()},
        topic=topic, phase=phase, province=province,
        provinces=sorted({(p.province.current, units.provinces[p.province.current].short)
                          for p in content.packs if p.province
                          and p.province.current in units.provinces and _visible(signed, p)},
                         key=lambda pair: vietnamese_order(pair[1])),
        warnings=_warnings(request, content), province_of=lambda pack: _province_label(pack, request[T]))


def _province_label(pack: Pack, t: Translator) -> str:
    if pack.province is None:
        return t("National")
    current = admin_units().provinces.get(pack.province.current)
    return current.short if current else pack.province.name


def _warnings(request: web.Request, content: ContentStore) -> list[str]:
    """What an officer should see to first: nothing for this year, what ends within a week,
    sources without a reference to find them by."""
    t, signed, today = request[T], signed_user(request), _today(request)
    mine = [p for p in content.packs if p.province is not None and may_change(signed, p)]
    if not mine:
        return []
    warnings = []
    dated = [(pack, kind, item) for pack in mine for kind in KINDS[1:]
             for item in getattr(pack, kind)]
    this_year = [item for _, _, item in dated if today.year in _years(item, today)]
    if not this_year and not any(e.year == today.year for p in mine for e in p.faq):
        warnings.append(t("There is no content for {year} yet: add this year's contests, "
                          "events and answers.", year=today.year))
    for _, kind, item in dated:
        end = span_of(item, today)[1]
        if today <= end < today + SOON:
            warnings.append(t("“{name}” ends on {date}.", name=_title(kind, item),
                              date=t.fmt.date(end)))
    unsourced = [_title(kind, item) for pack in mine for kind in KINDS
                 for item in getattr(pack, kind)
                 if not content.source_of(pack, item.source.doc).file]
    if unsourced:
        warnings.append(t("{n} items cite a document without a link or number to find it by, "
                          "for example “{name}”.", n=len(unsourced), name=unsourced[0]))
    return warnings


def _years(item: Any, today: dt.date) -> range:
    start, end = span_of(item, today)
    return range(start.year, end.year + 1)


# -- one item ----------------------------------------------------------------------------------

def _found(content: ContentStore, kind: str, item_id: str) -> tuple[Pack, Identified]:
    for pack, item in _items(content, kind):
        if item.id == item_id:
            return pack, item
    raise web.HTTPNotFound()


async def item_page(request: web.Request) -> web.Response:
    kind, item_id = _kind(request), request.match_info["item"]
    content, _ = await _everything(request)
    pack, item = _found(content, kind, item_id)
    signed = signed_user(request)
    if not _visible(signed, pack):
        raise web.HTTPForbidden()
    values, rows = form_values(kind, as_data(item))
    return await _page(request, kind, pack, content, values, rows, item_id=item_id,
                       saved=request.query.get("saved") == "1")


async def new_item(request: web.Request) -> web.Response:
    kind = _kind(request)
    content, _ = await _everything(request)
    _, pack, province = _new_pack_of(request, content, request.query.get("province"))
    questions = [q for q in request.query.getall("q", []) if q.strip()][:20]
    values, rows = form_values(kind, {"questions": questions} if kind == "faq" else {})
    values["inbox_key"] = request.query.get("key", "")[:1000]
    return await _page(request, kind, pack, content, values, rows, province=province)


def _new_pack_of(request: web.Request, content: ContentStore,
                 asked: str | None) -> tuple[str, Pack | None, str | None]:
    """Where a new item goes: (pack name, the pack if it exists, its current province). An
    officer's province's pack (a pack of its own when the packs have none); an admin's chosen
    province's, or the national pack."""
    signed = signed_user(request)
    if signed.role >= Role.ADMIN:
        province = admin_units().current_province(asked)
        slug = province.slug if province else None
    else:
        slug = signed.user.scope_province
        if not slug:
            raise web.HTTPForbidden()
    name = (content.pack_province(slug) or slug) if slug else NATIONAL
    pack = next((p for p in content.packs if p.pack == name), None)
    return name, pack, slug


async def _page(request: web.Request, kind: str, pack: Pack | None, content: ContentStore,
                values: dict[str, str], rows: list[dict[str, str]], *, item_id: str | None = None,
                errors: list[str] | tuple[str, ...] = (), saved: bool = False, status: int = 200, province: str | None = None
                ) -> web.Response:
    console, t, signed = request.app[CONSOLE], request[T], signed_user(request)
    history: list[Any] = []
    if item_id is not None:
        async with console.sessions() as session:
            history = await ContentLayer(session).history(kind, item_id)
    schedule = [(item.id, _title(k, item)) for k in KINDS[1:] for item in
                (getattr(pack, k) if pack else [])]
    return render(
        request, "content_item.html", status=status, kind=kind,
        kind_name=t(KIND_NAMES[kind]), item_id=item_id, pack=pack,
        province_name=_province_label(pack, t) if pack else _short(province),
        item_title=_item_title(kind, pack, item_id),
        fields=FIELDS[kind], values=values, rows=rows,
        row_spec=ROWS.get(kind), sources=pack.sources if pack else [], new_source=NEW_SOURCE,
        topics=[(k, t(v)) for k, v in TOPIC_NAMES.items()], schedule=schedule,
        editable=may_change(signed, pack, province),
        errors=errors, saved=saved,
        history=[{"revision": r, "lines": readable(kind, r.data, t), "latest": i == 0}
                 for i, r in enumerate(history)],
        actions={"added": t("added"), "edited": t("edited"), "undone": t("undone")},
        answers=_answers_now(request, kind, values, pack) if item_id else [],
        provinces=admin_units().provinces_in_order()
        if signed.role >= Role.ADMIN and item_id is None else [])


def _item_title(kind: str, pack: Pack | None, item_id: str | None) -> str | None:
    """How people know the item (its name, or an answer's first question), for the heading."""
    item = next((i for i in getattr(pack, kind, []) if i.id == item_id), None) if pack else None
    return _title(kind, item) if item is not None else None


def _short(province: str | None) -> str:
    found = admin_units().provinces.get(province or "")
    return found.short if found else "—"


def _answers_now(request: web.Request, kind: str, values: dict[str, str],
                 pack: Pack | None) -> list[dict[str, Any]]:
    """How the bot answers the entry's questions now (this worker's matcher)."""
    services = request.app[CONSOLE].services
    if kind != "faq" or services is None:
        return []
    province = pack.province.slug if pack and pack.province else None
    found = []
    for question in values.get("questions", "").splitlines()[:20]:
        result = services.matcher.match(question, province)
        answered = result.best.faq_id if result.best else None
        found.append({"question": question, "faq_id": answered})
    return found


# -- saving ------------------------------------------------------------------------------------

async def save(request: web.Request) -> web.StreamResponse:
    kind, signed, t = _kind(request), signed_user(request), request[T]
    console = request.app[CONSOLE]
    content, _ = await _everything(request)
    form = await request.post()
    editing = request.match_info.get("item")
    if editing is not None:
        pack, _ = _found(content, kind, editing)
        pack_name, province = pack.pack, pack.province.current if pack.province else None
        if not may_change(signed, pack):
            raise web.HTTPForbidden()  # another province's item: nothing changes
        target: Pack | None = pack
    else:
        pack_name, target, province = _new_pack_of(request, content, str(form.get("province", "")))
        if not may_change(signed, target, province):
            raise web.HTTPForbidden()
    posted = read_form(kind, form, target, t)
    item_id = editing or _new_id(content, kind, posted, pack_name)
    posted.data["id"] = item_id
    posted.values["inbox_key"] = str(form.get("inbox_key", ""))
    errors = list(posted.errors)
    if editing is None and (item_id in content.faq or item_id in content.schedule):
        errors.append(t(ID_TAKEN, id=item_id))
    item: LayerItem | None = None
    if not errors:
        try:
            model = KIND_MODELS[kind].model_validate(posted.data)
            item = LayerItem(kind, item_id, pack_name, as_data(model), posted.source_doc)
            errors = check_messages(problems_of(overlay(content, [item]), item_id), t)
        except ValidationError as error:
            errors = model_errors(error, kind, t)
    if errors or item is None:
        return await _page(request, kind, target, content, posted.values, posted.rows,
                           item_id=editing, errors=errors, status=400, province=province)
    async with console.sessions() as session, session.begin():
        await ContentLayer(session, console.clock).revise(
            kind, item_id, pack=pack_name, province=province, data=item.data,
            source_doc=item.source_doc, action="edited" if editing else "added",
            by=signed.user.id)
        await AuditLog(session, console.clock).record(
            signed.user, "content_edited" if editing else "content_added", province=province,
            target=f"{kind}/{item_id}")
        if key := posted.values["inbox_key"]:  # written from an inbox group: it is answered
            await QuestionInbox(session, console.clock).dismiss(key, province, "answered",
                                                                signed.user.id)
    if console.refresher is not None:
        await console.refresher.refresh()
    raise web.HTTPSeeOther(f"{CONSOLE_PATH}/content/{kind}/{item_id}?saved=1")


def _new_id(content: ContentStore, kind: str, posted: Posted, pack: str) -> str:
    """The id typed, or one made from the pack and the item's name, unused so far."""
    typed = str(posted.data.get("id") or "").strip().lower()
    if typed:
        return typed
    words = slug_of(_posted_title(kind, posted.data))[:40].strip("-") or kind
    base = f"{pack}-{words}"
    taken = set(content.faq) | set(content.schedule)
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def _posted_title(kind: str, data: dict[str, Any]) -> str:
    """_title of an item not made yet (the posted form's data)."""
    if kind == "faq":
        return str((data.get("questions") or [""])[0])
    return str(data.get("name") or data.get("title") or data.get("platform", ""))


async def undo(request: web.Request) -> web.StreamResponse:
    signed, console = signed_user(request), request.app[CONSOLE]
    form = await request.post()
    revision_id = read_id(str(form.get("revision", "")))
    if revision_id is None:
        raise web.HTTPSeeOther(CONSOLE_PATH + "/content")
    async with console.sessions() as session, session.begin():
        layer = ContentLayer(session, console.clock)
        revision = await session.get(layer.revision_model, revision_id)
        if revision is None:
            raise web.HTTPNotFound()
        if not may_change(signed, None, revision.province):
            raise web.HTTPForbidden()  # another province's item: nothing changes
        undone = await layer.undo(revision, signed.user.id)
        if undone is not None:
            await AuditLog(session, console.clock).record(
                signed.user, "content_undone", province=revision.province,
                target=f"{revision.kind}/{revision.item_id}")
    if console.refresher is not None:
        await console.refresher.refresh()
    kind, item_id = revision.kind, revision.item_id
    content, _ = await _everything(request)
    exists = any(item.id == item_id for _, item in _items(content, kind))
    raise web.HTTPSeeOther(f"{CONSOLE_PATH}/content/{kind}/{item_id}" if exists
                           else f"{CONSOLE_PATH}/content?kind={kind}")

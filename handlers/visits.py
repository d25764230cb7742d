"""Logging a house visit: the guided form (/ghinhan), the one-line quick form (/gn …), the summary
to confirm, editing the last record (/sua) and undo.

The form's answers live in the conversation state (the database), so a half-filled form survives
a restart or a move to another worker. Every answer is read by handlers.visit_fields, the same
readers for both forms; a wrong answer gets a precise correction and the form stays where it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from content.i18n import N_
from db.models import Team, TeamMember, Visit, as_utc
from db.teams import TeamRepository, VisitRepository
from handlers.context import Context
from handlers.messages import Button, IncomingMessage, Reply
from handlers.numbers import read_id
from handlers.visit_fields import (
    MAX_OTHER_CHARS,
    FieldError,
    error_text,
    read_address,
    read_commune,
    read_date,
    read_note,
    read_outcome,
    read_people,
    read_services,
)

Data = dict[str, Any]
FIELDS = ("date", "commune", "address", "people", "services", "outcome", "note", "photo")
OUTCOME_LABELS = {"done": N_("Done"), "follow_up": N_("Needs a follow-up")}
FIELD_LABELS = {"date": N_("Date"), "commune": N_("Commune"), "address": N_("Hamlet / address"),
                "people": N_("People guided"), "services": N_("Services"),
                "outcome": N_("Outcome"), "note": N_("Note"), "photo": N_("Photo")}
QUICK_USAGE = N_("Quick form: /gn date; commune[, hamlet]; people; services; outcome[; note]\n"
                 "For example: /gn hôm nay; Mỹ Phong, ấp 3; 3; dvc, vneid, tmdt; xong")


# -- helpers -------------------------------------------------------------------------------------

async def _team_of(ctx: Context) -> tuple[TeamMember, Team] | None:
    return await TeamRepository(ctx.session).membership(ctx.user.id)


def _not_in_team(ctx: Context) -> list[Reply]:
    return [Reply(ctx.t("You are not in a community tech team yet. Ask your team leader for an "
                        "invite code, then send /thamgia CODE."))]


def _data(ctx: Context) -> Data:
    return dict(ctx.step.data) if ctx.step else {}


def _skip_button(ctx: Context) -> Button:
    return Button(ctx.t("Skip"), "visit:skip")


# -- asking each field ---------------------------------------------------------------------------

def _ask(ctx: Context, data: Data, field: str, prefix: str = "") -> Reply:
    """Ask for `field`; the next message is read by that field's step."""
    ctx.goto(f"visit.{field}", **data)
    t = ctx.t
    head = f"{prefix}\n" if prefix else ""
    if field == "date":
        return Reply.with_buttons(head + t("Which day was the visit? (for example 3/10)"),
                                  [Button(t("Today"), "visit:date:today"),
                                   Button(t("Yesterday"), "visit:date:yesterday")])
    if field == "commune":
        named = commune_names(ctx, data["communes"])
        return Reply.with_buttons(head + t("Which commune?"),
                                  [Button(name, f"visit:commune:{i}")
                                   for i, (_, name) in enumerate(named)])
    if field == "address":
        return Reply.with_buttons(head + t("Hamlet or address (optional):"), [_skip_button(ctx)])
    if field == "people":
        return Reply(head + t("How many people did you guide?"), expects_text=True)
    if field == "services":
        return _services_question(ctx, data, head)
    if field == "other":
        return Reply(head + t("Which other service? Describe it in a few words."),
                     expects_text=True)
    if field == "outcome":
        return Reply.with_buttons(head + t("How did it end?"),
                                  [Button(t(OUTCOME_LABELS[o]), f"visit:outcome:{o}")
                                   for o in OUTCOME_LABELS])
    if field == "note":
        return Reply.with_buttons(head + t("A note (optional):"), [_skip_button(ctx)])
    if field == "photo":
        return Reply.with_buttons(head + t("Send a photo of the session (optional):"),
                                  [_skip_button(ctx)])
    raise ValueError(field)


def _services_question(ctx: Context, data: Data, head: str) -> Reply:
    chosen = set(data.get("services") or [])
    catalog = ctx.content.services
    buttons = [Button(("✅ " if s.code in chosen else "") + s.label(ctx.t.locale), f"visit:svc:{s.code}")
               for s in catalog.services]
    buttons.append(Button(ctx.t("Next"), "visit:svc:next"))
    return Reply.with_buttons(head + ctx.t("Which services did you help with? Press each one, "
                                           "then “Next” (or type their codes: {codes}).",
                                           codes=", ".join(catalog.codes)), buttons)


def _after(ctx: Context, data: Data, field: str) -> Reply:
    """Where the form goes once `field` is answered: the next field, or back to the summary
    when the member was correcting one answer."""
    if data.get("editing"):
        return summary(ctx, data)
    position = FIELDS.index(field)
    return _ask(ctx, data, FIELDS[position + 1]) if position + 1 < len(FIELDS) else summary(ctx, data)


# -- starting ------------------------------------------------------------------------------------

async def start_form(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """/ghinhan: the guided form; with text after it, the quick form."""
    command = msg.command
    if command and command[1]:
        return await quick_form(msg, ctx)
    found = await _team_of(ctx)
    if found is None:
        return _not_in_team(ctx)
    _, team = found
    data: Data = {"team_id": team.id, "communes": list(team.communes)}
    return [_ask(ctx, data, "date", ctx.t("Logging a guidance visit for {team}. Send /huy at any "
                                          "time to stop.", team=team.name))]


async def quick_form(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """/gn date; commune[, hamlet]; people; services; outcome[; note] → the same summary."""
    command = msg.command
    text = command[1] if command else msg.text
    if not text:
        return [Reply(ctx.t(QUICK_USAGE))]
    found = await _team_of(ctx)
    if found is None:
        return _not_in_team(ctx)
    _, team = found
    parts = [part.strip() for part in text.split(";")]
    if len(parts) < 5 or len(parts) > 6:
        return [Reply(ctx.t("The quick form has 5 parts separated by “;” (a 6th for a note); "
                            "I found {n}.", n=len(parts)) + "\n" + ctx.t(QUICK_USAGE))]
    rules = ctx.services.rules
    data: Data = {"team_id": team.id, "communes": list(team.communes)}
    errors: list[str] = []
    day, error = read_date(parts[0], ctx.today, rules.visit_max_age_days)
    _collect(ctx, errors, FIELD_LABELS["date"], error, data, "date", day.isoformat() if day else None)
    place, error = read_commune(parts[1], commune_names(ctx, team.communes),
                                _resolver(ctx, team.province))
    _collect(ctx, errors, FIELD_LABELS["commune"], error, data, "commune", place[0] if place else None)
    data["address"] = place[1] if place else None
    people, error = read_people(parts[2], rules.visit_max_people)
    _collect(ctx, errors, FIELD_LABELS["people"], error, data, "people", people)
    services, error = read_services(parts[3], ctx.content.services)
    _collect(ctx, errors, FIELD_LABELS["services"], error, data, "services", services)
    outcome, error = read_outcome(parts[4])
    _collect(ctx, errors, FIELD_LABELS["outcome"], error, data, "outcome", outcome)
    note, error = read_note(parts[5]) if len(parts) == 6 else (None, None)
    _collect(ctx, errors, FIELD_LABELS["note"], error, data, "note", note)
    if errors:
        ctx.finish()
        return [Reply(ctx.t("Please correct:") + "\n" + "\n".join(errors) + "\n\n" + ctx.t(QUICK_USAGE))]
    data["photo"] = None
    if "other" in data["services"]:
        data["other"] = None  # asked before the summary, as in the guided form
        data["editing"] = True
        return [_ask(ctx, data, "other")]
    return [summary(ctx, data)]


def _collect(ctx: Context, errors: list[str], label: str, error: FieldError | None, data: Data,
             key: str, value: object) -> None:
    if error is not None:
        errors.append(f"• {ctx.t(label)}: {error_text(ctx.t, error)}")
    else:
        data[key] = value


# -- the steps (typed text or buttons) -----------------------------------------------------------

Step = Callable[[IncomingMessage, Context, Data], Awaitable[list[Reply]]]


async def take_date(msg: IncomingMessage, ctx: Context, data: Data) -> list[Reply]:
    choice = _choice(msg)
    if choice in ("today", "yesterday"):
        day: dt.date | None = ctx.today - dt.timedelta(days=0 if choice == "today" else 1)
    else:
        day, error = read_date(msg.text, ctx.today, ctx.services.rules.visit_max_age_days)
        if error:
            return [_ask(ctx, data, "date", error_text(ctx.t, error))]
    assert day is not None
    data["date"] = day.isoformat()
    return [_after(ctx, data, "date")]


def _resolver(ctx: Context, province: str) -> Callable[[str], list[str]]:
    """Typed names (also former communes and wards) → the current communes of the province."""
    return lambda name: [c.commune.code for c in ctx.services.places.communes(name, province)]


def commune_names(ctx: Context, codes: list[str]) -> list[tuple[str, str]]:
    """(code, name) of a team's communes, as they are called today."""
    communes = ctx.services.places.units.communes
    return [(code, communes[code].name if code in communes else code) for code in codes]


async def take_commune(msg: IncomingMessage, ctx: Context, data: Data) -> list[Reply]:
    choice = _choice(msg)
    communes: list[str] = data["communes"]
    index = read_id(choice) if choice is not None else None
    if index is not None and index < len(communes):
        data["commune"] = communes[index]
        return [_after(ctx, data, "commune")]
    team = await TeamRepository(ctx.session).get(int(data["team_id"]))
    place, error = read_commune(msg.text, commune_names(ctx, communes),
                                _resolver(ctx, team.province if team else ""))
    if error:
        return [_ask(ctx, data, "commune", error_text(ctx.t, error))]
    assert place is not None
    data["commune"] = place[0]
    if place[1]:  # "Mỹ Phong, ấp 3" answers the address too
        data["address"] = place[1]
        return [_after(ctx, data, "address")]
    return [_after(ctx, data, "commune")]


async def _take_optional(msg: IncomingMessage, ctx: Context, data: Data, field: str,
                         read: Callable[[str], tuple[str | None, FieldError | None]]) -> list[Reply]:
    """A free-text answer that may be skipped (address, note)."""
    if _choice(msg) == "skip":
        data[field] = None
    else:
        value, error = read(msg.text)
        if error:
            return [_ask(ctx, data, field, error_text(ctx.t, error))]
        data[field] = value
    return [_after(ctx, data, field)]


async def take_address(msg: IncomingMessage, ctx: Context, data: Data) -> list[Reply]:
    return await _take_optional(msg, ctx, data, "address", read_address)


async def take_people(msg: IncomingMessage, ctx: Context, data: Data) -> list[Reply]:
    people, error = read_people(msg.text, ctx.services.rules.visit_max_people)
    if error:
        return [_ask(ctx, data, "people", error_text(ctx.t, error))]
    data["people"] = people
    return [_after(ctx, data, "people")]


async def take_services(msg: IncomingMessage, ctx: Context, data: Data) -> list[Reply]:
    choice = _choice(msg)
    chosen: list[str] = list(data.get("services") or [])
    if choice is None:  # typed codes replace the selection
        codes, error = read_services(msg.text, ctx.content.services)
        if error:
            return [_ask(ctx, data, "services", error_text(ctx.t, error))]
        assert codes is not None
        data["services"] = codes
        return [_services_done(ctx, data)]
    if choice == "next":
        if not chosen:
            return [_ask(ctx, data, "services", ctx.t("Choose at least one service."))]
        return [_services_done(ctx, data)]
    if choice in ctx.content.services.codes:
        chosen = [c for c in chosen if c != choice] if choice in chosen else [*chosen, choice]
        data["services"] = [c for c in ctx.content.services.codes if c in chosen]
    return [_ask(ctx, data, "services")]


def _services_done(ctx: Context, data: Data) -> Reply:
    if "other" in data["services"] and not data.get("other"):
        return _ask(ctx, data, "other")
    if "other" not in data["services"]:
        data["other"] = None
    return _after(ctx, data, "services")


async def take_other(msg: IncomingMessage, ctx: Context, data: Data) -> list[Reply]:
    other = " ".join(msg.text.split())
    if not other or len(other) > MAX_OTHER_CHARS:
        return [_ask(ctx, data, "other", ctx.t("Describe the other service in at most {n} "
                                               "characters.", n=MAX_OTHER_CHARS))]
    data["other"] = other
    return [_after(ctx, data, "services")]


async def take_outcome(msg: IncomingMessage, ctx: Context, data: Data) -> list[Reply]:
    choice = _choice(msg)
    outcome, error = (choice, None) if choice in OUTCOME_LABELS else read_outcome(msg.text)
    if error:
        return [_ask(ctx, data, "outcome", error_text(ctx.t, error))]
    data["outcome"] = outcome
    return [_after(ctx, data, "outcome")]


async def take_note(msg: IncomingMessage, ctx: Context, data: Data) -> list[Reply]:
    return await _take_optional(msg, ctx, data, "note", read_note)


async def take_photo(msg: IncomingMessage, ctx: Context, data: Data) -> list[Reply]:
    if _choice(msg) == "skip":
        data["photo"] = None
    elif msg.photo:
        data["photo"] = msg.photo
    else:
        return [_ask(ctx, data, "photo", ctx.t("Send the photo as an image, or press “Skip”."))]
    return [_after(ctx, data, "photo")]


STEPS: dict[str, Step] = {
    "date": take_date, "commune": take_commune, "address": take_address, "people": take_people,
    "services": take_services, "other": take_other, "outcome": take_outcome, "note": take_note,
    "photo": take_photo,
}


def _choice(msg: IncomingMessage) -> str | None:
    """The value of a 'visit:<field>:<value>' button, or 'skip'; None for typed text."""
    if not msg.payload:
        return None
    parts = msg.payload.split(":")
    return parts[-1] if len(parts) >= 2 else None


async def continue_form(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """The conversation step 'visit.<field>': read the answer for that field."""
    assert ctx.step is not None
    field = ctx.step.name.removeprefix("visit.")
    data = _data(ctx)
    if field == "confirm":
        return await confirm(msg, ctx, data)
    if field == "edit":
        return await choose_field(msg, ctx, data)
    return await STEPS[field](msg, ctx, data)


# -- summary, saving, editing, undo --------------------------------------------------------------

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


def summary(ctx: Context, data: Data) -> Reply:
    data["editing"] = False
    ctx.goto("visit.confirm", **data)
    t = ctx.t
    head = t("Please check the visit before saving:") if not data.get("visit_id") else \
        t("Please check the corrected visit before saving:")
    return Reply.with_buttons("\n".join([head, *summary_lines(ctx, data)]),
                              [Button(t("Save"), "visit:save"), Button(t("Edit"), "visit:edit"),
                               Button(t("Cancel"), "visit:cancel")])


async def confirm(msg: IncomingMessage, ctx: Context, data: Data) -> list[Reply]:
    choice = _choice(msg)
    if choice == "save":
        return await _save(ctx, data)
    if choice == "edit":
        return [_field_menu(ctx, data)]
    if choice == "cancel":
        ctx.finish()
        return [Reply(ctx.t("Cancelled: nothing was saved."))]
    return [summary(ctx, data)]  # typed text at the summary: show it again with its buttons


def _field_menu(ctx: Context, data: Data) -> Reply:
    ctx.goto("visit.edit", **data)
    return Reply.with_buttons(ctx.t("Which part do you want to change?"),
                              [Button(ctx.t(FIELD_LABELS[f]), f"visit:field:{f}") for f in FIELDS])


async def choose_field(msg: IncomingMessage, ctx: Context, data: Data) -> list[Reply]:
    choice = _choice(msg)
    if choice not in FIELDS:
        return [_field_menu(ctx, data)]
    data["editing"] = True
    return [_ask(ctx, data, choice)]


async def _save(ctx: Context, data: Data) -> list[Reply]:
    ctx.finish()
    found = await _team_of(ctx)
    if found is None or found[1].id != data["team_id"]:
        return [Reply(ctx.t("You are no longer in this team, so the visit was not saved."))]
    team = found[1]
    visits = VisitRepository(ctx.session)
    values = _visit_values(ctx, data)
    if data.get("visit_id"):
        visit = await visits.get(int(data["visit_id"]))
        if visit is None or visit.member_id != ctx.user.id or visit.deleted_at is not None:
            return [Reply(ctx.t("That visit can no longer be changed."))]
        for key, value in values.items():
            setattr(visit, key, value)
        visit.updated_at = ctx.now
        return [Reply(ctx.t("Corrected visit #{id}.", id=visit.id))]
    visit = await visits.add(Visit(team_id=team.id, member_id=ctx.user.id, province=team.province,
                                   channel=ctx.identity.channel,
                                   created_at=ctx.now, updated_at=ctx.now, **values))
    minutes = ctx.services.rules.visit_undo_minutes
    text = ctx.t("Saved visit #{id}. Thank you! Log the next one with /ghinhan.", id=visit.id)
    if minutes:
        text += "\n" + ctx.t("Made a mistake? Undo within {n} minutes, or correct it with /sua.",
                             n=minutes)
        return [Reply.with_buttons(text, [Button(ctx.t("Undo"), f"visit:undo:{visit.id}")])]
    return [Reply(text)]


def _visit_values(ctx: Context, data: Data) -> dict[str, Any]:
    return {"visit_date": dt.date.fromisoformat(data["date"]), "commune_code": data["commune"],
            "address": data.get("address"), "people": int(data["people"]),
            "services": ctx.content.services.mask(data["services"]),
            "other_service": data.get("other"), "outcome": data["outcome"],
            "note": data.get("note"), "photo": data.get("photo")}


async def edit_last(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """/sua: open the member's last visit at its summary, to correct any part."""
    found = await _team_of(ctx)
    if found is None:
        return _not_in_team(ctx)
    visit = await VisitRepository(ctx.session).last_of(ctx.user.id)
    if visit is None:
        return [Reply(ctx.t("You have not logged a visit yet. Start with /ghinhan."))]
    _, team = found
    data: Data = {
        "visit_id": visit.id, "team_id": visit.team_id, "communes": list(team.communes),
        "date": visit.visit_date.isoformat(), "commune": visit.commune_code, "address": visit.address,
        "people": visit.people, "services": ctx.content.services.codes_in(visit.services),
        "other": visit.other_service, "outcome": visit.outcome, "note": visit.note,
        "photo": visit.photo}
    return [_field_menu(ctx, data)]


async def on_button(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """A 'visit:…' button: undo works any time (within its window); the others only while the
    form they belong to is open."""
    parts = (msg.payload or "").split(":")
    if len(parts) == 3 and parts[1] == "undo":
        return await undo(ctx, read_id(parts[2]) or 0)
    if ctx.step is None or not ctx.step.name.startswith("visit."):
        return [Reply(ctx.t("This form is closed. Start a new one with /ghinhan."))]
    return await continue_form(msg, ctx)


async def undo(ctx: Context, visit_id: int) -> list[Reply]:
    visit = await VisitRepository(ctx.session).get(visit_id)
    if visit is None or visit.member_id != ctx.user.id:
        return [Reply(ctx.t("I could not find that visit among yours."))]
    if visit.deleted_at is not None:
        return [Reply(ctx.t("Visit #{id} was already undone.", id=visit.id))]
    window = dt.timedelta(minutes=ctx.services.rules.visit_undo_minutes)
    if ctx.now - as_utc(visit.created_at) > window:
        return [Reply(ctx.t("It is too late to undo visit #{id}; correct it with /sua instead.",
                            id=visit.id))]
    visit.deleted_at = ctx.now
    return [Reply(ctx.t("Undone: visit #{id} will not be counted.", id=visit.id))]

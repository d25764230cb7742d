"""Logging a house visit: the guided form (/ghinhan), the one-line quick form (/gn …), the summary
to confirm and editing the last record (/sua), on the form engine (handlers/forms.py).

The form's answers live in the conversation state (the database), so a half-filled form survives
a restart or a move to another worker. Every answer is read by handlers.visit_fields, the same
readers for both forms; a wrong answer gets a precise correction and the form stays where it was.
Saving and undo are in handlers.visit_records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from content.i18n import N_
from handlers.context import Context
from handlers.forms import Answer, Data, Form, Step, asking
from handlers.messages import Button, IncomingMessage, Reply
from handlers.numbers import read_id
from handlers.types import Declined
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
from handlers.visit_records import not_in_team, read_undo, save, team_of, undo
from handlers.visit_summary import (
    FIELD_LABELS,
    FIELDS,
    OUTCOME_LABELS,
    commune_names,
    summary_lines,
)

QUICK_USAGE = N_("Quick form: /gn date; commune[, hamlet]; people; services; outcome[; note]\n"
                 "For example: /gn hôm nay; Mỹ Phong, ấp 3; 3; dvc, vneid, tmdt; xong")


# -- the questions -------------------------------------------------------------------------------

def _button(label: str, value: str) -> Button:
    return FORM.button(label, value)


def _skip_button(ctx: Context) -> Button:
    return _button(ctx.t("Skip"), "skip")


def _ask_date(ctx: Context, data: Data) -> Reply:
    return Reply.with_buttons(ctx.t("Which day was the visit? (for example 3/10)"),
                              [_button(ctx.t("Today"), "date:today"),
                               _button(ctx.t("Yesterday"), "date:yesterday")])


def _ask_commune(ctx: Context, data: Data) -> Reply:
    named = commune_names(ctx, data["communes"])
    return Reply.with_buttons(ctx.t("Which commune?"), [_button(name, f"commune:{i}")
                                                        for i, (_, name) in enumerate(named)])


def _ask_address(ctx: Context, data: Data) -> Reply:
    return Reply.with_buttons(ctx.t("Hamlet or address (optional):"), [_skip_button(ctx)])


def _ask_people(ctx: Context, data: Data) -> Reply:
    return Reply(ctx.t("How many people did you guide?"), expects_text=True)


def _ask_services(ctx: Context, data: Data) -> Reply:
    chosen = set(data.get("services") or [])
    catalog = ctx.content.services
    buttons = [_button(("✅ " if s.code in chosen else "") + s.label(ctx.t.locale), f"svc:{s.code}")
               for s in catalog.services]
    buttons.append(_button(ctx.t("Next"), "svc:next"))
    return Reply.with_buttons(ctx.t("Which services did you help with? Press each one, then "
                                    "“Next” (or type their codes: {codes}).",
                                    codes=", ".join(catalog.codes)), buttons)


def _ask_other(ctx: Context, data: Data) -> Reply:
    return Reply(ctx.t("Which other service? Describe it in a few words."), expects_text=True)


def _ask_outcome(ctx: Context, data: Data) -> Reply:
    return Reply.with_buttons(ctx.t("How did it end?"),
                              [_button(ctx.t(label), f"outcome:{outcome}")
                               for outcome, label in OUTCOME_LABELS.items()])


def _ask_note(ctx: Context, data: Data) -> Reply:
    return Reply.with_buttons(ctx.t("A note (optional):"), [_skip_button(ctx)])


def _ask_photo(ctx: Context, data: Data) -> Reply:
    return Reply.with_buttons(ctx.t("Send a photo of the session (optional):"), [_skip_button(ctx)])


def _ask_confirm(ctx: Context, data: Data) -> Reply:
    t = ctx.t
    head = (t("Please check the corrected visit before saving:") if data.get("visit_id") else
            t("Please check the visit before saving:"))
    return Reply.with_buttons("\n".join([head, *summary_lines(ctx, data)]),
                              [_button(t("Save"), "save"), _button(t("Edit"), "edit"),
                               _button(t("Cancel"), "cancel")])


def _ask_edit(ctx: Context, data: Data) -> Reply:
    return Reply.with_buttons(ctx.t("Which part do you want to change?"),
                              [_button(ctx.t(FIELD_LABELS[f]), f"field:{f}") for f in FIELDS])


async def _to_summary(ctx: Context, data: Data) -> list[Reply]:
    data["editing"] = False
    return await FORM.go(ctx, data, "confirm")


async def _after(ctx: Context, data: Data, field: str) -> list[Reply]:
    """Where the form goes once `field` is answered: the next field, or back to the summary
    when the member was correcting one answer."""
    position = FIELDS.index(field)
    if data.get("editing") or position + 1 == len(FIELDS):
        return await _to_summary(ctx, data)
    return await FORM.go(ctx, data, FIELDS[position + 1])


# -- starting ------------------------------------------------------------------------------------

async def start_form(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """/ghinhan: the guided form; with text after it, the quick form."""
    command = msg.command
    if command and command[1]:
        return await quick_form(msg, ctx)
    found = await team_of(ctx)
    if found is None:
        return not_in_team(ctx)
    _, team = found
    data: Data = {"team_id": team.id, "communes": list(team.communes)}
    return await FORM.go(ctx, data, "date", ctx.t("Logging a guidance visit for {team}. Send /huy "
                                                  "at any time to stop.", team=team.name))


async def quick_form(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """/gn date; commune[, hamlet]; people; services; outcome[; note] → the same summary."""
    command = msg.command
    text = command[1] if command else msg.text
    if not text:
        return [Reply(ctx.t(QUICK_USAGE))]
    found = await team_of(ctx)
    if found is None:
        return not_in_team(ctx)
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
        return await FORM.go(ctx, data, "other")
    return await _to_summary(ctx, data)


def _collect(ctx: Context, errors: list[str], label: str, error: FieldError | None, data: Data,
             key: str, value: object) -> None:
    if error is not None:
        errors.append(f"• {ctx.t(label)}: {error_text(ctx.t, error)}")
    else:
        data[key] = value


# -- the answers (typed text or buttons) -----------------------------------------------------------

async def take_date(answer: Answer, ctx: Context, data: Data) -> list[Reply]:
    if answer.choice in ("date:today", "date:yesterday"):
        day: dt.date | None = ctx.today - dt.timedelta(days=0 if answer.choice == "date:today" else 1)
    else:
        day, error = read_date(answer.text, ctx.today, ctx.services.rules.visit_max_age_days)
        if error:
            return await FORM.go(ctx, data, "date", error_text(ctx.t, error))
    assert day is not None
    data["date"] = day.isoformat()
    return await _after(ctx, data, "date")


def _resolver(ctx: Context, province: str) -> Callable[[str], list[str]]:
    """Typed names (also former communes and wards) → the current communes of the province."""
    return lambda name: [c.commune.code for c in ctx.services.places.communes(name, province)]


async def take_commune(answer: Answer, ctx: Context, data: Data) -> list[Reply]:
    communes: list[str] = data["communes"]
    index = read_id(answer.choice.removeprefix("commune:")) if answer.choice else None
    if index is not None and index < len(communes):
        data["commune"] = communes[index]
        return await _after(ctx, data, "commune")
    team = await ctx.teams.get(int(data["team_id"]))
    place, error = read_commune(answer.text, commune_names(ctx, communes),
                                _resolver(ctx, team.province if team else ""))
    if error:
        return await FORM.go(ctx, data, "commune", error_text(ctx.t, error))
    assert place is not None
    data["commune"] = place[0]
    if place[1]:  # "Mỹ Phong, ấp 3" answers the address too
        data["address"] = place[1]
        return await _after(ctx, data, "address")
    return await _after(ctx, data, "commune")


def _optional(field: str, question: Callable[[Context, Data], Reply],
              read: Callable[[str], tuple[str | None, FieldError | None]]) -> Step:
    """A free-text answer that may be skipped (address, note)."""
    async def take(answer: Answer, ctx: Context, data: Data) -> list[Reply]:
        if answer.choice == "skip":
            data[field] = None
        else:
            value, error = read(answer.text)
            if error:
                return await FORM.go(ctx, data, field, error_text(ctx.t, error))
            data[field] = value
        return await _after(ctx, data, field)
    return Step(asking(question), take)


async def take_people(answer: Answer, ctx: Context, data: Data) -> list[Reply]:
    people, error = read_people(answer.text, ctx.services.rules.visit_max_people)
    if error:
        return await FORM.go(ctx, data, "people", error_text(ctx.t, error))
    data["people"] = people
    return await _after(ctx, data, "people")


async def take_services(answer: Answer, ctx: Context, data: Data) -> list[Reply]:
    chosen: list[str] = list(data.get("services") or [])
    if answer.choice is None:  # typed codes replace the selection
        codes, error = read_services(answer.text, ctx.content.services)
        if error:
            return await FORM.go(ctx, data, "services", error_text(ctx.t, error))
        assert codes is not None
        data["services"] = codes
        return await _services_done(ctx, data)
    if answer.choice == "svc:next":
        if not chosen:
            return await FORM.go(ctx, data, "services", ctx.t("Choose at least one service."))
        return await _services_done(ctx, data)
    code = answer.choice.removeprefix("svc:")
    if code in ctx.content.services.codes:
        chosen = [c for c in chosen if c != code] if code in chosen else [*chosen, code]
        data["services"] = [c for c in ctx.content.services.codes if c in chosen]
    return await FORM.go(ctx, data, "services")


async def _services_done(ctx: Context, data: Data) -> list[Reply]:
    if "other" in data["services"] and not data.get("other"):
        return await FORM.go(ctx, data, "other")
    if "other" not in data["services"]:
        data["other"] = None
    return await _after(ctx, data, "services")


async def take_other(answer: Answer, ctx: Context, data: Data) -> list[Reply]:
    other = " ".join(answer.text.split())
    if not other or len(other) > MAX_OTHER_CHARS:
        return await FORM.go(ctx, data, "other", ctx.t(
            "Describe the other service in at most {n} characters.", n=MAX_OTHER_CHARS))
    data["other"] = other
    return await _after(ctx, data, "services")


async def take_outcome(answer: Answer, ctx: Context, data: Data) -> list[Reply]:
    chosen = (answer.choice or "").removeprefix("outcome:")
    outcome, error = (chosen, None) if chosen in OUTCOME_LABELS else read_outcome(answer.text)
    if error:
        return await FORM.go(ctx, data, "outcome", error_text(ctx.t, error))
    data["outcome"] = outcome
    return await _after(ctx, data, "outcome")


async def take_photo(answer: Answer, ctx: Context, data: Data) -> list[Reply]:
    if answer.choice == "skip":
        data["photo"] = None
    elif answer.photo:
        data["photo"] = answer.photo
    else:
        return await FORM.go(ctx, data, "photo", ctx.t("Send the photo as an image, or press "
                                                       "“Skip”."))
    return await _after(ctx, data, "photo")


async def confirm(answer: Answer, ctx: Context, data: Data) -> list[Reply]:
    if answer.choice == "save":
        return await save(ctx, data)
    if answer.choice == "edit":
        return await FORM.go(ctx, data, "edit")
    if answer.choice == "cancel":
        ctx.finish()
        return [Reply(ctx.t("Cancelled: nothing was saved."))]
    return await FORM.go(ctx, data, "confirm")  # typed text at the summary: show it again


async def choose_field(answer: Answer, ctx: Context, data: Data) -> list[Reply]:
    field = (answer.choice or "").removeprefix("field:")
    if field not in FIELDS:
        return await FORM.go(ctx, data, "edit")
    data["editing"] = True
    return await FORM.go(ctx, data, field)


FORM = Form("visit", {
    "date": Step(asking(_ask_date), take_date),
    "commune": Step(asking(_ask_commune), take_commune),
    "address": _optional("address", _ask_address, read_address),
    "people": Step(asking(_ask_people), take_people),
    "services": Step(asking(_ask_services), take_services),
    "other": Step(asking(_ask_other), take_other),
    "outcome": Step(asking(_ask_outcome), take_outcome),
    "note": _optional("note", _ask_note, read_note),
    "photo": Step(asking(_ask_photo), take_photo),
    "confirm": Step(asking(_ask_confirm), confirm),
    "edit": Step(asking(_ask_edit), choose_field),
})


async def continue_form(msg: IncomingMessage, ctx: Context) -> list[Reply] | Declined:
    """The conversation step 'visit.<step>': the form's answer to it."""
    return await FORM.take(msg, ctx)


# -- correcting the last visit, buttons ----------------------------------------------------------

async def edit_last(msg: IncomingMessage, ctx: Context) -> list[Reply]:
    """/sua: open the member's last visit at its menu of parts, to correct any of them."""
    found = await team_of(ctx)
    if found is None:
        return not_in_team(ctx)
    visit = await ctx.visits.last_of(ctx.user.id)
    if visit is None:
        return [Reply(ctx.t("You have not logged a visit yet. Start with /ghinhan."))]
    _, team = found
    data: Data = {
        "visit_id": visit.id, "team_id": visit.team_id, "communes": list(team.communes),
        "date": visit.visit_date.isoformat(), "commune": visit.commune_code, "address": visit.address,
        "people": visit.people, "services": ctx.content.services.codes_in(visit.services),
        "other": visit.other_service, "outcome": visit.outcome, "note": visit.note,
        "photo": visit.photo}
    named = "\n".join([ctx.t("You are correcting visit #{id}, logged on {date}:", id=visit.id,
                              date=ctx.t.fmt.date(visit.created_at.astimezone(ctx.services.timezone))),
                       *summary_lines(ctx, data)])
    return [Reply(named), *await FORM.go(ctx, data, "edit")]  # which visit, before what to change


async def on_button(msg: IncomingMessage, ctx: Context) -> list[Reply] | Declined:
    """A 'visit:…' button: undo works any time (within its window); the others only while the
    form they belong to is open."""
    visit_id = read_undo(msg.payload or "")
    if visit_id is not None:
        return await undo(ctx, visit_id)
    if not FORM.is_open(ctx):
        return [Reply(ctx.t("This form is closed. Start a new one with /ghinhan."))]
    return await continue_form(msg, ctx)

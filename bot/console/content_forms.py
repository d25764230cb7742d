"""The console's content forms: which fields each kind of item has (an FAQ entry, a contest
with its rounds, an event with its sessions, a promotion, a campaign, a deadline), how an item
in the packs' format fills a form, and how a posted form becomes an item again, with what is
wrong in it said in the page's language."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from content.i18n import N_, Translator
from content.loader import ContentProblem
from content.models import PARTS_OF_DAY, TOPICS, Pack, SourceDoc

log = logging.getLogger(__name__)
ROW_SLOTS = 2
"""Empty rows offered under a contest's rounds or an event's sessions (save to get more)."""


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: str = "text"
    """text, long (a paragraph), lines (one value a line), date, bool, int, topic, time."""
    required: bool = False


ID = FieldSpec("id", N_("Id (letters, digits and dashes; empty: made from the name)"))
START = FieldSpec("start", N_("Start"), "date", True)
END = FieldSpec("end", N_("End"), "date", True)
APPROXIMATE = FieldSpec("approximate", N_("The plan says “planned” (dự kiến)"), "bool")
NOTE = FieldSpec("note", N_("Note"))
LINK = FieldSpec("link", N_("Link (only an official one)"))
FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "faq": (ID, FieldSpec("topic", N_("Topic"), "topic", True),
            FieldSpec("questions", N_("Questions, one a line, as citizens ask them"), "lines",
                      True),
            FieldSpec("answer", N_("Answer (1–4 sentences, the fact first)"), "long", True),
            FieldSpec("year", N_("The year it holds for"), "int", True),
            FieldSpec("expires", N_("Last day it holds (the bot stops giving it after)"),
                      "date", True),
            FieldSpec("schedule", N_("Dated item it is about (its phase is added)"), "schedule")),
    "contests": (ID, FieldSpec("name", N_("Name"), required=True),
                 FieldSpec("organiser", N_("Organiser")), LINK),
    "events": (ID, FieldSpec("name", N_("Name"), required=True),
               FieldSpec("organiser", N_("Organiser")), LINK),
    "promotions": (ID, FieldSpec("platform", N_("Platform"), required=True),
                   FieldSpec("offer", N_("Offer"), "long", True), START, END, APPROXIMATE,
                   NOTE, LINK),
    "campaigns": (ID, FieldSpec("name", N_("Name"), required=True),
                  FieldSpec("short_name", N_("Short name for buttons (at most 32 characters)")),
                  START, END, APPROXIMATE, NOTE,
                  FieldSpec("services", N_("Services guided, one a line"), "lines")),
    "deadlines": (ID, FieldSpec("title", N_("Title"), required=True),
                  FieldSpec("due", N_("Due on (a one-off date)"), "date"),
                  FieldSpec("recurring_month", N_("Or every year: month"), "int"),
                  FieldSpec("recurring_day", N_("Or every year: day"), "int"),
                  FieldSpec("recurring_until", N_("Every year until (the plan's last year)"),
                            "int"),
                  FieldSpec("audience", N_("Who must report"))),
}
ROWS: dict[str, tuple[str, str, tuple[FieldSpec, ...]]] = {
    "contests": ("rounds", N_("Rounds"), (
        FieldSpec("name", N_("Round"), required=True), START, END, APPROXIMATE, NOTE,
        FieldSpec("venue", N_("Venue")))),
    "events": ("sessions", N_("Sessions"), (
        FieldSpec("date", N_("Date"), "date", True),
        FieldSpec("time", N_("Time (HH:MM, or sáng, chiều, tối, cả ngày)"), "time"),
        FieldSpec("title", N_("What happens"), required=True), FieldSpec("venue", N_("Venue")))),
}
KIND_NAMES = {"faq": N_("Answers"), "contests": N_("Contests"), "events": N_("Events"),
              "promotions": N_("Promotions"), "campaigns": N_("Campaigns"),
              "deadlines": N_("Reporting deadlines")}
TOPIC_NAMES = {"day": N_("Digital Transformation Day"), "themes": N_("Themes"),
               "contests": N_("Contests"), "events": N_("Events"),
               "promotions": N_("Promotions"), "teams": N_("Community tech teams"),
               "resources": N_("Links and documents"), "reporting": N_("Reporting"),
               "general": N_("General")}
NEW_SOURCE = "new"

REQUIRED = N_("{field}: this is required.")
NOT_VALID = N_("{field}: this value is not valid.")
NOT_A_NUMBER = N_("{field}: write a whole number.")
END_BEFORE_START = N_("An end is before its start: check the dates.")
ROW_END_BEFORE_START = N_("Row {n} ends before it starts: check its dates.")
DUE_ONE_WAY = N_("Give either a due date or a yearly date (month and day), not both.")
SOURCE_MISSING = N_("Say where this comes from: choose a document of the plans, or give the "
                    "new document's title and link or number, and the section.")
ID_TAKEN = N_("The id {id} is used by another item already.")
ASKS_UNANSWERED = N_("The question “{question}” asks something the answer does not give (a "
                     "date, a place, a name, a number or a link): add it to the answer or "
                     "reword the question.")
YEAR_UNSTATED = N_("The question “{question}” names a year that neither the answer nor the "
                   "year field states.")
SCHEDULE_UNKNOWN = N_("The dated item chosen is not in this province's content.")
SHAPES = {
    "different phrasings": N_("Write at least ten different ways of asking, one a line."),
    "no short keyword": N_("Add a short way of asking, at most five words (“cuộc thi cđs "
                           "2027”)."),
    "without diacritics": N_("Add at least two ways of asking without diacritics."),
    "with diacritics": N_("Add a full question written with diacritics."),
    "shorthand": N_("Add a way of asking in phone shorthand (ko, j, dc, cđs, ad …)."),
    "long message": N_("Add a long message (15 words or more) with a sentence of context "
                       "before the question."),
}
OTHER_PROBLEM = N_("This item breaks a rule of the content check (cdsbot content check); the "
                   "server log says which.")


@dataclass
class Posted:
    """A form read back: the item in the packs' format, the new source document if any, and
    what is wrong (already in the page's language)."""

    data: dict[str, Any]
    source_doc: dict[str, Any] | None
    errors: list[str]
    rows: list[dict[str, str]]
    values: dict[str, str]


def form_values(kind: str, data: Mapping[str, Any]) -> tuple[dict[str, str], list[dict[str, str]]]:
    """An item in the packs' format as the strings its form shows, and its rows (with empty
    ones to add more)."""
    values = {f.name: _shown(data.get(f.name), f) for f in FIELDS[kind]}
    recurring = data.get("recurring") or {}
    for part in ("month", "day", "until"):
        if f"recurring_{part}" in values:
            values[f"recurring_{part}"] = str(recurring.get(part, "") or "")
    source = data.get("source") or {}
    values.update(source_doc=str(source.get("doc", "")), source_title="", source_link="",
                  source_section=str(source.get("section", "")), inbox_key="")
    rows: list[dict[str, str]] = []
    if kind in ROWS:
        name, _, fields = ROWS[kind]
        rows = [{f.name: _shown(row.get(f.name), f) for f in fields} for row in data.get(name, [])]
        rows += [{f.name: "" for f in fields} for _ in range(ROW_SLOTS)]
    return values, rows


def _shown(value: Any, spec: FieldSpec) -> str:
    if value is None:
        return ""
    if spec.kind == "lines":
        return "\n".join(str(v) for v in value)
    if spec.kind == "bool":
        return "on" if value else ""
    return str(value)


def read_form(kind: str, form: Mapping[str, Any], pack: Pack | None, t: Translator) -> Posted:
    """The posted form as an item, checked field by field (the model checks the rest)."""
    errors: list[str] = []
    values = {f.name: str(form.get(f.name, "")).strip() for f in FIELDS[kind]}
    data: dict[str, Any] = {}
    recurring: dict[str, Any] = {}
    for spec in FIELDS[kind]:
        value = _read(spec, values[spec.name], t, errors)
        if spec.name.startswith("recurring_"):  # a deadline's yearly date: one nested value
            recurring[spec.name.removeprefix("recurring_")] = value
        elif value is not None:
            data[spec.name] = value
    if recurring.get("month") or recurring.get("day"):
        data["recurring"] = {k: v for k, v in recurring.items() if v is not None}
    rows: list[dict[str, str]] = []
    if kind in ROWS:
        name, _, fields = ROWS[kind]
        rows, data[name] = _read_rows(form, fields, t, errors)
    source_doc = _read_source(form, pack, data, t, errors)
    values.update(source_doc=str(form.get("source_doc", "")),
                  source_title=str(form.get("source_title", "")).strip(),
                  source_link=str(form.get("source_link", "")).strip(),
                  source_section=str(form.get("source_section", "")).strip())
    return Posted(data, source_doc, errors, rows, values)


def _read(spec: FieldSpec, raw: str, t: Translator, errors: list[str]) -> Any:
    label = t(spec.label)
    if not raw:
        if spec.required:
            errors.append(t(REQUIRED, field=label))
        return False if spec.kind == "bool" else None
    if spec.kind == "lines":
        return [line.strip() for line in raw.splitlines() if line.strip()]
    if spec.kind == "bool":
        return True
    if spec.kind == "int":
        if not raw.isdigit():
            errors.append(t(NOT_A_NUMBER, field=label))
            return None
        return int(raw)
    if spec.kind == "topic" and raw not in TOPICS:
        errors.append(t(NOT_VALID, field=label))
        return None
    if spec.kind == "time" and raw not in PARTS_OF_DAY and len(raw) == 4 and raw[1] == ":":
        return "0" + raw  # "8:30" as the packs write it: "08:30"
    return raw


def _read_rows(form: Mapping[str, Any], fields: tuple[FieldSpec, ...], t: Translator,
               errors: list[str]) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """The rows posted (row-0-name, row-0-start, …): empty rows are left out."""
    shown: list[dict[str, str]] = []
    items: list[dict[str, Any]] = []
    index = 0
    while any(f"row-{index}-{f.name}" in form for f in fields):
        raw = {f.name: str(form.get(f"row-{index}-{f.name}", "")).strip() for f in fields}
        index += 1
        if not any(raw.values()):
            continue
        shown.append(raw)
        item = {f.name: _read(f, raw[f.name], t, errors) for f in fields}
        items.append({k: v for k, v in item.items() if v not in (None, False)})
    shown += [{f.name: "" for f in fields} for _ in range(ROW_SLOTS)]
    return shown, items


def _read_source(form: Mapping[str, Any], pack: Pack | None, data: dict[str, Any],
                 t: Translator, errors: list[str]) -> dict[str, Any] | None:
    """The source the item cites: a document of the pack, or a new one (its title, and its
    link or number); the section in it either way."""
    chosen = str(form.get("source_doc", ""))
    section = str(form.get("source_section", "")).strip()
    title = " ".join(str(form.get("source_title", "")).split())
    link = str(form.get("source_link", "")).strip()
    known = {s.id for s in pack.sources} if pack else set()
    if not section or (chosen != NEW_SOURCE and chosen not in known) or (
            chosen == NEW_SOURCE and not title):
        errors.append(t(SOURCE_MISSING))
        return None
    if chosen == NEW_SOURCE and pack is not None:  # typed again: the document the pack has
        chosen = next((s.id for s in pack.sources if _same_document(s, title, link)), chosen)
    if chosen != NEW_SOURCE:
        data["source"] = {"doc": chosen, "section": section}
        return None
    digest = hashlib.sha256(f"{title}|{link}".encode()).hexdigest()[:8]
    doc_id = f"{pack.pack if pack else 'console'}-doc-{digest}"
    data["source"] = {"doc": doc_id, "section": section}
    return {"id": doc_id, "file": link, "title": title}


def _same_document(source: SourceDoc, title: str, link: str) -> bool:
    """A new source that is one the pack lists: the same link or number, or, without one, the
    same title (case and spacing aside)."""
    if link:
        return source.file.strip().rstrip("/") == link.rstrip("/")
    return " ".join(source.title.split()).casefold() == title.casefold()


def model_errors(error: ValidationError, kind: str, t: Translator) -> list[str]:
    """What the model refused, in the page's language (pydantic's words are English)."""
    labels = {f.name: t(f.label) for f in FIELDS[kind]}
    if kind in ROWS:
        labels.update({f.name: t(f.label) for f in ROWS[kind][2]})
    messages = []
    for problem in error.errors():
        text = str(problem.get("msg", ""))
        row = next((p for p in problem["loc"] if isinstance(p, int)), None)
        if "before start" in text and row is not None:  # a round's or a session's dates
            messages.append(t(ROW_END_BEFORE_START, n=row + 1))
        elif "before start" in text:
            messages.append(t(END_BEFORE_START))
        elif "exactly one of" in text:
            messages.append(t(DUE_ONE_WAY))
        elif problem.get("type") == "too_short" and "questions" in problem["loc"]:
            messages.append(t(SHAPES["different phrasings"]))
        else:
            field = next((labels[str(p)] for p in reversed(problem["loc"]) if str(p) in labels),
                         str(problem["loc"][-1]) if problem["loc"] else kind)
            messages.append(t(NOT_VALID, field=field))
    return list(dict.fromkeys(messages))


def check_messages(problems: list[ContentProblem], t: Translator) -> list[str]:
    """The content check's findings about one item, in the page's language."""
    messages = []
    for problem in problems:
        text = problem.message
        question = text.split("'")[1] if text.count("'") >= 2 else ""
        if "which the answer does not give" in text:
            messages.append(t(ASKS_UNANSWERED, question=question))
        elif "which neither the answer nor `year` states" in text:
            messages.append(t(YEAR_UNSTATED, question=question))
        elif text.startswith("id already used"):
            messages.append(t(ID_TAKEN, id=problem.entry or ""))
        elif text.startswith("schedule "):
            messages.append(t(SCHEDULE_UNKNOWN))
        elif text.startswith("phrasings:") and (
                shape := next((m for k, m in SHAPES.items() if k in text), None)):
            messages.append(t(shape))
        else:
            log.warning("console content refused: %s", problem)
            messages.append(t(OTHER_PROBLEM))
    return list(dict.fromkeys(messages))


def readable(kind: str, data: Mapping[str, Any] | None, t: Translator) -> list[str]:
    """A revision of an item as the form names its parts ("Vòng: …; Bắt đầu: 15/9/2027"),
    not as YAML with the packs' English keys: what the history shows."""
    if not data:
        return []
    flat = dict(data)
    for key, value in data.items():  # {"recurring": {"month": 6}} is the form's recurring_month
        if isinstance(value, Mapping) and key != "source":
            flat.update({f"{key}_{sub}": v for sub, v in value.items()})
    lines = [f"{t(spec.label)}: {_as_read(spec, flat[spec.name], t)}" for spec in FIELDS[kind]
             if flat.get(spec.name) not in (None, "", [])]
    if kind in ROWS:
        key, label, specs = ROWS[kind]
        for row in flat.get(key) or []:
            parts = [f"{t(spec.label)}: {_as_read(spec, row[spec.name], t)}" for spec in specs
                     if row.get(spec.name) not in (None, "", False)]
            lines.append(f"{t(label)} — " + "; ".join(parts))
    source = flat.get("source") or {}
    if source:
        lines.append(t("Source (required)") + f": {source.get('doc', '')}, "
                     f"{source.get('section', '')}")
    return lines


def _as_read(spec: FieldSpec, value: Any, t: Translator) -> str:
    if spec.kind == "date":
        return t.fmt.date(dt.date.fromisoformat(str(value)))
    if spec.kind == "bool":
        return t("yes") if value else t("no")
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)

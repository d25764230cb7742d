"""Typed models of a content pack (see content/AUTHORING.md for the YAML they read)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Topic = Literal["day", "themes", "contests", "events", "promotions", "teams", "resources",
                "reporting", "general"]
TOPICS: tuple[str, ...] = ("day", "themes", "contests", "events", "promotions", "teams",
                           "resources", "reporting", "general")

_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
PARTS_OF_DAY = ("sáng", "chiều", "tối", "cả ngày")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Identified(Strict):
    id: str

    @field_validator("id")
    @classmethod
    def _kebab_case(cls, value: str) -> str:
        if not _ID_RE.match(value):
            raise ValueError("id must be lower-case kebab-case, e.g. 'tg-contest-dates'")
        return value


class SourceRef(Strict):
    doc: str
    section: str = Field(min_length=1)


class SourceDoc(Identified):
    file: str
    title: str = Field(min_length=1)


class Province(Strict):
    """The province a pack's plans are from, as it was then; `now` is the current province
    (content/places) it is part of since the two-tier reform, when it is another one."""

    slug: str
    name: str
    now: str | None = None

    @property
    def current(self) -> str:
        return self.now or self.slug


class FaqEntry(Identified):
    topic: Topic
    questions: list[str] = Field(min_length=2)
    answer: str = Field(min_length=1)
    source: SourceRef
    year: int | None = None
    tags: list[str] = Field(default_factory=list)
    schedule: str | None = None
    expires: dt.date | None = None
    """The last day the answer holds: from the next day the bot no longer gives it."""

    @field_validator("tags", mode="before")
    @classmethod
    def _tags_as_text(cls, tags: object) -> object:
        return [str(tag) for tag in tags] if isinstance(tags, list) else tags

    @field_validator("questions")
    @classmethod
    def _non_blank(cls, questions: list[str]) -> list[str]:
        if any(not q.strip() for q in questions):
            raise ValueError("a question is empty")
        return questions


class Dated(Strict):
    start: dt.date
    end: dt.date
    approximate: bool = False
    note: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Dated:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class ContestRound(Dated):
    name: str
    venue: str | None = None


class Contest(Identified):
    name: str
    organiser: str | None = None
    link: str | None = None
    rounds: list[ContestRound] = Field(min_length=1)
    source: SourceRef


class EventSession(Strict):
    date: dt.date
    time: str | None = None
    title: str
    venue: str | None = None

    @field_validator("time")
    @classmethod
    def _time_or_part_of_day(cls, value: str | None) -> str | None:
        if value is not None and not _TIME_RE.match(value) and value not in PARTS_OF_DAY:
            raise ValueError(f"time must be HH:MM or one of {', '.join(PARTS_OF_DAY)}")
        return value


class Event(Identified):
    name: str
    organiser: str | None = None
    sessions: list[EventSession] = Field(min_length=1)
    link: str | None = None
    source: SourceRef


class Promotion(Identified, Dated):
    platform: str
    offer: str
    link: str | None = None
    source: SourceRef


CAMPAIGN_LABEL_CHARS = 32


class Campaign(Identified, Dated):
    name: str
    short_name: str | None = Field(default=None, max_length=CAMPAIGN_LABEL_CHARS)
    """What a button calls it ("Đi từng ngõ, gõ từng nhà"): the full name is too long for one."""
    services: list[str] = Field(default_factory=list)
    source: SourceRef


class Resource(Identified):
    title: str
    url: str
    description: str | None = None
    source: SourceRef

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("url must start with http:// or https://")
        return value


class Recurring(Strict):
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)
    until: int | None = None  # the last year the plan sets it for (its period's end)


class Deadline(Identified):
    title: str
    due: dt.date | None = None
    recurring: Recurring | None = None
    audience: str | None = None
    source: SourceRef

    @model_validator(mode="after")
    def _one_kind_of_date(self) -> Deadline:
        if (self.due is None) == (self.recurring is None):
            raise ValueError("give exactly one of 'due' and 'recurring'")
        return self

    def next_due(self, today: dt.date) -> dt.date:
        """The date this deadline falls on next (or fell on, for a one-off)."""
        if self.due is not None:
            return self.due
        assert self.recurring is not None
        this_year = dt.date(today.year, self.recurring.month, self.recurring.day)
        due = this_year if this_year >= today else this_year.replace(year=today.year + 1)
        last = self.recurring.until
        # After its plan's period the deadline is not set any more: its last one has passed.
        return due if last is None or due.year <= last else due.replace(year=last)


class GuidanceService(Strict):
    """Something a team guides residents in (content/services.yaml): a visit-form choice."""

    code: str = Field(pattern=r"^[a-z]+$")
    bit: int = Field(ge=0, le=30)
    name: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    source: str | None = None

    def label(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name


class ServiceList(Strict):
    services: list[GuidanceService] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> ServiceList:
        for attribute in ("code", "bit"):
            values = [getattr(s, attribute) for s in self.services]
            repeated = sorted({str(v) for v in values if values.count(v) > 1})
            if repeated:
                raise ValueError(f"services repeat the {attribute} {', '.join(repeated)}")
        if "other" not in {s.code for s in self.services}:
            raise ValueError("the list needs the service 'other'")
        return self


class Pack(Strict):
    pack: str
    title: str
    province: Province | None = None
    sources: list[SourceDoc] = Field(min_length=1)
    faq: list[FaqEntry] = Field(default_factory=list)
    contests: list[Contest] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    promotions: list[Promotion] = Field(default_factory=list)
    campaigns: list[Campaign] = Field(default_factory=list)
    resources: list[Resource] = Field(default_factory=list)
    deadlines: list[Deadline] = Field(default_factory=list)

    def items_with_source(self) -> list[Identified]:
        """Everything in the pack that must cite a source document."""
        return [*self.faq, *self.contests, *self.events, *self.promotions, *self.campaigns,
                *self.resources, *self.deadlines]

    def schedule_ids(self) -> set[str]:
        return {item.id for item in (*self.contests, *self.events, *self.promotions,
                                     *self.campaigns, *self.deadlines)}

"""Load and validate the content packs; every problem is reported with its file and entry id."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from content.errors import ContentError
from content.models import (
    Campaign,
    Contest,
    Deadline,
    Event,
    FaqEntry,
    Pack,
    Promotion,
    Province,
    Resource,
    SourceDoc,
)
from content.normalize import Lexicon, Normalizer
from content.phrasing_shapes import shape_problems
from content.places import admin_units
from content.question_types import unanswered_kinds
from content.services import SERVICES_FILE, ServiceCatalog
from content.yaml_files import load_yaml

CONTENT_DIR = Path(__file__).resolve().parent
PACKS_DIR = CONTENT_DIR / "packs"
LEXICON_FILE = CONTENT_DIR / "lexicon.yaml"
NATIONAL = "national"
_YEAR_RE = re.compile(r"\b(20\d\d)\b")


@dataclass(frozen=True)
class ContentProblem:
    file: str
    entry: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.entry}" if self.entry else self.file
        return f"{where}: {self.message}"


ScheduleItem = Contest | Event | Promotion | Campaign | Deadline


@dataclass
class ContentStore:
    """All loaded packs with look-ups by id, topic and province."""

    packs: list[Pack]
    lexicon: Lexicon
    services: ServiceCatalog = field(default_factory=lambda: ServiceCatalog(()))
    packs_dir: Path = PACKS_DIR
    faq: dict[str, FaqEntry] = field(default_factory=dict)
    faq_pack: dict[str, Pack] = field(default_factory=dict)
    schedule: dict[str, ScheduleItem] = field(default_factory=dict)
    schedule_pack: dict[str, Pack] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for pack in self.packs:
            for entry in pack.faq:
                self.faq[entry.id] = entry
                self.faq_pack[entry.id] = pack
            items: list[ScheduleItem] = [*pack.contests, *pack.events, *pack.promotions,
                                         *pack.campaigns, *pack.deadlines]
            for item in items:
                self.schedule[item.id] = item
                self.schedule_pack[item.id] = pack

    @property
    def provinces(self) -> list[Province]:
        return [p.province for p in self.packs if p.province is not None]

    def pack_province(self, current: str | None) -> str | None:
        """The pack province (slug) of a current province: 'dong-thap' → 'tien-giang', whose
        plans are Đồng Tháp's since Tiền Giang became part of it; None without a pack."""
        return next((p.province.slug for p in self.packs
                     if p.province is not None and p.province.current == current), None)

    def province_of(self, faq_id: str) -> str | None:
        province = self.faq_pack[faq_id].province
        return province.slug if province else None

    def source_of(self, pack: Pack, doc_id: str) -> SourceDoc:
        return next(s for s in pack.sources if s.id == doc_id)


    def contests(self) -> list[tuple[Pack, Contest]]:
        return [(p, c) for p in self.packs for c in p.contests]

    def events(self) -> list[tuple[Pack, Event]]:
        return [(p, e) for p in self.packs for e in p.events]

    def promotions(self) -> list[tuple[Pack, Promotion]]:
        return [(p, x) for p in self.packs for x in p.promotions]

    def campaigns(self) -> list[tuple[Pack, Campaign]]:
        return [(p, x) for p in self.packs for x in p.campaigns]

    def resources(self) -> list[tuple[Pack, Resource]]:
        return [(p, x) for p in self.packs for x in p.resources]

    def deadlines(self) -> list[tuple[Pack, Deadline]]:
        return [(p, x) for p in self.packs for x in p.deadlines]


def load_content(packs_dir: Path = PACKS_DIR, provinces: Iterable[str] | None = None,
                 seeds_dir: Path | None = None, lexicon_file: Path = LEXICON_FILE,
                 services_file: Path = SERVICES_FILE) -> ContentStore:
    """Load every pack (the national one and the chosen provinces); raise ContentError if invalid."""
    wanted = set(provinces) if provinces is not None else None
    problems: list[ContentProblem] = []
    packs: list[Pack] = []
    files = sorted(packs_dir.glob("*.yaml"))
    if not files:
        problems.append(ContentProblem(str(packs_dir), None, "no content packs (*.yaml) found"))
    for path in files:
        pack = _load_pack(path, problems)
        if pack is None:
            continue
        if (wanted is not None and pack.province is not None
                and not {pack.province.slug, pack.province.current} & wanted):
            continue
        packs.append(pack)
    if wanted:
        loaded = {s for p in packs if p.province for s in (p.province.slug, p.province.current)}
        for missing in sorted(wanted - loaded):
            problems.append(ContentProblem(str(packs_dir), None,
                                           f"PROVINCE names '{missing}', but no pack has it"))
    problems.extend(cross_check(packs, packs_dir, seeds_dir))
    problems.extend(_current_province_problems(packs, packs_dir))
    lexicon = _load_lexicon(lexicon_file, problems)
    services = ServiceCatalog(())
    try:
        services = ServiceCatalog.load(services_file)
    except ValueError as exc:
        problems.append(ContentProblem(_display(services_file), None, str(exc)))
    if problems:
        raise ContentError(problems)
    return ContentStore(packs, lexicon, services, packs_dir=packs_dir)


def _current_province_problems(packs: list[Pack], packs_dir: Path) -> list[ContentProblem]:
    """Each pack's province is a current one, or says which current one it is part of."""
    units, problems = admin_units(), []
    for pack in packs:
        province = pack.province
        if province is None or province.current in units.provinces:
            continue
        where = _display(packs_dir / f"{pack.pack}.yaml")
        found = units.current_province(province.slug)
        hint = f" (now: {found.slug})" if found else ""
        problems.append(ContentProblem(where, None, f"province '{province.current}' is not one "
                                       f"of the 34 current provinces: give now:{hint}"))
    return problems


def _load_pack(path: Path, problems: list[ContentProblem]) -> Pack | None:
    name = _display(path)
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(ContentProblem(name, None, f"not valid YAML: {exc}".replace("\n", " ")))
        return None
    if not isinstance(data, dict):
        problems.append(ContentProblem(name, None, "a pack must be a mapping with 'pack', 'faq', …"))
        return None
    try:
        pack = Pack.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            problems.append(ContentProblem(name, _entry_label(data, error["loc"]),
                                           f"{_field_path(error['loc'])}: {error['msg']}"))
        return None
    if pack.pack != path.stem:
        problems.append(ContentProblem(name, None, f"pack '{pack.pack}' must match the file name"))
    return pack


def _entry_label(data: dict[str, Any], loc: tuple[Any, ...]) -> str | None:
    """'faq[3] tg-contest-dates' for an error inside the fourth FAQ entry."""
    if len(loc) >= 2 and isinstance(loc[1], int):
        items = data.get(str(loc[0]))
        entry_id = None
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            entry_id = items[loc[1]].get("id")
        return f"{loc[0]}[{loc[1]}] {entry_id or '(no id)'}"
    return None


def _field_path(loc: tuple[Any, ...]) -> str:
    rest = loc[2:] if len(loc) >= 2 and isinstance(loc[1], int) else loc
    return ".".join(str(part) for part in rest) or "pack"


def cross_check(packs: list[Pack], packs_dir: Path, seeds_dir: Path | None) -> list[ContentProblem]:
    """Ids unique across packs, sources cited from the pack, years and phrasing shapes."""
    problems: list[ContentProblem] = []
    seen: dict[str, str] = {}
    for pack in packs:
        name = _display(packs_dir / f"{pack.pack}.yaml")
        docs = {s.id for s in pack.sources}
        if seeds_dir is not None:
            for source in pack.sources:
                if not (seeds_dir / source.file).is_file():
                    problems.append(ContentProblem(name, source.id,
                                                   f"source file {source.file} not found in {seeds_dir}"))
        for item in pack.items_with_source():
            if item.id in seen:
                problems.append(ContentProblem(name, item.id, f"id already used in {seen[item.id]}"))
            seen[item.id] = name
            cited = getattr(item, "source", None)
            if cited is not None and cited.doc not in docs:
                problems.append(ContentProblem(name, item.id,
                                               f"source.doc '{cited.doc}' is not in this pack's sources"))
        schedule_ids = pack.schedule_ids()
        for entry in pack.faq:
            problems.extend(ContentProblem(name, entry.id, message) for message in _year_problems(entry))
            problems.extend(ContentProblem(name, entry.id, f"phrasings: {message}")
                            for message in shape_problems(entry.questions))
            if entry.schedule and entry.schedule not in schedule_ids:
                problems.append(ContentProblem(name, entry.id,
                                               f"schedule '{entry.schedule}' is not an item of this pack"))
    return problems


def authoring_problems(store: ContentStore,
                       only: set[str] | None = None) -> list[ContentProblem]:
    """What `cdsbot content check` adds to loading (too slow for every start of the bot): a
    phrasing asking a kind of fact (when, where, who, how many, a link) its answer does not
    give, which would make the matcher take that entry for an answer to such questions.
    `only`: of these entries (the console checks the one it saves)."""
    normalizer = Normalizer(store.lexicon)
    problems = []
    for pack in store.packs:
        name = _display(store.packs_dir / f"{pack.pack}.yaml")
        for entry in pack.faq:
            if only is not None and entry.id not in only:
                continue
            for question in entry.questions:
                missing = unanswered_kinds(normalizer.basic_tokens(question), entry.answer)
                if missing:
                    problems.append(ContentProblem(
                        name, entry.id, f"question '{question}' asks {', '.join(sorted(missing))}, "
                                        "which the answer does not give"))
    return problems


def _year_problems(entry: FaqEntry) -> list[str]:
    """A phrasing naming a year the answer does not state sends that year's questions here."""
    stated = f"{entry.answer} {entry.year or ''}"
    return [f"question '{question}' names {year}, which neither the answer nor `year` states"
            for question in entry.questions for year in _YEAR_RE.findall(question)
            if year not in stated]


def _load_lexicon(path: Path, problems: list[ContentProblem]) -> Lexicon:
    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
        return Lexicon.from_mapping(data)
    except (OSError, yaml.YAMLError, AttributeError, TypeError) as exc:
        problems.append(ContentProblem(_display(path), None, f"invalid lexicon: {exc}"))
        return Lexicon()


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)

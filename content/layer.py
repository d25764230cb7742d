"""The content officers change in the console, laid over the packs: each item (an FAQ entry,
a contest, an event, a promotion, a campaign, a deadline) replaces the pack's item of the same
id, or is added to its pack (a pack of its own for a province the packs do not cover). The
result is an ordinary ContentStore, checked by the rules of `cdsbot content check` before an
item is saved, and written back as pack YAML by `cdsbot content export`.

Nothing here reads the database: db/content_layer.py gives the items, bot/content_refresh.py
lays them over the packs in every worker.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from content.loader import ContentProblem, ContentStore, authoring_problems, cross_check
from content.models import (
    Campaign,
    Contest,
    Deadline,
    Event,
    FaqEntry,
    Identified,
    Pack,
    Promotion,
    Province,
    SourceDoc,
)
from content.places import admin_units

log = logging.getLogger(__name__)

KIND_MODELS: dict[str, type[Identified]] = {
    "faq": FaqEntry, "contests": Contest, "events": Event, "promotions": Promotion,
    "campaigns": Campaign, "deadlines": Deadline,
}
KINDS = tuple(KIND_MODELS)


@dataclass(frozen=True)
class LayerItem:
    kind: str
    item_id: str
    pack: str
    data: dict[str, Any]
    """The item in the packs' format (dates as ISO strings)."""
    source_doc: dict[str, Any] | None = None
    """A source document to add to the pack when it does not list it: {id, file, title}."""


def overlay(base: ContentStore, items: Iterable[LayerItem],
            today: dt.date | None = None) -> ContentStore:
    """The packs with the layer's items in them; FAQ entries whose `expires` is before
    `today` left out (an answer past its last day is no answer)."""
    packs = {pack.pack: pack for pack in base.packs}
    for item in items:
        try:
            packs[item.pack] = with_item(packs.get(item.pack), item)
        except (ValidationError, ValueError) as error:  # a model that changed since: skipped
            log.warning("content layer item %s/%s left out: %s", item.kind, item.item_id, error)
    if today is not None:
        packs = {name: _without_expired(pack, today) for name, pack in packs.items()}
    return ContentStore(list(packs.values()), base.lexicon, base.services,
                        packs_dir=base.packs_dir)


def with_item(pack: Pack | None, item: LayerItem) -> Pack:
    """The pack with the item in it, in the place of the pack's own of the same id."""
    model = KIND_MODELS[item.kind].model_validate(item.data)
    source = SourceDoc.model_validate(item.source_doc) if item.source_doc else None
    if pack is None:
        if source is None:
            raise ValueError("a new pack needs its source document")
        pack = _new_pack(item.pack, source)
    sources = list(pack.sources)
    if source is not None and all(s.id != source.id for s in sources):
        sources.append(source)
    listed: list[Any] = list(getattr(pack, item.kind))
    place = next((i for i, x in enumerate(listed) if x.id == model.id), len(listed))
    listed[place:place + 1] = [model]
    return pack.model_copy(update={item.kind: listed, "sources": sources})


def _new_pack(slug: str, source: SourceDoc) -> Pack:
    """The pack of a current province that has no pack in the repository yet."""
    province = admin_units().provinces.get(slug)
    if province is None:
        raise ValueError(f"'{slug}' is not a current province")
    return Pack(pack=slug, title=f"Nội dung cập nhật của {province.in_sentence}",
                province=Province(slug=slug, name=province.short), sources=[source])


def _without_expired(pack: Pack, today: dt.date) -> Pack:
    kept = [entry for entry in pack.faq if entry.expires is None or entry.expires >= today]
    return pack if len(kept) == len(pack.faq) else pack.model_copy(update={"faq": kept})


def with_phrasings(store: ContentStore, added: Mapping[str, Sequence[str]]) -> ContentStore:
    """The store with the phrasings officers added from the inbox written into their entries
    (for the export: the matcher takes them separately)."""
    packs = []
    for pack in store.packs:
        faq = [entry.model_copy(update={"questions": [*entry.questions, *(
            q for q in added.get(entry.id, ()) if q not in entry.questions)]})
            for entry in pack.faq]
        packs.append(pack.model_copy(update={"faq": faq}))
    return ContentStore(packs, store.lexicon, store.services, packs_dir=store.packs_dir)


def problems_of(store: ContentStore, item_id: str) -> list[ContentProblem]:
    """What `cdsbot content check` says about one item of the store (the bot would refuse to
    start with the exported packs otherwise)."""
    found = [p for p in cross_check(store.packs, store.packs_dir, None) if p.entry == item_id]
    return found + authoring_problems(store, only={item_id})


def as_data(model: BaseModel) -> dict[str, Any]:
    """An item in the packs' format, as stored in the layer (JSON: dates as ISO text)."""
    return model.model_dump(mode="json", exclude_defaults=True)


def export_packs(store: ContentStore, packs: Iterable[str], folder: Path) -> list[Path]:
    """Write these packs of the store as YAML in the packs' format (content/AUTHORING.md), one
    file each, so the console's changes can be reviewed and committed; their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    by_name = {pack.pack: pack for pack in store.packs}
    written = []
    for name in sorted(set(packs)):
        data = by_name[name].model_dump(mode="python", exclude_defaults=True)
        path = folder / f"{name}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100),
                        encoding="utf-8")
        written.append(path)
    return written

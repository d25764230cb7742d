"""Build the FAQ matcher from loaded content."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from content.acceptance import AcceptanceModel
from content.loader import ContentStore
from content.matcher import FaqDocument, FaqMatcher, MatchParams
from content.normalize import tokenize
from content.places import admin_units


def build_matcher(content: ContentStore, params: MatchParams | None = None,
                  acceptance: AcceptanceModel | None | bool = True,
                  added: Mapping[str, Sequence[str]] | None = None,
                  confirmed_entries: Collection[str] = ()) -> FaqMatcher:
    """`acceptance` True loads the committed answer-or-refuse model; None scores by threshold.
    `added`: phrasings officers added to entries (db/content_layer.py), by entry id: asked as
    they were added, they get their entry (an officer's word beats the acceptance model).
    `confirmed_entries`: entries officers wrote in the console, whose phrasings count so too."""
    added = added or {}
    documents = [
        FaqDocument(entry.id, [*entry.questions, *added.get(entry.id, ())], entry.answer,
                    content.province_of(entry.id), entry.year)
        for entry in content.faq.values()
    ]
    covered = {p.name: p.slug for p in content.provinces}
    # A question naming the current province a pack's province is part of ("đồng tháp") is
    # about that pack's plans too (Tiền Giang's, since 1/7/2025); answers say so.
    units, aliases = admin_units(), []
    for province in content.provinces:
        if province.now and province.now in units.provinces:
            today = units.provinces[province.now].short
            if covered.setdefault(today, province.slug) == province.slug:
                aliases.append((tuple(tokenize(today)), tuple(tokenize(province.name))))
    lexicon = replace(content.lexicon, synonyms=tuple(sorted(
        (*content.lexicon.synonyms, *aliases), key=lambda pair: len(pair[0]), reverse=True)))
    places: dict[str, str | None] = {name: covered.get(name) for name in content.lexicon.places}
    places.update(covered)
    model = AcceptanceModel.load() if acceptance is True else acceptance or None
    confirmed = {text: faq_id for faq_id, texts in added.items() for text in texts}
    confirmed.update({text: faq_id for faq_id in confirmed_entries
                      for text in content.faq[faq_id].questions})
    return FaqMatcher(documents, lexicon, places, params, model, confirmed)

"""Build the FAQ matcher from loaded content."""

from __future__ import annotations

from content.loader import ContentStore
from content.matcher import FaqDocument, FaqMatcher, MatchParams


def build_matcher(content: ContentStore, params: MatchParams | None = None) -> FaqMatcher:
    documents = [
        FaqDocument(entry.id, entry.questions, entry.answer, content.province_of(entry.id))
        for entry in content.faq.values()
    ]
    covered = {p.name: p.slug for p in content.provinces}
    places: dict[str, str | None] = {name: covered.get(name) for name in content.lexicon.places}
    places.update(covered)
    return FaqMatcher(documents, content.lexicon, places, params)

"""Build the FAQ matcher from loaded content."""

from __future__ import annotations

from content.acceptance import AcceptanceModel
from content.loader import ContentStore
from content.matcher import FaqDocument, FaqMatcher, MatchParams


def build_matcher(content: ContentStore, params: MatchParams | None = None,
                  acceptance: AcceptanceModel | None | bool = True) -> FaqMatcher:
    """`acceptance` True loads the committed answer-or-refuse model; None scores by threshold."""
    documents = [
        FaqDocument(entry.id, entry.questions, entry.answer, content.province_of(entry.id))
        for entry in content.faq.values()
    ]
    covered = {p.name: p.slug for p in content.provinces}
    places: dict[str, str | None] = {name: covered.get(name) for name in content.lexicon.places}
    places.update(covered)
    model = AcceptanceModel.load() if acceptance is True else acceptance or None
    return FaqMatcher(documents, content.lexicon, places, params, model)

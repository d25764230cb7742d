"""Match a citizen's question to an FAQ entry, or refuse honestly.

Two stages, both on folded tokens (content/normalize.py):

1. Retrieval: an inverted index of word and two-word terms over every phrasing of every entry
   picks the few entries sharing the most informative terms with the question.
2. Scoring: each phrasing of those entries is scored by how much of the question's information
   it covers (terms weighted by rarity; unknown words weigh the most), how much of the phrasing
   the question covers, and rapidfuzz's token_set_ratio. The entry's confidence is its best
   phrasing's score, lowered when the question names a number (a year, a date) or a place the
   entry does not know. Below the calibrated threshold the bot says it does not know.

Unknown words weigh the most because out-of-scope questions that look like FAQ questions ("Ngày
Quốc khánh là ngày nào?") differ from them precisely in a word the FAQ never uses.
"""

from __future__ import annotations

import copy
import dataclasses
import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping

from rapidfuzz import fuzz

from content.acceptance import AcceptanceModel
from content.match_records import (
    Candidate,
    Entry,
    FaqDocument,
    MatchParams,
    MatchResult,
    Phrasing,
    Query,
    is_number,
    missing_slots,
    terms_of,
    years_in,
)
from content.message_context import (
    LONG_MESSAGE_WORDS,
    MIN_TAIL_WORDS,
    YEAR_RE,
    context_words,
    follow_up,
    is_follow_up,
    padded,
    places_named,
    question_clauses,
    separate_questions,
)
from content.normalize import Lexicon, Normalizer, tokenize
from content.question_types import (
    ENFORCED,
    answered_counts,
    answered_kinds,
    asked_kinds,
    counted_nouns,
    which_heads,
)
from content.vietnamese_words import vietnamese_words

THE_DAY = "10/10"
"""'dịp 10/10' names the Day every entry is about, not a date an entry must state."""
RESULT_CACHE_SIZE = 10_000
"""Match results kept per (question, province): citizens ask the same things again and again."""


class FaqMatcher:
    """Retrieval + scoring over a fixed set of FAQ documents (rebuild when content changes)."""

    def __init__(self, documents: Iterable[FaqDocument], lexicon: Lexicon,
                 places: Mapping[str, str | None] | None = None,
                 params: MatchParams | None = None, acceptance: AcceptanceModel | None = None,
                 confirmed: Mapping[str, str] | None = None) -> None:
        """`confirmed`: questions an officer said an entry answers (the console's inbox), by
        text: asked again as they were, they get that entry whatever the scores say."""
        self.params = params or MatchParams()
        self.acceptance = acceptance
        self.lexicon = lexicon
        base = Normalizer(lexicon)
        self._entries: list[Entry] = []
        vocabulary: set[str] = set()
        bigrams: set[tuple[str, str]] = set()
        for doc in documents:
            entry = Entry(doc)
            phrasing_tokens = []
            for question in doc.questions:
                tokens = base.basic_tokens(question)
                phrasing_tokens.append(tokens)
                vocabulary.update(tokens)
                bigrams.update(zip(tokens, tokens[1:], strict=False))
                entry.terms.update(terms_of(tokens))
                entry.phrasings.append(Phrasing(question, " ".join(tokens), frozenset(tokens), 0.0))
            answer_tokens = base.basic_tokens(doc.answer)
            vocabulary.update(answer_tokens)
            entry.answer_terms.update(terms_of(answer_tokens))
            entry.numbers = {t for t in entry.terms | entry.answer_terms if is_number(t)}
            if doc.year is not None:
                entry.numbers.add(str(doc.year))
            entry.years = {year for t in entry.numbers for year in years_in(t)}
            entry.missing = missing_slots(doc.answer, lexicon)
            entry.kinds = answered_kinds(phrasing_tokens, doc.answer)
            entry.counts = answered_counts(phrasing_tokens, answer_tokens)
            entry.which = frozenset(h for tokens in phrasing_tokens for h in which_heads(tokens))
            self._entries.append(entry)
        self._by_id = {entry.doc.faq_id: entry for entry in self._entries}
        self._words = vietnamese_words()
        self.normalizer = Normalizer(lexicon, vocabulary | set(lexicon.stopwords), bigrams,
                                     self._words)
        self._idf = self._compute_idf()
        self._unknown_weight = max(self._idf.values(), default=1.0) * self.params.unknown_weight_factor
        for entry in self._entries:
            for phrasing in entry.phrasings:
                phrasing.content_weight = sum(self._weight(t) for t in phrasing.unigrams)
        self._postings: dict[str, list[int]] = defaultdict(list)
        for index, entry in enumerate(self._entries):
            for term in entry.terms:
                self._postings[term].append(index)
        self._results: dict[tuple[str, str | None], MatchResult] = {}
        self._confirmed = {" ".join(self.normalizer.tokens(text)): faq_id
                           for text, faq_id in (confirmed or {}).items() if faq_id in self._by_id}
        self._places = [(padded(name), slug) for name, slug in (places or {}).items() if tokenize(name)]

    # -- public --------------------------------------------------------------------------------

    def match(self, question: str, province: str | None = None) -> MatchResult:
        """Best entry for `question`, or no entry when unsure; `province` ranks its entries first."""
        key = (question, province)
        result = self._results.get(key)
        if result is None:
            if len(self._results) >= RESULT_CACHE_SIZE:
                self._results.clear()  # simple bound; the popular questions return at once
            result = self._results[key] = self._match_long(question, province)
        return result

    def match_each(self, question: str, province: str | None = None) -> list[MatchResult]:
        """One result per question a message asks: "chủ đề năm 2024 là gì, và Nghệ An báo cáo
        trước ngày nào?" gets both answers. A message is read as several questions only when
        at least two of them find different entries; otherwise it is read whole."""
        parts = separate_questions(question)
        if len(parts) > 1:
            places = [w for w in context_words(question, self._places) if not w.isdigit()]
            results = []
            for part in parts:
                # "…, còn ở đó thì sao": a part naming no place asks about the message's places.
                names_one = places_named(padded(part), self._places)
                result = self.match(part if names_one else " ".join([part, *places]), province)
                results.append(dataclasses.replace(result, part=part))
            found = {r.best.faq_id for r in results if r.best is not None}
            if len(found) > 1:
                seen: set[str] = set()
                unique = []
                for result in results:
                    if result.best is None or result.best.faq_id not in seen:
                        unique.append(result)
                    if result.best is not None:
                        seen.add(result.best.faq_id)
                return unique
        return [self.match(question, province)]

    def _match_long(self, question: str, province: str | None) -> MatchResult:
        """A long message tells a story before it asks ("hôm qua …, cho em hỏi X ạ"): its last
        clauses are tried as the question too, and the surest match wins."""
        whole = self._match(question, province)
        if len(tokenize(question)) < LONG_MESSAGE_WORDS:
            return whole
        clauses = question_clauses(question)
        best = whole
        context = context_words(question, self._places)
        for start in range(len(clauses) - 1, 0, -1):
            text = " ".join(clauses[start:])
            content = [t for t in self.normalizer.tokens(text) if t not in self.lexicon.stopwords]
            if len(content) < MIN_TAIL_WORDS:
                continue  # "…, ai phụ trách vậy": no question of its own without what came before
            tail = self._match(" ".join([text, *context]), province)
            if tail.best is not None and tail.score > best.score:
                best = MatchResult(whole.normalized, tail.best, tail.alternatives, tail.signals)
        return best

    def clear_cache(self) -> None:
        """Forget cached results and normalisations (benchmarks time questions cold)."""
        self._results.clear()
        self.normalizer.clear_cache()

    def _match(self, question: str, province: str | None) -> MatchResult:
        tokens = self.normalizer.tokens(question)
        normalized = " ".join(tokens)
        if normalized in self._confirmed:
            return MatchResult(normalized, Candidate(self._confirmed[normalized], 1.0,
                                                     normalized, 1.0, 1.0, 1.0))
        content = [t for t in tokens if t not in self.lexicon.stopwords]
        if not content:
            return MatchResult(normalized, None)
        query_terms = terms_of(tokens)
        words = {t: self._weight(t) for t in query_terms if " " not in t}
        bigrams = {t: self._bigram_weight(t) for t in query_terms if " " in t}
        written = tokenize(question)
        p_stop = self.params.stopword_weight
        numbers, slots, years = self._numbers_slots_years(tokens)
        query = Query(tokens, written, normalized, words, bigrams, sum(words.values()) or 1.0,
                       sum(bigrams.values()), kinds=asked_kinds(tokens), counts=counted_nouns(tokens),
                       places=places_named(" " + " ".join(written) + " ", self._places),
                       numbers=numbers, slots=slots, years=years, which=which_heads(tokens),
                       word_set=frozenset(words),
                       reverse_weights={t: (p_stop if t in self.lexicon.stopwords
                                            else self._idf.get(t, 0.0)) for t in words})
        scored = [self._score(self._entries[i], query, province) for i in self._retrieve(query_terms)]
        if not scored:
            return MatchResult(normalized, None)
        # The entry that fits the words best but lacks the year or the kind of fact asked
        # ("giải nhất bao nhiêu tiền") means the plans do not say: refuse rather than let a
        # weaker entry answer beside the question.
        closest = max(scored, key=lambda c: c.raw)
        if self.params.veto and closest.penalised and closest.raw >= self.params.threshold:
            return MatchResult(normalized, None, (closest,))
        scored.sort(key=lambda c: c.score, reverse=True)
        best = scored[0]
        runner_up = scored[1].score if len(scored) > 1 else 0.0
        signals = self._signals(self._by_id[best.faq_id], query, best, runner_up)
        if not self._accepts(best, signals):
            return MatchResult(normalized, None, tuple(scored[:3]), signals)
        close = tuple(c for c in scored[1:4]
                      if c.score >= self.params.threshold
                      and best.score - c.score <= self.params.ambiguity_margin)
        return MatchResult(normalized, best, close, signals)

    def _accepts(self, best: Candidate, signals: Mapping[str, float]) -> bool:
        if self.acceptance is None:
            return best.score >= self.params.threshold
        return best.score >= self.params.floor and self.acceptance.accepts(signals)

    def _signals(self, entry: Entry, query: Query, best: Candidate,
                 runner_up: float) -> dict[str, float]:
        """What tells a fitting entry from one that only shares words (content/acceptance.py)."""
        content = {w: weight for w, weight in query.words.items() if w not in self.lexicon.stopwords}
        total = sum(content.values()) or 1.0
        uncovered = {w: weight for w, weight in content.items()
                     if w not in entry.terms and w not in entry.answer_terms}
        unknown = [w for w in content if w not in self.normalizer.vocabulary]
        kinds = query.kinds & set(ENFORCED)
        return {
            "score": best.score,
            "margin": best.score - runner_up,
            "fuzzy": best.fuzzy,
            "reverse": best.reverse,
            "kinds_agree": 1.0 if kinds and kinds <= entry.kinds else 0.0,
            "place_agrees": 1.0 if entry.doc.province is not None
            and any(slug == entry.doc.province for _, slug in query.places) else 0.0,
            "uncovered": sum(uncovered.values()) / total,
            "unphrased": sum(weight for w, weight in content.items() if w not in entry.terms) / total,
            "max_uncovered": max(uncovered.values(), default=0.0) / self._unknown_weight,
            "unknown_words": float(len(unknown)),
            "real_unknown": float(sum(1 for w in unknown if w in self._words.folded_syllables)),
            "content_words": min(len(content), 20) / 10,
        }

    def follow_up(self, previous: str, follow: str) -> str:
        """The question a follow-up asks, read with the one before (content/message_context.py)."""
        return follow_up(previous, follow, self._places)

    def is_follow_up(self, text: str) -> bool:
        return is_follow_up(text, self._places)

    def with_params(self, params: MatchParams,
                    acceptance: AcceptanceModel | None | bool = True) -> FaqMatcher:
        """The same index scored with other parameters (for calibration); `acceptance` True
        keeps this matcher's model, None or another model replaces it."""
        other = copy.copy(self)
        other.params = params
        if acceptance is not True:
            other.acceptance = acceptance or None
        other._results = {}
        other._unknown_weight = max(self._idf.values(), default=1.0) * params.unknown_weight_factor
        return other

    # -- internals -----------------------------------------------------------------------------

    def _compute_idf(self) -> dict[str, float]:
        df: dict[str, int] = defaultdict(int)
        for entry in self._entries:
            for term in entry.terms | entry.answer_terms:
                df[term] += 1
        n = len(self._entries)
        return {term: math.log((n + 1) / (count + 0.5)) + 0.1 for term, count in df.items()}

    def _weight(self, term: str) -> float:
        if term in self.lexicon.stopwords:
            return self.params.stopword_weight
        return self._idf.get(term, self._unknown_weight)

    def _bigram_weight(self, bigram: str) -> float:
        known = self._idf.get(bigram)
        return known if known is not None else self._unknown_weight * self.params.unknown_bigram_factor

    def _retrieve(self, query_terms: set[str]) -> list[int]:
        """Entries sharing the most informative terms; terms in most entries only break ties."""
        scores: dict[int, float] = defaultdict(float)
        common_limit = max(len(self._entries) // 4, 8)
        for term in query_terms:
            weight = self._idf.get(term)
            if weight is None or term in self.lexicon.stopwords:
                continue
            postings = self._postings.get(term, ())
            if len(postings) > common_limit:
                continue
            for index in postings:
                scores[index] += weight
        return heapq.nlargest(self.params.candidates, scores, key=scores.__getitem__)

    def _score(self, entry: Entry, query: Query, province: str | None) -> Candidate:
        p = self.params
        # Credit for query words found anywhere in the entry; a phrasing that has the word
        # itself adds the rest (so only the intersection is computed per phrasing).
        in_entry = 1.0 - p.phrasing_bonus
        base = 0.0
        for word, weight in query.words.items():
            if word in entry.terms:
                base += weight * in_entry
            elif word in entry.answer_terms:
                base += weight * p.answer_credit
        bigrams = query.bigrams
        bigram_coverage = (sum(w for b, w in bigrams.items() if b in entry.terms) / query.bigram_total
                           if query.bigram_total else 1.0)
        partials = []
        for phrasing in entry.phrasings:
            common = phrasing.unigrams & query.word_set
            in_phrasing = reverse = 0.0
            for t in common:
                in_phrasing += query.words[t]
                reverse += query.reverse_weights[t]
            coverage = ((1 - p.bigram_share) * (base + p.phrasing_bonus * in_phrasing) / query.total
                        + p.bigram_share * bigram_coverage)
            reverse /= phrasing.content_weight or 1.0
            partials.append((p.coverage_weight * coverage + p.reverse_weight * reverse, reverse, phrasing))
        # The fuzzy ratio is the costly part and adds at most fuzzy_weight: phrasings that cannot
        # beat the best so far even with a perfect ratio are not compared at all.
        partials.sort(key=lambda item: item[0], reverse=True)
        best_score, best_text, best_fuzzy, best_reverse = 0.0, "", 0.0, 0.0
        for partial, reverse, phrasing in partials:
            if partial + p.fuzzy_weight <= best_score:
                break
            fuzzy = fuzz.token_set_ratio(query.normalized, phrasing.joined) / 100
            score = partial + p.fuzzy_weight * fuzzy
            if score > best_score:
                best_score, best_text, best_fuzzy, best_reverse = score, phrasing.text, fuzzy, reverse
        best_score *= self._place_factor(entry, query)
        if province and entry.doc.province == province:
            best_score += p.province_bonus
        raw = min(best_score, 1.0)
        final = raw * self._fact_factor(entry, query) * self._kind_factor(entry, query)
        return Candidate(entry.doc.faq_id, round(final, 4), best_text, round(raw, 4), best_fuzzy,
                         best_reverse)

    def _fact_factor(self, entry: Entry, query: Query) -> float:
        """Lower the score when the question names a number or asks a fact the entry lacks."""
        factor = 1.0
        for number in query.numbers:
            if number not in entry.numbers and number != THE_DAY:
                factor *= self.params.number_penalty
        for year in query.years:
            if year not in entry.years:
                factor *= self.params.number_penalty  # "tháng 10/2025": a year the entry never names
        for slot in query.slots:
            if slot in entry.missing:
                factor *= self.params.slot_penalty
        return factor

    def _numbers_slots_years(self, tokens: list[str]) -> tuple[frozenset[str], ...]:
        """The numbers a question names, the kinds of fact it asks (content/lexicon.yaml) and the
        years inside its dates."""
        numbers = {t for t in tokens if is_number(t)}
        if len(tokens) >= LONG_MESSAGE_WORDS:
            # A story's numbers ("mẹ tôi 70 tuổi") are not what it asks; its years and dates may be.
            numbers = {t for t in numbers if "/" in t or YEAR_RE.fullmatch(t)}
        text = " " + " ".join(tokens) + " "
        slots = {slot for slot, phrases in self.lexicon.asks.items()
                 if any(f" {phrase} " in text for phrase in phrases)}
        years = {year for t in numbers if "/" in t for year in years_in(t)}
        return frozenset(numbers), frozenset(slots), frozenset(years)

    def _kind_factor(self, entry: Entry, query: Query) -> float:
        """Lower the score when the entry cannot answer the kind of fact asked."""
        factor = 1.0
        for kind in query.kinds & set(ENFORCED):
            if kind not in entry.kinds:
                factor *= self.params.kind_penalty
        if query.counts and not query.counts & entry.counts:
            factor *= self.params.kind_penalty
        for head in query.which:
            # "ở khách sạn nào": an answer that names no khách sạn does not say which.
            if head not in entry.answer_terms and head not in entry.which:
                factor *= self.params.kind_penalty
        return factor

    def _place_factor(self, entry: Entry, query: Query) -> float:
        named = {slug for _, slug in query.places}
        if named and entry.doc.province is not None and entry.doc.province not in named:
            return 0.0  # "Đà Nẵng tổ chức tuần lễ …": another province's plan never answers it
        factor = 1.0
        for _, slug in query.places:
            # A covered province: answers from other provinces are suspect. A place we have no
            # pack for: every answer is, since we cannot vouch for that place's plans.
            if slug is None or entry.doc.province not in (None, slug):
                factor *= self.params.place_penalty
        return factor

"""FAQ matcher benchmark: latency, throughput and accuracy, side by side with two baselines.

"before": the matcher as it was before it read what is asked (issue 12): no answer-or-refuse
model (a score threshold), no kind-of-fact check, one answer per message.
"naive": `rapidfuzz.process.extractOne` over every phrasing with its default scorer (WRatio),
on the raw text, with the score cut-off that suits it best on the same questions.
Workloads: the shipped content, and the shipped content plus synthetic entries (2,000 in all).
Questions: tests/data/dev_questions.yaml. Single process, single thread (one core).

    .venv/bin/python bench/faq_bench.py [--entries 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from rapidfuzz import process

from content.acceptance import AcceptanceModel
from content.evaluation import LabelledQuestion, Scores, evaluate, load_questions
from content.formatting import Formatter
from content.index import build_matcher
from content.loader import ContentStore, load_content
from content.matcher import FaqDocument, FaqMatcher

ROOT = Path(__file__).resolve().parent.parent


def synthetic_documents(content: ContentStore, total: int, seed: int = 7) -> list[FaqDocument]:
    """Shipped entries plus made-up ones drawn from the same vocabulary, up to `total`."""
    rng = random.Random(seed)
    shipped = [FaqDocument(e.id, e.questions, e.answer, content.province_of(e.id))
               for e in content.faq.values()]
    words = sorted({w for e in content.faq.values() for q in e.questions for w in q.split()})
    extra = []
    for n in range(total - len(shipped)):
        questions = [" ".join(rng.choices(words, k=rng.randint(6, 12))) + "?" for _ in range(8)]
        extra.append(FaqDocument(f"syn-{n}", questions, " ".join(rng.choices(words, k=30))))
    return shipped + extra


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def time_calls(call: Callable[[str], object], questions: list[str], repeat: int,
               before: Callable[[], None] = lambda: None) -> tuple[list[float], float]:
    latencies = []
    start = time.perf_counter()
    for _ in range(repeat):
        for question in questions:
            before()
            t0 = time.perf_counter()
            call(question)
            latencies.append((time.perf_counter() - t0) * 1000)
    return latencies, len(latencies) / (time.perf_counter() - start)


def baseline(documents: list[FaqDocument]) -> tuple[Callable[[str], object], Callable[[float], Callable[[str], str | None]]]:
    choices, owners = [], []
    for doc in documents:
        for question in doc.questions:
            choices.append(question)
            owners.append(doc)

    def call(question: str) -> object:
        return process.extractOne(question, choices)

    def answerer(cutoff: float) -> Callable[[str], str | None]:
        def answer_of(question: str) -> str | None:
            found = process.extractOne(question, choices, score_cutoff=cutoff)
            return None if found is None else owners[found[2]].answer
        return answer_of

    return call, answerer


def ours(matcher: FaqMatcher, documents: list[FaqDocument],
         each: bool = True) -> Callable[[str], str | None]:
    answers = {d.faq_id: d.answer for d in documents}

    def answer_of(question: str) -> str | None:
        results = matcher.match_each(question) if each else [matcher.match(question)]
        found = [answers[r.best.faq_id] for r in results if r.best is not None]
        return "\n\n".join(found) if found else None

    return answer_of


def render_money(answer_of: Callable[[str], str | None]) -> Callable[[str], str | None]:
    formatter = Formatter("vi")

    def rendered(question: str) -> str | None:
        answer = answer_of(question)
        return None if answer is None else formatter.render(answer)

    return rendered


def best_baseline_scores(answerer: Callable[[float], Callable[[str], str | None]],
                         questions: list[LabelledQuestion]) -> tuple[float, Scores]:
    results = [(c, evaluate(questions, render_money(answerer(c)))) for c in range(0, 101, 5)]
    return max(results, key=lambda r: balanced(r[1]))


def balanced(scores: Scores) -> float:
    """Mean of in-scope answered correctly and out-of-scope refused."""
    return (scores.correct_rate + scores.refusal_rate) / 2


def run(label: str, documents: list[FaqDocument], content: ContentStore,
        questions: list[LabelledQuestion], repeat: int) -> None:
    covered = {p.name: p.slug for p in content.provinces}
    places: dict[str, str | None] = {n: covered.get(n) for n in content.lexicon.places}
    params = build_matcher(content).params
    matcher = FaqMatcher(documents, content.lexicon, places, params, AcceptanceModel.load())
    before = FaqMatcher(documents, content.lexicon, places, replace(params, kind_penalty=1.0), None)
    texts = [q.question for q in questions]
    our_lat, our_qps = time_calls(matcher.match_each, texts, repeat, matcher.clear_cache)
    old_lat, old_qps = time_calls(before.match, texts, repeat, before.clear_cache)
    base_call, base_answerer = baseline(documents)
    base_lat, base_qps = time_calls(base_call, texts, repeat)
    our_scores = evaluate(questions, render_money(ours(matcher, documents)))
    old_scores = evaluate(questions, render_money(ours(before, documents, each=False)))
    cutoff, base_scores = best_baseline_scores(base_answerer, questions)
    print(f"\n## {label}: {len(documents)} entries, {sum(len(d.questions) for d in documents)} phrasings, "
          f"{len(texts)} questions x {repeat}")
    print(f"{'':10} {'p50 ms':>8} {'p99 ms':>8} {'q/s':>9}  accuracy")
    print(f"{'ours':10} {statistics.median(our_lat):8.3f} {percentile(our_lat, 0.99):8.3f} "
          f"{our_qps:9.0f}  {our_scores.summary()}")
    print(f"{'before':10} {statistics.median(old_lat):8.3f} {percentile(old_lat, 0.99):8.3f} "
          f"{old_qps:9.0f}  {old_scores.summary()}")
    print(f"{'naive':10} {statistics.median(base_lat):8.3f} {percentile(base_lat, 0.99):8.3f} "
          f"{base_qps:9.0f}  {base_scores.summary()} (best cutoff {cutoff})")
    print(f"ratio ours/before: p50 {statistics.median(our_lat) / statistics.median(old_lat):.2f}x, "
          f"p99 {percentile(our_lat, 0.99) / percentile(old_lat, 0.99):.2f}x, "
          f"q/s {our_qps / old_qps:.2f}x; balanced accuracy {balanced(our_scores):.1%} vs "
          f"{balanced(old_scores):.1%}, wrong {our_scores.wrong_rate:.1%} vs {old_scores.wrong_rate:.1%}")
    print(f"ratio ours/naive: p50 {statistics.median(our_lat) / statistics.median(base_lat):.2f}x, "
          f"p99 {percentile(our_lat, 0.99) / percentile(base_lat, 0.99):.2f}x, "
          f"q/s {our_qps / base_qps:.2f}x; correct {our_scores.correct_rate - base_scores.correct_rate:+.1%}, "
          f"refused out-of-scope {our_scores.refusal_rate - base_scores.refusal_rate:+.1%}; "
          f"balanced accuracy {balanced(our_scores):.1%} vs {balanced(base_scores):.1%}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--questions", type=Path, default=ROOT / "tests/data/dev_questions.yaml")
    args = parser.parse_args()
    content = load_content()
    questions = load_questions(args.questions)
    shipped = synthetic_documents(content, len(content.faq))
    print("FAQ matcher benchmark (cache cleared before every question; one thread)")
    run("shipped content", shipped, content, questions, args.repeat)
    run("synthetic pack", synthetic_documents(content, args.entries), content, questions, args.repeat)


if __name__ == "__main__":
    main()

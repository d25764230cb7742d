"""Console benchmark (first part): the questions inbox grouping 100,000 logged questions.

Fills a fresh PostgreSQL (or SQLite) database with `--questions` logged questions that need an
officer's look, spread over 30 days and the four seed provinces: the questions of every set in
tests/data (about 4,000), folded as the log stores them, each with small variations (a word
added or dropped, a typo), as people type them. Then times QuestionInbox.groups for one province and for every
province (an admin), `--repeat` times each, and prints the median and the worst.

    .venv/bin/python bench/console_bench.py [--questions 100000] [--repeat 5]
        [--database postgres|sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchlib import postgres_database  # noqa: E402

QUESTION_SETS = ROOT / "tests" / "data"

PROVINCES = ["dong-thap", "an-giang", "vinh-long", "tay-ninh"]
FILLERS = ["vay", "a", "nhi", "the", "ak", "ad oi", "cho em hoi", "xin hoi"]
NOW = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)


def variations(questions: list[str], count: int, seed: int = 7) -> list[tuple[str, str]]:
    """(normalised text, province) for `count` questions."""
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        words = rng.choice(questions).lower().split()
        roll = rng.random()
        if roll < 0.3:
            words.append(rng.choice(FILLERS))
        elif roll < 0.45 and len(words) > 3:
            words.pop(rng.randrange(len(words)))
        elif roll < 0.6:
            at = rng.randrange(len(words))
            word = words[at]
            if len(word) > 3:
                cut = rng.randrange(1, len(word) - 1)
                words[at] = word[:cut] + word[cut + 1:]  # a dropped letter
        made.append((" ".join(words), rng.choice(PROVINCES)))
    return made


def question_texts() -> list[str]:
    import yaml

    from content.normalize import fold

    texts = set()
    for path in sorted(QUESTION_SETS.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if isinstance(item, dict) and isinstance(item.get("q"), str):
                texts.add(fold(item["q"]))
    return sorted(texts)


async def fill(url: str, count: int) -> None:
    from sqlalchemy import insert

    from db.engine import create_engine
    from db.models import QuestionLog

    rows = [{"created_at": NOW - dt.timedelta(minutes=43 * n % (30 * 24 * 60)),
             "user_id": None, "channel": "zalo", "province": province, "text": text,
             "normalized_text": text, "faq_id": None, "score": 0.3, "matched": False}
            for n, (text, province) in enumerate(variations(question_texts(), count))]
    engine = create_engine(url)
    async with engine.begin() as conn:
        for start in range(0, len(rows), 5000):
            await conn.execute(insert(QuestionLog), rows[start:start + 5000])
    await engine.dispose()


async def measure(url: str, province: str | None, repeat: int) -> tuple[list[float], int]:
    from db.engine import create_engine, session_factory
    from db.question_inbox import Filter, QuestionInbox

    engine = create_engine(url)
    sessions = session_factory(engine)
    window = Filter(province, NOW - dt.timedelta(days=30), NOW + dt.timedelta(minutes=1))
    took, groups = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        async with sessions() as session:
            groups = len(await QuestionInbox(session).groups(window))
        took.append((time.perf_counter() - started) * 1000)
    await engine.dispose()
    return took, groups


async def main(args: argparse.Namespace) -> None:
    from db.migrate import upgrade

    async with AsyncExitStack() as stack:
        if args.database == "postgres":
            url = await postgres_database(stack, "consolebench")
        else:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
        await upgrade(url)
        filled = time.perf_counter()
        await fill(url, args.questions)
        print(f"store: {args.database}; {args.questions:,} logged questions needing a look "
              f"(filled in {time.perf_counter() - filled:.1f} s)")
        worst = 0.0
        for name, province in (("one province", "dong-thap"), ("every province", None)):
            took, groups = await measure(url, province, args.repeat)
            worst = max(worst, max(took))
            print(f"inbox, {name}: {groups} groups shown; median {statistics.median(took):.0f} "
                  f"ms, worst {max(took):.0f} ms of {args.repeat}")
        print(f"target (groups 100,000 questions in under 1 s): "
              f"{'met' if worst < 1000 and args.questions >= 100_000 else 'NOT met'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    asyncio.run(main(parser.parse_args()))

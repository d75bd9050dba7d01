"""Grouping N own-words answers into themes (flows/themes.py): time and peak memory.

The answers are built from tests/data/themes_labelled.tsv with a seeded generator: a
labelled answer, sometimes with a typo, a place or a time added, so that most wordings are
distinct (the hard case: identical wordings are grouped before clustering and cost nothing).

    .venv/bin/python bench/themes.py --answers 10000
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flows.facts import UnplacedItem  # noqa: E402
from flows.themes import group, wording_key  # noqa: E402
from flows.world import World  # noqa: E402

PLACES = ["в центре", "у базара", "на Ленина", "в 7 мкр", "борбордо", "базарда", "кичи районубузда"]
TIMES = ["каждый день", "по вечерам", "зимой", "күн сайын", "кечинде", "всегда", "эртең менен"]


def answers(n: int, seed: int = 13) -> list[UnplacedItem]:
    rows = (ROOT / "tests/data/themes_labelled.tsv").read_text(encoding="utf-8").splitlines()
    texts = [line.split("\t")[2] for line in rows if line and not line.startswith("#")]
    rng = random.Random(seed)
    out = []
    for i in range(n):
        text = rng.choice(texts)
        if rng.random() < 0.5:
            text = f"{text} {rng.choice(PLACES)}"
        if rng.random() < 0.4:
            text = f"{text} {rng.choice(TIMES)}"
        if rng.random() < 0.3 and len(text) > 4:  # a typo: two letters swapped
            k = rng.randrange(len(text) - 1)
            text = text[:k] + text[k + 1] + text[k] + text[k + 2 :]
        out.append(UnplacedItem(i + 1, 1 + i % 5, text))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from bot.config import load_world

    world: World = load_world()
    matcher = world.matchers["karakol"]
    items = answers(args.answers)
    distinct = len({wording_key(i.text) for i in items})
    group(items[:50], matcher)  # imports (scikit-learn) and caches warm, not measured
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        themes = group(items, matcher)
        times.append(time.perf_counter() - start)
    times.sort()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    big = [t for t in themes if t.size >= 2]
    print(
        f"{args.answers} answers, {distinct} distinct wordings -> {len(themes)} themes "
        f"({len(big)} of 2+ answers holding {sum(t.size for t in big)} answers)"
    )
    print(
        f"time min/median/max: {times[0]:.2f} / {times[len(times) // 2]:.2f} / {times[-1]:.2f} s;"
        f" peak RSS {peak:.0f} MiB"
    )


if __name__ == "__main__":
    main()

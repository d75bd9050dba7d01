"""The first chart of a fresh process, cold and after `bot.chart.warm()`: each case in new
processes, with matplotlib's font cache as it is on disk and (`--no-cache`) without one."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.machine import pin_and_describe

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
began = time.perf_counter()
from bot.chart import ranking_png, warm
warmed = 0.0
if {warm!r}:
    t = time.perf_counter()
    warm()
    warmed = time.perf_counter() - t
t = time.perf_counter()
png = ranking_png("Каракол: көйгөйлөр", ["Жолдор", "Суу", "Үңкүр"], [0.5, 0.3, 0.2], "ң ө ү")
first = time.perf_counter() - t
t = time.perf_counter()
ranking_png("Каракол", ["Жолдор"], [0.5])
second = time.perf_counter() - t
print(json.dumps({{"warm": warmed, "first": first, "second": second, "bytes": len(png)}}))
"""


def one(warm: bool, cache: bool) -> dict[str, float]:
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        if not cache:
            env["MPLCONFIGDIR"] = tmp  # no font cache: matplotlib builds it (first start)
        code = CHILD.format(root=str(ROOT), warm=warm)
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def spread(values: list[float]) -> str:
    picked = (min(values), statistics.median(values), max(values))
    return " / ".join(f"{v * 1000:.0f}" for v in picked) + " ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cores", type=int, default=1)
    parser.add_argument("--no-cache", action="store_true", help="also without a font cache")
    args = parser.parse_args()
    print(pin_and_describe(args.cores))
    caches = (True, False) if args.no_cache else (True,)
    for cache in caches:
        for warm in (False, True):
            runs = [one(warm, cache) for _ in range(args.runs)]
            label = f"{'warmed' if warm else 'cold  '}, font cache {'on disk' if cache else 'none'}"
            line = f"{label}: first chart {spread([r['first'] for r in runs])}"
            if warm:
                line += f" (warm() took {spread([r['warm'] for r in runs])}, in the background)"
            line += f"; second chart {spread([r['second'] for r in runs])}"
            print(line + f" (min / median / max of {args.runs} processes)")


if __name__ == "__main__":
    main()

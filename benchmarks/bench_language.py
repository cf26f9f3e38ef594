"""Micro-benchmark: how long one sentence takes to parse (deadline + probability).

Run: python benchmarks/bench_language.py [--repeat N]
Prints the mean, median and 99th percentile per sentence for read_deadline, read_probability
and both, over sentences from the seed articles (../shared/seeds, if present) and built-in
samples. The first call of each is timed separately: it loads dateutil and the word table.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from datetime import date
from pathlib import Path

SAMPLES = [
    "Meta will acquire a coding-focused AI startup (e.g., Replit or Sourcegraph) by Q2 2027 to inject specialized code training.",
    "Given that Muse Spark only completed a nine-month development cycle, a coding-focused iteration in 2026 seems likely.",
    "Integration into WhatsApp, Instagram, Facebook, Messenger, and Meta's AI glasses is expected in the coming weeks.",
    "Nine months after Mark Zuckerberg brought in Alexandr Wang in a deal that valued Scale AI at roughly $14 billion, Meta has delivered.",
    "Muse Spark scored 72.3% on HumanEval pass@1, a 12-point improvement over Llama 4's 60.1%.",
    "Goldman Sachs economists now see a 35% probability of a US recession over the next 12 months.",
    "The merger is expected to close in the second half of 2026, subject to regulatory approval.",
    "We do not expect a recovery until 2028.",
    "Amazon expects to complete the rollout by the end of 2026 or early 2027.",
    "The company was founded in 2004 and went public in 2012.",
]


def sentences() -> list[str]:
    seeds = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    found = list(SAMPLES)
    if seeds.is_dir():
        for path in sorted(seeds.glob("*.txt")):
            text = path.read_text(encoding="utf-8")
            found += [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if len(s.strip()) > 20]
    return found


def timed(func, items, repeat) -> tuple[list[float], list[float]]:
    """Every call's time, and each sentence's fastest call (which a busy machine disturbs least)."""
    per_call: list[float] = []
    best = [float("inf")] * len(items)
    for _ in range(repeat):
        for i, item in enumerate(items):
            start = time.perf_counter()
            func(item)
            elapsed = time.perf_counter() - start
            per_call.append(elapsed)
            best[i] = min(best[i], elapsed)
    return per_call, best


def report(name: str, timings: tuple[list[float], list[float]]) -> None:
    for label, samples in zip(("all calls", "best of each"), timings):
        us = sorted(s * 1e6 for s in samples)
        p99 = us[min(len(us) - 1, int(len(us) * 0.99))]
        print(f"{name:17s} {label:13s} mean {statistics.mean(us):7.1f} us   median {statistics.median(us):7.1f} us   "
              f"p99 {p99:7.1f} us   max {us[-1]:7.1f} us   ({len(us)} calls)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    start = time.perf_counter()
    from predtrack.likelihood import read_probability
    from predtrack.when import read_deadline

    stated = date(2026, 4, 8)
    read_deadline("by June 30, 2027", stated)
    read_probability("likely")
    print(f"import and first calls: {(time.perf_counter() - start) * 1e3:.1f} ms")
    items = sentences()
    print(f"{len(items)} sentences, mean length {statistics.mean(len(s) for s in items):.0f} characters")
    report("read_deadline", timed(lambda s: read_deadline(s, stated), items, args.repeat))
    report("read_probability", timed(read_probability, items, args.repeat))
    report("both", timed(lambda s: (read_deadline(s, stated), read_probability(s)), items, args.repeat))


if __name__ == "__main__":
    main()

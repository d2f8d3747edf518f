"""Benchmark the questionnaire the way the bot drives it.

Each simulated update: load the session from its stored JSON, answer the current step (a
random button, or a typed age), render the next step, store the session as JSON again. Sessions
are walked to the result. Run:

    .venv/bin/python bench/bench_dialogs.py [--sessions 100000] [--rules-sessions 10000]

Prints µs per step without the rules-based skip and with it (separately), bytes per stored
session (mean/max), and traced memory after 10k and after all finished sessions.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dialogs import QuestionFlow, Session

SKIP_KEYS = {"type", "other"}


def cpu() -> float:
    """CPU seconds of this thread: unlike the wall clock, not inflated when other processes
    share the cores (CI has two)."""
    return time.thread_time_ns() / 1e9


def rss_bytes() -> int:
    """Resident set size of this process (Linux /proc; 0 where unavailable)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def run_session(
    flow: QuestionFlow, rng: random.Random, sizes: list[int], split: list[float] | None = None
) -> tuple[int, float]:
    """Walk one session to its result; returns (steps, seconds spent in the steps). `split`
    accumulates CPU seconds [in JSON load+dump, in answer+step]."""
    stored = flow.new_session(rng.choice(("en", "zh-hant", "zh-hans"))).to_json()
    step = flow.step(Session.from_json(stored))
    steps = 0
    spent = 0.0
    while step.kind != "result":
        if step.kind == "summary":
            key, text = "result", None
        elif step.question is not None and not step.buttons:
            key, text = None, str(rng.randint(18, 60))
        elif step.question is not None and step.question.kind == "multi":
            # a checklist: the adapter keeps the ticks; Done submits them in one step
            lines = len(step.question.checklist)
            key, text = flow.checklist_key(i for i in range(lines) if rng.random() < 0.4), None
        else:
            choices = [b.key for b in step.buttons if b.key not in SKIP_KEYS]
            key, text = rng.choice(choices), None
        w0 = time.perf_counter()
        t0 = cpu()
        session = Session.from_json(stored)
        t1 = cpu()
        reply = flow.answer(session, key=key, text=text)
        step = flow.step(reply.session)
        t2 = cpu()
        stored = reply.session.to_json()
        t3 = cpu()
        spent += time.perf_counter() - w0
        steps += 1
        if split is not None:
            split[0] += (t1 - t0) + (t3 - t2)
            split[1] += t2 - t1
    size = len(stored.encode("utf-8"))
    # [count, total, max]: a list of 100,000 sizes would itself grow the memory we measure.
    sizes[0] += 1
    sizes[1] += size
    sizes[2] = max(sizes[2], size)
    return steps, spent


def bench(flow: QuestionFlow, sessions: int, seed: int, checkpoints: tuple[int, ...]) -> dict:
    rng = random.Random(seed)
    sizes = [0, 0, 0]
    total_steps = 0
    total_time = 0.0
    memory: dict[int, int] = {}
    split = [0.0, 0.0]
    gc.collect()
    for i in range(1, sessions + 1):
        steps, spent = run_session(flow, rng, sizes, split)
        total_steps += steps
        total_time += spent
        if i in checkpoints:
            gc.collect()
            memory[i] = rss_bytes()
    return {
        "sessions": sessions,
        "steps": total_steps,
        "us_per_step": total_time / total_steps * 1e6,
        "us_json": split[0] / total_steps * 1e6,
        "us_logic": split[1] / total_steps * 1e6,
        "steps_per_session": total_steps / sessions,
        "bytes_mean": sizes[1] / sizes[0],
        "bytes_max": sizes[2],
        "memory": memory,
        "models_left": len(flow.machine.models),
    }


def report(title: str, r: dict) -> None:
    print(f"{title}")
    per = r["steps_per_session"]
    print(f"  sessions {r['sessions']:,}, steps {r['steps']:,} ({per:.1f} per session)")
    cpu_total = r["us_logic"] + r["us_json"]
    print(f"  {cpu_total:.1f} µs CPU per step (load JSON + answer + next step view + dump JSON)")
    print(f"    of which {r['us_logic']:.1f} µs answer + step view, {r['us_json']:.1f} µs JSON")
    wall = r["us_per_step"]
    print(f"  {wall:.1f} µs wall clock per step (includes time the CPU was busy elsewhere)")
    print(f"  stored session: mean {r['bytes_mean']:.0f} B, max {r['bytes_max']} B")
    for n, b in sorted(r["memory"].items()):
        print(f"  RSS after {n:,} finished sessions: {b / 2**20:.1f} MiB")
    print(f"  models left attached to the machine: {r['models_left']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--rules-sessions", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    reference = min(timeit.repeat("sum(range(1000))", number=2000, repeat=5)) / 2000 * 1e6
    print(f"Machine speed reference: sum(range(1000)) takes {reference:.1f} µs here")
    plain = QuestionFlow.default(skip_by_rules=False)
    n = args.sessions
    checkpoints = tuple(sorted({min(10_000, n), max(n // 2, min(10_000, n)), n}))
    r = bench(plain, args.sessions, args.seed, checkpoints)
    report("Without the rules-based skip (target ≤ 50 µs per step, ≤ 2 KB per session)", r)

    ruled = QuestionFlow.default(skip_by_rules=True)
    n = args.rules_sessions
    r2 = bench(ruled, n, args.seed, tuple(sorted({min(1_000, n), n})))
    report("With the rules-based skip (dialogs.relevance on every step)", r2)
    extra = (r2["us_logic"] + r2["us_json"]) - (r["us_logic"] + r["us_json"])
    print(
        f"  cost of the rules skip: {extra:+.1f} µs per step; "
        f"{r['steps_per_session'] - r2['steps_per_session']:.1f} fewer questions per session"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

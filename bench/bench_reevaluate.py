"""Benchmark the re-evaluation after a catalogue change (issue 14): 100,000 kept answer sets.

Setup (not timed): a SQLite store with N people who kept their answers — varied profiles
(bench_rules.py's generator, seeded), given on the first of a month in 2026, in the three
languages, each with the snapshot of the result they were shown (shipped catalogue). Then the
bot is switched to a changed catalogue (a new version whose TTPS A income threshold is
HK$3,000,000) and the timed part runs the real code path, `FollowupDuty.catalogue_check`: read the
kept answers in pages, evaluate each as of today (twice where the age may have advanced a year),
diff against the snapshot, write each changed person's notice text and new snapshot, and build
the admins' summary. One core (single-threaded); prints the time, the rate, how many results
changed, per scheme, and the process's peak RSS; wall and CPU time (the CPU time is the
figure on a shared machine) (setup included: an upper bound).

Targets (issue 14): at most 30 s and 500 MB for 100,000.

Run: .venv/bin/python bench/bench_reevaluate.py [--people 100000] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_rules  # noqa: E402  (the profile generator)

from bot.followup.service import FollowupDuty  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.store import open_store  # noqa: E402
from bot.store.followups import CATALOGUE_RUN  # noqa: E402
from rules import LANGS, Profile, evaluate_profile, load_catalogue  # noqa: E402
from rules.catalogue_models import CATALOGUE_DIR, use_catalogue_dir  # noqa: E402
from rules.diff import snapshot  # noqa: E402

GIVEN = [date(2026, m, 1).isoformat() for m in range(1, 13)]
TODAY = date(2027, 1, 5)
NEW_VERSION = "2027.01.01-bench"


def changed_catalogue(directory: Path) -> Path:
    target = directory / "catalogue"
    shutil.copytree(CATALOGUE_DIR, target)
    main = target / "catalogue.yaml"
    text = main.read_text(encoding="utf-8")
    main.write_text(text.replace(f'version: "{load_catalogue().version}"',
                                 f'version: "{NEW_VERSION}"'), encoding="utf-8")  # fmt: skip
    ttps = target / "ttps.yaml"
    ttps.write_text(ttps.read_text(encoding="utf-8").replace("value: 2500000", "value: 3000000", 1),
                    encoding="utf-8")  # fmt: skip
    return target


async def seed(store, people: int, rng: random.Random) -> None:
    chunk = 2000
    for start in range(0, people, chunk):
        rows = []
        for user_id in range(start + 1, min(people, start + chunk) + 1):
            raw = bench_rules.random_profile(rng)
            raw["as_of"] = given = rng.choice(GIVEN)
            for name in ("bachelor_awarded_on", "graduated_on", "vtc_graduated_on"):
                if str(raw.get(name, "")) > given:  # dates are before the day they were given
                    del raw[name]
            profile = Profile.model_validate_json(json.dumps(raw))
            lang = rng.choice(LANGS)
            state = json.dumps(snapshot(evaluate_profile(profile, lang)))
            rows.append((user_id, lang, profile.model_dump_json(exclude_none=True),
                         raw["as_of"], state))  # fmt: skip
        async with store.transaction() as tx:
            for row in rows:
                await tx.save_followup(*row)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/bench.sqlite3")
        await store.open()
        t0 = time.perf_counter()
        await seed(store, args.people, rng)
        print(f"setup: {args.people:,} kept answer sets in {time.perf_counter() - t0:.1f} s")
        use_catalogue_dir(changed_catalogue(Path(tmp)))
        settings = Settings(_env_file=None, bot_today=TODAY)
        duty = FollowupDuty(bot=None, settings=settings)  # type: ignore[arg-type]  (no admins)
        version = load_catalogue().version
        evaluate_profile(Profile(as_of=TODAY))  # the day's catalogue resolved, as in a bot
        t0, c0 = time.perf_counter(), time.process_time()
        await duty.catalogue_check(store, version, TODAY)
        took, cpu = time.perf_counter() - t0, time.process_time() - c0
        async with store.transaction() as tx:
            run = await tx.find_followup_run(CATALOGUE_RUN, version)
        await store.close()
        use_catalogue_dir(None)
    summary = json.loads(run.summary)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = max(1, summary["people"])
    print(f"re-evaluated and diffed {summary['people']:,} in {took:.1f} s wall, {cpu:.1f} s CPU "
          f"({cpu / n * 1e6:.0f} µs CPU each; target ≤ 30 s on one core)")  # fmt: skip
    print(f"results changed for {summary['changed']:,} people; by change:")
    for row in sorted(summary["rows"], key=lambda r: -r["n"])[:12]:
        print(f"  {row['n']:>7,}  {row['key']}: {row['old']} → {row['new']}")
    print(f"peak RSS: {peak_mb:.0f} MB (target ≤ 500 MB)")


if __name__ == "__main__":
    asyncio.run(main())

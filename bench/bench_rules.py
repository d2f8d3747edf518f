"""Benchmark the rules: JSON profile in, every scheme evaluated, per-profile time.

Generates 10,000 varied profiles (seeded), serialises them to JSON strings, then times
`Profile.model_validate_json` + `evaluate_profile` for each one and prints the median and p95 in
microseconds. `as_of` is drawn from a handful of dates, as in real use (mostly "today"); the
per-date catalogue resolution is warmed up first, as it is in a running bot.

Run: .venv/bin/python bench/bench_rules.py [--n 10000] [--seed 7] [--lang en]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import get_args

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rules import Profile, evaluate_profile, fields_that_matter
from rules.profile import TechnicalTrade

AS_OF = ["2026-11-25", "2026-11-25", "2026-11-25", "2025-06-01", "2024-01-01", "2023-06-01"]
NATIONALITIES = [
    "US",
    "GB",
    "CN",
    "CN",
    "IN",
    "VN",
    "LA",
    "NP",
    "AU",
    "JP",
    "FR",
    "AF",
    "MO",
    "TW",
    "HK",
    "CA",
    "DE",
    "SE",
    "BR",
    "NG",
    "KR",
    "PH",
    "MY",
    "SG",
]
EDUCATION = ["secondary", "sub_degree", "bachelor", "bachelor", "master", "doctorate"]
BOOLS = [
    "mainland_resident",
    "overseas_permanent_residence",
    "born_overseas",
    "parent_hk_permanent_resident",
    "bachelor_from_eligible_university",
    "postgraduate_from_eligible_university",
    "stem_degree",
    "hk_degree",
    "bachelor_in_hong_kong",
    "hk_degree_ugc_funded",
    "gba_campus_degree",
    "owns_listed_company",
    "job_offer",
    "job_offer_relevant",
    "employer_techtas_quota",
    "good_english",
    "good_chinese",
    "exceptional_achievement",
    "criminal_record",
    "self_supporting",
    "business_plan",
    "bachelor_full_time",
    "meets_trade_list_requirements",
    "vpas_programme",
    "iang_granted",
]
TRADES = list(get_args(TechnicalTrade))  # the eight trades and "other"
INTAKES = ["2023/24", "2024/25", "2025/26"]
YEARS = [
    "work_experience_years",
    "international_work_years",
    "renowned_company_years",
    "tech_finance_trade_years",
]
MONEY = [
    "annual_income_hkd",
    "business_profit_hkd",
    "offer_salary_hkd",
    "net_assets_hkd",
    "investment_hkd",
]


def random_profile(rng: random.Random) -> dict[str, object]:
    as_of = rng.choice(AS_OF)
    today = date.fromisoformat(as_of)
    p: dict[str, object] = {"as_of": as_of}
    if rng.random() < 0.9:
        p["nationality"] = rng.choice(NATIONALITIES)
    if rng.random() < 0.9:
        p["age"] = rng.randint(16, 70)
    if rng.random() < 0.8:
        p["education"] = rng.choice(EDUCATION)
    for name in BOOLS:
        if rng.random() < 0.6:
            p[name] = rng.random() < 0.5
    for name in YEARS:
        if rng.random() < 0.6:
            p[name] = round(rng.uniform(0, 15), 1)
    if rng.random() < 0.6:
        p["recent_work_years"] = round(rng.uniform(0, 5), 1)
    for name in MONEY:
        if rng.random() < 0.5:
            p[name] = rng.choice([0, 500_000, 1_200_000, 2_499_999, 2_500_000, 40_000_000])
    if rng.random() < 0.5:
        p["other_languages"] = rng.randint(0, 3)
    if rng.random() < 0.5:
        p["months_lived_overseas"] = rng.randint(0, 60)
    if rng.random() < 0.3:
        p["technical_trade"] = rng.choice(TRADES)
    if rng.random() < 0.3:
        p["vtc_intake_year"] = rng.choice(INTAKES)
    for name in ("bachelor_awarded_on", "graduated_on", "vtc_graduated_on"):
        if rng.random() < 0.5:
            p[name] = (today - timedelta(days=rng.randint(0, 3650))).isoformat()
    return p


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--lang", default="en", choices=["en", "zh-hant", "zh-hans"])
    parser.add_argument(
        "--cold", action="store_true", help="do not warm the per-outcome text caches first"
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    payloads = [json.dumps(random_profile(rng)) for _ in range(args.n)]
    for day in set(AS_OF):  # warm the per-date caches, as a running bot would be
        evaluate_profile(Profile.model_validate_json(json.dumps({"as_of": day})), args.lang)
    if not args.cold:  # warm the per-outcome text caches with other profiles
        warm = random.Random(args.seed + 1)
        for _ in range(2000):
            profile = Profile.model_validate_json(json.dumps(random_profile(warm)))
            evaluate_profile(profile, args.lang)

    timings = []
    clock = time.perf_counter_ns
    for payload in payloads:
        start = clock()
        evaluate_profile(Profile.model_validate_json(payload), args.lang)
        timings.append(clock() - start)
    ftm = []
    profiles = [Profile.model_validate_json(payload) for payload in payloads]
    for profile in profiles:
        start = clock()
        fields_that_matter(profile)
        ftm.append(clock() - start)

    def us(values: list[int], q: float) -> float:
        return sorted(values)[min(int(q * len(values)), len(values) - 1)] / 1000

    print(f"profiles: {args.n} (seed {args.seed}, lang {args.lang}, cold {args.cold})")
    print(
        f"validate + evaluate_profile: median {statistics.median(timings) / 1000:.1f} us, "
        f"p95 {us(timings, 0.95):.1f} us"
    )
    print(
        f"fields_that_matter: median {statistics.median(ftm) / 1000:.1f} us, "
        f"p95 {us(ftm, 0.95):.1f} us"
    )


if __name__ == "__main__":
    main()

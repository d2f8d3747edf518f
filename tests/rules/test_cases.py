"""Persona cases (tests/cases/*.yaml): expected status and reasons for every scheme/category."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from rules import Profile, evaluate_profile

CASES_DIR = Path(__file__).resolve().parents[1] / "cases"
CASES = sorted(CASES_DIR.glob("*.yaml"))
KEYS = {
    "GEP_TPS",
    "ASMTP_TPS",
    "VPAS",
    "GEP",
    "GEP_INVEST",
    "ASMTP",
    "QMAS",
    "TTPS/A",
    "TTPS/B",
    "TTPS/C",
    "IANG/fresh",
    "IANG/returning",
    "TECHTAS",
    "ASSG",
    "CIES",
    "WHS",
}
STATUSES = {"match", "possible", "near_miss", "no_match"}


def _load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _profile(case: dict[str, Any]) -> Profile:
    data = dict(case.get("profile") or {})
    data["as_of"] = case["as_of"]
    for key, value in data.items():
        if isinstance(value, date):
            data[key] = value.isoformat()
    return Profile.model_validate_json(json.dumps(data))


def test_there_are_enough_cases_covering_every_key_and_status() -> None:
    assert len(CASES) >= 30
    seen: dict[str, set[str]] = {key: set() for key in KEYS}
    for path in CASES:
        case = _load(path)
        expect = case["expect"]
        for key in KEYS:
            seen[key].add(expect.get(key, expect.get("others")))
    for key in KEYS:
        assert {"match", "no_match"} <= seen[key], key


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_case(path: Path) -> None:
    case = _load(path)
    assert case.get("about"), "every case says who it is about"
    expect: dict[str, str] = case["expect"]
    unknown_keys = set(expect) - KEYS - {"others"}
    assert not unknown_keys, unknown_keys
    assert set(expect.values()) <= STATUSES
    if "others" not in expect:
        assert set(expect) == KEYS, f"missing expectations: {KEYS - set(expect)}"
    evaluation = evaluate_profile(_profile(case))
    results = {
        (f"{r.scheme}/{r.category}" if r.category else r.scheme): r for r in evaluation.results
    }
    wrong = {
        key: (
            expect.get(key, expect.get("others")),
            results[key].status,
            [(c.id, c.met) for c in results[key].criteria],
        )
        for key in KEYS
        if results[key].status != expect.get(key, expect.get("others"))
    }
    assert not wrong, wrong
    for key, reason in (case.get("reasons") or {}).items():
        res = results[key]
        if "failed" in reason:
            assert sorted(c.id for c in res.criteria if c.met is False) == sorted(
                reason["failed"]
            ), key
        if "unknown" in reason:
            assert sorted(c.id for c in res.criteria if c.met is None) == sorted(
                reason["unknown"]
            ), key
        if "missing" in reason:
            assert [m.criterion for m in res.missing] == reason["missing"], key
        if "apply_by" in reason:
            assert res.apply_by == reason["apply_by"], key
        blob = " ".join(
            [c.text for c in res.criteria]
            + [m.text for m in res.missing]
            + res.caveats
            + res.next_steps
        )
        for fragment in reason.get("texts", []):
            assert fragment in blob, (key, fragment)
    hopeful = any(r.status in ("match", "possible") for r in evaluation.results)
    assert bool(evaluation.alternatives) is (not hopeful)

"""Invariants over many random profiles and dates (seeded): shape, status rules, texts."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

import pytest

from bench.bench_rules import random_profile
from rules import PROFILE_FIELDS, Profile, evaluate_profile, fields_that_matter, load_catalogue

CHANGEABLE = {
    (s.id, c.id): c.changeable
    for s in load_catalogue().schemes
    for c in [*s.criteria, *(c for k in s.categories for c in k.criteria)]
}


def _profiles(n: int, seed: int) -> list[Profile]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        data = random_profile(rng)
        as_of = date(2004, 1, 1) + timedelta(days=rng.randint(0, 365 * 26))
        data["as_of"] = as_of.isoformat()
        for key in ("bachelor_awarded_on", "graduated_on", "vtc_graduated_on"):
            if key in data:
                data[key] = (as_of - timedelta(days=rng.randint(0, 4000))).isoformat()
        out.append(Profile.model_validate_json(json.dumps(data)))
    return out


@pytest.mark.parametrize("lang", ["en", "zh-hant", "zh-hans"])
def test_invariants(lang: str) -> None:
    for p in _profiles(700, seed=hash(lang) % 1000):
        ev = evaluate_profile(p, lang)  # type: ignore[arg-type]
        assert len(ev.results) == 16
        for r in ev.results:
            mets = [c.met for c in r.criteria]
            fails = [c for c in r.criteria if c.met is False]
            if not fails:
                expected = "possible" if None in mets else "match"
            elif len(fails) == 1 and CHANGEABLE.get((r.scheme, fails[0].id), False):
                expected = "near_miss"
            else:
                expected = "no_match"
            assert r.status == expected, (r.scheme, r.category, mets)
            if r.status == "match":
                assert r.missing == []
            elif r.status == "near_miss":
                assert [m.criterion for m in r.missing] == [fails[0].id]
            elif r.status == "possible":
                assert {m.criterion for m in r.missing} == {
                    c.id for c in r.criteria if c.met is None
                }
            else:
                assert {m.criterion for m in r.missing} == {c.id for c in fails}
            for text in [c.text for c in r.criteria] + [m.text for m in r.missing]:
                assert text and "{" not in text
            if r.apply_by is not None:
                assert r.apply_by >= p.as_of
        wanted = fields_that_matter(p)
        assert wanted <= set(PROFILE_FIELDS)
        assert all(getattr(p, name) is None for name in wanted)

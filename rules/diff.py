"""What changed between a result a person was shown and their answers evaluated again (issue 14).

Pure: no I/O. A *snapshot* is the language-free part of a result that a later evaluation is
compared with: the catalogue version, the date, and per result key (`TTPS:C`, `QMAS`) the status
and each criterion's `met`. `diff` lists the keys whose status changed, each with the reasons:
the new result's texts for the criteria whose outcome moved (the evaluator's own words, in the
language it was rendered in).

`reassess` evaluates kept answers as of a later day. Dates in a profile are absolute, so a
closed window (IANG's six months) closes by itself; the age is not: it is advanced by the time
since it was given. Between birthdays a person aged A when answering is A + years or one more,
so both are evaluated and each result takes the worse status — no false hope from an old
result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from rules.evaluator import evaluate_profile, resolve, statuses
from rules.i18n import Lang
from rules.profile import Profile
from rules.results import STATUS_ORDER, Evaluation, SchemeResult

Snapshot = dict[str, Any]


def result_key(result: SchemeResult) -> str:
    return result.scheme + (f":{result.category}" if result.category else "")


_MET = {True: "1", False: "0", None: "?"}
_MET_BACK = {"1": True, "0": False, "?": None}


def snapshot(evaluation: Evaluation) -> Snapshot:
    """The part of a result that later evaluations are compared with (JSON-ready, compact:
    `statuses` is read for every kept answer set; each result's criteria, as one string
    `id=1;id=0;id=?`, only for the results whose status moved)."""
    return {
        "catalogue": evaluation.catalogue.version,
        "as_of": evaluation.as_of.isoformat(),
        "statuses": {result_key(r): r.status for r in evaluation.results},
        "met": {
            result_key(r): ";".join(f"{c.id}={_MET[c.met]}" for c in r.criteria)
            for r in evaluation.results
        },
    }


def _met(old: Snapshot, key: str) -> dict[str, bool | None]:
    packed = (old.get("met") or {}).get(key) or ""
    out: dict[str, bool | None] = {}
    for part in packed.split(";"):
        cid, _, value = part.rpartition("=")
        if cid:
            out[cid] = _MET_BACK.get(value)
    return out


@dataclass(frozen=True, slots=True)
class Change:
    """One result whose status moved, with the evaluator's reasons in the new result."""

    key: str
    scheme: str
    category: str | None
    short_name: str
    old: str
    new: str
    reasons: tuple[str, ...]
    criteria: tuple[str, ...]  # the ids of the criteria behind the reasons

    @property
    def worse(self) -> bool:
        return STATUS_ORDER[self.new] > STATUS_ORDER[self.old]


def _reasons(old_met: dict[str, Any], result: SchemeResult, worse: bool) -> list[tuple[str, str]]:
    moved = [
        c
        for c in result.criteria
        if (c.id not in old_met or old_met[c.id] != c.met) and (c.met is not True) == worse
    ]
    if not moved and worse:  # the same outcomes, other rules (a new criterion id): what fails
        moved = [c for c in result.criteria if c.met is not True]
    return [(c.id, c.text) for c in moved]


def diff(old: Snapshot, evaluation: Evaluation) -> list[Change]:
    """Results whose status differs from the snapshot's, in the evaluation's order. A result
    the snapshot does not have (a new scheme) counts as a change only when it now fits or may."""
    before: dict[str, str] = old.get("statuses") or {}
    out: list[Change] = []
    for r in evaluation.results:
        key = result_key(r)
        old_status = before.get(key, "no_match")
        if old_status == r.status:
            continue
        worse = STATUS_ORDER[r.status] > STATUS_ORDER.get(old_status, 3)
        pairs = _reasons(_met(old, key), r, worse)
        out.append(
            Change(
                key=key,
                scheme=r.scheme,
                category=r.category,
                short_name=r.short_name,
                old=old_status,
                new=r.status,
                reasons=tuple(dict.fromkeys(text for _, text in pairs)),
                criteria=tuple(dict.fromkeys(cid for cid, _ in pairs)),
            )
        )
    return out


def whole_years(start: date, end: date) -> tuple[int, bool]:
    """Whole years from `start` to `end`, and whether a part-year is left over (a birthday
    may have fallen in it)."""
    years = end.year - start.year - ((end.month, end.day) < (start.month, start.day))
    years = max(0, years)
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:  # 29 February
        anniversary = date(start.year + years, 3, 1)
    return years, end > anniversary


def ages_now(age: int | None, given_on: date, today: date) -> tuple[int, ...]:
    """The ages a person who was `age` on `given_on` may be `today`: one or two values."""
    if age is None:
        return ()
    years, part = whole_years(given_on, today)
    return (age + years, age + years + 1) if part else (age + years,)


@lru_cache(maxsize=64)
def age_checks(on: date) -> tuple[tuple[object, dict], ...]:
    """The predicate calls, in force on `on`, of every criterion that reads the age."""
    return tuple((c.fn, c.args) for r in resolve(on) for c in r.criteria if "age" in c.spec.fields)


def _profiles_now(profile: Profile, given_on: date, today: date) -> list[Profile]:
    """The profile as of `today` at each age it may have; one profile when the ages it may
    have make no criterion's outcome differ (most people: no age limit between them)."""
    ages = ages_now(profile.age, given_on, today)
    if not ages:
        return [profile.model_copy(update={"as_of": today})]
    out = [profile.model_copy(update={"as_of": today, "age": min(a, 120)}) for a in ages]
    if len(out) == 2:
        young, old = out
        if all(fn(young, args) == fn(old, args) for fn, args in age_checks(today)):  # type: ignore[operator]
            return [old]
    return out


def _worst(per_profile: list[dict[str, str]]) -> dict[str, str]:
    if len(per_profile) == 1:
        return per_profile[0]
    first, *rest = per_profile
    out = dict(first)
    for other in rest:
        for key, status in other.items():
            if STATUS_ORDER[status] > STATUS_ORDER[out.get(key, "match")]:
                out[key] = status
    return out


def changed_keys(old: Snapshot, profile: Profile, given_on: date, today: date) -> dict[str, str]:
    """Result key -> new status, for each result whose status moved from the snapshot's as of
    `today` (age advanced). Language-free and fast: nothing is rendered (`reassess` renders)."""
    now = _worst([statuses(p) for p in _profiles_now(profile, given_on, today)])
    before: dict[str, str] = old.get("statuses") or {}
    out = {}
    for key, status in now.items():
        was = before.get(key, "no_match")
        if status != was:
            out[key] = status
    return out


def reassess(profile: Profile, given_on: date, today: date, lang: Lang = "en") -> Evaluation:
    """The kept answers evaluated as of `today`, the age advanced (see the module docstring)."""
    profiles = _profiles_now(profile, given_on, today)
    if len(profiles) == 1:
        return evaluate_profile(profiles[0], lang)
    each = [statuses(p) for p in profiles]
    worst = _worst(each)
    for p, st in zip(profiles, each, strict=True):
        if st == worst:  # one age gives the worst status everywhere: render just that one
            return evaluate_profile(p, lang)
    young, old = (evaluate_profile(p, lang) for p in profiles)
    by_key = {result_key(r): r for r in old.results}
    merged: list[SchemeResult] = []
    for r in young.results:
        other = by_key.get(result_key(r), r)
        merged.append(other if STATUS_ORDER[other.status] > STATUS_ORDER[r.status] else r)
    merged.sort(key=lambda r: STATUS_ORDER[r.status])  # stable: catalogue order within a status
    return young.model_copy(update={"results": merged})

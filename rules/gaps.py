"""How far a person is from each criterion: the threshold, their own value, the fields it reads.

`evaluate_profile` says *whether* a criterion is met; a reader of the result also wants to know
*how close* it is ("HK$2,000,000 of the HK$2,500,000 needed") and which facts would settle an
unknown one. This module answers that on demand, outside the evaluator's hot path, from the same
date-resolved catalogue. It adds nothing to the result JSON and changes none of its fields.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from rules.evaluator import resolve
from rules.predicates import gpt_values
from rules.profile import Profile

GapKind = Literal["amount", "years", "points", "language", "job_offer", "other"]

# Numeric fields and the kind of figure they hold.
_AMOUNT_FIELDS = frozenset(
    {"annual_income_hkd", "business_profit_hkd", "net_assets_hkd", "investment_hkd",
     "offer_salary_hkd"}
)  # fmt: skip
_YEAR_FIELDS = frozenset(
    {"work_experience_years", "recent_work_years", "international_work_years",
     "renowned_company_years", "tech_finance_trade_years"}
)  # fmt: skip
_JOB_CHECKS = frozenset({"relevant_job_offer", "employer_quota"})
_JOB_FIELDS = frozenset({"job_offer", "job_offer_relevant", "employer_techtas_quota"})


@dataclass(frozen=True, slots=True)
class Gap:
    """One criterion of one result, as far as closeness goes.

    `fields` are the profile fields whose answer would settle the criterion in its current
    outcome (for an unknown one: the facts still needed). `threshold` and `value` are set for
    numeric criteria (an amount, years of work, the QMAS points count); `value` is None when the
    person's figure is unknown.
    """

    criterion: str
    kind: GapKind
    fields: tuple[str, ...]
    threshold: float | None = None
    value: float | None = None
    changeable: bool = False


def result_key(scheme: str, category: str | None) -> str:
    """`TTPS:A`, `GEP`: one result of the evaluation."""
    return f"{scheme}:{category}" if category else scheme


def _kind(check: str, field: str | None) -> GapKind:
    if field in _AMOUNT_FIELDS:
        return "amount"
    if field in _YEAR_FIELDS or check == "experience_for_bachelor":
        return "years"
    if check == "qmas_points":
        return "points"
    if check == "chinese_or_english":
        return "language"
    if check in _JOB_CHECKS or field in _JOB_FIELDS:
        return "job_offer"
    return "other"


class _Gaps(Mapping[str, dict[str, Gap]]):
    """`gaps(profile)`: each result's closeness facts worked out when first read. A result
    screen reads those of the few schemes it shows (possible ones, near misses), not of all
    sixteen results."""

    __slots__ = ("_done", "_points", "_profile", "_results")

    def __init__(self, profile: Profile) -> None:
        self._profile = profile
        self._results = {
            result_key(res.scheme.id, res.category.id if res.category else None): res
            for res in resolve(profile.as_of)
        }
        self._done: dict[str, dict[str, Gap]] = {}
        self._points: tuple[bool | None, ...] | None = None

    def __getitem__(self, key: str) -> dict[str, Gap]:
        found = self._done.get(key)
        if found is None:
            found = self._done[key] = self._work_out(self._results[key])
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._results)

    def __len__(self) -> int:
        return len(self._results)

    def _work_out(self, res: Any) -> dict[str, Gap]:
        profile = self._profile
        per: dict[str, Gap] = {}
        for crit, (fn, args) in zip(res.criteria, res.calls, strict=True):
            _met, outcome_key = fn(profile, args)
            check = crit.spec.check
            field = args.get("field")
            threshold = value = None
            if check in {"at_least", "experience_for_bachelor"}:
                field = field or "work_experience_years"
                threshold = args.get("min")
                value = getattr(profile, field)
            elif check == "qmas_points" and args.get("min_items") is not None:
                if self._points is None:
                    self._points = gpt_values(profile)
                threshold, value = args["min_items"], self._points.count(True)
            per[crit.spec.id] = Gap(
                criterion=crit.spec.id,
                kind=_kind(check, field),
                fields=crit.fields_for(outcome_key),
                threshold=threshold,
                value=value,
                changeable=crit.changeable,
            )
        return per


def gaps(profile: Profile) -> Mapping[str, dict[str, Gap]]:
    """Every result's criteria (by result key, then criterion id) with their closeness facts
    (read-only; each result's worked out when first read)."""
    return _Gaps(profile)


def unknown_points(profile: Profile) -> int:
    """QMAS points-test items not yet known (the optimistic reach of the points count)."""
    return gpt_values(profile).count(None)

"""Helpers for the rules tests: evaluate a profile given as keyword arguments."""

from __future__ import annotations

from datetime import date
from typing import Any

from rules import Evaluation, Profile, SchemeResult, evaluate_profile

TODAY = "2026-11-25"


def profile(as_of: str = TODAY, **fields: Any) -> Profile:
    data: dict[str, Any] = {"as_of": date.fromisoformat(as_of)}
    for key, value in fields.items():
        data[key] = date.fromisoformat(value) if key.endswith("_on") and value else value
    return Profile.model_validate(data)


def evaluate(as_of: str = TODAY, lang: str = "en", **fields: Any) -> Evaluation:
    return evaluate_profile(profile(as_of, **fields), lang)  # type: ignore[arg-type]


def by_key(evaluation: Evaluation) -> dict[str, SchemeResult]:
    """Results keyed `SCHEME` or `SCHEME/CATEGORY`."""
    return {(f"{r.scheme}/{r.category}" if r.category else r.scheme): r for r in evaluation.results}


def result(key: str, as_of: str = TODAY, lang: str = "en", **fields: Any) -> SchemeResult:
    return by_key(evaluate(as_of, lang, **fields))[key]


def criterion(res: SchemeResult, cid: str) -> bool | None:
    for c in res.criteria:
        if c.id == cid:
            return c.met
    raise KeyError(cid)


def failed(res: SchemeResult) -> set[str]:
    return {c.id for c in res.criteria if c.met is False}


def unknown(res: SchemeResult) -> set[str]:
    return {c.id for c in res.criteria if c.met is None}


# Profiles that meet every criterion of one scheme, to vary one field at a time.
GEP_OK = dict(
    nationality="US",
    hk_degree=False,
    gba_campus_degree=False,
    job_offer=True,
    job_offer_relevant=True,
    education="bachelor",
    criminal_record=False,
)
QMAS_OK = dict(
    nationality="GB",
    age=35,
    self_supporting=True,
    criminal_record=False,
    good_english=True,
    good_chinese=False,
    other_languages=1,
    education="master",
    postgraduate_from_eligible_university=True,
    stem_degree=True,
    work_experience_years=6,
    renowned_company_years=0,
    tech_finance_trade_years=0,
    international_work_years=0,
    annual_income_hkd=0,
    business_profit_hkd=0,
    owns_listed_company=False,
    exceptional_achievement=False,
)
ASSG_OK = dict(
    nationality="CA",
    age=30,
    born_overseas=True,
    parent_hk_permanent_resident=True,
    education="bachelor",
    good_english=True,
    self_supporting=True,
)
CIES_OK = dict(nationality="AU", age=50, net_assets_hkd=30_000_000, investment_hkd=30_000_000)
IANG_OK = dict(nationality="IN", hk_degree=True)
TECHTAS_OK = dict(
    nationality="IN",
    employer_techtas_quota=True,
    stem_degree=True,
    education="master",
)

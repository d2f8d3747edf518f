"""The person being assessed, as the contract's profile JSON.

Every field is optional: `None` means "not known", and the evaluator then reports a scheme as
`possible` rather than guessing. Validation is strict (no "30" for 30, no unknown field names)
because the profile also arrives from outside tools, where a typo must be an error, not an
unknown.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from rules.countries import is_country_code

HONG_KONG = ZoneInfo("Asia/Hong_Kong")

Education = Literal["secondary", "sub_degree", "bachelor", "master", "doctorate"]
EDUCATION_RANK: dict[str, int] = {
    "secondary": 0,
    "sub_degree": 1,
    "bachelor": 2,
    "master": 3,
    "doctorate": 4,
}
# The eight trades of the Technical Professional List, and `other`: an offer in a trade that is
# not on the List (the contract's enum, extended so "none of these" is an answer, not unknown).
TechnicalTrade = Literal[
    "new_industrialisation_technician",
    "nurse",
    "aircraft_maintenance_technician",
    "marine_services_technician",
    "it_technician",
    "lift_escalator_technician",
    "bim_coordinator",
    "electrical_technician",
    "other",
]

Years = Annotated[float, Field(ge=0, le=80)]
Money = Annotated[float, Field(ge=0, le=1e13)]


def today_in_hong_kong() -> date:
    """The default `as_of`: the rules in force where they apply, not where the server is."""
    return datetime.now(HONG_KONG).date()


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    as_of: date = Field(default_factory=today_in_hong_kong)
    age: Annotated[int, Field(ge=0, le=120)] | None = None
    nationality: str | None = None
    mainland_resident: bool | None = None
    overseas_permanent_residence: bool | None = None
    months_lived_overseas: Annotated[int, Field(ge=0, le=1500)] | None = None
    born_overseas: bool | None = None
    parent_hk_permanent_resident: bool | None = None
    education: Education | None = None
    bachelor_awarded_on: date | None = None
    bachelor_from_eligible_university: bool | None = None
    postgraduate_from_eligible_university: bool | None = None
    stem_degree: bool | None = None
    hk_degree: bool | None = None
    bachelor_in_hong_kong: bool | None = None
    hk_degree_ugc_funded: bool | None = None
    gba_campus_degree: bool | None = None
    graduated_on: date | None = None
    work_experience_years: Years | None = None
    recent_work_years: Annotated[float, Field(ge=0, le=5)] | None = None
    international_work_years: Years | None = None
    renowned_company_years: Years | None = None
    tech_finance_trade_years: Years | None = None
    annual_income_hkd: Money | None = None
    business_profit_hkd: Money | None = None
    owns_listed_company: bool | None = None
    job_offer: bool | None = None
    job_offer_relevant: bool | None = None
    offer_salary_hkd: Money | None = None
    employer_techtas_quota: bool | None = None
    good_english: bool | None = None
    good_chinese: bool | None = None
    other_languages: Annotated[int, Field(ge=0, le=50)] | None = None
    exceptional_achievement: bool | None = None
    criminal_record: bool | None = None
    self_supporting: bool | None = None
    net_assets_hkd: Money | None = None
    investment_hkd: Money | None = None
    business_plan: bool | None = None
    bachelor_full_time: bool | None = None
    technical_trade: TechnicalTrade | None = None
    meets_trade_list_requirements: bool | None = None
    vpas_programme: bool | None = None
    vtc_intake_year: str | None = None
    vtc_graduated_on: date | None = None
    iang_granted: bool | None = None
    # Threshold facts (see THRESHOLD_FLAGS): a yes/no answer to "at least N?" for a number field,
    # as a checklist asks it. The rules read the number where it is known, otherwise these.
    income_at_least_1m: bool | None = None
    income_at_least_2_5m: bool | None = None
    net_assets_at_least_30m: bool | None = None
    business_profit_at_least_5m: bool | None = None
    renowned_company_at_least_3_years: bool | None = None
    tech_finance_trade_at_least_3_years: bool | None = None
    international_work_at_least_2_years: bool | None = None
    other_languages_at_least_1: bool | None = None
    recent_work_at_least_3_years: bool | None = None

    @field_validator("nationality", mode="before")
    @classmethod
    def _upper_iso_code(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().upper()
            if not is_country_code(value):
                raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
        return value

    @field_validator("vtc_intake_year")
    @classmethod
    def _academic_year(cls, value: str | None) -> str | None:
        # "2024/25": a start year and the next year's last two digits.
        if value is None:
            return value
        match = re.fullmatch(r"(\d{4})/(\d{2})", value)
        if not match or (int(match[1]) + 1) % 100 != int(match[2]):
            raise ValueError(f"{value!r} is not an academic year such as 2024/25")
        return value

    @field_validator("bachelor_awarded_on", "graduated_on", "vtc_graduated_on")
    @classmethod
    def _not_after_as_of(cls, value: date | None, info: ValidationInfo) -> date | None:
        # A field validator (not a model validator) so that the error names the field.
        as_of = info.data.get("as_of")
        if value is not None and as_of is not None and value > as_of:
            raise ValueError(
                f"{info.field_name} ({value.isoformat()}) is after as_of ({as_of.isoformat()})"
            )
        return value

    def known(self) -> dict[str, object]:
        """The fields that hold an answer (everything but `as_of` and unknowns)."""
        return {k: v for k, v in self if v is not None and k != "as_of"}


PROFILE_FIELDS: tuple[str, ...] = tuple(n for n in Profile.model_fields if n != "as_of")

# Each threshold fact: the number field it answers for, and the threshold ("at least").
THRESHOLD_FLAGS: dict[str, tuple[str, float]] = {
    "income_at_least_1m": ("annual_income_hkd", 1_000_000),
    "income_at_least_2_5m": ("annual_income_hkd", 2_500_000),
    "net_assets_at_least_30m": ("net_assets_hkd", 30_000_000),
    "business_profit_at_least_5m": ("business_profit_hkd", 5_000_000),
    "renowned_company_at_least_3_years": ("renowned_company_years", 3),
    "tech_finance_trade_at_least_3_years": ("tech_finance_trade_years", 3),
    "international_work_at_least_2_years": ("international_work_years", 2),
    "other_languages_at_least_1": ("other_languages", 1),
    "recent_work_at_least_3_years": ("recent_work_years", 3),
}
# Years that are part of the work experience: never more than `work_experience_years`.
PART_OF_WORK: frozenset[str] = frozenset(
    {
        "recent_work_years",
        "international_work_years",
        "renowned_company_years",
        "tech_finance_trade_years",
    }
)
# The other way round: a number field's threshold facts, highest threshold first.
FLAGS_OF: dict[str, tuple[tuple[str, float], ...]] = {
    number: tuple(
        sorted(
            ((flag, t) for flag, (n, t) in THRESHOLD_FLAGS.items() if n == number),
            key=lambda item: -item[1],
        )
    )
    for number in dict.fromkeys(n for n, _t in THRESHOLD_FLAGS.values())
}


def number_at_least(p: Profile, field: str, minimum: float) -> bool | None:
    """Whether the number in `field` is at least `minimum`: from the number where it is known,
    otherwise from its threshold facts (yes to "at least 2.5M" answers "at least 1M"; no to "at
    least 1M" answers "at least 2.5M"), otherwise unknown. A threshold fact that says yes wins
    over one that says no. Years that are part of the work experience (`PART_OF_WORK`) are
    below `minimum` when all of it is."""
    value = getattr(p, field)
    if value is not None:
        return bool(value >= minimum)
    for flag, threshold in FLAGS_OF.get(field, ()):
        if threshold >= minimum and getattr(p, flag) is True:
            return True
    for flag, threshold in FLAGS_OF.get(field, ()):
        if threshold <= minimum and getattr(p, flag) is False:
            return False
    return None


def threshold_facts(p: Profile) -> dict[str, bool]:
    """The threshold facts a profile's known numbers answer (for a tool, or a test, that holds
    the numbers and meets a checklist that asks the thresholds)."""
    out: dict[str, bool] = {}
    for flag, (number, threshold) in THRESHOLD_FLAGS.items():
        value = getattr(p, number)
        if value is not None:
            out[flag] = bool(value >= threshold)
    return out

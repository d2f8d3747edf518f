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

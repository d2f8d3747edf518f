"""Small named predicates, one question about the person each (after GOV.UK's calculators).

Every predicate takes the profile and the criterion's date-resolved arguments and returns
`(met, key)`: `met` is True, False or None (unknown) and `key` names the text to show. Keys are
`met`, `not_met`, `unknown`, optionally with a `.reason` suffix (`not_met.hk`); the catalogue
falls back to the bare key when it has no text for the suffixed one.

Predicates are pure and cheap: they are called for every scheme on every questionnaire step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from rules.dates import add_months
from rules.profile import EDUCATION_RANK, Profile

Outcome = tuple[bool | None, str]
Args = Mapping[str, Any]
Predicate = Callable[[Profile, Args], Outcome]

MET: Outcome = (True, "met")
NOT_MET: Outcome = (False, "not_met")
UNKNOWN: Outcome = (None, "unknown")

BACHELOR = EDUCATION_RANK["bachelor"]
MASTER = EDUCATION_RANK["master"]

PREDICATES: dict[str, Predicate] = {}


def predicate(fn: Predicate) -> Predicate:
    PREDICATES[fn.__name__] = fn
    return fn


def _tri(value: bool | None) -> Outcome:
    if value is None:
        return UNKNOWN
    return MET if value else NOT_MET


# --- Nationality ---------------------------------------------------------------------------


def _cn_settled_overseas(p: Profile) -> bool | None:
    """A PRC national counts as overseas with foreign PR or at least 12 months lived abroad."""
    if p.overseas_permanent_residence is True:
        return True
    months = p.months_lived_overseas
    if months is not None and months >= 12:
        return True
    if p.overseas_permanent_residence is False and months is not None:
        return False
    return None


@predicate
def nationality_eligible(p: Profile, a: Args) -> Outcome:
    """Not excluded on `as_of`; PRC nationals by `cn_rule`; Lao/Nepalese IANG by the UGC rule.

    cn_rule: `open` (Mainland residents may apply), `overseas` (GEP: Mainland residents use ASMTP;
    overseas PRC nationals need foreign PR or 12 months abroad), `overseas_pr` (New CIES: foreign
    PR required).
    """
    nat = p.nationality
    if nat is None:
        return UNKNOWN
    if nat == "HK":
        return (False, "not_met.hk")
    if nat in a["excluded"]:
        return (False, "not_met.excluded")
    if nat == "CN":
        rule = a["cn_rule"]
        if rule == "overseas":
            if p.mainland_resident is True:
                return (False, "not_met.mainland")
            settled = _cn_settled_overseas(p)
            if settled is None:
                return (None, "unknown.cn_overseas")
            return MET if settled else (False, "not_met.cn_overseas")
        if rule == "overseas_pr":
            opr = p.overseas_permanent_residence
            if opr is None:
                return (None, "unknown.cn_pr")
            return MET if opr else (False, "not_met.cn_pr")
        return MET
    confirm = nat in a.get("confirm_countries", ())
    if nat in a["ugc_countries"]:
        # Only UGC-funded programmes count (and, where the rule says so, a GBA campus): Lao and
        # Nepalese graduates from 25 Oct 2023; Vietnamese, Lao and Nepalese ones before.
        key = a["ugc_key"]
        gba = a["ugc_gba"] and p.gba_campus_degree is True
        if p.hk_degree_ugc_funded is True or gba:
            return (True, f"met.{key}_confirm" if confirm else f"met.{key}")
        if p.hk_degree_ugc_funded is False and (
            not a["ugc_gba"] or p.gba_campus_degree is False or p.hk_degree is True
        ):
            return (False, f"not_met.{key}")
        if not a["ugc_gba"] and p.hk_degree is False:
            return (False, f"not_met.{key}")
        return (None, f"unknown.{key}")
    return (True, "met.confirm") if confirm else MET


@predicate
def mainland_resident_only(p: Profile, a: Args) -> Outcome:
    """ASMTP: a PRC national who is a resident of the Mainland."""
    nat = p.nationality
    if nat is None:
        return UNKNOWN
    if nat == "HK":
        return (False, "not_met.hk")
    if nat != "CN":
        return (False, "not_met.not_cn")
    if p.mainland_resident is None:
        return (None, "unknown.cn")
    return MET if p.mainland_resident else (False, "not_met.overseas")


@predicate
def nationality_in_list(p: Profile, a: Args) -> Outcome:
    """WHS: a national of a partner country on `as_of`."""
    nat = p.nationality
    if nat is None:
        return UNKNOWN
    if nat == "HK":
        return (False, "not_met.hk")
    if nat in a["partners"]:
        if nat in a["partners_unconfirmed"]:
            return (True, "met.unconfirmed")
        if nat in a.get("partners_secondary", ()):
            return (True, "met.secondary")
        return MET
    return NOT_MET


# --- Plain facts ---------------------------------------------------------------------------


@predicate
def is_true(p: Profile, a: Args) -> Outcome:
    return _tri(getattr(p, a["field"]))


def _needs_first(p: Profile, a: Args) -> bool:
    """`needs` names a bool field that must be True before this one can be asked about."""
    needs = a.get("needs")
    return needs is not None and getattr(p, needs) is not True


@predicate
def is_false(p: Profile, a: Args) -> Outcome:
    value = getattr(p, a["field"])
    if value is None and _needs_first(p, a):
        return (None, "unknown.first")
    if value is None:
        return UNKNOWN
    return NOT_MET if value else MET


@predicate
def age_between(p: Profile, a: Args) -> Outcome:
    """Age within [min_age, max_age], both inclusive; either bound may be absent."""
    age = p.age
    if age is None:
        return UNKNOWN
    low = a.get("min_age")
    high = a.get("max_age")
    if low is not None and age < low:
        return (False, "not_met.young")
    if high is not None and age > high:
        return (False, "not_met.old")
    return MET


@predicate
def at_least(p: Profile, a: Args) -> Outcome:
    value = getattr(p, a["field"])
    if value is None:
        return UNKNOWN
    return MET if value >= a["min"] else NOT_MET


@predicate
def below(p: Profile, a: Args) -> Outcome:
    value = getattr(p, a["field"])
    if value is None:
        return UNKNOWN
    return MET if value < a["max"] else NOT_MET


@predicate
def degree_normally(p: Profile, a: Args) -> Outcome:
    """ "Normally a first degree": below a degree only in special cases, so unknown, not failed."""
    edu = p.education
    if edu is None:
        return UNKNOWN
    if EDUCATION_RANK[edu] >= BACHELOR:
        return MET
    # From 30 Jun 2025 GEP and ASMTP also have a stream for people without a degree.
    return (None, "unknown.special_case_stream" if a.get("stream") else "unknown.special_case")


@predicate
def chinese_or_english(p: Profile, a: Args) -> Outcome:
    if p.good_chinese is True or p.good_english is True:
        return MET
    if p.good_chinese is False and p.good_english is False:
        return NOT_MET
    return UNKNOWN


@predicate
def relevant_job_offer(p: Profile, a: Args) -> Outcome:
    """The offered post fits the person at degree level and market pay (needs an offer first)."""
    if p.job_offer is not True:
        return (None, "unknown.no_offer") if p.job_offer is False else UNKNOWN
    return _tri(p.job_offer_relevant)


# --- Degrees and dates ---------------------------------------------------------------------


@predicate
def eligible_bachelor(p: Profile, a: Args) -> Outcome:
    """A bachelor's degree from a university on the TTPS aggregate list."""
    flag = p.bachelor_from_eligible_university
    if flag is not None:
        return _tri(flag)
    if p.education is not None and EDUCATION_RANK[p.education] < BACHELOR:
        return (False, "not_met.no_degree")
    return UNKNOWN


@predicate
def date_within_months(p: Profile, a: Args) -> Outcome:
    """`as_of` no later than `months` calendar months after the date in `field` (inclusive)."""
    day = getattr(p, a["field"])
    if day is None:
        return (None, "unknown.first") if _needs_first(p, a) else UNKNOWN
    return MET if a["as_of"] <= add_months(day, a["months"]) else NOT_MET


@predicate
def date_beyond_months(p: Profile, a: Args) -> Outcome:
    """`as_of` later than `months` calendar months after the date in `field`."""
    day = getattr(p, a["field"])
    if day is None:
        return UNKNOWN
    return MET if a["as_of"] > add_months(day, a["months"]) else NOT_MET


@predicate
def bachelor_not_from_hong_kong(p: Profile, a: Args) -> Outcome:
    """TTPS C: the bachelor's must not come from a full-time locally-accredited HK programme."""
    flag = p.bachelor_in_hong_kong
    if flag is not None:
        return NOT_MET if flag else MET
    if p.hk_degree is False:
        return MET
    return UNKNOWN


@predicate
def iang_qualification(p: Profile, a: Args) -> Outcome:
    """A full-time locally-accredited HK qualification, or (while the pilot runs) a GBA one."""
    hk = p.hk_degree
    gba = p.gba_campus_degree
    if p.education is not None and EDUCATION_RANK[p.education] < BACHELOR:
        # Highest qualification below a degree: no degree-level qualification, here or in the GBA.
        hk = False if hk is None else hk
        gba = False if gba is None else gba
    if hk is True:
        return MET
    pilot = a["gba_pilot"]  # True in force, False not (yet), None: end date not published
    if gba is True:
        if pilot is True:
            return (True, "met.gba")
        if pilot is None:
            return (None, "unknown.gba_pilot")
        if hk is False:
            return (False, "not_met.gba_not_in_force")
        return UNKNOWN
    if hk is False and gba is False:
        return NOT_MET
    if hk is False and pilot is False:
        return NOT_MET
    return UNKNOWN


@predicate
def stem_degree(p: Profile, a: Args) -> Outcome:
    """A degree (bachelor's or above) in a STEM subject."""
    edu = p.education
    if edu is not None and EDUCATION_RANK[edu] < BACHELOR:
        return (False, "not_met.no_degree")
    if p.stem_degree is False:
        return NOT_MET
    if p.stem_degree is True and edu is not None:
        return MET
    return UNKNOWN


@predicate
def experience_for_bachelor(p: Profile, a: Args) -> Outcome:
    """TechTAS: bachelor's-only holders need `min` years of work; master's or doctorate none."""
    edu = p.education
    if edu is None:
        return UNKNOWN
    rank = EDUCATION_RANK[edu]
    if rank >= MASTER:
        return (True, "met.postgraduate")
    if rank < BACHELOR:
        return (None, "unknown.no_degree")
    years = p.work_experience_years
    if years is None:
        return UNKNOWN
    return MET if years >= a["min"] else NOT_MET


@predicate
def employer_quota(p: Profile, a: Args) -> Outcome:
    """TechTAS: the employer holds (or, from 24 Dec 2025, has applied for) a quota for the post."""
    flag = p.employer_techtas_quota
    if flag is None and p.job_offer is False:
        return (False, "not_met.no_offer")
    return _tri(flag)


# --- Routes opened in 2025-26 ---------------------------------------------------------------


@predicate
def no_degree(p: Profile, a: Args) -> Outcome:
    """The Technical Professionals Stream: for people without a degree."""
    edu = p.education
    if edu is None:
        return UNKNOWN
    return MET if EDUCATION_RANK[edu] < BACHELOR else NOT_MET


@predicate
def listed_trade(p: Profile, a: Args) -> Outcome:
    """The job offer is in a trade on the Technical Professional List (the key names the trade).

    Without an offer there is no trade to ask about: the job offer criterion fails instead.
    """
    trade = p.technical_trade
    if trade == "other":
        return NOT_MET
    if trade is not None:
        return (True, f"met.{trade}")
    if p.job_offer is False:
        return (None, "unknown.no_offer")
    return UNKNOWN


@predicate
def trade_requirements(p: Profile, a: Args) -> Outcome:
    """Meets the List's qualification, experience and registration requirements for the trade."""
    flag = p.meets_trade_list_requirements
    if flag is not None:
        return _tri(flag)
    if p.technical_trade is None:
        return (None, "unknown.no_trade")
    return UNKNOWN


@predicate
def pilot_running(p: Profile, a: Args) -> Outcome:
    """A pilot with an expected (unpublished) end: `running` is True, False or None after it."""
    running = a["running"]
    if running is None:
        return (None, "unknown.ended")
    return MET if running else NOT_MET


@predicate
def value_in_list(p: Profile, a: Args) -> Outcome:
    """The value of `field` is one of `values` (VPAS: the intakes it covers)."""
    value = getattr(p, a["field"])
    if value is None:
        return (None, "unknown.first") if _needs_first(p, a) else UNKNOWN
    return MET if value in a["values"] else NOT_MET


@predicate
def vpas_programme(p: Profile, a: Args) -> Outcome:
    """Completed a covered Higher Diploma as a non-local student (highest: below a degree)."""
    edu = p.education
    if edu is not None and EDUCATION_RANK[edu] >= BACHELOR:
        # VPAS is for Higher Diploma graduates, whose highest qualification is below a degree;
        # the questionnaire does not ask degree holders, so their answer cannot matter.
        return (False, "not_met.education")
    return _tri(p.vpas_programme)


@predicate
def full_time_bachelor(p: Profile, a: Args) -> Outcome:
    """TTPS B and C: the bachelor's degree came from a full-time programme."""
    flag = p.bachelor_full_time
    if flag is not None:
        return _tri(flag)
    edu = p.education
    if edu is not None and EDUCATION_RANK[edu] < BACHELOR:
        return (None, "unknown.no_degree")  # the degree criterion already fails
    return UNKNOWN


@predicate
def not_iang_graduate(p: Profile, a: Args) -> Outcome:
    """GEP and ASMTP are for people who are not non-local graduates of Hong Kong programmes.

    Reads IANG's own qualification and nationality criteria (`iang_qualification`,
    `iang_nationality`: predicate and arguments, resolved for the same date): where IANG is open
    to the person, they use it; where their Hong Kong programme does not lead to IANG, these
    schemes may still be open, to be confirmed with ImmD.
    """
    q_fn, q_args = a["iang_qualification"]
    q_met, q_key = q_fn(p, q_args)
    if q_met is False:
        if p.vpas_programme is True:
            return (None, "unknown.hk_programme")  # a Hong Kong sub-degree, not IANG's
        return MET
    if q_met is None:
        return (None, "unknown.gba_pilot") if q_key == "unknown.gba_pilot" else UNKNOWN
    n_fn, n_args = a["iang_nationality"]
    n_met, n_key = n_fn(p, n_args)
    if n_met is False:
        if n_key in ("not_met.hk", "not_met.excluded"):
            return MET  # the scheme's own nationality criterion answers these
        return (None, "unknown.iang_closed")
    if n_met is None and n_key.startswith("unknown.ugc"):
        return (None, "unknown.ugc")
    return NOT_MET


# --- QMAS points test ----------------------------------------------------------------------


GPT_ITEMS: tuple[str, ...] = (
    "age",
    "postgraduate",
    "postgraduate_stem",
    "two_languages",
    "english",
    "work_5y",
    "renowned_3y",
    "tech_finance_trade_3y",
    "international_2y",
    "income_1m",
    "profit_5m",
    "owns_listed_company",
)

GPT_NUMERIC: dict[str, tuple[str, float]] = {
    "work_5y": ("work_experience_years", 5),
    "renowned_3y": ("renowned_company_years", 3),
    "tech_finance_trade_3y": ("tech_finance_trade_years", 3),
    "international_2y": ("international_work_years", 2),
    "income_1m": ("annual_income_hkd", 1_000_000),
    "profit_5m": ("business_profit_hkd", 5_000_000),
}


def _at_least(value: float | None, minimum: float) -> bool | None:
    return None if value is None else value >= minimum


def gpt_values(p: Profile) -> tuple[bool | None, ...]:
    """The twelve General Points Test items (in force from 1 Nov 2024), in `GPT_ITEMS` order.

    Each is True, False or None (unknown). Item 3 (STEM) needs item 2 (an eligible master's or
    doctorate); item 4 counts good English, good Chinese and other languages.
    """
    age = p.age
    edu = p.education
    flag = p.postgraduate_from_eligible_university
    if (edu is not None and EDUCATION_RANK[edu] < MASTER) or flag is False:
        postgraduate: bool | None = False
    elif flag is None or edu is None:
        postgraduate = None
    else:
        postgraduate = True
    stem = p.stem_degree
    if postgraduate is False or stem is False:
        postgraduate_stem: bool | None = False
    elif postgraduate and stem:
        postgraduate_stem = True
    else:
        postgraduate_stem = None
    english = p.good_english
    chinese = p.good_chinese
    others = p.other_languages
    known = (english is True) + (chinese is True) + (others or 0)
    if known >= 2:
        two: bool | None = True
    elif english is None or chinese is None or others is None:
        two = None
    else:
        two = False
    return (
        None if age is None else age <= 50,
        postgraduate,
        postgraduate_stem,
        two,
        english,
        _at_least(p.work_experience_years, 5),
        _at_least(p.renowned_company_years, 3),
        _at_least(p.tech_finance_trade_years, 3),
        _at_least(p.international_work_years, 2),
        _at_least(p.annual_income_hkd, 1_000_000),
        _at_least(p.business_profit_hkd, 5_000_000),
        p.owns_listed_company,
    )


def gpt_items(p: Profile) -> dict[str, bool | None]:
    """Every General Points Test item for `p` by name: True, False or None (unknown)."""
    return dict(zip(GPT_ITEMS, gpt_values(p), strict=True))


def gpt_closeness(p: Profile, item: str) -> float:
    """How near an unmet numeric item is (value / threshold); 0 for yes/no items."""
    if item in GPT_NUMERIC:
        field, minimum = GPT_NUMERIC[item]
        value = getattr(p, field)
        return 0.0 if value is None else min(value / minimum, 0.999)
    return 0.0


@predicate
def qmas_points(p: Profile, a: Args) -> Outcome:
    """QMAS points: the General Points Test (from 1 Nov 2024: `min_items` of 12) or achievement.

    Before the 2024 reform the old scale needs facts the profile cannot hold (spouse's degree,
    children, Talent List), so the result is unknown unless the achievement test is met.
    """
    achievement = p.exceptional_achievement
    if achievement is True:
        return (True, "met.achievement")
    minimum = a["min_items"]
    if minimum is None:
        return (None, "unknown.old_scale")
    values = gpt_values(p)
    yes = values.count(True)
    unknown = values.count(None)
    if yes >= minimum:
        return MET
    if yes + unknown < minimum:
        # The twelve items cannot reach the threshold: only the achievement test is left.
        return NOT_MET if achievement is False else (None, "unknown.achievement")
    return UNKNOWN

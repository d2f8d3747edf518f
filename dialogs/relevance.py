"""Which unanswered profile fields could still make some scheme a match.

`rules.fields_that_matter` keeps every field that could change any scheme's status, so a scheme
that already failed a criterion (a near miss) keeps asking for its other unknowns. A person
wants to know which schemes fit: a field is worth a question only while some scheme has failed
nothing and reads it through a criterion that is still unknown. Answering more never turns a
failed criterion into a met one, so no scheme that would match is lost by not asking the rest
(tests/dialogs/test_personas.py walks every persona case to check exactly that).
"""

from __future__ import annotations

from typing import Any

from rules.evaluator import resolve
from rules.predicates import GPT_ITEMS, gpt_values, qmas_points
from rules.profile import Profile

_CACHE: dict[tuple[int, tuple[Any, ...]], tuple[tuple[str, ...], bool]] = {}
_CACHE_LIMIT = 50_000

# QMAS's points test reads fifteen fields, but while it is open only the items still unknown can
# change it: a bachelor's STEM subject or a second language once two are known cannot.
_ITEM_FIELDS: dict[str, tuple[str, ...]] = {
    "age": ("age",),
    "postgraduate": ("education", "postgraduate_from_eligible_university"),
    "postgraduate_stem": ("education", "postgraduate_from_eligible_university", "stem_degree"),
    "two_languages": ("good_english", "good_chinese", "other_languages"),
    "english": ("good_english",),
    "work_5y": ("work_experience_years",),
    "renowned_3y": ("renowned_company_years",),
    "tech_finance_trade_3y": ("tech_finance_trade_years",),
    "international_2y": ("international_work_years",),
    "income_1m": ("annual_income_hkd",),
    "profit_5m": ("business_profit_hkd",),
    "owns_listed_company": ("owns_listed_company",),
}
assert set(_ITEM_FIELDS) == set(GPT_ITEMS)


def _points_fields(profile: Profile) -> tuple[str, ...]:
    """While QMAS's points test is open: the fields of its items still unknown, then the
    exceptional-achievement route that bypasses the points."""
    names: dict[str, None] = {}
    for item, value in zip(GPT_ITEMS, gpt_values(profile), strict=True):
        if value is None:
            names.update(dict.fromkeys(_ITEM_FIELDS[item]))
    names["exceptional_achievement"] = None
    return tuple(names)


def _min_items(result: Any) -> int:
    for fn, args in result.calls:
        if fn is qmas_points and args.get("min_items") is not None:
            return int(args["min_items"])
    return 0


def _askable_points_fields(
    profile: Profile, closed: frozenset[str] | set[str], min_items: int
) -> tuple[str, ...]:
    """While QMAS's points test is open: the fields still worth asking for it. The items whose
    fields are all known or closed (answered "Not sure", or behind) stay unknown for good; when
    the items met plus those still askable cannot reach `min_items`, the points cannot pass
    whatever the answers, and only the exceptional-achievement route is left (nothing, when that
    is closed too)."""
    achievement_open = (
        profile.exceptional_achievement is None and "exceptional_achievement" not in closed
    )
    names: dict[str, None] = {}
    met = askable = 0
    for item, value in zip(GPT_ITEMS, gpt_values(profile), strict=True):
        if value is True:
            met += 1
        elif value is None:
            open_names = [
                n for n in _ITEM_FIELDS[item] if getattr(profile, n) is None and n not in closed
            ]
            if open_names:
                askable += 1
                names.update(dict.fromkeys(open_names))
    if met + askable < min_items:
        names = {}
    if achievement_open:
        names["exceptional_achievement"] = None
    return tuple(names)


# A scheme still open for this profile: its result, the fields of each unknown criterion, and
# whether QMAS's points test is open and needs its unknown items.
Candidate = tuple[Any, tuple[tuple[str, ...], ...], bool]


def candidates(profile: Profile) -> tuple[Candidate, ...]:
    """The schemes with no failed criterion and something still unknown, for this profile.

    The part of `fields_that_could_match` that reads only the profile (every scheme's
    criteria evaluated): a walk asks what matters at several positions for the same answers,
    and only the closed fields differ between them."""
    out: list[Candidate] = []
    for result in resolve(profile.as_of):
        outcomes = tuple([fn(profile, args) for fn, args in result.calls])
        key = (id(result), outcomes)
        found = _CACHE.get(key)
        if found is None:
            found = _candidates(result, outcomes)
            if len(_CACHE) < _CACHE_LIMIT:
                _CACHE[key] = found
        per_criterion, points_open = found
        if per_criterion or points_open:
            out.append((result, per_criterion, points_open))
    return tuple(out)


def fields_that_could_match(
    profile: Profile,
    closed: frozenset[str] | set[str] = frozenset(),
    open_schemes: tuple[Candidate, ...] | None = None,
) -> frozenset[str]:
    """Unanswered fields read by an unknown criterion of a scheme with no failed criterion.

    `closed` names the fields the questionnaire will not ask any more (their questions are
    behind: answered "Not sure", or passed). A scheme with an unknown criterion that reads only
    closed or known fields can no longer become a match, so its other unknowns are not asked
    either: the answer could tell "possible" from "not a fit", never add a match.
    `open_schemes` is `candidates(profile)` when the caller has it already.
    """
    if open_schemes is None:
        open_schemes = candidates(profile)
    wanted: set[str] = set()
    for result, per_criterion, points_open in open_schemes:
        points: tuple[str, ...] = ()
        if points_open:
            points = _askable_points_fields(profile, closed, _min_items(result))
            if not points:
                continue  # QMAS's points can no longer pass, nor its achievement route
        if closed and _stuck(profile, closed, per_criterion, ()):
            continue
        for names in per_criterion:
            wanted.update(names)
        wanted.update(points)
    return frozenset([name for name in wanted if getattr(profile, name) is None])


def _stuck(
    profile: Profile,
    closed: frozenset[str] | set[str],
    per_criterion: tuple[tuple[str, ...], ...],
    points: tuple[str, ...],
) -> bool:
    """Whether some unknown criterion reads nothing that can still be answered."""
    for names in (*per_criterion, points) if points else per_criterion:
        if names and all(n in closed or getattr(profile, n) is not None for n in names):
            return True
    return False


def _candidates(result: Any, outcomes: tuple[Any, ...]) -> tuple[tuple[tuple[str, ...], ...], bool]:
    """(the fields of each unknown criterion, whether QMAS's points test is open and needs its
    unknown items) for a result with no failed criterion."""
    if any(met is False for met, _key in outcomes):
        return (), False
    per_criterion: list[tuple[str, ...]] = []
    points_open = False
    for crit, (met, key) in zip(result.criteria, outcomes, strict=True):
        if met is None:
            if crit.fn is qmas_points and key == "unknown":
                points_open = True
            else:
                per_criterion.append(crit.fields_for(key))
    return tuple(per_criterion), points_open


def open_fields_by_scheme(profile: Profile) -> dict[str, tuple[str, ...]]:
    """For each scheme (`GEP`, `TTPS/A`, …) that has failed nothing and is not yet a match, the
    unanswered fields its unknown criteria read, in criterion order: the facts that would settle
    it ("see my result now" offers the first one the questionnaire can ask)."""
    out: dict[str, tuple[str, ...]] = {}
    for result in resolve(profile.as_of):
        outcomes = tuple([fn(profile, args) for fn, args in result.calls])
        if any(met is False for met, _key in outcomes) or all(met for met, _key in outcomes):
            continue
        names: dict[str, None] = {}
        for crit, (met, key) in zip(result.criteria, outcomes, strict=True):
            if met is None:
                if crit.fn is qmas_points and key == "unknown":
                    names.update(dict.fromkeys(_points_fields(profile)))
                else:
                    names.update(dict.fromkeys(crit.fields_for(key)))
        category = result.category.id if result.category is not None else None
        key = result.scheme.id + (f"/{category}" if category else "")
        out[key] = tuple(n for n in names if getattr(profile, n) is None)
    return out

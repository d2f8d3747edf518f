"""Evaluate a profile against every scheme: pure functions over the cached catalogue.

The catalogue is resolved once per `as_of` (thresholds, exclusion lists and texts in force that
day) and rendered once per (`as_of`, language); a profile then costs one predicate call per
criterion plus a few dictionary look-ups. Rendered criterion texts are shared between results,
so `CriterionResult` and `Missing` objects must not be mutated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from rules.catalogue_models import (
    Catalogue,
    CategorySpec,
    CriterionSpec,
    Fact,
    ParamValue,
    SchemeSpec,
    load_catalogue,
)
from rules.dates import add_months
from rules.i18n import DEFAULT_LANG, LANGS, Lang, normalise_lang
from rules.predicates import (
    GPT_ITEMS,
    PREDICATES,
    Outcome,
    Predicate,
    gpt_closeness,
    gpt_values,
)
from rules.profile import Profile
from rules.results import (
    STATUS_ORDER,
    CatalogueInfo,
    CriterionResult,
    Evaluation,
    Missing,
    SchemeResult,
)

# Per-outcome caches stop growing at this size (per result, date and language).
_PARTS_CACHE_LIMIT = 4096

# --- Date resolution (language-free) -------------------------------------------------------


@dataclass(slots=True)
class ResolvedCriterion:
    spec: CriterionSpec
    fn: Predicate
    args: dict[str, Any]
    changeable: bool
    unknown_fields: dict[str, tuple[str, ...]]
    default_fields: tuple[str, ...]
    unconfirmed_values: list[ParamValue]  # R facts that apply whatever the outcome
    scoped_unconfirmed: dict[str, list[ParamValue]]  # R facts that apply to one outcome key

    def fields_for(self, key: str) -> tuple[str, ...]:
        return self.unknown_fields.get(key, self.default_fields)


@dataclass(slots=True)
class ResolvedResult:
    scheme: SchemeSpec
    category: CategorySpec | None
    criteria: list[ResolvedCriterion]
    next_steps: list[Fact]
    caveats: list[Fact]
    apply_by: tuple[str, int, str | None, date | None] | None  # field, months, cap key, cap
    in_force_key: str | None = None  # set when the scheme is not (surely) in force on as_of
    in_force_date: date | None = None
    calls: tuple[tuple[Predicate, dict[str, Any]], ...] = ()
    matter: dict[tuple[Outcome, ...], tuple[str, ...]] = field(default_factory=dict)


def _fixed(outcome: Outcome) -> Predicate:
    return lambda _p, _a: outcome


def _resolve_param(entries: list[ParamValue], on: date) -> tuple[Any, list[ParamValue]]:
    live = [e for e in entries if e.in_force(on)]
    if not live:
        return None, []
    if all(isinstance(e.value, list) for e in live):
        merged: list[str] = []
        for e in live:
            merged.extend(v for v in e.value if v not in merged)  # type: ignore[union-attr]
        return merged, live
    live.sort(key=lambda e: e.effective_from or date.min)
    return live[-1].value, [live[-1]]


def _resolve_criterion(
    cat: Catalogue, scheme_id: str, spec: CriterionSpec, on: date
) -> ResolvedCriterion:
    args: dict[str, Any] = {"as_of": on, **spec.args}
    unconfirmed: list[ParamValue] = []
    scoped: dict[str, list[ParamValue]] = {}
    for name, entries in spec.params.items():
        value, used = _resolve_param(entries, on)
        if isinstance(value, list):
            args[name] = frozenset(value)
            for tag, suffix in (("R", "unconfirmed"), ("S", "secondary")):
                args[f"{name}_{suffix}"] = frozenset(
                    v
                    for e in used
                    if e.confidence == tag
                    for v in e.value  # type: ignore[union-attr]
                )
        else:
            args[name] = value
        for e in used:
            if e.confidence != "R":
                continue
            if e.scope_keys:
                for key in e.scope_keys:
                    scoped.setdefault(key, []).append(e)
            else:
                unconfirmed.append(e)
    if spec.check == "nationality_eligible":
        ex = cat.exclusions
        args["excluded"] = frozenset(
            c
            for lst in ex.lists
            if scheme_id in lst.schemes and lst.in_force(on)
            for c in lst.countries
        )
        ugc = next((r for r in ex.ugc_rules if scheme_id in r.schemes and r.in_force(on)), None)
        args["ugc_countries"] = frozenset(ugc.countries if ugc else ())
        args["ugc_gba"] = ugc.gba_counts if ugc else True
        args["ugc_key"] = ugc.key if ugc else "ugc"
        args["confirm_countries"] = frozenset(
            c
            for rule in ex.confirm_rules
            if scheme_id in rule.schemes and rule.in_force(on)
            for c in rule.countries
        )
    if spec.check == "not_iang_graduate":
        # IANG's own criteria decide whether the person is a graduate who uses IANG.
        iang = cat.scheme("IANG")
        for crit in iang.criteria:
            if crit.check in ("iang_qualification", "nationality_eligible"):
                resolved = _resolve_criterion(cat, "IANG", crit, on)
                name = (
                    "iang_qualification"
                    if crit.check == "iang_qualification"
                    else ("iang_nationality")
                )
                args[name] = (resolved.fn, resolved.args)
                unconfirmed.extend(resolved.unconfirmed_values)
    return ResolvedCriterion(
        spec=spec,
        fn=PREDICATES[spec.check],
        args=args,
        changeable=spec.changeable,
        unknown_fields={k: tuple(v) for k, v in spec.unknown_fields.items()},
        default_fields=tuple(spec.fields),
        unconfirmed_values=unconfirmed,
        scoped_unconfirmed=scoped,
    )


IN_FORCE = CriterionSpec.model_construct(
    id="in_force",
    check="is_true",
    fields=[],
    unknown_fields={},
    changeable=False,
    args={},
    params={},
    texts={},
    near_miss=None,
    caveat=None,
)


def _in_force_criterion(outcome: Outcome) -> ResolvedCriterion:
    """The synthetic criterion of a scheme not (surely) open on the date evaluated."""
    return ResolvedCriterion(
        spec=IN_FORCE,
        fn=_fixed(outcome),
        args={},
        changeable=False,
        unknown_fields={},
        default_fields=(),
        unconfirmed_values=[],
        scoped_unconfirmed={},
    )


def _next_month(day: date) -> date:
    return add_months(day.replace(day=1), 1)


def _apply_by(
    spec: dict[str, Any], crits: list[ResolvedCriterion]
) -> tuple[str, int, str | None, date | None]:
    """`{field, months}`, optionally `until: {key, arg}`: when some criterion's outcome is `key`,
    the date is no later than that criterion's argument `arg` (a pilot's end)."""
    until = spec.get("until") or {}
    cap: date | None = None
    for crit in crits:
        value = crit.args.get(until.get("arg", ""))
        if isinstance(value, date):
            cap = value
    return spec["field"], int(spec["months"]), until.get("key") if cap else None, cap


@lru_cache(maxsize=256)
def resolve(on: date) -> tuple[ResolvedResult, ...]:
    """Every scheme and category with the thresholds and lists in force on `on`."""
    cat = load_catalogue()
    common = cat.common_next_steps
    out: list[ResolvedResult] = []
    for scheme in cat.schemes:
        base = [_resolve_criterion(cat, scheme.id, c, on) for c in scheme.criteria]
        steps = [f for f in scheme.next_steps if f.in_force(on)]
        steps += [f for f in common if scheme.id in f.schemes and f.in_force(on)]
        caveats = [f for f in scheme.caveats if f.in_force(on)]
        in_force_key: str | None = None
        start = scheme.in_force_from
        if start is not None and on < start.date:
            in_force_key = "not_met"
        elif start is not None and start.precision == "month" and on < _next_month(start.date):
            in_force_key = "unknown"  # started that month, on a day we do not know
        for category in scheme.categories or [None]:
            crits = list(base)
            c_steps, c_caveats = list(steps), list(caveats)
            apply_by = _apply_by(scheme.apply_by, crits) if scheme.apply_by else None
            if category is not None:
                crits += [_resolve_criterion(cat, scheme.id, c, on) for c in category.criteria]
                c_steps = [f for f in category.next_steps if f.in_force(on)] + c_steps
                c_caveats += [f for f in category.caveats if f.in_force(on)]
                if category.apply_by:
                    apply_by = _apply_by(category.apply_by, crits)
            result = ResolvedResult(scheme, category, crits, c_steps, c_caveats, apply_by)
            if in_force_key == "not_met":
                result.criteria = [_in_force_criterion((False, "not_met"))]
                result.next_steps, result.apply_by = [], None
            elif in_force_key == "unknown":
                result.criteria = [_in_force_criterion((None, "unknown")), *crits]
            result.in_force_key = in_force_key
            result.in_force_date = start.date if start else None
            result.calls = tuple((c.fn, c.args) for c in result.criteria)
            out.append(result)
    return tuple(out)


# --- Assessment (language-free) ------------------------------------------------------------


def _status(outcomes: list[Outcome], criteria: list[ResolvedCriterion]) -> str:
    failed = -1
    n_failed = 0
    unknown = False
    for index, (met, _key) in enumerate(outcomes):
        if met is False:
            n_failed += 1
            failed = index
        elif met is None:
            unknown = True
    if n_failed == 0:
        return "possible" if unknown else "match"
    if n_failed == 1 and criteria[failed].changeable:
        return "near_miss"
    return "no_match"


def _candidate_fields(result: ResolvedResult, outcomes: tuple[Outcome, ...]) -> tuple[str, ...]:
    """Fields read by the unknown criteria of a result that is not `no_match`."""
    crits = result.criteria
    if _status(list(outcomes), crits) == "no_match":
        return ()
    names: dict[str, None] = {}
    for crit, (met, key) in zip(crits, outcomes, strict=True):
        if met is None:
            names.update(dict.fromkeys(crit.fields_for(key)))
    return tuple(names)


def fields_that_matter(profile: Profile) -> frozenset[str]:
    """Profile fields, still unanswered, whose answer could change some scheme's status.

    For every result that is not `no_match`, the fields read by its criteria whose outcome is
    unknown, keeping only fields that are still `None` in the profile.
    """
    wanted: set[str] = set()
    for result in resolve(profile.as_of):
        outcomes = tuple([fn(profile, args) for fn, args in result.calls])
        candidates = result.matter.get(outcomes)
        if candidates is None:
            candidates = _candidate_fields(result, outcomes)
            if len(result.matter) < _PARTS_CACHE_LIMIT:
                result.matter[outcomes] = candidates
        wanted.update(candidates)
    return frozenset([name for name in wanted if getattr(profile, name) is None])


# --- Rendering (per language) --------------------------------------------------------------


class _Defaults(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _format(text: str, values: dict[str, Any]) -> str:
    if "{" not in text:
        return text
    return text.format_map(_Defaults(values))


_set = object.__setattr__
_FIELDS_SET: dict[type, set[str]] = {}


def _fast(cls: type, data: dict[str, Any]) -> Any:
    """Build a pydantic model from trusted, complete data without validation (hot path).

    Equivalent to `cls.model_construct(**data)` when `data` holds every field.
    """
    obj = cls.__new__(cls)
    _set(obj, "__dict__", data)
    fields_set = _FIELDS_SET.get(cls)
    if fields_set is None:
        fields_set = _FIELDS_SET[cls] = set(cls.model_fields)  # type: ignore[attr-defined]
    _set(obj, "__pydantic_fields_set__", fields_set)
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


def _date_text(day: date, lang: Lang) -> str:
    if lang == "en":
        return f"{day.day} {day.strftime('%B')} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(slots=True)
class RenderedResult:
    resolved: ResolvedResult
    head: dict[str, Any]  # scheme, category, source, checked, short_name, name, summary
    display_name: str
    next_steps: list[str]
    conditional_steps: list[tuple[str, float, str]]
    caveats: list[str]
    values: dict[str, Any]
    criteria: dict[tuple[int, str], CriterionResult] = field(default_factory=dict)
    missing: dict[tuple[int, str, str], Missing] = field(default_factory=dict)
    caveats_for: dict[tuple[int, str], tuple[str, ...]] = field(default_factory=dict)
    parts: dict[tuple[Outcome, ...], Any] = field(default_factory=dict)
    calls: tuple[tuple[Predicate, dict[str, Any]], ...] = ()
    points_index: int = -1


@dataclass(slots=True)
class Rendered:
    results: tuple[RenderedResult, ...]
    info: CatalogueInfo
    alternatives: list[str]
    disclaimer: str
    texts: dict[str, str]
    gpt_labels: dict[str, str]
    details: dict[tuple[Any, ...], str] = field(default_factory=dict)


def _values(crits: list[ResolvedCriterion], lang: Lang) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for crit in crits:
        for name, value in crit.args.items():
            if isinstance(value, dict):
                values[name] = value[lang]
            elif isinstance(value, date):
                values[name] = _date_text(value, lang)
            elif not isinstance(value, frozenset):
                values[name] = value
    return values


# Chinese sentences run on without a space.
_SENTENCE_SEP: dict[str, str] = {"en": " ", "zh-hant": "", "zh-hans": ""}


def _short_display(scheme: SchemeSpec, category: CategorySpec | None) -> str:
    if category is None:
        return scheme.short_name
    return f"{scheme.short_name} ({category.name['en']})"


@lru_cache(maxsize=256)
def render_catalogue(on: date, lang: Lang) -> Rendered:
    """The texts for `on` in `lang`, ready to be picked per outcome."""
    cat = load_catalogue()
    texts = {k: v[lang] for k, v in cat.texts.items()}
    rendered = []
    for res in resolve(on):
        scheme, category = res.scheme, res.category
        name = scheme.name[lang]
        short = scheme.short_names[lang] if scheme.short_names else scheme.short_name
        summary = scheme.summary[lang]
        if category is not None:
            name = _format(
                texts["category_name"], {"scheme": name, "category": category.name[lang]}
            )
            short = f"{short} {category.short_name}"
            summary = category.summary[lang]
        head = {
            "scheme": scheme.id,
            "category": category.id if category else None,
            "source": scheme.source,
            "checked": scheme.checked,
            "short_name": short,
            "name": name,
            "summary": summary,
        }
        values = _values(res.criteria, lang)
        # Near-miss texts name the scheme: in English by its short name, as people say it
        # ("IANG (returning graduates)"); in Chinese by its official name.
        values["scheme"] = name if lang != "en" else _short_display(scheme, category)
        if res.in_force_date is not None:
            values["start"] = _date_text(res.in_force_date, lang)
            values["start_month"] = (
                res.in_force_date.strftime("%B %Y")
                if lang == "en"
                else f"{res.in_force_date.year}年{res.in_force_date.month}月"
            )
        steps = [_format(f.text[lang], values) for f in res.next_steps if f.when is None]
        conditional = [
            (f.when.field, f.when.min, _format(f.text[lang], values))
            for f in res.next_steps
            if f.when is not None
        ]
        caveats: list[str] = []
        for fact in (*res.caveats, *res.next_steps):
            text = fact.text[lang] if fact in res.caveats else None
            if text is not None:
                caveats.append(_format(text, values))
            if fact.caveat is not None:
                caveats.append(_format(fact.caveat[lang], values))
        start = scheme.in_force_from
        if start is not None and start.caveat is not None:
            caveats.append(_format(start.caveat[lang], values))
        for crit in res.criteria:
            if crit.spec.caveat is not None:
                caveats.append(_format(crit.spec.caveat[lang], values))
            for fact in crit.unconfirmed_values:
                caveats.append(_format(fact.caveat[lang], values))  # type: ignore[index]
        item = RenderedResult(
            res, head, name, steps, conditional, list(dict.fromkeys(caveats)), values
        )
        item.calls = res.calls
        for index, crit in enumerate(res.criteria):
            if crit.spec.check == "qmas_points" and crit.args.get("min_items") is not None:
                item.points_index = index
        rendered.append(item)
    alternatives = [a.text[lang] + (f" {a.url}" if a.url else "") for a in cat.alternatives]
    gpt = {k.removeprefix("gpt."): v for k, v in texts.items() if k.startswith("gpt.")}
    return Rendered(
        tuple(rendered),
        CatalogueInfo(version=cat.version, checked=cat.checked),
        alternatives,
        _format(cat.disclaimer[lang], {}),
        texts,
        gpt,
    )


def _pick(texts: dict[str, Any], key: str, lang: Lang) -> str:
    found = texts.get(key)
    if found is None:
        found = texts[key.split(".", 1)[0]]
    return found[lang]


def _criterion_text(rr: RenderedResult, index: int, key: str, lang: Lang, r: Rendered) -> str:
    crit = rr.resolved.criteria[index]
    if crit.spec is IN_FORCE:
        name = "in_force_" + key
        if (
            rr.resolved.scheme.in_force_from
            and rr.resolved.scheme.in_force_from.precision == "month"
        ):
            name += "_month" if key == "unknown" else ""
        return _format(r.texts[name], rr.values)
    return _format(_pick(crit.spec.texts, key, lang), rr.values)


def _criterion(
    rr: RenderedResult, index: int, met: bool | None, key: str, lang: Lang, r: Rendered
) -> CriterionResult:
    cache_key = (index, key)
    found = rr.criteria.get(cache_key)
    if found is None:
        crit = rr.resolved.criteria[index]
        scoped = crit.scoped_unconfirmed.get(key, [])
        unconfirmed = bool(crit.unconfirmed_values or scoped)
        found = _fast(
            CriterionResult,
            {
                "id": crit.spec.id,
                "met": met,
                "text": _criterion_text(rr, index, key, lang, r),
                "unconfirmed": unconfirmed,
            },
        )
        rr.criteria[cache_key] = found
        rr.caveats_for[cache_key] = tuple(
            _format(f.caveat[lang], rr.values) for f in scoped if f.caveat is not None
        )
    return found


def _missing(
    rr: RenderedResult, index: int, key: str, kind: str, lang: Lang, r: Rendered
) -> Missing:
    cache_key = (index, key, kind)
    found = rr.missing.get(cache_key)
    if found is None:
        crit = rr.resolved.criteria[index]
        if kind == "near_miss" and crit.spec.near_miss is not None:
            text = _format(crit.spec.near_miss[lang], rr.values)
        else:
            text = _criterion_text(rr, index, key, lang, r)
        found = _fast(Missing, {"criterion": crit.spec.id, "text": text})
        rr.missing[cache_key] = found
    return found


def _qmas_points_detail(profile: Profile, r: Rendered, minimum: int | None) -> str | None:
    """The counts behind the QMAS points criterion, and the nearest items still open.

    Unknown items come first (answering them is the cheapest way up), then unmet items by how
    close the person is to the threshold. Texts are cached by counts and nearest items.
    """
    if minimum is None:
        return None
    values = gpt_values(profile)
    yes = values.count(True)
    unknown = values.count(None)
    nearest = [GPT_ITEMS[i] for i, v in enumerate(values) if v is None][:3]
    if len(nearest) < 3:
        unmet = [GPT_ITEMS[i] for i, v in enumerate(values) if v is False]
        unmet.sort(key=lambda k: -gpt_closeness(profile, k))
        nearest += unmet[: 3 - len(nearest)]
    key = (yes, unknown, minimum, tuple(nearest))
    text = r.details.get(key)
    if text is None:
        closest = r.texts["list_sep"].join(r.gpt_labels[k] for k in nearest)
        text = _format(
            r.texts["qmas_points_detail"],
            {"yes": yes, "need": max(minimum - yes, 0), "unknown": unknown, "closest": closest},
        )
        r.details[key] = text
    return text


def _parts(
    rr: RenderedResult, outcomes: tuple[Outcome, ...], lang: Lang, r: Rendered
) -> tuple[str, tuple[CriterionResult, ...], tuple[Missing, ...], tuple[str, ...]]:
    """Status, criteria, missing and caveats: everything that depends only on the outcomes."""
    status = _status(outcomes, rr.resolved.criteria)
    criteria = []
    extra_caveats: list[str] = []
    for index, (met, key) in enumerate(outcomes):
        criteria.append(_criterion(rr, index, met, key, lang, r))
        scoped = rr.caveats_for[(index, key)]
        if scoped:
            extra_caveats.extend(scoped)
    if status == "near_miss":
        kind, wanted = "near_miss", False
    elif status == "possible":
        kind, wanted = "confirm", None
    elif status == "no_match":
        kind, wanted = "failed", False
    else:
        kind, wanted = "", True
    missing = tuple(
        _missing(rr, i, key, kind, lang, r)
        for i, (met, key) in enumerate(outcomes)
        if met is wanted and kind
    )
    caveats = tuple(dict.fromkeys([*rr.caveats, *extra_caveats]))
    return status, tuple(criteria), missing, caveats


_SCHEME_RESULT_FIELDS = set(SchemeResult.model_fields)


def _render_result(
    rr: RenderedResult,
    profile: Profile,
    outcomes: tuple[Outcome, ...],
    lang: Lang,
    r: Rendered,
) -> tuple[int, SchemeResult]:
    """(status rank, result) for these outcomes; the hot path of `evaluate_profile`."""
    template = rr.parts.get(outcomes)
    if template is None:
        template = _template(rr, outcomes, lang, r)
        if len(rr.parts) < _PARTS_CACHE_LIMIT:
            rr.parts[outcomes] = template
    data, dynamic, rank = template
    data = data.copy()
    # Fresh lists per result, so a caller may change one result without touching another.
    data["criteria"] = list(data["criteria"])
    data["missing"] = list(data["missing"])
    data["caveats"] = list(data["caveats"])
    data["next_steps"] = list(data["next_steps"])
    if dynamic:
        _add_profile_details(rr, profile, data, lang, r, outcomes)
    obj = SchemeResult.__new__(SchemeResult)
    _set(obj, "__dict__", data)
    _set(obj, "__pydantic_fields_set__", _SCHEME_RESULT_FIELDS)
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return rank, obj


def _template(
    rr: RenderedResult, outcomes: tuple[Outcome, ...], lang: Lang, r: Rendered
) -> tuple[dict[str, Any], bool, int]:
    """The result's data for these outcomes, and whether profile values must be added to it."""
    status, criteria, missing, caveats = _parts(rr, outcomes, lang, r)
    data = rr.head.copy()
    data["status"] = status
    data["criteria"] = criteria
    data["missing"] = missing
    data["caveats"] = caveats
    data["next_steps"] = tuple(rr.next_steps)
    data["apply_by"] = None
    points = rr.points_index
    dynamic = (points >= 0 and outcomes[points][0] is not True) or (
        status != "no_match" and (bool(rr.conditional_steps) or rr.resolved.apply_by is not None)
    )
    return data, dynamic, STATUS_ORDER[status]


def _add_profile_details(
    rr: RenderedResult,
    profile: Profile,
    data: dict[str, Any],
    lang: Lang,
    r: Rendered,
    outcomes: tuple[Outcome, ...],
) -> None:
    """Texts that quote the profile: QMAS item counts, conditional steps, the apply-by date."""
    status = data["status"]
    points = rr.points_index
    if points >= 0:
        criteria = data["criteria"]
        cr = criteria[points]
        if cr.met is not True:
            detail = _qmas_points_detail(
                profile, r, rr.resolved.criteria[points].args.get("min_items")
            )
            if detail:
                criteria[points] = _fast(
                    CriterionResult,
                    {
                        "id": cr.id,
                        "met": cr.met,
                        "text": f"{cr.text}{_SENTENCE_SEP[lang]}{detail}",
                        "unconfirmed": cr.unconfirmed,
                    },
                )
                if status == "near_miss":
                    data["missing"] = [
                        _fast(
                            Missing,
                            {
                                "criterion": m.criterion,
                                "text": f"{m.text}{_SENTENCE_SEP[lang]}{detail}",
                            },
                        )
                        if m.criterion == "points"
                        else m
                        for m in data["missing"]
                    ]
    if status == "no_match":
        return
    steps = data["next_steps"]
    if rr.conditional_steps:
        extra = [
            text
            for name, minimum, text in rr.conditional_steps
            if (value := getattr(profile, name)) is not None and value >= minimum
        ]
        steps[:0] = extra
    spec = rr.resolved.apply_by
    if spec is not None:
        event = getattr(profile, spec[0])
        if event is not None:
            day = add_months(event, spec[1])
            if spec[2] is not None and any(key == spec[2] for _met, key in outcomes):
                day = min(day, spec[3])  # type: ignore[type-var]
            if day >= profile.as_of:
                # A field, not a next step: the bot renders the date in its own words.
                data["apply_by"] = day


def evaluate_profile(profile: Profile, lang: Lang = DEFAULT_LANG) -> Evaluation:
    """Every scheme and category for `profile` on `profile.as_of`, texts in `lang`.

    Results are sorted match, possible, near_miss, no_match, keeping catalogue order within a
    status. `alternatives` is filled when nothing is a match or possible.
    """
    if lang not in LANGS:  # be forgiving with codes such as "zh-HK" from Telegram
        lang = normalise_lang(lang)
    r = render_catalogue(profile.as_of, lang)
    buckets: tuple[list[SchemeResult], ...] = ([], [], [], [])  # by STATUS_ORDER
    for rr in r.results:
        outcomes = tuple([fn(profile, args) for fn, args in rr.calls])
        rank, res = _render_result(rr, profile, outcomes, lang, r)
        buckets[rank].append(res)
    hopeful = bool(buckets[0] or buckets[1])
    results = [*buckets[0], *buckets[1], *buckets[2], *buckets[3]]
    return _fast(
        Evaluation,
        {
            "as_of": profile.as_of,
            "catalogue": r.info,
            "results": results,
            "alternatives": [] if hopeful else list(r.alternatives),
            "disclaimer": r.disclaimer,
        },
    )

"""Scheme cards: what each scheme is, who it is for and its key requirements, for browsing.

Built from the same date-resolved catalogue as the evaluator, so a card shows the thresholds in
force on the given day. A requirement is the criterion's `card` text where it has one (for
criteria whose "not met" wording speaks to one person), otherwise its `not_met` text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from rules.catalogue_models import load_catalogue
from rules.countries import countries
from rules.evaluator import IN_FORCE, RenderedResult, _format, render_catalogue
from rules.i18n import Lang
from rules.profile import today_in_hong_kong


@dataclass(frozen=True, slots=True)
class CategoryCard:
    id: str
    name: str
    summary: str
    requirements: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SchemeCard:
    scheme: str
    short_name: str
    name: str
    summary: str
    requirements: tuple[str, ...]  # common to every category
    categories: tuple[CategoryCard, ...]
    next_steps: tuple[str, ...]
    caveats: tuple[str, ...]
    source: str
    checked: date
    links: tuple[str, ...] = field(default=())


def _country_names(codes: list[str] | frozenset[str], lang: Lang) -> str:
    table = countries()
    sep = ", " if lang == "en" else "、"
    return sep.join(sorted(table[c].name[lang] if c in table else c for c in codes))


def _excluded_on(scheme_id: str, on: date) -> list[str]:
    found: list[str] = []
    for item in load_catalogue().exclusions.lists:
        if scheme_id in item.schemes and item.in_force(on):
            found += [c for c in item.countries if c not in found]
    return found


def _requirements(rr: RenderedResult, on: date, lang: Lang, texts: dict[str, str]) -> list[str]:
    lines = []
    for crit in rr.resolved.criteria:
        spec = crit.spec
        if spec is IN_FORCE:
            continue
        if spec.check == "nationality_eligible":
            excluded = _excluded_on(rr.resolved.scheme.id, on)
            if excluded:
                lines.append(_format(texts["card.excluded"],
                                     {"countries": _country_names(excluded, lang)}))  # fmt: skip
            continue
        if spec.check == "nationality_in_list" and crit.args.get("partners"):
            names = _country_names(crit.args["partners"], lang)
            lines.append(_format(texts["card.partners"], {"countries": names}))
            continue
        key = "card" if "card" in spec.texts else "not_met"
        lines.append(_format(spec.texts[key][lang], rr.values))
    return lines


@lru_cache(maxsize=64)
def scheme_cards(lang: Lang, on: date | None = None) -> tuple[SchemeCard, ...]:
    """One card per scheme (categories folded in), in catalogue order."""
    on = on or today_in_hong_kong()
    rendered = render_catalogue(on, lang)
    texts = rendered.texts
    by_scheme: dict[str, list[RenderedResult]] = {}
    for rr in rendered.results:
        by_scheme.setdefault(rr.resolved.scheme.id, []).append(rr)
    cards = []
    for scheme_id, items in by_scheme.items():
        spec = items[0].resolved.scheme
        per_item = [_requirements(rr, on, lang, texts) for rr in items]
        common = [line for line in per_item[0] if all(line in other for other in per_item)]
        categories = tuple(
            CategoryCard(
                rr.resolved.category.id,
                rr.resolved.category.name[lang],
                rr.resolved.category.summary[lang],
                tuple(line for line in lines if line not in common),
            )
            for rr, lines in zip(items, per_item, strict=True)
            if rr.resolved.category is not None
        )
        steps = list(dict.fromkeys(s for rr in items for s in rr.next_steps))
        caveats = list(dict.fromkeys(c for rr in items for c in rr.caveats))
        cards.append(
            SchemeCard(
                scheme=scheme_id,
                short_name=spec.short_names[lang] if spec.short_names else spec.short_name,
                name=spec.name[lang],
                summary=spec.summary[lang],
                requirements=tuple(common),
                categories=categories,
                next_steps=tuple(steps),
                caveats=tuple(caveats),
                source=spec.source,
                checked=spec.checked,
                links=tuple(spec.links),
            )
        )
    return tuple(cards)


def scheme_card(scheme_id: str, lang: Lang, on: date | None = None) -> SchemeCard:
    for card in scheme_cards(lang, on):
        if card.scheme == scheme_id.upper():
            return card
    raise KeyError(scheme_id)

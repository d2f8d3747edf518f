"""Two or three schemes side by side, aspect by aspect, from the date-resolved catalogue.

A table with a column per scheme does not fit a phone, so the comparison is a list of aspects
(who it is for, key requirements, first stay and extensions, family, permanent residence, fees,
what to prepare), each naming every scheme with what the catalogue says about it on the date
asked. Requirements and summaries come from the scheme cards (`rules.cards`); stay, family,
residence and fees from the dated facts tagged with that aspect (`Fact.aspects`); documents from
`rules.documents`. Where the catalogue holds nothing for a scheme and aspect, the entry has no
parts, and adapters say "not stated in the sources" instead of guessing.

Pure: no I/O beyond the cached catalogue, no Telegram. Labels and the "not stated" wording are
the adapter's texts; everything taken from the catalogue is already in the language asked.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from rules.cards import SchemeCard, scheme_card
from rules.catalogue_models import load_catalogue
from rules.documents import SchemeDocuments, documents_for
from rules.evaluator import RenderedResult, _format, render_catalogue
from rules.i18n import LANGS, Lang
from rules.profile import today_in_hong_kong

ASPECTS: tuple[str, ...] = (
    "for_whom",
    "requirements",
    "stay",
    "family",
    "permanent_residence",
    "fees",
    "documents",
)
FACT_ASPECTS: tuple[str, ...] = ("stay", "family", "permanent_residence", "fees")
MIN_SCHEMES = 2
MAX_SCHEMES = 3


@dataclass(frozen=True, slots=True)
class Part:
    """Lines about one scheme under one aspect; `label` names the categories they apply to."""

    label: str | None
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    scheme: str
    short_name: str
    parts: tuple[Part, ...]  # empty: not stated in the sources
    sources: tuple[tuple[str, date], ...] = ()  # (source, checked) of the facts used
    link: str | None = None  # a page to read further (documents: the official list)

    @property
    def stated(self) -> bool:
        return bool(self.parts)


@dataclass(frozen=True, slots=True)
class AspectRow:
    aspect: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class SchemeHead:
    scheme: str
    short_name: str
    name: str
    source: str
    checked: date
    notice: str | None  # e.g. "not yet in force on this date"


@dataclass(frozen=True, slots=True)
class Comparison:
    as_of: date
    lang: Lang
    schemes: tuple[SchemeHead, ...]
    aspects: tuple[AspectRow, ...]
    documents: tuple[SchemeDocuments, ...]

    def row(self, aspect: str) -> AspectRow:
        for row in self.aspects:
            if row.aspect == aspect:
                return row
        raise KeyError(aspect)


def scheme_ids() -> tuple[str, ...]:
    """Every scheme id in catalogue order (the order pickers show)."""
    return tuple(spec.id for spec in load_catalogue().schemes)


# --- Picking schemes from typed words ------------------------------------------------------

_CONNECTORS = frozenset(
    {"vs", "v", "versus", "and", "or", "with", "&", "和", "與", "与", "同", "對", "对"}
)
_SPLIT = re.compile(r"[\s,，、+;；]+")
_MAX_WORDS = 12  # longer than any scheme's name in words


def _key(text: str) -> str:
    """Case, spaces, brackets and punctuation do not matter: "gep (entrepreneurs)" = "GEP（企業家）"
    only in the letters that remain."""
    norm = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in norm if ch.isalnum())


@lru_cache(maxsize=1)
def _names() -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    """Every way a scheme may be named (id, short names, names in every language) -> its id,
    and each scheme's category keys (a category named after its scheme is absorbed)."""
    names: dict[str, str] = {}
    categories: dict[str, frozenset[str]] = {}
    for spec in load_catalogue().schemes:
        keys = {spec.id, spec.short_name, *spec.name.values()}
        short_names = getattr(spec, "short_names", None)  # per-language short names, if any
        if short_names:
            keys |= set(short_names.values())
        for key in keys:
            names.setdefault(_key(key), spec.id)
        categories[spec.id] = frozenset(
            _key(k)
            for cat in spec.categories
            for k in (cat.id, cat.short_name, *(cat.name[lang] for lang in LANGS))
        )
    return names, categories


@dataclass(frozen=True, slots=True)
class Selection:
    ids: tuple[str, ...]  # distinct, in the order typed
    unknown: tuple[str, ...]  # words that name no scheme


def parse_selection(words: Iterable[str]) -> Selection:
    """The schemes named in `words` (a command's arguments), longest name first.

    "TTPS QMAS", "ttps, qmas", "New CIES vs GEP (entrepreneurs)", "高端人才通行證計劃 QMAS" all
    work; a category after its scheme ("TTPS C", "IANG fresh") is taken as the scheme.
    """
    names, categories = _names()
    tokens = [tok for word in words for tok in _SPLIT.split(word) if tok]
    ids: list[str] = []
    unknown: list[str] = []
    i = 0
    while i < len(tokens):
        for width in range(min(_MAX_WORDS, len(tokens) - i), 0, -1):
            found = names.get(_key("".join(tokens[i : i + width])))
            if found:
                if found not in ids:
                    ids.append(found)
                i += width
                while i < len(tokens) and _key(tokens[i]) in categories[found]:
                    i += 1
                break
        else:
            if tokens[i].casefold() not in _CONNECTORS:  # "and" may be part of a name
                unknown.append(tokens[i])
            i += 1
    return Selection(tuple(ids), tuple(unknown))


# --- Building the comparison ----------------------------------------------------------------


def _card_parts(card: SchemeCard, summaries: bool) -> tuple[Part, ...]:
    parts: list[Part] = []
    head = (card.summary,) if summaries else card.requirements
    if head:
        parts.append(Part(None, tuple(head)))
    for cat in card.categories:
        lines = (cat.summary,) if summaries else cat.requirements
        if lines:
            parts.append(Part(cat.name, tuple(lines)))
    return tuple(parts)


def _fact_entry(
    scheme_id: str, short_name: str, items: list[RenderedResult], aspect: str, lang: Lang, sep: str
) -> Entry:
    """The facts about `aspect` in force for a scheme, labelled by category where they differ."""
    seen: dict[str, list[str]] = {}  # text -> names of the categories it applies to
    sources: dict[tuple[str, date], None] = {}
    for rr in items:
        category = rr.resolved.category
        for fact in rr.resolved.next_steps:
            if aspect not in fact.aspects:
                continue
            text = _format(fact.text[lang], rr.values)
            seen.setdefault(text, [])
            if category is not None:
                seen[text].append(category.name[lang])
            sources[(fact.source, fact.checked)] = None
    every = [rr.resolved.category.name[lang] for rr in items if rr.resolved.category is not None]
    grouped: dict[str | None, list[str]] = {}
    for text, cats in seen.items():
        label = None if not every or cats == every else sep.join(cats)
        grouped.setdefault(label, []).append(text)
    order = sorted(grouped, key=lambda label: label is not None)  # what applies to all first
    parts = tuple(Part(label, tuple(grouped[label])) for label in order)
    return Entry(scheme_id, short_name, parts, tuple(sources))


@lru_cache(maxsize=256)
def compare_schemes(
    ids: tuple[str, ...], as_of: date | None = None, lang: Lang = "en"
) -> Comparison:
    """The comparison of the schemes `ids` (two or three distinct catalogue ids) on `as_of`.

    Raises KeyError for an id the catalogue does not have, ValueError for too few or too many.
    """
    on = as_of or today_in_hong_kong()
    wanted = tuple(dict.fromkeys(i.upper() for i in ids))
    known = scheme_ids()
    bad = [i for i in wanted if i not in known]
    if bad:
        raise KeyError(", ".join(bad))
    if not MIN_SCHEMES <= len(wanted) <= MAX_SCHEMES:
        raise ValueError(f"compare {MIN_SCHEMES} to {MAX_SCHEMES} schemes, not {len(wanted)}")
    rendered = render_catalogue(on, lang)
    sep = rendered.texts["list_sep"]
    cards = [scheme_card(i, lang, on) for i in wanted]
    per_scheme = {i: [rr for rr in rendered.results if rr.resolved.scheme.id == i] for i in wanted}
    heads = []
    for card in cards:
        first = per_scheme[card.scheme][0]
        notice = None
        if first.resolved.in_force_key == "not_met":
            notice = _format(rendered.texts["in_force_not_met"], first.values)
        heads.append(
            SchemeHead(card.scheme, card.short_name, card.name, card.source, card.checked, notice)
        )
    docs = tuple(documents_for(card.scheme, on, lang) for card in cards)

    def card_entry(card: SchemeCard, summaries: bool) -> Entry:
        parts = _card_parts(card, summaries)
        return Entry(card.scheme, card.short_name, parts, ((card.source, card.checked),))

    def documents_entry(card: SchemeCard, found: SchemeDocuments) -> Entry:
        parts = (Part(None, tuple(i.text for i in found.items)),) if found.listed else ()
        sources = tuple(dict.fromkeys((i.source, i.checked) for i in found.items))
        return Entry(card.scheme, card.short_name, parts, sources, found.page)

    rows = [
        AspectRow("for_whom", tuple(card_entry(c, True) for c in cards)),
        AspectRow("requirements", tuple(card_entry(c, False) for c in cards)),
    ]
    for aspect in FACT_ASPECTS:
        entries = tuple(
            _fact_entry(c.scheme, c.short_name, per_scheme[c.scheme], aspect, lang, sep)
            for c in cards
        )
        rows.append(AspectRow(aspect, entries))
    rows.append(
        AspectRow(
            "documents", tuple(documents_entry(c, d) for c, d in zip(cards, docs, strict=True))
        )
    )
    return Comparison(on, lang, tuple(heads), tuple(rows), docs)

"""The scheme catalogue's shape, validated when the YAML under `rules/catalogue/` is loaded.

Data that changes (thresholds, lists of countries, stay patterns, fees) carries its dates, its
source and how sure we are of it. A fact tagged `R` (recollection, not confirmed) must carry a
`caveat` text: every result that uses it shows that caveat and marks the criterion unconfirmed.
A broken file fails loading with a `CatalogueError` naming the file and the entry.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rules.i18n import LocalText
from rules.predicates import PREDICATES
from rules.profile import PROFILE_FIELDS

CATALOGUE_DIR = Path(__file__).parent / "catalogue"
SCHEME_IDS: tuple[str, ...] = (
    "GEP",
    "GEP_INVEST",
    "ASMTP",
    "QMAS",
    "TTPS",
    "IANG",
    "TECHTAS",
    "ASSG",
    "CIES",
    "WHS",
    # Added in 2026: kept last so that stored subscription masks keep their meaning.
    "GEP_TPS",
    "ASMTP_TPS",
    "VPAS",
)
SCHEME_FILES: dict[str, str] = {sid: f"{sid.lower()}.yaml" for sid in SCHEME_IDS}

Confidence = Literal["O", "S", "R"]
ParamScalar = date | float | int | bool | str | None


class CatalogueError(ValueError):
    """A catalogue file is missing or wrong; the message names the file and the entry."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _url(value: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise ValueError(f"source must be an http(s) URL, got {value!r}")
    return value


class Sourced(Strict):
    """Where a fact comes from and how sure we are of it."""

    source: str
    confidence: Confidence
    checked: date
    caveat: LocalText | None = None  # shown to the user; required for confidence R
    note: str | None = None  # for maintainers only

    _check_source = field_validator("source")(classmethod(lambda cls, v: _url(v)))

    @model_validator(mode="after")
    def _unconfirmed_needs_caveat(self) -> Sourced:
        if self.confidence == "R" and self.caveat is None:
            raise ValueError("a fact tagged R (unconfirmed) needs a caveat text")
        return self


class Dated(Sourced):
    effective_from: date | None = None
    effective_to: date | None = None  # inclusive; set once superseded

    @model_validator(mode="after")
    def _ordered(self) -> Dated:
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")
        return self

    def in_force(self, on: date) -> bool:
        return (self.effective_from is None or self.effective_from <= on) and (
            self.effective_to is None or on <= self.effective_to
        )


class ParamValue(Dated):
    """One dated value of a threshold or setting."""

    value: ParamScalar | list[str] | LocalText
    scope_keys: list[str] | None = None  # the outcome keys this value's confidence applies to


class Condition(Strict):
    """Show a next step only when a numeric profile field reaches `min`."""

    field: str
    min: float

    @field_validator("field")
    @classmethod
    def _known_field(cls, value: str) -> str:
        if value not in PROFILE_FIELDS:
            raise ValueError(f"unknown profile field {value!r}")
        return value


# What a fact is about, for comparing schemes aspect by aspect (rules/compare.py).
Aspect = Literal["stay", "family", "permanent_residence", "fees"]


def aspects_from_id(fact_id: str | None) -> list[str]:
    """The aspects a fact without an explicit `aspects:` list is about, from its id.

    The naming convention the scheme files follow: `stay…`/`…_stay…` and `first_visa…` are the
    stay, `dependants`/`family…` the family, `fees…` the fees, `permanent_residence` the road
    to permanent residence. Any other id is about no aspect unless tagged.
    """
    if not fact_id:
        return []
    parts = fact_id.split("_")
    if "stay" in parts or fact_id.startswith("first_visa"):
        return ["stay"]
    if fact_id == "dependants" or fact_id.startswith("family"):
        return ["family"]
    if fact_id.startswith("fees"):
        return ["fees"]
    if fact_id == "permanent_residence":
        return ["permanent_residence"]
    return []


class Fact(Dated):
    """A dated text: a next step, a caveat, a stay pattern, a fee."""

    id: str | None = None
    text: LocalText
    when: Condition | None = None
    aspects: list[Aspect] = []  # default: from the id (see `aspects_from_id`)

    @model_validator(mode="before")
    @classmethod
    def _default_aspects(cls, data: Any) -> Any:
        if isinstance(data, dict) and "aspects" not in data:
            data = {**data, "aspects": aspects_from_id(data.get("id"))}
        return data


class CommonFact(Fact):
    schemes: list[str]


class CriterionSpec(Strict):
    id: str
    check: str
    fields: list[str]
    unknown_fields: dict[str, list[str]] = {}
    changeable: bool = False
    args: dict[str, ParamScalar] = {}  # fixed arguments (which field to read, a rule name)
    params: dict[str, list[ParamValue]] = {}  # dated thresholds
    texts: dict[str, LocalText]
    near_miss: LocalText | None = None  # "With … you would also fit {scheme}."
    caveat: LocalText | None = None  # always shown when this criterion is used

    @field_validator("check")
    @classmethod
    def _known_predicate(cls, value: str) -> str:
        if value not in PREDICATES:
            raise ValueError(f"unknown check {value!r}; known: {', '.join(sorted(PREDICATES))}")
        return value

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, value: list[str]) -> list[str]:
        bad = [f for f in value if f not in PROFILE_FIELDS]
        if bad:
            raise ValueError(f"unknown profile field(s) {', '.join(bad)}")
        return value

    @model_validator(mode="after")
    def _complete(self) -> CriterionSpec:
        missing = [k for k in ("met", "not_met", "unknown") if k not in self.texts]
        if missing:
            raise ValueError(f"texts lack {', '.join(missing)}")
        if self.changeable and self.near_miss is None:
            raise ValueError("a changeable criterion needs a near_miss text")
        for key, fields in self.unknown_fields.items():
            bad = [f for f in fields if f not in PROFILE_FIELDS]
            if bad:
                raise ValueError(f"unknown_fields[{key}]: unknown profile field(s) {bad}")
        return self


class Documents(Strict):
    """The forms and documents the official pages list for applying, as dated, sourced items.

    `page` is the official page where the list lives (or, when `items` is empty because our
    sources do not list them, the page to check); `checked` is when we last looked for it.
    """

    page: str
    checked: date
    items: list[Fact] = []
    note: str | None = None  # for maintainers only

    _check_page = field_validator("page")(classmethod(lambda cls, v: _url(v)))


class InForce(Sourced):
    date: date
    precision: Literal["day", "month"] = "day"


class CategorySpec(Strict):
    id: str
    short_name: str
    name: LocalText
    summary: LocalText
    criteria: list[CriterionSpec]
    next_steps: list[Fact] = []
    caveats: list[Fact] = []
    apply_by: dict[str, Any] | None = None  # {"field": ..., "months": ...}


class SchemeSpec(Strict):
    id: str
    short_name: str
    # The short name per language where its qualifier is translated ("GEP（技術專才）");
    # the abbreviation stays in Latin letters. Absent: `short_name` in every language.
    short_names: LocalText | None = None
    name: LocalText
    summary: LocalText
    source: str
    source_confidence: Confidence
    checked: date
    links: list[str] = []
    in_force_from: InForce | None = None
    criteria: list[CriterionSpec] = []
    categories: list[CategorySpec] = []
    apply_by: dict[str, Any] | None = None  # for a scheme without categories
    next_steps: list[Fact] = []
    caveats: list[Fact] = []
    documents: Documents | None = None  # absent: not recorded; the card points to `source`

    _check_source = field_validator("source")(classmethod(lambda cls, v: _url(v)))


class ExclusionList(Dated):
    id: str
    countries: list[str]
    schemes: list[str]


class ExclusionNote(Sourced):
    id: str
    countries: list[str]
    text: str  # for maintainers: why this list is recorded but not applied


class UgcRule(Dated):
    """Nationals of `countries` may use `schemes` only after a UGC-funded programme.

    `gba_counts`: a Greater Bay Area campus programme counts too. `key` names the texts
    (`met.<key>`, `not_met.<key>`, `unknown.<key>`), since each rule's wording differs.
    """

    countries: list[str]
    schemes: list[str]
    gba_counts: bool = True
    key: str = "ugc"


class ConfirmRule(Dated):
    """Nationals of `countries` who can apply are told to confirm with ImmD (sources conflict)."""

    countries: list[str]
    schemes: list[str]


class Exclusions(Strict):
    lists: list[ExclusionList]
    ugc_rules: list[UgcRule]
    confirm_rules: list[ConfirmRule] = []
    notes: list[ExclusionNote] = []


class Alternative(Strict):
    id: str
    text: LocalText
    url: str | None = None
    confidence: Confidence = "O"


class Catalogue(Strict):
    version: str
    checked: date
    disclaimer: LocalText
    alternatives: list[Alternative]
    common_next_steps: list[CommonFact] = []
    texts: dict[str, LocalText]
    # Dated notices about the catalogue as a whole (what has not been reviewed yet).
    notices: list[Fact] = []
    exclusions: Exclusions
    schemes: list[SchemeSpec] = Field(default_factory=list)

    def scheme(self, scheme_id: str) -> SchemeSpec:
        for spec in self.schemes:
            if spec.id == scheme_id:
                return spec
        raise KeyError(scheme_id)


# --- Loading -------------------------------------------------------------------------------

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except FileNotFoundError as exc:
        raise CatalogueError(f"{path.name}: file is missing") from exc
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path.name}: not valid YAML: {exc}") from exc


def _entry_name(raw: Any, loc: tuple[Any, ...]) -> str:
    """A readable path to the failing entry, naming list items by their `id` where they have one."""
    parts: list[str] = []
    node = raw
    for step in loc:
        if isinstance(node, list) and isinstance(step, int) and step < len(node):
            node = node[step]
            ident = node.get("id") if isinstance(node, dict) else None
            label = f"{parts[-1] if parts else ''}[{step}]" + (f" (id {ident})" if ident else "")
            parts[-1:] = [label]
        elif isinstance(node, dict) and step in node:
            node = node[step]
            parts.append(str(step))
        else:
            parts.append(str(step))
            node = None
    return ".".join(parts) or "(top level)"


def _validate(model: type[BaseModel], raw: Any, filename: str) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = _entry_name(raw, tuple(err["loc"]))
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise CatalogueError(f"{filename}: {where}: {err['msg']}{more}") from None


def _expand_criteria(criteria: Any, library: dict[str, Any], filename: str, where: str) -> Any:
    """Replace `use: NAME` entries by the shared criterion NAME, with the entry's overrides."""
    if not isinstance(criteria, list):
        return criteria
    out = []
    for index, entry in enumerate(criteria):
        if isinstance(entry, dict) and "use" in entry:
            name = entry["use"]
            if name not in library:
                raise CatalogueError(
                    f"{filename}: {where}[{index}]: unknown shared criterion {name!r}"
                )
            merged = dict(library[name])
            merged["id"] = name
            for key, value in entry.items():
                if key == "use":
                    continue
                if key in ("texts", "params", "args") and isinstance(value, dict):
                    merged[key] = {**merged.get(key, {}), **value}
                else:
                    merged[key] = value
            out.append(merged)
        else:
            out.append(entry)
    return out


def load_catalogue_from(directory: Path) -> Catalogue:
    """Read and validate every catalogue file in `directory` (no caching; see `load_catalogue`)."""
    main = _read(directory / "catalogue.yaml")
    if not isinstance(main, dict):
        raise CatalogueError("catalogue.yaml: expected a mapping at the top level")
    library = main.pop("shared_criteria", {}) or {}
    raw_exclusions = _read(directory / "exclusions.yaml")
    exclusions = _validate(Exclusions, raw_exclusions, "exclusions.yaml")
    schemes = []
    for scheme_id, filename in SCHEME_FILES.items():
        raw = _read(directory / filename)
        if not isinstance(raw, dict):
            raise CatalogueError(f"{filename}: expected a mapping at the top level")
        raw["criteria"] = _expand_criteria(raw.get("criteria", []), library, filename, "criteria")
        for index, cat in enumerate(raw.get("categories", []) or []):
            if isinstance(cat, dict):
                cat["criteria"] = _expand_criteria(
                    cat.get("criteria", []), library, filename, f"categories[{index}].criteria"
                )
        spec = _validate(SchemeSpec, raw, filename)
        if spec.id != scheme_id:
            raise CatalogueError(f"{filename}: id: expected {scheme_id!r}, got {spec.id!r}")
        schemes.append(spec)
    main["exclusions"] = exclusions
    main["schemes"] = schemes
    return _validate(Catalogue, main, "catalogue.yaml")


_chosen: list[Path] = [CATALOGUE_DIR]  # the directory load_catalogue reads (see use_catalogue_dir)


@cache
def load_catalogue() -> Catalogue:
    """The validated catalogue from `rules/catalogue/` (or the directory chosen with
    `use_catalogue_dir`), read once per process."""
    return load_catalogue_from(_chosen[0])


def use_catalogue_dir(directory: Path | str | None) -> None:
    """Evaluate with the catalogue in `directory` from now on (None: the shipped one), for the
    whole process. For operators trying a new catalogue and for tests of a catalogue change;
    validates it first, then drops every cached resolution of the old one."""
    path = CATALOGUE_DIR if directory is None else Path(directory)
    if path == _chosen[0]:
        return
    if path != CATALOGUE_DIR:
        load_catalogue_from(path)  # a broken catalogue fails here, the old one stays in use
    _chosen[0] = path
    load_catalogue.cache_clear()
    from rules import cards, compare, diff, documents, evaluator  # they cache what they resolved

    for cached in (evaluator.resolve, evaluator.render_catalogue, cards.scheme_cards,
                   compare._names, compare.compare_schemes, documents.documents_for,
                   diff.age_checks):  # fmt: skip
        cached.cache_clear()

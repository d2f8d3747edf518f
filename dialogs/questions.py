"""The questionnaire as data: `questions.yaml` and `texts.yaml`, validated on load.

A mistake in the data fails loading with the file, the question and the problem named, so it
is found when the data is written rather than when someone answers.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dialogs.conditions import Condition, ConditionError, compile_condition
from rules.countries import countries, is_country_code
from rules.i18n import LANGS, LocalText
from rules.profile import PROFILE_FIELDS, Profile

HERE = Path(__file__).parent
QUESTIONS_FILE = HERE / "questions.yaml"
TEXTS_FILE = HERE / "texts.yaml"

Kind = Literal["choice", "bool", "number", "date", "text", "multi"]
Unit = Literal["hkd", "years", "months", "age", "count"]
AnswerValue = bool | int | float | str | None

DEFAULT_BOOL_LABELS: dict[Any, dict[str, str]] = {
    True: {"en": "Yes", "zh-hant": "是", "zh-hans": "是"},
    False: {"en": "No", "zh-hant": "否", "zh-hans": "否"},
    None: {"en": "Not sure", "zh-hant": "不確定", "zh-hans": "不确定"},
}


class DataError(ValueError):
    """The questionnaire data is wrong; the message names the file and the entry."""


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    value: bool | str | None
    label: LocalText


class Band(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[A-Za-z0-9_.]{1,8}$")
    min: float
    label: LocalText


class ChecklistOption(BaseModel):
    """One line of a checklist: ticked sets `field` to `value`, unticked to the opposite. Its
    `id` may be read by later conditions like a question id (true when the field is `value`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,19}$")
    field: str
    value: bool = True
    label: LocalText

    @field_validator("field")
    @classmethod
    def _bool_field(cls, value: str) -> str:
        if value not in PROFILE_FIELDS:
            raise ValueError(f"{value!r} is not a profile field")
        if "bool" not in str(Profile.model_fields[value].annotation):
            raise ValueError(f"a checklist option sets a yes/no field, not {value}")
        return value


class Infer(BaseModel):
    """When the question was not asked and `when` holds, the profile gets `value`: a literal,
    or `{field: QUESTION_ID}` for that question's value."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    when: dict[str, Any]
    value: Any


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,19}$")
    # None: a checklist (its options name their fields) or a question that only steers the
    # flow (the opening question about the person's goal).
    field: str | None = None
    kind: Kind
    label: LocalText
    prompt: LocalText
    hint: LocalText | None = None
    when: dict[str, Any] | None = None
    options: tuple[Option, ...] = ()
    dont_know: bool | LocalText = False
    bands: tuple[Band, ...] = ()
    unit: Unit | None = None
    integer: bool = False
    min: float | None = None
    max: float | None = None
    picker: Literal["country"] | None = None
    common: tuple[str, ...] = ()
    lookup: Literal["university"] | None = None
    infer: tuple[Infer, ...] = ()
    checklist: tuple[ChecklistOption, ...] = ()

    @field_validator("field")
    @classmethod
    def _known_field(cls, value: str | None) -> str | None:
        if value is not None and value not in PROFILE_FIELDS:
            raise ValueError(f"{value!r} is not a profile field")
        return value

    @field_validator("common")
    @classmethod
    def _known_countries(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [c for c in value if not is_country_code(c)]
        if bad:
            raise ValueError(f"unknown country code(s) {', '.join(bad)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        if self.kind == "multi":
            if self.field is not None or self.options or self.bands or self.dont_know:
                raise ValueError("a checklist has no field, options, bands or dont_know")
            if not self.checklist:
                raise ValueError("a checklist needs its `checklist` lines")
            if len({o.id for o in self.checklist}) != len(self.checklist):
                raise ValueError("checklist ids must be unique")
            return self
        if self.checklist:
            raise ValueError("only a multi question has checklist lines")
        if self.field is None:
            if self.kind != "choice" or not self.options:
                raise ValueError("only a choice question may have no field")
            return self
        annotation = str(Profile.model_fields[self.field].annotation)
        expects = {
            "bool": "bool",
            "date": "date",
            "number": ("int", "float"),
            "choice": ("str", "Literal"),
            "text": "str",
        }[self.kind]
        if not any(
            word in annotation for word in ([expects] if isinstance(expects, str) else expects)
        ):
            raise ValueError(
                f"kind {self.kind!r} does not fit profile field {self.field} ({annotation})"
            )
        if self.kind == "choice" and not self.options and self.picker is None:
            raise ValueError("a choice question needs options or a picker")
        if self.kind in ("number", "date", "text") and self.options:
            raise ValueError(f"a {self.kind} question takes no options (use bands or dont_know)")
        if self.kind == "number" and self.unit is None:
            raise ValueError("a number question needs a unit")
        if self.bands:
            if self.kind != "number":
                raise ValueError("only number questions have bands")
            edges = [b.min for b in self.bands]
            if edges != sorted(set(edges)):
                raise ValueError("band edges must increase")
            if self.min is not None and edges[0] < self.min:
                raise ValueError("the lowest band starts below the question's minimum")
            if len({b.id for b in self.bands}) != len(self.bands):
                raise ValueError("band ids must be unique")
        if self.lookup and self.kind != "bool":
            raise ValueError("a lookup belongs to a bool question")
        if self.picker and self.kind != "choice":
            raise ValueError("a picker belongs to a choice question")
        values = [o.value for o in self.options]
        if len(values) != len(set(map(repr, values))):
            raise ValueError("option values must be unique")
        return self

    # --- derived, computed once -----------------------------------------------------------

    def export_options(self) -> list[Option]:
        """Options as exported: every choice/bool option, or only the null option."""
        null_label = (
            self.dont_know if isinstance(self.dont_know, dict) else DEFAULT_BOOL_LABELS[None]
        )
        if self.picker == "country":
            return [Option(value=c.code, label=c.name) for c in countries().values()]
        if self.kind == "bool":
            opts = list(self.options) or [
                Option(value=True, label=DEFAULT_BOOL_LABELS[True]),
                Option(value=False, label=DEFAULT_BOOL_LABELS[False]),
            ]
            if self.dont_know and all(o.value is not None for o in opts):
                opts.append(Option(value=None, label=null_label))
            return opts
        if self.kind == "choice":
            opts = list(self.options)
            if self.dont_know and all(o.value is not None for o in opts):
                opts.append(Option(value=None, label=null_label))
            return opts
        return [Option(value=None, label=null_label)] if self.dont_know else []

    @property
    def fields(self) -> tuple[str, ...]:
        """The profile fields this question sets: a checklist's lines', or its own field."""
        if self.kind == "multi":
            return tuple(o.field for o in self.checklist)
        return (self.field,) if self.field else ()

    @property
    def allows_null(self) -> bool:
        return any(o.value is None for o in self.export_options()) if self.picker is None else False


class Texts(BaseModel):
    """UI texts by id, each in every language."""

    model_config = ConfigDict(frozen=True)
    entries: dict[str, LocalText]

    def get(self, key: str, lang: str, **params: object) -> str:
        text = self.entries[key][lang]
        return text.format(**params) if params else text


class QuestionSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    questions: tuple[Question, ...]


def _entry(raw: Any, loc: tuple[Any, ...]) -> str:
    if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
        try:
            qid = raw["questions"][loc[1]].get("id", "?")
        except (KeyError, IndexError, TypeError, AttributeError):
            qid = "?"
        rest = ".".join(str(p) for p in loc[2:])
        return f"question #{loc[1] + 1} ({qid}){': ' + rest if rest else ''}"
    return ".".join(str(p) for p in loc) or "top level"


def load_questions(path: Path = QUESTIONS_FILE) -> tuple[QuestionSet, dict[str, Condition]]:
    """Read and check the questionnaire; raise `DataError` naming the file and entry."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"{path}: cannot read: {exc}") from exc
    try:
        qset = QuestionSet.model_validate(raw)
    except ValidationError as exc:
        lines = [f"{path}: {_entry(raw, tuple(e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise DataError("\n".join(lines)) from None
    seen: dict[str, int] = {}
    fields: set[str] = set()
    conditions: dict[str, Condition] = {}
    for i, q in enumerate(qset.questions):
        where = f"{path}: question #{i + 1} ({q.id})"
        if q.id in seen or q.id in ("summary", "result"):
            raise DataError(f"{where}: the id is used twice or reserved")
        own_fields = [o.field for o in q.checklist] if q.kind == "multi" else [q.field]
        for name in own_fields:
            if name is not None and name in fields:
                raise DataError(f"{where}: field {name} is already asked by another question")
        for opt in q.checklist:
            if opt.id in seen or opt.id in ("summary", "result") or opt.id == q.id:
                raise DataError(f"{where}: checklist id {opt.id} is used twice or reserved")
        specs = [("when", q.when)] + [
            (f"infer #{k + 1}", inf.when) for k, inf in enumerate(q.infer)
        ]
        for name, spec in specs:
            if spec is None:
                continue
            try:
                cond = compile_condition(spec)
            except ConditionError as exc:
                raise DataError(f"{where}: {name}: {exc}") from None
            unknown = sorted(cond.reads - seen.keys())
            if unknown:
                raise DataError(
                    f"{where}: {name} reads {', '.join(unknown)}, which is not an earlier question"
                )
            if name == "when":
                conditions[q.id] = cond
        for inf in q.infer:
            if isinstance(inf.value, dict) and inf.value.get("field") not in seen:
                raise DataError(f"{where}: infer takes a field that is not an earlier question")
        if i == 0 and q.when is not None:
            raise DataError(f"{where}: the first question must always be asked")
        seen[q.id] = i
        for opt in q.checklist:
            seen[opt.id] = i
        fields.update(f for f in own_fields if f is not None)
    return qset, conditions


def load_texts(path: Path = TEXTS_FILE) -> Texts:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Texts(entries=raw)
    except ValidationError as exc:
        lines = [f"{path}: {'.'.join(map(str, e['loc'][1:]))}: {e['msg']}" for e in exc.errors()]
        raise DataError("\n".join(lines)) from None
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"{path}: cannot read: {exc}") from exc


@cache
def default_texts() -> Texts:
    return load_texts()


__all__ = [
    "LANGS",
    "AnswerValue",
    "Band",
    "ChecklistOption",
    "DataError",
    "Option",
    "Question",
    "QuestionSet",
    "Texts",
    "default_texts",
    "load_questions",
    "load_texts",
]

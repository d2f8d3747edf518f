"""The questionnaire's state machine, sessions and the views the adapters render.

One `transitions` Machine is built from the questions when the flow loads (`model=None`, no
automatic `to_*` transitions). A session is not a machine: it is a small pydantic model of
answers. For each operation a throw-away cursor is added to the machine at the session's state,
the trigger is fired and the cursor removed again.

The machine's triggers:
- `answer`: from each question to the next *relevant* one. From a question there is one
  transition per later question, each guarded by that question's `when` condition and tried in
  order, up to the first question that is always asked (or the summary). From the summary it
  leads to the result.
- `back(target=…)`, `change(target=…)`: to an earlier state named by the caller.
- `restart`: from anywhere to the first question.

The current state is derived by replaying the answers through `answer` (like GOV.UK Smart
Answers' state resolver). A session keeps the state it was left in as a cache so that the usual
step costs one trigger; the cache is dropped whenever the flow's version changes.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from rapidfuzz import fuzz
from transitions import Machine

from dialogs.conditions import Condition, compile_condition
from dialogs.countries import country_name, find_countries
from dialogs.parsing import (
    ParseError,
    is_dont_know,
    normalise,
    parse_bool,
    read_date,
    read_number,
)
from dialogs.questions import (
    QUESTIONS_FILE,
    AnswerValue,
    Question,
    Texts,
    default_texts,
    load_questions,
    load_texts,
)
from dialogs.universities import EDITION, find_universities
from rules.countries import is_country_code
from rules.i18n import LANGS, Lang, normalise_lang
from rules.profile import PROFILE_FIELDS, Profile, today_in_hong_kong

SUMMARY = "summary"
RESULT = "result"
SESSION_FORMAT = 1
SEE_NOW_FROM = 3  # "see my result now" from the third question on
EARLIEST_DATE = date(1940, 1, 1)

StepKind = Literal["question", "summary", "result"]
_SCALARS = (bool, int, float, str, type(None))


# --- sessions ---------------------------------------------------------------------------------


class Session(BaseModel):
    """One person's progress: their answers by question id, and how they got here.

    `answers` is the source of truth. A number answered with a band button holds the band id
    (a string); a date holds `YYYY-MM-DD`; "not sure" holds null. `history` is the stack of
    states left by answering (for `back`). `state` and `flow_version` cache where the session
    is; `revision` grows on every change so an adapter can spot stale buttons.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: int = SESSION_FORMAT
    lang: Lang = "en"
    revision: int = 0
    # `Any` with a check of our own: pydantic's union of scalar types costs more to serialise
    # than the rest of a step's JSON together.
    answers: dict[str, Any] = Field(default_factory=dict)
    history: list[str] = Field(default_factory=list)
    state: str | None = None
    flow_version: str = ""
    # Set while answering a question picked from "see my result now": where to go on from.
    resume: str | None = None

    @field_validator("answers")
    @classmethod
    def _plain_values(cls, answers: dict[str, Any]) -> dict[str, Any]:
        for value in answers.values():
            if type(value) not in _SCALARS:
                raise ValueError("an answer must be true, false, a number, a string or null")
        return answers

    @classmethod
    def new(cls, lang: str = "en") -> Session:
        """A fresh session; `lang` may be any Telegram/CLI code (see `normalise_lang`)."""
        return cls(lang=normalise_lang(lang))

    def to_json(self) -> str:
        """The stored form (compact JSON, well under 2 KB)."""
        return self.model_dump_json(exclude_defaults=True)

    @classmethod
    def from_json(cls, data: str | bytes) -> Session:
        return cls.model_validate_json(data)


def _copy(session: Session, update: dict[str, Any]) -> Session:
    """`session.model_copy(update=...)` for values this module built itself (already valid),
    without pydantic's generic copy machinery: this runs on every step."""
    new = Session.__new__(Session)
    object.__setattr__(new, "__dict__", {**session.__dict__, **update})
    object.__setattr__(
        new, "__pydantic_fields_set__", session.__pydantic_fields_set__ | update.keys()
    )
    object.__setattr__(new, "__pydantic_extra__", None)
    object.__setattr__(new, "__pydantic_private__", None)
    return new


# --- views ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Button:
    """A button: `key` goes back to `QuestionFlow.answer`; `label` is shown."""

    key: str
    label: str


@dataclass(frozen=True, slots=True)
class Step:
    """What to show now.

    `kind` is question, summary or result; `state` is the question id (or "summary"/"result").
    `prompt` is the question's prompt exactly as exported. `buttons` are in display order;
    `selected` is the key of the answer already given (after back/change), `current` its label.
    """

    kind: StepKind
    state: str
    revision: int
    prompt: str
    hint: str | None
    progress: tuple[int, int] | None
    progress_text: str | None
    buttons: tuple[Button, ...]
    selected: str | None
    current: str | None
    can_go_back: bool
    question: Question | None
    # From the third question on: "see my result now" may be offered (`flow.provisional`).
    can_see_now: bool = False


@dataclass(frozen=True, slots=True)
class Reply:
    """The outcome of an answer. Accepted: `session` is the new session. Not accepted: it is the
    unchanged session and `message` says why (in the session's language); `buttons` may offer
    choices (several matching countries, or yes/no after a university look-up)."""

    session: Session
    accepted: bool
    message: str | None = None
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class Settle:
    """A scheme still possible and the one question that would settle it."""

    scheme: str  # "GEP", "TTPS/B", ...
    short_name: str
    question_id: str
    label: str  # the question's label in the session's language


@dataclass(frozen=True, slots=True)
class Provisional:
    """The result so far ("see my result now"): the evaluation of the answers given, and for
    each possible scheme the next question that would settle it. The session is unchanged:
    the questionnaire goes on from where it was, and this is not a finished result."""

    evaluation: Any
    settle: tuple[Settle, ...]


@dataclass(frozen=True, slots=True)
class SummaryRow:
    question_id: str
    label: str
    answer: str


# --- the machine ------------------------------------------------------------------------------


class _FlowMachine(Machine):
    """A Machine whose `add_model` binds nothing to the model. The stock one adds `is_<state>`
    and `may_<trigger>` helpers and a partial per trigger: ~45 attributes per attachment, more
    than the step itself costs, for a cursor that lives for one operation."""

    def add_model(self, model: Any, initial: Any = None) -> None:
        """`Machine.add_model` for a `_Cursor`: its class already defines the triggers, so
        attaching it only sets its state and registers it."""
        if initial is None:
            initial = self.initial
        if model in self.models:
            return
        self.set_state(initial, model=model)
        self.models.append(model)


class _Cursor:
    """The model attached to the machine for one operation. Its triggers are methods that
    delegate to the machine's events, so attaching it binds nothing."""

    __slots__ = ("machine", "state", "values")

    def __init__(self, machine: Machine, values: dict[str, Any]) -> None:
        self.machine = machine
        self.values = values

    def answer(self) -> bool:
        return self.machine.events["answer"].trigger(self)

    def back(self, target: str) -> bool:
        return self.machine.events["back"].trigger(self, target=target)

    def change(self, target: str) -> bool:
        return self.machine.events["change"].trigger(self, target=target)

    def restart(self) -> bool:
        return self.machine.events["restart"].trigger(self)


class _Relevant:
    """Transition condition: the destination question's `when` holds for the answers so far."""

    __slots__ = ("condition", "text")

    def __init__(self, condition: Condition) -> None:
        self.condition = condition
        self.text = condition.text

    def __call__(self, event: Any) -> bool:
        return self.condition.test(event.model.values)


class _IsTarget:
    """Transition condition for back/change: the caller named this destination."""

    __slots__ = ("target", "text")

    def __init__(self, target: str) -> None:
        self.target = target
        self.text = f"target = {target}"

    def __call__(self, event: Any) -> bool:
        return event.kwargs.get("target") == self.target


def _literals(qid: str, questions: Iterable[Question]) -> set[str]:
    """String literals that conditions compare a question with (e.g. the countries CN, LA)."""
    found: set[str] = set()

    def walk(spec: Any) -> None:
        if isinstance(spec, dict):
            for key, arg in spec.items():
                if key == qid:
                    items = (
                        arg
                        if isinstance(arg, list)
                        else (arg.get("in", []) if isinstance(arg, dict) else [arg])
                    )
                    found.update(v for v in items if isinstance(v, str))
                walk(arg)
        elif isinstance(spec, list):
            for item in spec:
                walk(item)

    for q in questions:
        walk(q.when)
    return found


def _edges(qid: str, questions: Iterable[Question]) -> tuple[float, ...]:
    """The numbers conditions compare a question with (work_years >= 3: 3), ascending."""
    found: set[float] = set()

    def walk(spec: Any) -> None:
        if isinstance(spec, dict):
            for key, arg in spec.items():
                if key == qid and isinstance(arg, dict):
                    found.update(
                        v
                        for op, v in arg.items()
                        if op in ("gt", "gte", "lt", "lte", "eq", "ne")
                        and isinstance(v, int | float)
                        and not isinstance(v, bool)
                    )
                walk(arg)
        elif isinstance(spec, list):
            for item in spec:
                walk(item)

    for q in questions:
        walk(q.when)
    return tuple(sorted(found))


def _fmt_amount(value: float) -> str:
    return f"HK${value:,.0f}"


def _fmt_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


class QuestionFlow:
    """The questionnaire: questions, the machine, and every operation on a session.

    Load once (`QuestionFlow.default()`); it is immutable and shared by all sessions.
    `skip_by_rules=True` also skips a question whose profile field is not in
    `rules.fields_that_matter(profile so far)`.
    """

    def __init__(
        self,
        questions: Iterable[Question],
        conditions: Mapping[str, Condition],
        texts: Texts,
        *,
        skip_by_rules: bool = True,
        version_source: str = "",
    ) -> None:
        self.questions: tuple[Question, ...] = tuple(questions)
        self.by_id: dict[str, Question] = {q.id: q for q in self.questions}
        self.index: dict[str, int] = {q.id: i for i, q in enumerate(self.questions)}
        self.conditions: dict[str, Condition] = dict(conditions)
        # Checklist lines read by conditions like question ids: line id -> its checklist.
        self._parent: dict[str, str] = {o.id: q.id for q in self.questions for o in q.checklist}
        self._multi = frozenset(q.id for q in self.questions if q.kind == "multi")
        self._lines: dict[tuple[str, Any], dict[str, bool]] = {}  # a checklist answer's lines
        # The checklist lines some condition reads: the progress estimate depends on those only.
        read_ids = set().union(*(c.reads for c in self.conditions.values()))
        self._lines_read: dict[str, tuple[str, ...]] = {
            q.id: tuple(o.id for o in q.checklist if o.id in read_ids)
            for q in self.questions
            if q.kind == "multi"
        }
        self.texts = texts
        self.skip_by_rules = skip_by_rules
        self.version = hashlib.sha256(version_source.encode()).hexdigest()[:8]
        self._options = {q.id: q.export_options() for q in self.questions}
        self._bands = {q.id: {b.id: b for b in q.bands} for q in self.questions}
        self._nullable = frozenset(q.id for q in self.questions if q.allows_null)
        self._plain = frozenset(
            q.id for q in self.questions if q.kind in ("bool", "choice", "text", "multi")
        )
        self._buttons: dict[tuple[str, str], tuple[Button, ...]] = {}
        # Everything the relevance conditions read: the estimate of questions still to come
        # depends on these answers only (and on which later questions are already answered).
        self._reads: tuple[str, ...] = tuple(
            sorted(
                {
                    self._parent.get(r, r)
                    for r in set().union(*(c.reads for c in self.conditions.values()))
                },
                key=self.index.get,
            )
        )
        self._remaining = lru_cache(maxsize=4096)(self._count_remaining)
        n = len(self.questions)
        self._coarse = {
            q.id: frozenset(_literals(q.id, self.questions))
            for q in self.questions
            if q.picker == "country"
        }
        # A number read by conditions only matters through the thresholds they compare it
        # with: the estimate reads each such answer as the threshold at or below it.
        self._number_edges = {
            r: _edges(r, self.questions)
            for r in self._reads
            if self.by_id[r].kind == "number" and not self.by_id[r].integer
        }
        self._reads_before = [
            tuple(r for r in self._reads if self.index[r] < p) for p in range(n + 1)
        ]
        self._always_after = [
            sum(1 for q in self.questions[p + 1 :] if q.id not in self.conditions)
            for p in range(n + 1)
        ]
        # Later conditional questions grouped by condition (several share one), so each
        # distinct condition is evaluated once per estimate.
        self._conditional_after: list[tuple[tuple[Condition, frozenset[str]], ...]] = []
        for p in range(n + 1):
            groups: dict[str, tuple[Condition, set[str]]] = {}
            for q in self.questions[p + 1 :]:
                if q.id in self.conditions:
                    cond = self.conditions[q.id]
                    groups.setdefault(cond.text, (cond, set()))[1].add(q.id)
            self._conditional_after.append(
                tuple((cond, frozenset(ids)) for cond, ids in groups.values())
            )
        self._infer = {
            q.id: [(compile_condition(i.when), i.value) for i in q.infer]
            for q in self.questions
            if q.infer
        }
        # A checklist not asked: its lines' inferences, (field, [(condition, value)]).
        self._line_infer = {
            q.id: [
                (o.field, [(compile_condition(i.when), i.value) for i in o.infer])
                for o in q.checklist
                if o.infer
            ]
            for q in self.questions
            if any(o.infer for o in q.checklist)
        }
        self.states: tuple[str, ...] = (*self.by_id, SUMMARY, RESULT)
        self.machine = self._build_machine()
        self._matter: Callable[[Profile, frozenset[str]], frozenset[str]] | None = None
        # Before the question at index p: the fields no question from p on sets (a walk does
        # not go back to ask them), for the rules skip.
        self._closed_at = [
            frozenset(PROFILE_FIELDS).difference(*(q.fields for q in self.questions[p:]))
            for p in range(n + 1)
        ]
        # The date the rules skip evaluates on (None: today in Hong Kong); see `evaluating_on`.
        self.as_of: date | None = None

    def evaluating_on(self, as_of: date | None) -> QuestionFlow:
        """This flow with the rules skip (and `profile`/`result` by default) evaluated on
        `as_of` instead of today: for BOT_TODAY and for walking dated persona cases. Shares the
        machine and the data with this flow."""
        other = copy.copy(self)
        other.as_of = as_of
        return other

    # construction

    @classmethod
    @cache
    def default(cls, skip_by_rules: bool = True) -> QuestionFlow:
        """The flow from the bundled data, built once per process (per `skip_by_rules`)."""
        qset, conditions = load_questions()
        texts = default_texts()
        source = QUESTIONS_FILE.read_text(encoding="utf-8")
        return cls(
            qset.questions,
            conditions,
            texts,
            skip_by_rules=skip_by_rules,
            version_source=source + str(skip_by_rules),
        )

    @classmethod
    def from_files(cls, questions_path: Any, texts_path: Any = None, **kw: Any) -> QuestionFlow:
        qset, conditions = load_questions(questions_path)
        texts = load_texts(texts_path) if texts_path else default_texts()
        return cls(qset.questions, conditions, texts, version_source=str(questions_path), **kw)

    def _build_machine(self) -> Machine:
        ids = [q.id for q in self.questions]
        m = _FlowMachine(
            model=None,
            states=list(self.states),
            initial=ids[0],
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=False,
        )
        for i, qid in enumerate(ids):
            for later in ids[i + 1 :]:
                cond = self.conditions.get(later)
                if cond is None:
                    if self._reachable_from(i, later):
                        m.add_transition("answer", qid, later)
                    break
                if self._reachable_from(i, later):
                    m.add_transition("answer", qid, later, conditions=[_Relevant(cond)])
            else:
                if self._reachable_from(i, SUMMARY):
                    m.add_transition("answer", qid, SUMMARY)
        m.add_transition("answer", SUMMARY, RESULT)
        for target in (*ids, SUMMARY):
            m.add_transition("back", "*", target, conditions=[_IsTarget(target)])
        for target in ids:
            m.add_transition("change", "*", target, conditions=[_IsTarget(target)])
        m.add_transition("restart", "*", ids[0])
        return m

    def _domain(self, qid: str) -> tuple[Any, ...]:
        """Values worth trying for a question when checking which transitions can ever fire."""
        if qid in self._parent:
            return (True, False)
        q = self.by_id[qid]
        if q.picker == "country":
            return (*sorted(_literals(q.id, self.questions)), "ZZ", None)
        if q.kind in ("bool", "choice"):
            return tuple(o.value for o in q.export_options())
        if q.kind == "number":
            edges = {b.min for b in q.bands} | {q.min or 0, q.max or 0}
            return (None, *sorted(edges))
        return (None,)

    def _reachable_from(self, source: int, dest: str) -> bool:
        """Whether `answer` from question number `source` can ever lead to `dest`: the person
        is at `source` (its condition held), every question in between was not relevant (and so
        reads as null), and `dest` is relevant. Transitions that can never fire are left out of
        the machine (and the diagram)."""
        src = self.questions[source].id
        end = self.index.get(dest, len(self.questions))
        between = [q.id for q in self.questions[source + 1 : end]]
        must = [self.conditions[dest]] if dest in self.conditions else []
        if src in self.conditions:
            must.append(self.conditions[src])
        must_not = [self.conditions[b] for b in between if b in self.conditions]
        reads = set().union(*(c.reads for c in must + must_not))
        position = {**self.index, **{o: self.index[p] for o, p in self._parent.items()}}
        free = sorted(r for r in reads if position[r] <= source)
        domains = [self._domain(r) for r in free]
        for n, combo in enumerate(itertools.product(*domains)):
            if n >= 100_000:
                return True  # too many to try: keep the transition
            values = dict(zip(free, combo, strict=True))
            if all(c.test(values) for c in must) and not any(c.test(values) for c in must_not):
                return True
        return False

    # --- rules ----------------------------------------------------------------------------

    def _fields_that_matter(self, profile: Profile, pos: int) -> frozenset[str] | None:
        """Fields that could still make a scheme a match, for the question at index `pos`
        (the fields of the questions before it will not be asked again)."""
        if self._matter is None:
            from dialogs.relevance import fields_that_could_match

            self._matter = fields_that_could_match
        return self._matter(profile, self._closed_at[pos])

    # --- values ---------------------------------------------------------------------------

    def value_of(self, qid: str, answer: AnswerValue) -> Any:
        """The profile value of a stored answer (a band reads as its lower edge)."""
        if answer is None or qid in self._plain:
            return answer
        q = self.by_id[qid]
        if q.kind == "number":
            if isinstance(answer, str):
                band = self._bands[qid].get(answer)
                if band is None:
                    return None
                answer = band.min
            return int(answer) if q.integer else answer
        if q.kind == "date" and isinstance(answer, str):
            return date.fromisoformat(answer)
        return answer

    def is_valid_answer(self, qid: str, answer: AnswerValue) -> bool:
        """Whether a stored answer is one this flow could have given (stored sessions outlive
        changes to the data; an answer that no longer fits is dropped and asked again)."""
        q = self.by_id.get(qid)
        if q is None:
            return False
        if answer is None:
            return q.id in self._nullable
        if q.kind == "multi":
            known = {o.id for o in q.checklist}
            return isinstance(answer, str) and (not answer or set(answer.split(",")) <= known)
        if q.picker == "country":
            return isinstance(answer, str) and is_country_code(answer)
        if q.kind in ("bool", "choice"):
            return any(
                o.value is answer or (type(o.value) is type(answer) and o.value == answer)
                for o in self._options[qid]
            )
        if q.kind == "number":
            if isinstance(answer, str):
                return answer in self._bands[qid]
            if isinstance(answer, bool) or not isinstance(answer, int | float):
                return False
            return (q.min or 0) <= answer <= (q.max if q.max is not None else 1e13)
        if q.kind == "date":
            try:
                return EARLIEST_DATE <= date.fromisoformat(str(answer)) <= today_in_hong_kong()
            except ValueError:
                return False
        return isinstance(answer, str)

    def _put(self, values: dict[str, Any], qid: str, answer: AnswerValue) -> None:
        """Add an answer to the values conditions read; a checklist adds each of its lines
        (true when ticked) as well."""
        values[qid] = self.value_of(qid, answer)
        if qid in self._multi:
            lines = self._lines.get((qid, answer))
            if lines is None:
                ticked = set(answer.split(",")) if isinstance(answer, str) and answer else set()
                lines = {opt.id: opt.id in ticked for opt in self.by_id[qid].checklist}
                if len(self._lines) < 65_536:
                    self._lines[(qid, answer)] = lines
            values.update(lines)

    def _values(self, answers: Mapping[str, AnswerValue], before: int | None = None) -> dict:
        index = self.index
        values: dict[str, Any] = {}
        for k, v in answers.items():
            if k in index and (before is None or index[k] < before):
                if k in self._multi:
                    self._put(values, k, v)
                else:
                    values[k] = self.value_of(k, v)
        return values

    def _cursor_values(self, answers: Mapping[str, AnswerValue], before: int) -> dict:
        """What the transition conditions need: the answers they read (all answers when the
        rules skip needs a profile)."""
        if self.skip_by_rules:
            return self._values(answers, before)
        index = self.index
        multi = self._multi
        value_of = self.value_of
        values: dict[str, Any] = {}
        for k in self._reads:
            if k in answers and index[k] < before:
                if k in multi:
                    self._put(values, k, answers[k])
                else:
                    values[k] = value_of(k, answers[k])
        return values

    def _profile_from_values(self, values: Mapping[str, Any], as_of: date | None = None) -> Profile:
        data: dict[str, Any] = {}
        for q in self.questions:
            if q.id in self._multi:
                if q.id in values:
                    for opt in q.checklist:
                        data[opt.field] = opt.value if values[opt.id] else not opt.value
                elif q.id in self._line_infer:
                    for name, infers in self._line_infer[q.id]:
                        for cond, value in infers:
                            if cond.test(values):
                                data[name] = value
                                break
            elif q.field is None:
                continue
            elif q.id in values:
                data[q.field] = values[q.id]
            elif q.id in self._infer:
                for cond, value in self._infer[q.id]:
                    if cond.test(values):
                        data[q.field] = (
                            values.get(value["field"]) if isinstance(value, dict) else value
                        )
                        break
        data = {k: v for k, v in data.items() if v is not None}
        as_of = as_of or self.as_of
        if as_of is not None:
            data["as_of"] = as_of
        return Profile.model_validate(data)

    # --- moving through the machine -------------------------------------------------------

    def _walk(
        self,
        answers: dict[str, AnswerValue],
        start: str,
        values: dict[str, Any],
        visited: list[str],
        fire_first: bool,
    ) -> str:
        """From `start`, move on through answered questions (adding them to `visited` and
        `values`) and, with the rules skip, past questions whose field no longer matters, until
        an unanswered relevant question or the summary. Answers of questions passed over are
        removed from `answers`. Returns the state reached."""
        cursor = _Cursor(self.machine, values)
        m = self.machine
        m.add_model(cursor, initial=start)
        try:
            if fire_first:
                self._fire(cursor)
            while True:
                state = cursor.state
                prev = visited[-1] if visited else None
                self._drop_passed(answers, prev, state)
                if state in (SUMMARY, RESULT):
                    return state
                if state in answers:
                    if state in self._multi:
                        self._put(values, state, answers[state])
                    else:
                        values[state] = self.value_of(state, answers[state])
                    visited.append(state)
                    self._fire(cursor)
                    continue
                if self.skip_by_rules and not self._matters(state, values):
                    visited.append(state)  # passed, not answered
                    self._fire(cursor)
                    continue
                return state
        finally:
            m.remove_model(cursor)

    @staticmethod
    def _fire(cursor: _Cursor) -> None:
        if not cursor.answer():  # no transition's condition held: the flow data is inconsistent
            raise RuntimeError(f"no way on from {cursor.state!r} with answers {cursor.values}")

    def _matters(self, qid: str, values: Mapping[str, Any]) -> bool:
        try:
            profile = self._profile_from_values(values)
        except ValueError:
            return True
        matter = self._fields_that_matter(profile, self.index[qid])
        return matter is None or self._asks_for(self.by_id[qid], matter)

    @staticmethod
    def _asks_for(q: Question, matter: frozenset[str]) -> bool:
        """Whether a question sets a field that still matters (a question without a field,
        the opening one, always does)."""
        if q.kind == "multi":
            return any(o.field in matter for o in q.checklist)
        return q.field is None or q.field in matter

    def _drop_passed(self, answers: dict[str, AnswerValue], prev: str | None, state: str) -> None:
        lo = self.index[prev] + 1 if prev in self.index else 0
        hi = self.index.get(state, len(self.questions))
        if hi - lo <= 0:
            return
        for qid in [k for k in answers if lo <= self.index.get(k, -1) < hi]:
            del answers[qid]

    def _replay(self, session: Session) -> tuple[str, list[str], dict[str, AnswerValue]]:
        """Derive the state from the answers alone: (state, questions on the path, answers
        with those that are no longer relevant removed)."""
        answers = {k: v for k, v in session.answers.items() if self.is_valid_answer(k, v)}
        visited: list[str] = []
        first = self.questions[0].id
        state = self._walk(answers, first, {}, visited, fire_first=False)
        path = [q for q in visited if q in answers]
        if state == SUMMARY and session.history[-1:] == [SUMMARY]:
            state = RESULT
        return state, path, answers

    def state_of(self, session: Session) -> str:
        """The session's current state (question id, "summary" or "result")."""
        if session.flow_version == self.version and session.state in self.machine.states:
            return session.state
        return self._replay(session)[0]

    def resolve(self, session: Session) -> Session:
        """The session with its state derived afresh from its answers (used when the flow has
        changed since the session was saved)."""
        if session.flow_version == self.version and session.state in self.machine.states:
            return session
        state, path, answers = self._replay(session)
        history = [*path, SUMMARY] if state == RESULT else path
        return session.model_copy(
            update={
                "answers": answers,
                "history": history,
                "state": state,
                "flow_version": self.version,
            }
        )

    def _save(self, session: Session, **update: Any) -> Session:
        update.setdefault("flow_version", self.version)
        update["revision"] = session.revision + 1
        return _copy(session, update)

    @staticmethod
    def _pushed(history: list[str], state: str) -> list[str]:
        if state in history:
            history = history[: history.index(state)]
        return [*history, state]

    # --- operations -----------------------------------------------------------------------

    def new_session(self, lang: str = "en") -> Session:
        return self.resolve(Session.new(lang))

    def set_language(self, session: Session, lang: str) -> Session:
        return self._save(session, lang=normalise_lang(lang))

    def restart(self, session: Session) -> Session:
        """Forget every answer; keep the language. The revision keeps growing."""
        cursor = _Cursor(self.machine, {})
        self.machine.add_model(cursor, initial=self.state_of(session))
        try:
            cursor.restart()
            first = cursor.state
        finally:
            self.machine.remove_model(cursor)
        fresh = Session(lang=session.lang, revision=session.revision)
        state = self._walk({}, first, {}, [], fire_first=False)
        return self._save(fresh, state=state)

    def back(self, session: Session) -> Session:
        """Return to the previous question, keeping its answer (and all later ones)."""
        session = self.resolve(session)
        current = self.state_of(session)
        state, path, answers = self._replay(session)
        valid = set(path) | ({SUMMARY} if state in (SUMMARY, RESULT) else set())
        if state not in (SUMMARY, RESULT):
            valid.add(state)
        history = list(session.history)
        if current in history:
            history = history[: history.index(current)]
        target = None
        while history:
            candidate = history.pop()
            if candidate in valid and candidate != current:
                target = candidate
                break
        if target is None:
            return session
        cursor = _Cursor(self.machine, {})
        self.machine.add_model(cursor, initial=current)
        try:
            cursor.back(target=target)
            reached = cursor.state
        finally:
            self.machine.remove_model(cursor)
        return self._save(session, answers=answers, history=history, state=reached)

    def _moved(self, current: str, target: str) -> str:
        """The state the shared machine reaches from `current` on a change to `target`."""
        cursor = _Cursor(self.machine, {})
        self.machine.add_model(cursor, initial=current)
        try:
            cursor.change(target=target)
            return cursor.state
        finally:
            self.machine.remove_model(cursor)

    def change(self, session: Session, question_id: str) -> Session:
        """Go to an answered (or the current) question to change its answer. Later answers are
        kept; those that stop being relevant are dropped when the new answer is given. A
        question that is not on the person's path is refused with `ValueError`."""
        session = self.resolve(session)
        state, path, answers = self._replay(session)
        ahead = question_id not in path and question_id != state and question_id in answers
        if question_id not in path and question_id != state and not ahead:
            raise ValueError(f"question {question_id!r} is not on this session's path")
        current = self.state_of(session)
        reached = self._moved(current, question_id)
        history = list(session.history)
        if question_id in history:
            history = history[: history.index(question_id)]
        elif current in history:
            history = history[: history.index(current)]
        if ahead:  # answered out of turn: after it, go on from the first one unanswered
            return self._save(
                session, answers=answers, history=history, state=reached, resume=current
            )
        return self._save(session, answers=answers, history=history, state=reached)

    def provisional(self, session: Session, as_of: date | None = None) -> Provisional:
        """The result so far, and for each possible scheme the first question not yet answered
        (and relevant now) that reads a fact it still needs. Changes nothing."""
        from dialogs.relevance import open_fields_by_scheme

        session = self.resolve(session)
        evaluation = self.result(session, as_of)
        _state, path, answers = self._replay(session)
        values: dict[str, Any] = {}
        for qid in path:
            self._put(values, qid, answers[qid])
        profile = self._profile_from_values(values, as_of)
        open_fields = open_fields_by_scheme(profile)
        names = {
            r.scheme + (f"/{r.category}" if r.category else ""): r.short_name
            for r in evaluation.results
        }
        settle: list[Settle] = []
        for r in evaluation.results:
            key = r.scheme + (f"/{r.category}" if r.category else "")
            if r.status != "possible" or key not in open_fields:
                continue
            wanted = set(open_fields[key])
            for q in self.questions:
                cond = self.conditions.get(q.id)
                if q.id in answers or not wanted & set(q.fields):
                    continue
                if cond is None or cond.test(values):
                    label = q.label[session.lang]
                    settle.append(Settle(key, names[key], q.id, label))
                    break
        return Provisional(evaluation, tuple(settle))

    def jump(self, session: Session, question_id: str) -> Session:
        """Go to a question not yet answered (one `provisional` offered) to answer just that;
        after it the questionnaire goes on from the first question still unanswered. A
        question that is answered, unknown or not relevant now is refused with `ValueError`."""
        session = self.resolve(session)
        q = self.by_id.get(question_id)
        if q is None or question_id in session.answers:
            raise ValueError(f"question {question_id!r} cannot be jumped to")
        values = self._values(session.answers)
        cond = self.conditions.get(question_id)
        if cond is not None and not cond.test(values):
            raise ValueError(f"question {question_id!r} is not relevant now")
        current = self.state_of(session)
        reached = self._moved(current, question_id)
        history = (
            self._pushed(list(session.history), current)
            if current in self.by_id
            else list(session.history)
        )
        return self._save(session, history=history, state=reached, resume=current)

    def answer(self, session: Session, key: str | None = None, text: str | None = None) -> Reply:
        """Answer the current step with a button `key` or typed `text`.

        At a question, a button key is one of the step's `buttons` (or a `c:XX` country key
        from a reply); typed text is read by the question's kind. At the summary "result" shows
        the result; at the result "summary" returns to the summary and "restart" starts again.
        """
        session = self.resolve(session)
        state = self.state_of(session)
        lang = session.lang
        if state == SUMMARY:
            if key == "result":
                return Reply(self._to_result(session), True)
            return Reply(session, False, self.texts.get("error_no_question", lang))
        if state == RESULT:
            if key == "summary":
                return Reply(self.back(session), True)
            if key == "restart":
                return Reply(self.restart(session), True)
            return Reply(session, False, self.texts.get("error_no_question", lang))
        q = self.by_id[state]
        if key is not None:
            return self._answer_key(session, q, key)
        if text is None or not text.strip():
            return Reply(session, False, self._error(q, "error_text", lang))
        return self._answer_text(session, q, text.strip())

    def _to_result(self, session: Session) -> Session:
        cursor = _Cursor(self.machine, {})
        self.machine.add_model(cursor, initial=SUMMARY)
        try:
            cursor.answer()
            reached = cursor.state
        finally:
            self.machine.remove_model(cursor)
        return self._save(session, history=self._pushed(session.history, SUMMARY), state=reached)

    def _error(self, q: Question, message: str, lang: str, **params: object) -> str:
        return self.texts.get(message, lang, **params)

    # --- checklists -----------------------------------------------------------------------

    @staticmethod
    def checklist_key(ticked: Iterable[int]) -> str:
        """The key that submits a checklist with these lines (indexes) ticked: "m" and a hex
        bit mask, short enough for callback data ("m0": nothing ticked)."""
        mask = 0
        for i in ticked:
            mask |= 1 << i
        return f"m{mask:x}"

    @staticmethod
    def checklist_mask(key: str | None) -> int | None:
        """The bit mask in a checklist key (None if `key` is not one)."""
        if not key or key[0] != "m" or len(key) > 9:
            return None
        try:
            return int(key[1:] or "0", 16)  # "m" alone: Done with nothing ticked
        except ValueError:
            return None

    def _checklist_answer(self, q: Question, mask: int) -> str | None:
        if mask < 0 or mask >> len(q.checklist):
            return None
        return ",".join(o.id for i, o in enumerate(q.checklist) if mask >> i & 1)

    def _answer_checklist_text(self, session: Session, q: Question, text: str) -> Reply:
        """Typed: the numbers of the lines that apply ("1 3", "1, 3"), or "none"/"0"."""
        words = [w for w in text.replace(",", " ").replace("，", " ").replace("、", " ").split()]
        if all(w.isdigit() for w in words) and words:
            picked = {int(w) for w in words} - {0}
            if all(1 <= n <= len(q.checklist) for n in picked):
                return self._accept(
                    session, q, self._checklist_answer(q, sum(1 << (n - 1) for n in picked))
                )
        if normalise(text) in {
            normalise(w) for w in self.texts.get("checklist_none_words", session.lang).split("|")
        }:
            return self._accept(session, q, "")
        return Reply(
            session, False, self.texts.get("error_checklist", session.lang, n=len(q.checklist))
        )

    def option_value(self, qid: str, key: str) -> AnswerValue:
        """The value an option button's key stands for (choice and bool questions)."""
        return self._options[qid][int(key)].value

    def _answer_key(self, session: Session, q: Question, key: str) -> Reply:
        lang = session.lang
        options = self._options[q.id]
        if q.kind == "multi":
            mask = self.checklist_mask(key)
            value = None if mask is None else self._checklist_answer(q, mask)
            if value is None:
                return Reply(session, False, self._error(q, "error_choice", lang))
            return self._accept(session, q, value)
        if q.picker == "country":
            if key.startswith("c:") and is_country_code(key[2:]):
                return self._accept(session, q, key[2:])
            if key == "other":
                return Reply(session, False, self.texts.get("type_other_country", lang))
        elif key.isdigit() and int(key) < len(options):
            return self._accept(session, q, options[int(key)].value)
        if key.startswith("b") and key[1:].isdigit() and int(key[1:]) < len(q.bands):
            return self._accept(session, q, q.bands[int(key[1:])].id)
        if key == "type" and q.kind == "number":
            return Reply(session, False, self.texts.get("type_exact_hint", lang))
        return Reply(session, False, self._error(q, "error_choice", lang))

    def _answer_text(self, session: Session, q: Question, text: str) -> Reply:
        lang = session.lang
        if q.id in self._nullable and is_dont_know(text):
            return self._accept(session, q, None)
        if q.kind == "multi":
            return self._answer_checklist_text(session, q, text)
        try:
            if q.picker == "country":
                return self._answer_country(session, q, text)
            if q.kind == "choice":
                return self._accept(session, q, self._match_option(q, text))
            if q.kind == "bool":
                try:
                    return self._accept(session, q, parse_bool(text))
                except ParseError:
                    if q.lookup == "university":
                        return self._answer_university(session, q, text)
                    raise
            if q.kind == "number":
                return self._answer_number(session, q, text)
            if q.kind == "date":
                return self._answer_date(session, q, text)
            return self._accept(session, q, text)
        except ParseError as exc:
            return Reply(session, False, self._error(q, exc.message, lang, **exc.params))

    def _match_option(self, q: Question, text: str) -> AnswerValue:
        t = normalise(text)
        best: tuple[float, int] = (0.0, -1)
        for i, opt in enumerate(self._options[q.id]):
            names = [normalise(v) for v in opt.label.values()]
            if opt.value is not None:
                names.append(normalise(str(opt.value)).replace("_", " "))
            if t in names:
                return opt.value
            score = max(fuzz.WRatio(t, n) for n in names)
            if score > best[0]:
                best = (score, i)
        if best[0] >= 88:
            return self._options[q.id][best[1]].value
        raise ParseError("error_choice")

    def _answer_country(self, session: Session, q: Question, text: str) -> Reply:
        lang = session.lang
        codes = find_countries(text)
        if len(codes) == 1:
            return self._accept(
                session,
                q,
                codes[0],
                self.texts.get("country_taken", lang, name=country_name(codes[0], lang)),
            )
        if codes:
            buttons = tuple(Button(f"c:{c}", country_name(c, lang)) for c in codes)
            return Reply(
                session, False, self.texts.get("country_several", lang, text=text), buttons
            )
        return Reply(session, False, self.texts.get("country_none", lang, text=text))

    def _answer_university(self, session: Session, q: Question, text: str) -> Reply:
        lang = session.lang
        found = find_universities(text)
        edition = EDITION.isoformat()
        buttons = self._question_buttons(q, lang)
        if not found:
            return Reply(
                session,
                False,
                self.texts.get("university_none", lang, text=text, edition=edition),
                buttons,
            )
        if len(found) == 1:
            u = found[0]
            zh = u.chinese_name(lang)
            name = u.name_en if lang == "en" or not zh else f"{zh} ({u.name_en})"
            head = self.texts.get("university_found", lang, name=name, edition=edition)
        else:
            names = "; ".join(u.name_en for u in found)
            head = self.texts.get(
                "university_several", lang, text=text, names=names, edition=edition
            )
        space = " " if lang == "en" else ""
        caveat = self.texts.get("university_caveat", lang)
        return Reply(session, False, f"{head}{space}{caveat}", buttons)

    def _answer_number(self, session: Session, q: Question, text: str) -> Reply:
        typed = normalise(text)
        for band in q.bands:  # a band's label typed out (or pasted) counts as pressing it
            if typed in (normalise(label) for label in band.label.values()):
                return self._accept(session, q, band.id)
        value = read_number(text, q.unit, lo=q.min, hi=q.max, integer=q.integer)
        return self._accept(session, q, value)

    def _answer_date(self, session: Session, q: Question, text: str) -> Reply:
        value, month_only = read_date(text, today_in_hong_kong(), earliest=EARLIEST_DATE)
        note = (
            self.texts.get("date_month_only", session.lang, date=value.isoformat())
            if month_only
            else None
        )
        return self._accept(session, q, value.isoformat(), note)

    def _accept(
        self, session: Session, q: Question, value: AnswerValue, message: str | None = None
    ) -> Reply:
        """Store the answer and move to the next unanswered relevant question."""
        if value is None and q.id not in self._nullable:
            return Reply(session, False, self._error(q, "error_choice", session.lang))
        answers = dict(session.answers)
        answers[q.id] = value
        values = self._cursor_values(answers, before=self.index[q.id])
        self._put(values, q.id, value)
        visited = [q.id]
        history = self._pushed(session.history, q.id)
        state = self._walk(answers, q.id, values, visited, fire_first=True)
        for passed in visited[1:]:
            if passed in answers:
                history = self._pushed(history, passed)
        if session.resume is not None:
            # A question answered out of turn: go on from the first one still unanswered.
            probe = _copy(session, {"answers": answers, "state": None})
            state, path, answers = self._replay(probe)
            history = [*path]
            new = self._save(session, answers=answers, history=history, state=state, resume=None)
            return Reply(new, True, message)
        new = self._save(session, answers=answers, history=history, state=state)
        return Reply(new, True, message)

    # --- views ----------------------------------------------------------------------------

    def _question_buttons(self, q: Question, lang: str) -> tuple[Button, ...]:
        cached = self._buttons.get((q.id, lang))
        if cached is None:
            cached = self._buttons[(q.id, lang)] = self._make_buttons(q, lang)
        return cached

    def _make_buttons(self, q: Question, lang: str) -> tuple[Button, ...]:
        if q.kind == "multi":
            # "t<i>" toggles a line (the adapter keeps the ticks until Done); "m" submits.
            lines = [Button(f"t{i}", o.label[lang]) for i, o in enumerate(q.checklist)]
            return (*lines, Button("m", self.texts.get("checklist_done", lang)))
        if q.picker == "country":
            buttons = [Button(f"c:{c}", country_name(c, lang)) for c in q.common]
            return (*buttons, Button("other", self.texts.get("other_country", lang)))
        buttons = [Button(f"b{i}", b.label[lang]) for i, b in enumerate(q.bands)]
        if q.kind == "number" and q.unit == "hkd":
            buttons.append(Button("type", self.texts.get("type_exact", lang)))
        # Choice and bool: every option; number, date and text: the "not sure" option, if any.
        buttons += [Button(str(i), o.label[lang]) for i, o in enumerate(self._options[q.id])]
        return tuple(buttons)

    def answer_label(self, qid: str, answer: AnswerValue, lang: str) -> str:
        """How an answer reads in the summary: the option or band label, never a made-up
        figure."""
        q = self.by_id[qid]
        if q.kind == "multi":
            ticked = set(answer.split(",")) if isinstance(answer, str) and answer else set()
            labels = [o.label[lang] for o in q.checklist if o.id in ticked]
            sep = "; " if lang == "en" else "；"
            return sep.join(labels) if labels else self.texts.get("checklist_none", lang)
        if q.picker == "country" and isinstance(answer, str) and is_country_code(answer):
            return country_name(answer, lang)
        if isinstance(answer, str) and q.kind == "number":
            band = self._bands[qid].get(answer)
            return band.label[lang] if band else answer
        for opt in self._options[qid]:
            if opt.value is answer or (
                opt.value == answer and type(opt.value) is type(answer) and answer is not None
            ):
                return opt.label[lang]
        if answer is None:
            return self.texts.get("dont_know_answer", lang)
        if q.kind == "number":
            if q.unit == "hkd":
                return _fmt_amount(answer)
            if q.unit in ("years", "months"):  # "1 year", not "1 years"
                one = "_one" if float(answer) == 1 else ""
                return self.texts.get(f"unit_{q.unit}{one}", lang, n=_fmt_number(float(answer)))
            return _fmt_number(float(answer))
        return str(answer)

    def _selected_key(self, q: Question, answer: AnswerValue) -> str | None:
        if q.kind == "multi":
            ticked = set(answer.split(",")) if isinstance(answer, str) and answer else set()
            return self.checklist_key(i for i, o in enumerate(q.checklist) if o.id in ticked)
        if q.picker == "country" and isinstance(answer, str):
            return f"c:{answer}"
        if q.kind == "number" and isinstance(answer, str):
            ids = [b.id for b in q.bands]
            return f"b{ids.index(answer)}" if answer in ids else None
        for i, opt in enumerate(self._options[q.id]):
            if opt.value is answer or (
                answer is not None and opt.value == answer and type(opt.value) is type(answer)
            ):
                return str(i)
        return None

    def progress(self, session: Session) -> tuple[int, int]:
        """(index of the current question, estimated total) — "question 4 of about 9"."""
        state = self.state_of(session)
        index_of = self.index
        pos = index_of.get(state, len(self.questions))
        answers = session.answers
        later = frozenset([k for k in answers if index_of.get(k, -1) > pos])
        index = 1 + len(answers) - len(later) - (state in answers)
        matter = None
        if self.skip_by_rules:
            try:
                values = self._values(answers, before=pos)
                matter = self._fields_that_matter(self._profile_from_values(values), pos)
            except ValueError:
                matter = None
        # Country answers only matter through the codes the conditions name (CN, LA, NP):
        # reading every other country as one value keeps the estimate's cache small and hot.
        read_values: list[AnswerValue] = []
        for r in self._reads_before[pos]:
            v = answers.get(r)
            if r in self._coarse and v is not None and v not in self._coarse[r]:
                v = "ZZ"  # a country the conditions do not name: all such read alike
            elif r in self._number_edges and v is not None:
                number = self.value_of(r, v)
                edges = self._number_edges[r]
                if isinstance(number, int | float) and number not in edges:
                    # every value strictly between two edges compares alike with each of them:
                    # read it as the middle of its interval
                    under = [e for e in edges if e < number]
                    over = [e for e in edges if e > number]
                    lo = under[-1] if under else over[0] - 2
                    hi = over[0] if over else under[-1] + 2
                    v = (lo + hi) / 2
            elif r in self._multi and isinstance(v, str) and v:
                ticked = v.split(",")  # only the lines some condition reads
                v = ",".join(i for i in self._lines_read[r] if i in ticked)
            read_values.append(v)
        read = tuple(read_values)
        return index, index + self._remaining(pos, read, later, matter)

    def _count_remaining(
        self,
        pos: int,
        read: tuple[AnswerValue, ...],
        later: frozenset[str],
        matter: frozenset[str] | None,
    ) -> int:
        reads = self._reads_before[pos]
        values: dict[str, Any] = {}
        multi = self._multi
        for r, v in zip(reads, read, strict=True):
            if r in multi:
                self._put(values, r, v)
            else:
                values[r] = self.value_of(r, v)
        if matter is None:
            count = self._always_after[pos]
            for cond, ids in self._conditional_after[pos]:
                if cond.test(values):
                    count += len(ids)
                elif later:
                    count += len(ids & later)
            return count
        count = 0
        for q in self.questions[pos + 1 :]:
            cond = self.conditions.get(q.id)
            if q.id in later or ((cond is None or cond.test(values)) and self._asks_for(q, matter)):
                count += 1
        return count

    def step(self, session: Session) -> Step:
        """The view of the session's current step, in its language."""
        session = self.resolve(session)
        state = self.state_of(session)
        lang = session.lang
        t = self.texts
        if state == SUMMARY:
            return Step(
                "summary", state, session.revision, t.get("summary_prompt", lang), None, None, None,
                (Button("result", t.get("see_result", lang)),), None, None,
                bool(session.history), None,
            )  # fmt: skip
        if state == RESULT:
            return Step(
                "result", state, session.revision, t.get("result_title", lang), None, None, None,
                (
                    Button("summary", t.get("change_answers", lang)),
                    Button("restart", t.get("restart", lang)),
                ),
                None, None, True, None,
            )  # fmt: skip
        q = self.by_id[state]
        index, total = self.progress(session)
        answered = q.id in session.answers
        answer = session.answers.get(q.id)
        return Step(
            kind="question",
            state=state,
            revision=session.revision,
            prompt=q.prompt[lang],
            hint=(
                q.hint[lang]
                if q.hint
                else (t.get("checklist_hint", lang) if q.kind == "multi" else None)
            ),
            progress=(index, total),
            progress_text=t.get("progress", lang, index=index, total=total),
            buttons=self._question_buttons(q, lang),
            selected=self._selected_key(q, answer) if answered else None,
            current=self.answer_label(q.id, answer, lang) if answered else None,
            can_go_back=any(h != state for h in session.history),
            question=q,
            can_see_now=index >= SEE_NOW_FROM,
        )

    def summary(self, session: Session) -> list[SummaryRow]:
        """One row per answer on the person's path, in question order; each can be changed
        with `change(session, row.question_id)`."""
        state, path, answers = self._replay(self.resolve(session))
        # Answers given out of turn ("see my result now") wait beyond the current question.
        here = self.index.get(state, len(self.questions))
        ahead = [k for k in self.by_id if k in answers and k not in path and self.index[k] > here]
        return [
            SummaryRow(
                qid,
                self.by_id[qid].label[session.lang],
                self.answer_label(qid, answers[qid], session.lang),
            )
            for qid in [*path, *ahead]
        ]

    def profile(self, session: Session, as_of: date | None = None) -> Profile:
        """The person as the rules see them: answers on the path, inferred values, unknowns as
        None."""
        _state, path, answers = self._replay(self.resolve(session))
        values: dict[str, Any] = {}
        for qid in path:
            self._put(values, qid, answers[qid])
        return self._profile_from_values(values, as_of)

    def result(self, session: Session, as_of: date | None = None) -> Any:
        """`rules.evaluate_profile(profile(session), lang)`: an `Evaluation`."""
        from rules import evaluate_profile

        return evaluate_profile(self.profile(session, as_of), session.lang)

    # --- export ---------------------------------------------------------------------------

    def export(self) -> dict[str, Any]:
        """The questionnaire in the contract's JSON shape (plus additive fields)."""
        out = []
        for q in self.questions:
            if q.kind == "multi":
                multi: dict[str, Any] = {
                    "id": q.id,
                    "kind": "multi",
                    "prompt": {lang: q.prompt[lang] for lang in LANGS},
                    "options": [
                        {
                            "field": o.field,
                            "value": o.value,
                            "label": {lang: o.label[lang] for lang in LANGS},
                        }
                        for o in q.checklist
                    ],
                    "done": {
                        "label": {lang: self.texts.get("checklist_done", lang) for lang in LANGS}
                    },
                }
                if q.id in self.conditions:
                    multi["when"] = q.when
                out.append(multi)
                continue
            item: dict[str, Any] = {
                "id": q.id,
                "field": q.field,
                "kind": q.kind,
                "prompt": {lang: q.prompt[lang] for lang in LANGS},
                "options": [
                    {"value": o.value, "label": {lang: o.label[lang] for lang in LANGS}}
                    for o in self._options[q.id]
                ],
            }
            if q.id in self.conditions:
                item["when"] = q.when
            if q.bands:
                item["bands"] = [
                    {"id": b.id, "min": b.min, "label": {lang: b.label[lang] for lang in LANGS}}
                    for b in q.bands
                ]
            if q.kind == "number":
                item["unit"] = q.unit
                item["min"] = q.min
                item["max"] = q.max
            out.append(item)
        return {"questions": out}

    def export_json(self) -> str:
        return json.dumps(self.export(), ensure_ascii=False, indent=2)

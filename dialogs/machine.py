"""The one `transitions` Machine shared by every session, built from the questions.

Its triggers:
- `answer`: from each question to the next *relevant* one. From a question there is one
  transition per later question, each guarded by that question's `when` condition and tried in
  order, up to the first question that is always asked (or the summary). From the summary it
  leads to the result. Transitions that can never fire are left out.
- `back(target=…)`, `change(target=…)`: to an earlier state named by the caller.
- `restart`: from anywhere to the first question.

A session is not attached to it: for one operation a throw-away `Cursor` is added at the
session's state, a trigger fired and the cursor removed again (`move`). A replay, which passes
every answered question, reads the `answer` transitions from the machine instead
(`answer_table`, `next_on_answer`): the same destinations, tried in the same order.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from transitions import Machine

from dialogs.conditions import Condition
from dialogs.questions import Question

SUMMARY = "summary"
RESULT = "result"


class FlowMachine(Machine):
    """A Machine whose `add_model` binds nothing to the model. The stock one adds `is_<state>`
    and `may_<trigger>` helpers and a partial per trigger: ~45 attributes per attachment, more
    than the step itself costs, for a cursor that lives for one operation."""

    def add_model(self, model: Any, initial: Any = None) -> None:
        """`Machine.add_model` for a `Cursor`: its class already defines the triggers, so
        attaching it only sets its state and registers it."""
        if initial is None:
            initial = self.initial
        if model in self.models:
            return
        self.set_state(initial, model=model)
        self.models.append(model)


class Cursor:
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


def move(machine: Machine, start: str, trigger: str, target: str | None = None) -> str:
    """The state the machine reaches from `start` on `trigger` (with `target` for back and
    change), conditions reading no answers."""
    cursor = Cursor(machine, {})
    machine.add_model(cursor, initial=start)
    try:
        if target is None:
            getattr(cursor, trigger)()
        else:
            getattr(cursor, trigger)(target=target)
        return cursor.state
    finally:
        machine.remove_model(cursor)


class _Relevant:
    """Transition condition: the destination question's `when` holds for the answers so far."""

    __slots__ = ("condition", "text")

    def __init__(self, condition: Condition) -> None:
        self.condition = condition
        self.text = condition.text

    def __call__(self, event: Any) -> bool:
        return self.condition.test(event.model.values)


AnswerTable = dict[str, tuple[tuple[str, tuple[Condition, ...]], ...]]


def answer_table(machine: Machine) -> AnswerTable:
    """The machine's `answer` transitions by source state, in the order the machine tries
    them: (destination, the `when` conditions that must all hold). Only states whose
    transitions are plain (conditions that are `_Relevant`, no callbacks anywhere) are listed;
    for those, `next_on_answer` is what firing `answer` on a cursor does, without building the
    machine's event data and state change for every answered question a replay passes."""
    callbacks = (
        machine.before_state_change, machine.after_state_change, machine.prepare_event,
        machine.finalize_event, machine.on_exception,
    )  # fmt: skip
    if any(callbacks):
        return {}
    table: AnswerTable = {}
    for source, transitions in machine.events["answer"].transitions.items():
        plain = []
        for t in transitions:
            state = machine.get_state(t.dest)
            if t.prepare or t.before or t.after or state.on_enter or state.on_exit:
                break
            if machine.get_state(source).on_exit:
                break
            if not all(isinstance(c.func, _Relevant) and c.target for c in t.conditions):
                break
            plain.append((t.dest, tuple(c.func.condition for c in t.conditions)))
        else:
            table[source] = tuple(plain)
    return table


def next_on_answer(table: AnswerTable, state: str, values: dict[str, Any]) -> str | None:
    """Where `answer` leads from `state` (listed in `table`) given `values`: the first
    transition whose conditions all hold; None when none does."""
    for dest, conditions in table[state]:
        if all(c.test(values) for c in conditions):
            return dest
    return None


class _IsTarget:
    """Transition condition for back/change: the caller named this destination."""

    __slots__ = ("target", "text")

    def __init__(self, target: str) -> None:
        self.target = target
        self.text = f"target = {target}"

    def __call__(self, event: Any) -> bool:
        return event.kwargs.get("target") == self.target


def literals(qid: str, questions: Iterable[Question]) -> set[str]:
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


def edges(qid: str, questions: Iterable[Question]) -> tuple[float, ...]:
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


class _Builder:
    def __init__(
        self,
        questions: tuple[Question, ...],
        conditions: Mapping[str, Condition],
        parent: Mapping[str, str],
    ) -> None:
        self.questions = questions
        self.conditions = conditions
        self.parent = parent
        self.index = {q.id: i for i, q in enumerate(questions)}
        self.by_id = {q.id: q for q in questions}

    def build(self, states: Iterable[str]) -> Machine:
        ids = [q.id for q in self.questions]
        m = FlowMachine(
            model=None,
            states=list(states),
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
        if qid in self.parent:
            return (True, False)
        q = self.by_id[qid]
        if q.picker == "country":
            return (*sorted(literals(q.id, self.questions)), "ZZ", None)
        if q.kind in ("bool", "choice"):
            return tuple(o.value for o in q.export_options())
        if q.kind == "number":
            edges_ = {b.min for b in q.bands} | {q.min or 0, q.max or 0}
            return (None, *sorted(edges_))
        return (None,)

    def _reachable_from(self, source: int, dest: str) -> bool:
        """Whether `answer` from question number `source` can ever lead to `dest`: the person
        is at `source` (its condition held), every question in between was not relevant (and so
        reads as null), and `dest` is relevant."""
        src = self.questions[source].id
        end = self.index.get(dest, len(self.questions))
        between = [q.id for q in self.questions[source + 1 : end]]
        must = [self.conditions[dest]] if dest in self.conditions else []
        if src in self.conditions:
            must.append(self.conditions[src])
        must_not = [self.conditions[b] for b in between if b in self.conditions]
        reads = set().union(*(c.reads for c in must + must_not))
        position = {**self.index, **{o: self.index[p] for o, p in self.parent.items()}}
        free = sorted(r for r in reads if position[r] <= source)
        domains = [self._domain(r) for r in free]
        for n, combo in enumerate(itertools.product(*domains)):
            if n >= 100_000:
                return True  # too many to try: keep the transition
            values = dict(zip(free, combo, strict=True))
            if all(c.test(values) for c in must) and not any(c.test(values) for c in must_not):
                return True
        return False


def build_machine(
    questions: tuple[Question, ...],
    conditions: Mapping[str, Condition],
    parent: Mapping[str, str],
    states: Iterable[str],
) -> Machine:
    """The machine for these questions; `parent` maps checklist line ids to their checklist."""
    return _Builder(questions, conditions, parent).build(states)

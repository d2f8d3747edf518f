"""Routing and replay: where a session is, and how answering, going back, changing an answer,
jumping to a question and restarting move it.

The current state is derived by replaying the answers through the machine's `answer`
transitions (like GOV.UK Smart Answers' state resolver), read through `machine.AnswerTable`:
the shared machine's transitions in its order, without firing its event machinery on every
step. A session keeps the state it was left in as a cache so that the usual step costs one
transition; the cache is dropped whenever the flow's version changes. With the rules skip, a
question whose profile field can no longer change any scheme's outcome (`dialogs.relevance`) is
passed over as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from dialogs.conditions import Condition, compile_condition
from dialogs.kinds import MultiKind, QuestionKind
from dialogs.machine import RESULT, SUMMARY, AnswerTable, build_machine, move
from dialogs.questions import AnswerValue, Question
from dialogs.relevance import Candidate, candidates, fields_that_could_match
from dialogs.session import Session, copy_session
from rules.profile import PROFILE_FIELDS, Profile, today_in_hong_kong

Replayed = tuple[str, list[str], dict[str, AnswerValue]]


class Router:
    """The questions in order, their kinds, the machine, and every move of a session."""

    def __init__(
        self,
        questions: tuple[Question, ...],
        kinds: Mapping[str, QuestionKind],
        conditions: Mapping[str, Condition],
        *,
        skip_by_rules: bool,
        version: str,
    ) -> None:
        self.questions = questions
        self.by_id: dict[str, Question] = {q.id: q for q in questions}
        self.index: dict[str, int] = {q.id: i for i, q in enumerate(questions)}
        self.kinds = kinds
        self.conditions = conditions
        self.skip_by_rules = skip_by_rules
        self.version = version
        # Checklist lines read by conditions like question ids: line id -> its checklist.
        self.parent: dict[str, str] = {o.id: q.id for q in questions for o in q.checklist}
        self.fields: dict[str, frozenset[str]] = {q.id: frozenset(q.fields) for q in questions}
        self.multi: dict[str, MultiKind] = {
            qid: k for qid, k in kinds.items() if isinstance(k, MultiKind)
        }
        self.plain = frozenset(qid for qid, k in kinds.items() if k.plain)
        self._last_replay: tuple[Session, date, Replayed] | None = None  # see `replay`
        # Everything the relevance conditions read (checklist lines as their checklist).
        read = set().union(*(c.reads for c in conditions.values()))
        self.reads: tuple[str, ...] = tuple(
            sorted({self.parent.get(r, r) for r in read}, key=self.index.get)
        )
        self.infer = {
            q.id: [(compile_condition(i.when), i.value) for i in q.infer]
            for q in questions
            if q.infer
        }
        # Before the question at index p: the fields no question from p on sets (a walk does
        # not go back to ask them), for the rules skip.
        self.closed_at = [
            frozenset(PROFILE_FIELDS).difference(*(q.fields for q in questions[p:]))
            for p in range(len(questions) + 1)
        ]
        # From index p on: the fields of the questions asked whatever the earlier answers say
        # (no condition, or one that reads answers from p on), and, for each question whose
        # condition reads only answers before p (settled by then), that condition and its
        # fields: a question whose settled condition is false will not be asked, and the
        # fields only it sets are closed too.
        self._open_at: list[frozenset[str]] = []
        self._settled_at: list[tuple[tuple[Any, tuple[str, ...]], ...]] = []
        for p in range(len(questions) + 1):
            always: set[str] = set()
            settled: list[tuple[Any, tuple[str, ...]]] = []
            for q in questions[p:]:
                cond = conditions.get(q.id)
                if cond is not None and all(
                    self.index.get(self.parent.get(r, r), len(questions)) < p for r in cond.reads
                ):
                    settled.append((cond, q.fields))
                else:
                    always.update(q.fields)
            self._open_at.append(frozenset(always))
            self._settled_at.append(tuple((c, f) for c, f in settled if not set(f) <= always))
        self.states: tuple[str, ...] = (*self.by_id, SUMMARY, RESULT)
        self.machine = build_machine(questions, conditions, self.parent, self.states)
        self.answer_table = AnswerTable(self.machine)
        self._matter_memo: dict[Any, frozenset[str] | None] = {}
        self._open_memo: dict[Any, tuple[Profile, tuple[Candidate, ...]] | None] = {}
        # The date the rules skip evaluates on (None: today in Hong Kong).
        self.as_of: date | None = None

    # --- values ---------------------------------------------------------------------------

    def value_of(self, qid: str, answer: AnswerValue) -> Any:
        """The profile value of a stored answer (a band reads as its lower edge)."""
        if answer is None or qid in self.plain:
            return answer
        return self.kinds[qid].value_of(answer)

    def is_valid_answer(self, qid: str, answer: AnswerValue) -> bool:
        kind = self.kinds.get(qid)
        return kind is not None and kind.is_valid(answer)

    def put(self, values: dict[str, Any], qid: str, answer: AnswerValue) -> None:
        """Add an answer to the values conditions read; a checklist adds each of its lines
        (true when ticked) as well."""
        values[qid] = self.value_of(qid, answer)
        multi = self.multi.get(qid)
        if multi is not None:
            values.update(multi.lines(answer))

    def values(self, answers: Mapping[str, AnswerValue], before: int | None = None) -> dict:
        index = self.index
        values: dict[str, Any] = {}
        for k, v in answers.items():
            if k in index and (before is None or index[k] < before):
                if k in self.multi:
                    self.put(values, k, v)
                else:
                    values[k] = self.value_of(k, v)
        return values

    def cursor_values(self, answers: Mapping[str, AnswerValue], before: int) -> dict:
        """What the transition conditions need: the answers they read (all answers when the
        rules skip needs a profile)."""
        if self.skip_by_rules:
            return self.values(answers, before)
        index = self.index
        values: dict[str, Any] = {}
        for k in self.reads:
            if k in answers and index[k] < before:
                if k in self.multi:
                    self.put(values, k, answers[k])
                else:
                    values[k] = self.value_of(k, answers[k])
        return values

    def path_values(self, path: list[str], answers: Mapping[str, AnswerValue]) -> dict:
        values: dict[str, Any] = {}
        for qid in path:
            self.put(values, qid, answers[qid])
        return values

    def profile_from_values(self, values: Mapping[str, Any], as_of: date | None = None) -> Profile:
        data: dict[str, Any] = {}
        for q in self.questions:
            if q.id in self.multi:
                if q.id in values:
                    for opt in q.checklist:
                        data[opt.field] = opt.value if values[opt.id] else not opt.value
            elif q.field is None:
                continue
            elif q.id in values:
                data[q.field] = values[q.id]
            elif q.id in self.infer:
                for cond, value in self.infer[q.id]:
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

    # --- the rules skip -------------------------------------------------------------------

    def closed(self, pos: int, values: Mapping[str, Any] | None = None) -> frozenset[str]:
        """The fields the walk will not ask from index `pos` on: those of the questions before
        it, and (given the answers `values`) those of later questions whose condition reads
        only earlier answers and does not hold."""
        base = self.closed_at[pos]
        settled = self._settled_at[pos]
        if values is None or not settled:
            return base
        dropped = [fields for cond, fields in settled if not cond.test(values)]
        if not dropped:
            return base
        still = self._open_at[pos].union(*(fields for cond, fields in settled if cond.test(values)))
        return base.union(n for fields in dropped for n in fields if n not in still)

    def fields_that_matter(
        self, profile: Profile, pos: int, values: Mapping[str, Any] | None = None
    ) -> frozenset[str] | None:
        """Fields that could still make a scheme a match, for the question at index `pos`
        (the fields of the questions before it will not be asked again, nor those of later
        questions whose condition is already false)."""
        return fields_that_could_match(profile, self.closed(pos, values))

    def matter_of(self, values: Mapping[str, Any], pos: int) -> frozenset[str] | None:
        """The fields that still matter, at the question of index `pos`, for the person these
        values describe (None: the values make no valid profile, or everything matters).
        Remembered by the values and the position: a step asks it for the same answers several
        times (the walk, the progress estimate), and people on the same path share them. The
        profile and its open schemes are remembered by the values alone: a walk past questions
        that no longer matter asks at several positions with the same answers."""
        as_of = self.as_of or today_in_hong_kong()
        try:
            vkey = frozenset(values.items())
        except TypeError:  # an unhashable value: not from this flow, do not remember
            return self._matter_uncached(values, pos)
        key = (as_of, pos, vkey)
        try:
            return self._matter_memo[key]
        except KeyError:
            pass
        pkey = (as_of, vkey)
        try:
            opened = self._open_memo[pkey]
        except KeyError:
            try:
                profile = self.profile_from_values(values)
            except ValueError:
                opened = None
            else:
                opened = (profile, candidates(profile))
            if len(self._open_memo) >= 4096:
                self._open_memo.clear()
            self._open_memo[pkey] = opened
        if opened is None:
            matter = None
        else:
            profile, open_schemes = opened
            matter = fields_that_could_match(profile, self.closed(pos, values), open_schemes)
        if len(self._matter_memo) >= 8192:
            self._matter_memo.clear()
        self._matter_memo[key] = matter
        return matter

    def _matter_uncached(self, values: Mapping[str, Any], pos: int) -> frozenset[str] | None:
        try:
            return self.fields_that_matter(self.profile_from_values(values), pos, values)
        except ValueError:
            return None

    def _matters(self, qid: str, values: Mapping[str, Any]) -> bool:
        matter = self.matter_of(values, self.index[qid])
        return matter is None or asks_for(self.by_id[qid], matter)

    # --- moving through the machine -------------------------------------------------------

    def walk(
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
        state = self._next(start, values) if fire_first else start
        while True:
            prev = visited[-1] if visited else None
            self._drop_passed(answers, prev, state)
            if state in (SUMMARY, RESULT):
                return state
            if state in answers:
                if state in self.multi:
                    self.put(values, state, answers[state])
                else:
                    values[state] = self.value_of(state, answers[state])
                visited.append(state)
                state = self._next(state, values)
                continue
            if self.skip_by_rules and not self._matters(state, values):
                visited.append(state)  # passed, not answered
                state = self._next(state, values)
                continue
            return state

    def _next(self, state: str, values: dict[str, Any]) -> str:
        """The state the machine's `answer` trigger reaches from `state` with these values."""
        reached = self.answer_table.next(state, values)
        if reached is None:  # no transition's condition held: the flow data is inconsistent
            raise RuntimeError(f"no way on from {state!r} with answers {values}")
        return reached

    def _drop_passed(self, answers: dict[str, AnswerValue], prev: str | None, state: str) -> None:
        lo = self.index[prev] + 1 if prev in self.index else 0
        hi = self.index.get(state, len(self.questions))
        if hi - lo <= 0:
            return
        for qid in [k for k in answers if lo <= self.index.get(k, -1) < hi]:
            del answers[qid]

    def replay(self, session: Session) -> Replayed:
        """Derive the state from the answers alone: (state, questions on the path, answers
        with those that are no longer relevant removed).

        Remembered for the last session object and the day the rules skip evaluates on (a
        walk's relevance depends on it; sessions are immutable): finishing reads the result, the
        summary and the askable facts of one session, each through a replay, and a replay walks
        every answer. The path and answers handed out are shared: callers copy them before
        changing them (all do: sessions are never changed in place)."""
        day = self.as_of or today_in_hong_kong()
        last = self._last_replay
        if last is not None and last[0] is session and last[1] == day:
            return last[2]
        out = self._replay(session)
        self._last_replay = (session, day, out)
        return out

    def _replay(self, session: Session) -> Replayed:
        answers = {k: v for k, v in session.answers.items() if self.is_valid_answer(k, v)}
        visited: list[str] = []
        first = self.questions[0].id
        state = self.walk(answers, first, {}, visited, fire_first=False)
        path = [q for q in visited if q in answers]
        if state == SUMMARY and session.history[-1:] == [SUMMARY]:
            state = RESULT
        return state, path, answers

    def is_current(self, session: Session) -> bool:
        """Whether the session's cached state can be trusted (same flow version)."""
        return session.flow_version == self.version and session.state in self.machine.states

    def state_of(self, session: Session) -> str:
        """The session's current state (question id, "summary" or "result")."""
        if self.is_current(session):
            return session.state  # type: ignore[return-value]
        return self.replay(session)[0]

    def resolve(self, session: Session) -> Session:
        """The session with its state derived afresh from its answers (used when the flow has
        changed since the session was saved)."""
        if self.is_current(session):
            return session
        state, path, answers = self.replay(session)
        history = [*path, SUMMARY] if state == RESULT else path
        return session.model_copy(
            update={
                "answers": answers,
                "history": history,
                "state": state,
                "flow_version": self.version,
            }
        )

    def save(self, session: Session, **update: Any) -> Session:
        update.setdefault("flow_version", self.version)
        update["revision"] = session.revision + 1
        return copy_session(session, update)

    # --- operations (on a resolved session) -----------------------------------------------

    def accept(self, session: Session, q: Question, value: AnswerValue) -> Session:
        """Store the answer and move to the next unanswered relevant question."""
        answers = dict(session.answers)
        answers[q.id] = value
        values = self.cursor_values(answers, before=self.index[q.id])
        self.put(values, q.id, value)
        visited = [q.id]
        history = pushed(session.history, q.id)
        state = self.walk(answers, q.id, values, visited, fire_first=True)
        for passed in visited[1:]:
            if passed in answers:
                history = pushed(history, passed)
        if session.resume is not None:
            # A question answered out of turn: go on from the first one still unanswered.
            probe = copy_session(session, {"answers": answers, "state": None})
            state, path, answers = self.replay(probe)
            return self.save(session, answers=answers, history=[*path], state=state, resume=None)
        return self.save(session, answers=answers, history=history, state=state)

    def to_result(self, session: Session) -> Session:
        reached = move(self.machine, SUMMARY, "answer")
        return self.save(session, history=pushed(session.history, SUMMARY), state=reached)

    def restart(self, session: Session) -> Session:
        first = move(self.machine, self.state_of(session), "restart")
        fresh = Session(lang=session.lang, revision=session.revision)
        state = self.walk({}, first, {}, [], fire_first=False)
        return self.save(fresh, state=state)

    def back(self, session: Session) -> Session:
        current = self.state_of(session)
        state, path, answers = self.replay(session)
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
        reached = move(self.machine, current, "back", target)
        return self.save(session, answers=answers, history=history, state=reached)

    def change(self, session: Session, question_id: str) -> Session:
        state, path, answers = self.replay(session)
        ahead = question_id not in path and question_id != state and question_id in answers
        if question_id not in path and question_id != state and not ahead:
            raise ValueError(f"question {question_id!r} is not on this session's path")
        current = self.state_of(session)
        reached = move(self.machine, current, "change", question_id)
        history = list(session.history)
        if question_id in history:
            history = history[: history.index(question_id)]
        elif current in history:
            history = history[: history.index(current)]
        if ahead:  # answered out of turn: after it, go on from the first one unanswered
            return self.save(
                session, answers=answers, history=history, state=reached, resume=current
            )
        return self.save(session, answers=answers, history=history, state=reached)

    def jump(self, session: Session, question_id: str) -> Session:
        q = self.by_id.get(question_id)
        if q is None or question_id in session.answers:
            raise ValueError(f"question {question_id!r} cannot be jumped to")
        values = self.values(session.answers)
        cond = self.conditions.get(question_id)
        if cond is not None and not cond.test(values):
            raise ValueError(f"question {question_id!r} is not relevant now")
        current = self.state_of(session)
        reached = move(self.machine, current, "change", question_id)
        history = (
            pushed(list(session.history), current)
            if current in self.by_id
            else list(session.history)
        )
        return self.save(session, history=history, state=reached, resume=current)


def asks_for(q: Question, matter: frozenset[str]) -> bool:
    """Whether a question sets a field that still matters (a question without a field, the
    opening one, always does)."""
    if q.kind == "multi":
        return any(o.field in matter for o in q.checklist)
    return q.field is None or q.field in matter


def pushed(history: list[str], state: str) -> list[str]:
    if state in history:
        history = history[: history.index(state)]
    return [*history, state]

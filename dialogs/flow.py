"""`QuestionFlow`: the questionnaire's facade, the one object adapters talk to.

It wires together the parts, each in its own module:
- `dialogs.kinds`: one class per question kind (parse, validate, buttons, label);
- `dialogs.machine`: the one `transitions` Machine shared by all sessions;
- `dialogs.routing`: where a session is (replaying its answers) and how it moves;
- `dialogs.progress`: "question 4 of about 9";
- `dialogs.views`: the steps, replies and summary rows the adapters render;
- `dialogs.export`: the contract's export JSON.

A session is not a machine: it is a small pydantic model of answers (`dialogs.session`). Every
operation takes a session and returns a new one (or a view); the flow itself is immutable and
shared by every session.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache
from typing import Any

from dialogs.conditions import Condition
from dialogs.export import export_json, export_questions
from dialogs.kinds import EARLIEST_DATE, Accepted, MultiKind, QuestionKind, kind_of
from dialogs.machine import RESULT, SUMMARY
from dialogs.progress import Progress
from dialogs.questions import (
    QUESTIONS_FILE,
    AnswerValue,
    Question,
    Texts,
    default_texts,
    load_questions,
    load_texts,
)
from dialogs.routing import Router
from dialogs.session import SESSION_FORMAT, Session
from dialogs.views import (
    SEE_NOW_FROM,
    Button,
    Provisional,
    Reply,
    Settle,
    Step,
    StepKind,
    SummaryRow,
    settling_questions,
    step_view,
    summary_rows,
)
from rules.i18n import normalise_lang
from rules.profile import Profile, today_in_hong_kong

__all__ = [
    "EARLIEST_DATE",
    "RESULT",
    "SEE_NOW_FROM",
    "SESSION_FORMAT",
    "SUMMARY",
    "Button",
    "Provisional",
    "QuestionFlow",
    "Reply",
    "Session",
    "Settle",
    "Step",
    "StepKind",
    "SummaryRow",
]


def _key(as_of: date | None, lang: str, values: dict[str, Any]) -> Any:
    try:
        return (as_of or today_in_hong_kong(), lang, frozenset(values.items()))
    except TypeError:  # an unhashable value: do not remember
        return None


class QuestionFlow:
    """The questionnaire: questions, the machine, and every operation on a session.

    Load once (`QuestionFlow.default()`); it is immutable and shared by all sessions.
    `skip_by_rules=True` also skips a question whose profile field is not in
    `rules.fields_that_matter(profile so far)`.
    """

    checklist_key = staticmethod(MultiKind.checklist_key)
    checklist_mask = staticmethod(MultiKind.checklist_mask)

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
        self.conditions: dict[str, Condition] = dict(conditions)
        self.texts = texts
        self.skip_by_rules = skip_by_rules
        self.version = hashlib.sha256(version_source.encode()).hexdigest()[:8]
        self.kinds: dict[str, QuestionKind] = {q.id: kind_of(q, texts) for q in self.questions}
        self.router = Router(
            self.questions,
            self.kinds,
            self.conditions,
            skip_by_rules=skip_by_rules,
            version=self.version,
        )
        self.by_id = self.router.by_id
        self.index = self.router.index
        self.machine = self.router.machine
        self.states = self.router.states
        self.estimate = Progress(self.router)
        # Evaluations by the values they were made from: the rules are a pure function of the
        # profile, and people who gave the same answers (most share their first few) get the
        # same result. An evaluation is shared, so it is read, never changed.
        self._evaluations: dict[Any, tuple[Profile, Any]] = {}
        self._settle: dict[Any, tuple[Settle, ...]] = {}  # likewise the questions that settle
        # What a step's view takes from the questions and texts alone (see `step_view`).
        self._views: dict[Any, Any] = {}
        self._forget()

    def _forget(self) -> None:
        # The last step, replay and evaluation, by the session object they were made for: an
        # update asks for them several times (the bot's handler, its screens, its store), and
        # sessions are immutable, so the same object gives the same answer on the same day (the
        # rules skip reads the date; `_same_day` forgets them when it changes). A session read
        # back from the store can be the very object of the person's last update (`Session.
        # from_json`), so these can outlive an update.
        self._memo_day = self.router.as_of or today_in_hong_kong()
        self._last_step: tuple[Session, Step] | None = None
        self._last_replay: tuple[Session, Any] | None = None
        self._last_result: tuple[Session, date | None, Any, Any] | None = None
        self._last_summary: tuple[Session, list[SummaryRow]] | None = None

    @property
    def as_of(self) -> date | None:
        """The date the rules skip (and `profile`/`result` by default) evaluate on; None:
        today in Hong Kong."""
        return self.router.as_of

    def evaluating_on(self, as_of: date | None) -> QuestionFlow:
        """This flow with the rules skip (and `profile`/`result` by default) evaluated on
        `as_of` instead of today: for BOT_TODAY and for walking dated persona cases. Shares the
        machine and the data with this flow."""
        other = copy.copy(self)
        other.router = copy.copy(self.router)
        other.router.as_of = as_of
        other._forget()
        return other

    # --- construction ---------------------------------------------------------------------

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

    # --- answers --------------------------------------------------------------------------

    def value_of(self, qid: str, answer: AnswerValue) -> Any:
        """The profile value of a stored answer (a band reads as its lower edge)."""
        return self.router.value_of(qid, answer)

    def is_valid_answer(self, qid: str, answer: AnswerValue) -> bool:
        """Whether a stored answer is one this flow could have given (stored sessions outlive
        changes to the data; an answer that no longer fits is dropped and asked again)."""
        return self.router.is_valid_answer(qid, answer)

    def answer_label(self, qid: str, answer: AnswerValue, lang: str) -> str:
        """How an answer reads in the summary: the option or band label, never a made-up
        figure."""
        return self.kinds[qid].label(answer, lang)

    def option_value(self, qid: str, key: str) -> AnswerValue:
        """The value an option button's key stands for (choice and bool questions)."""
        return self.kinds[qid].option_value(key)

    # --- where a session is ---------------------------------------------------------------

    def state_of(self, session: Session) -> str:
        """The session's current state (question id, "summary" or "result")."""
        return self.router.state_of(session)

    def resolve(self, session: Session) -> Session:
        """The session with its state derived afresh from its answers (used when the flow has
        changed since the session was saved)."""
        return self.router.resolve(session)

    def progress(self, session: Session) -> tuple[int, int]:
        """(index of the current question, estimated total) — "question 4 of about 9"."""
        return self.estimate.estimate(self.router, session, self.router.state_of(session))

    # --- views ----------------------------------------------------------------------------

    def _same_day(self) -> None:
        """Forget the remembered views when the day they were made on has passed."""
        if (self.router.as_of or today_in_hong_kong()) != self._memo_day:
            self._forget()

    def step(self, session: Session) -> Step:
        """The view of the session's current step, in its language."""
        self._same_day()
        last = self._last_step
        if last is not None and last[0] is session:
            return last[1]
        step = step_view(self.router, self.estimate, self.texts, self.resolve(session), self._views)
        self._last_step = (session, step)
        return step

    def summary(self, session: Session) -> list[SummaryRow]:
        """One row per answer on the person's path, in question order; each can be changed
        with `change(session, row.question_id)`. Remembered for the last session object (a
        result's screen and its buttons both read it)."""
        self._same_day()
        last = self._last_summary
        if last is None or last[0] is not session:
            last = self._last_summary = (session, summary_rows(self.router, self.resolve(session)))
        return list(last[1])

    def _replayed(self, session: Session) -> tuple[dict[str, Any], dict[str, Any]]:
        """The answers replayed (those no longer relevant removed), and the values on the
        person's path."""
        self._same_day()
        last = self._last_replay
        if last is not None and last[0] is session:
            return last[1]
        _state, path, answers = self.router.replay(self.resolve(session))
        out = (answers, self.router.path_values(path, answers))
        self._last_replay = (session, out)
        return out

    def profile(self, session: Session, as_of: date | None = None) -> Profile:
        """The person as the rules see them: answers on the path, inferred values, unknowns as
        None."""
        return self.router.profile_from_values(self._replayed(session)[1], as_of)

    def result(self, session: Session, as_of: date | None = None) -> Any:
        """`rules.evaluate_profile(profile(session), lang)`: an `Evaluation`."""
        return self.evaluated(session, as_of)[1]

    def evaluated(self, session: Session, as_of: date | None = None) -> tuple[Profile, Any]:
        """(profile, evaluation) of the session: evaluated once for the same session object
        (sessions are immutable), however many parts of an update ask."""
        from rules import evaluate_profile

        self._same_day()
        last = self._last_result
        if last is not None and last[0] is session and last[1] == as_of:
            return last[2], last[3]
        values = self._replayed(session)[1]
        key = _key(as_of or self.router.as_of, session.lang, values)
        found = self._evaluations.get(key) if key is not None else None
        if found is None:
            profile = self.router.profile_from_values(values, as_of)
            found = (profile, evaluate_profile(profile, session.lang))
            if key is not None:
                if len(self._evaluations) >= 2048:
                    self._evaluations.clear()
                self._evaluations[key] = found
        self._last_result = (session, as_of, *found)
        return found

    def provisional(self, session: Session, as_of: date | None = None) -> Provisional:
        """The result so far, and for each possible scheme the first question not yet answered
        (and relevant now) that reads a fact it still needs. Changes nothing."""
        answers, values = self._replayed(session)
        profile, evaluation = self.evaluated(session, as_of)
        key = _key(as_of or self.router.as_of, session.lang, values)
        if key is not None:
            key = (key, frozenset(answers))
        settle = self._settle.get(key) if key is not None else None
        if settle is None:
            settle = settling_questions(
                self.router, evaluation, profile, answers, values, session.lang
            )
            if key is not None:
                if len(self._settle) >= 2048:
                    self._settle.clear()
                self._settle[key] = settle
        return Provisional(evaluation, settle, profile)

    # --- export ---------------------------------------------------------------------------

    def export(self) -> dict[str, Any]:
        """The questionnaire in the contract's JSON shape (plus additive fields)."""
        return export_questions(self.questions, self.kinds, self.conditions, self.texts)

    def export_json(self) -> str:
        return export_json(self.export())

    # --- operations -----------------------------------------------------------------------

    def new_session(self, lang: str = "en") -> Session:
        return self.resolve(Session.new(lang))

    def set_language(self, session: Session, lang: str) -> Session:
        return self.router.save(session, lang=normalise_lang(lang))

    def restart(self, session: Session) -> Session:
        """Forget every answer; keep the language. The revision keeps growing."""
        return self.router.restart(session)

    def back(self, session: Session) -> Session:
        """Return to the previous question, keeping its answer (and all later ones)."""
        return self.router.back(self.resolve(session))

    def change(self, session: Session, question_id: str) -> Session:
        """Go to an answered (or the current) question to change its answer. Later answers are
        kept; those that stop being relevant are dropped when the new answer is given. A
        question that is not on the person's path is refused with `ValueError`."""
        return self.router.change(self.resolve(session), question_id)

    def jump(self, session: Session, question_id: str) -> Session:
        """Go to a question not yet answered (one `provisional` offered) to answer just that;
        after it the questionnaire goes on from the first question still unanswered. A
        question that is answered, unknown or not relevant now is refused with `ValueError`."""
        return self.router.jump(self.resolve(session), question_id)

    def answer(self, session: Session, key: str | None = None, text: str | None = None) -> Reply:
        """Answer the current step with a button `key` or typed `text`.

        At a question, a button key is one of the step's `buttons` (or a `c:XX` country key
        from a reply); typed text is read by the question's kind. At the summary "result" shows
        the result; at the result "summary" returns to the summary and "restart" starts again.
        The reply says what happened (see `Reply`).
        """
        session = self.resolve(session)
        router = self.router
        state = router.state_of(session)
        lang = session.lang
        if state == SUMMARY:
            if key == "result":
                return self._moved(router.to_result(session), None, state)
            return self._refused(session, state, self.texts.get("error_no_question", lang))
        if state == RESULT:
            if key == "summary":
                return self._moved(router.back(session), None, state)
            if key == "restart":
                return self._moved(router.restart(session), None, state)
            return self._refused(session, state, self.texts.get("error_no_question", lang))
        kind = self.kinds[state]
        if key is not None:
            outcome = kind.read_key(key, lang)
        elif text is None or not text.strip():
            return self._refused(session, state, self.texts.get("error_text", lang))
        else:
            outcome = kind.read_text(text.strip(), lang)
        if not isinstance(outcome, Accepted):
            return self._refused(session, state, outcome.message, outcome.buttons)
        if outcome.value is None and not kind.nullable:
            return self._refused(session, state, self.texts.get("error_choice", lang))
        new = router.accept(session, kind.question, outcome.value)
        return self._moved(new, state, state, outcome.note)

    def _moved(
        self, session: Session, answered: str | None, before: str, note: str | None = None
    ) -> Reply:
        state = self.router.state_of(session)
        finished = state == RESULT and before != RESULT
        return Reply(session, True, note, (), answered, state, finished, self)

    def _refused(
        self, session: Session, state: str, message: str, buttons: tuple[Button, ...] = ()
    ) -> Reply:
        return Reply(session, False, message, buttons, None, state, False, self)

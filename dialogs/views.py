"""What the flow hands to the adapters: the step to show, the reply to an answer, the summary
rows and the result so far. Plain frozen data; the adapters (bot/views, bot/screens, the terminal
chat) render it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from dialogs.machine import RESULT, SUMMARY

if TYPE_CHECKING:
    from dialogs.progress import Progress
    from dialogs.questions import Question, Texts
    from dialogs.routing import Router
    from dialogs.session import Session

SEE_NOW_FROM = 3  # "see my result now" from the third question on

StepKind = Literal["question", "summary", "result"]


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


@dataclass(frozen=True)
class Reply:
    """What an answer did, so an adapter need not work it out again.

    Accepted: `session` is the new session, `answered` the question answered, `state` where the
    session is now (the next question, "summary" or "result") and `finished` whether this
    answer reached the result. Not accepted: `session` is the unchanged session, `message` says
    why (in the session's language) and `buttons` may offer choices (several matching
    countries, or yes/no after a university look-up). `message` is also set on success for
    confirmations ("Nationality: Vietnam."). `step` is the view of the step to show now and,
    when finished, `evaluation` the rules' result: each computed once, when first read.
    """

    session: Session
    accepted: bool
    message: str | None = None
    buttons: tuple[Button, ...] = ()
    answered: str | None = None
    state: str = ""
    finished: bool = False
    flow: Any = field(default=None, repr=False, compare=False)

    @cached_property
    def step(self) -> Step:
        return self.flow.step(self.session)

    @cached_property
    def evaluation(self) -> Any:
        """The finished result's evaluation (None when not finished)."""
        return self.flow.result(self.session) if self.finished else None


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
    profile: Any = None  # the profile evaluated


@dataclass(frozen=True, slots=True)
class SummaryRow:
    question_id: str
    label: str
    answer: str


# --- building the views (for a resolved session) --------------------------------------------


def step_view(
    router: Router,
    progress: Progress,
    texts: Texts,
    session: Session,
    memo: dict[Any, Any] | None = None,
) -> Step:
    """The view of a resolved session's current step, in its language. `memo` (owned by the
    flow, for these texts) keeps what depends only on the question and the language, and the
    progress line by its figures: the same few hundred values on every step."""
    state = router.state_of(session)
    lang = session.lang
    t = texts
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
    if memo is None:
        memo = {}
    fixed = memo.get((state, lang))
    if fixed is None:
        q = router.by_id[state]
        kind = router.kinds[state]
        hint = (
            q.hint[lang]
            if q.hint
            else (t.get("checklist_hint", lang) if q.kind == "multi" else None)
        )
        fixed = memo[(state, lang)] = (q, kind, q.prompt[lang], hint, kind.buttons(lang))
    q, kind, prompt, hint, buttons = fixed
    index, total = progress.estimate(router, session, state)
    line = memo.get((lang, index, total))
    if line is None:
        line = memo[(lang, index, total)] = t.get("progress", lang, index=index, total=total)
    answers = session.answers
    answered = state in answers
    answer = answers.get(state)
    history = session.history
    return Step(
        "question",
        state,
        session.revision,
        prompt,
        hint,
        (index, total),
        line,
        buttons,
        kind.selected_key(answer) if answered else None,
        kind.label(answer, lang) if answered else None,
        history.count(state) != len(history),  # some state other than this one to go back to
        q,
        index >= SEE_NOW_FROM,
    )


def summary_rows(router: Router, session: Session) -> list[SummaryRow]:
    """One row per answer on a resolved session's path, in question order."""
    state, path, answers = router.replay(session)
    # Answers given out of turn ("see my result now") wait beyond the current question.
    here = router.index.get(state, len(router.questions))
    ahead = [k for k in router.by_id if k in answers and k not in path and router.index[k] > here]
    lang = session.lang
    return [
        SummaryRow(qid, router.by_id[qid].label[lang], router.kinds[qid].label(answers[qid], lang))
        for qid in [*path, *ahead]
    ]


def settling_questions(
    router: Router, evaluation: Any, profile: Any, answers: dict, values: dict, lang: str
) -> tuple[Settle, ...]:
    """For each possible scheme, the first question not yet answered (and relevant now) that
    reads a fact it still needs."""
    from dialogs.relevance import open_fields_by_scheme

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
        for q in router.questions:
            if q.id in answers or wanted.isdisjoint(router.fields[q.id]):
                continue
            cond = router.conditions.get(q.id)
            if cond is None or cond.test(values):
                settle.append(Settle(key, names[key], q.id, q.label[lang]))
                break
    return tuple(settle)

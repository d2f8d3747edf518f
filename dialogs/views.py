"""What the flow hands to the adapters: the step to show, the reply to an answer, the summary
rows and the result so far. Plain frozen data; the adapters (bot/views, bot/screens, the terminal
chat) render it."""

from __future__ import annotations

from dataclasses import dataclass
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


# --- building the views (for a resolved session) --------------------------------------------


def step_view(router: Router, progress: Progress, texts: Texts, session: Session) -> Step:
    """The view of a resolved session's current step, in its language."""
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
    q = router.by_id[state]
    kind = router.kinds[state]
    index, total = progress.estimate(router, session, state)
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
        buttons=kind.buttons(lang),
        selected=kind.selected_key(answer) if answered else None,
        current=kind.label(answer, lang) if answered else None,
        can_go_back=any(h != state for h in session.history),
        question=q,
        can_see_now=index >= SEE_NOW_FROM,
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
            cond = router.conditions.get(q.id)
            if q.id in answers or not wanted & set(q.fields):
                continue
            if cond is None or cond.test(values):
                settle.append(Settle(key, names[key], q.id, q.label[lang]))
                break
    return tuple(settle)

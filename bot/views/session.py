"""A result's inputs from a questionnaire session: one evaluation, its closeness facts and the
facts the chat can still ask. Both adapters (Telegram and the terminal) start here."""

from __future__ import annotations

import json
import zlib
from datetime import date
from functools import lru_cache

from bot.views.result import ResultInput
from dialogs import QuestionFlow, Session
from rules.gaps import gaps, unknown_points
from rules.results import Evaluation


@lru_cache(maxsize=8)
def _fields_by_question(flow: QuestionFlow) -> dict[str, frozenset[str]]:
    """Question id -> the profile fields it sets (a checklist sets one per option)."""
    out: dict[str, frozenset[str]] = {}
    for q in flow.export()["questions"]:
        names = {q["field"]} if q.get("field") else set()
        names |= {
            o["field"] for o in q.get("options", []) if isinstance(o, dict) and o.get("field")
        }
        out[q["id"]] = frozenset(names)
    return out


@lru_cache(maxsize=8)
def _all_fields(flow: QuestionFlow) -> frozenset[str]:
    return frozenset().union(*_fields_by_question(flow).values())


def askable_fields(flow: QuestionFlow, session: Session, *, provisional: bool) -> frozenset[str]:
    """Fields whose answer the chat can give: for a finished questionnaire, those of the
    questions this person was asked (a "Not sure" can be changed); while it is still going on,
    those of any question (one may still come)."""
    if provisional:
        return _all_fields(flow)
    by_question = _fields_by_question(flow)
    asked = [by_question.get(row.question_id, frozenset()) for row in flow.summary(session)]
    return frozenset().union(*asked)


def fingerprint(session: Session) -> int:
    """A short number naming a session's answers: result buttons carry it, so a press is
    matched to the result it was drawn for (the current session or the last finished one)."""
    data = json.dumps(session.answers, sort_keys=True, separators=(",", ":"))
    return zlib.crc32(data.encode())


def _goal(session: Session) -> str | None:
    """The opening question's answer (`offer`, `find_work`…), None while unanswered or unsure."""
    goal = session.answers.get("goal")
    return goal if isinstance(goal, str) else None


_GAPS: dict[int, tuple[object, object, object]] = {}


def _gaps_of(profile):
    """`gaps` and `unknown_points` of a profile, remembered for the profile object (the flow
    hands out one profile object for the same answers)."""
    found = _GAPS.get(id(profile))
    if found is not None and found[0] is profile:
        return found[1], found[2]
    if len(_GAPS) >= 1024:
        _GAPS.clear()
    _GAPS[id(profile)] = (profile, gaps(profile), unknown_points(profile))
    return _GAPS[id(profile)][1], _GAPS[id(profile)][2]


def result_input(
    flow: QuestionFlow,
    session: Session,
    *,
    as_of: date | None = None,
    today: date | None = None,
    stale_days: int = 180,
    provisional: bool | None = None,
    evaluation: Evaluation | None = None,
) -> ResultInput:
    """Evaluate the session once and gather what its result screens need. `provisional`
    defaults to whether the questionnaire is unfinished; `evaluation`, when the caller already
    evaluated the session (the flow's provisional result), is used instead of a second one."""
    if provisional is None:
        provisional = flow.step(session).kind != "result"
    profile, evaluated = flow.evaluated(session, as_of)
    found, points = _gaps_of(profile)
    return ResultInput(
        evaluation=evaluation or evaluated,
        lang=session.lang,
        gaps=found,
        askable=askable_fields(flow, session, provisional=provisional),
        today=today,
        stale_days=stale_days,
        provisional=provisional,
        points_unknown=points,
        goal=_goal(session),
    )

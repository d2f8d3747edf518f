"""Random walks mixing answers, invalid input, back, change and restart (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogs import QuestionFlow, Session

TYPED = [
    "yes", "no", "not sure", "35", "14", "101", "-1", "3.5", "1.2m", "800k", "120萬", "HK$ 2.5M",
    "2021-06-30", "June 2020", "2099-01-01", "1900-01-01", "Vietnam", "中國", "austr", "Atlantis",
    "HKU", "univ of toronto", "Lingnan University", "bachelor", "碩士學位", "", "   ", "🙂",
    "a" * 300, "0", "5 years", "18 months", "不確定",
]  # fmt: skip

action = st.one_of(
    st.tuples(st.just("press"), st.integers(0, 20)),
    st.tuples(st.just("type"), st.sampled_from(TYPED)),
    st.tuples(st.just("type"), st.text(max_size=20)),
    st.tuples(st.just("back"), st.just(0)),
    st.tuples(st.just("change"), st.integers(0, 40)),
    st.tuples(st.just("restart"), st.just(0)),
    st.tuples(st.just("key"), st.sampled_from(["99", "b9", "c:ZZ", "c:VN", "result", "x", ""])),
)


def check_invariants(flow: QuestionFlow, session: Session) -> None:
    step = flow.step(session)  # always a next prompt
    assert step.kind in ("question", "summary", "result")
    if step.kind == "question":
        assert step.prompt and step.buttons is not None
    stored = session.to_json()
    assert len(stored.encode()) <= 2048
    assert Session.from_json(stored) == session
    flow.profile(session)  # the answers always make a valid profile
    state, path, _answers = flow.router.replay(session)
    current = flow.state_of(session)
    assert current in path or current == state or current in ("summary", "result")


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=st.lists(action, max_size=60), lang=st.sampled_from(["en", "zh-hant", "zh-hans"]))
def test_random_walks(flow: QuestionFlow, actions: list[tuple[str, object]], lang: str) -> None:
    session = flow.new_session(lang)
    for kind, arg in actions:
        before = session
        step = flow.step(session)
        if kind == "press" and step.buttons:
            key = step.buttons[int(arg) % len(step.buttons)].key  # type: ignore[call-overload]
            reply = flow.answer(session, key=key)
            session = reply.session
        elif kind in ("type", "key"):
            reply = (
                flow.answer(session, text=str(arg))
                if kind == "type"
                else flow.answer(session, key=str(arg))
            )
            if not reply.accepted:
                assert reply.session is before  # nothing lost
                assert reply.message or reply.buttons
            session = reply.session
        elif kind == "back":
            session = flow.back(session)
            assert session.answers == before.answers
        elif kind == "change":
            rows = flow.summary(session)
            if rows:
                target = rows[int(arg) % len(rows)].question_id  # type: ignore[call-overload]
                session = flow.change(session, target)
                assert session.answers == before.answers
        elif kind == "restart":
            session = flow.restart(session)
            assert session.answers == {}
        if kind in ("press", "type", "key") and session is not before and step.kind == "question":
            # an accepted answer keeps every earlier answer on the path
            qid = step.state
            for k, v in before.answers.items():
                if flow.index[k] < flow.index[qid] and k in flow.router.replay(before)[1]:
                    assert session.answers.get(k) == v
        check_invariants(flow, session)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000))
def test_any_valid_walk_ends_in_a_result(seed: int) -> None:
    import random

    from .helpers import walk_to_result

    flow = QuestionFlow.default(skip_by_rules=False)
    session, states = walk_to_result(flow, random.Random(seed))
    assert states[-1] == "result"
    flow.result(session)

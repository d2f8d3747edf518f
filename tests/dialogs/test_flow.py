"""The flow: every edge, every question's boundaries, navigation, sessions."""

from __future__ import annotations

import itertools
import json
import random
from datetime import date, timedelta

import pytest

from dialogs import QuestionFlow, Session
from dialogs.flow import RESULT, SUMMARY
from rules.profile import today_in_hong_kong

from .helpers import choose, press, typed, walk_to_result


def answer_path(flow: QuestionFlow, inputs: list[str], lang: str = "en") -> Session:
    """Inputs: "k:KEY" presses a button, anything else is typed."""
    session = flow.new_session(lang)
    for item in inputs:
        if item.startswith("k:"):
            session = press(flow, session, item[2:])
        else:
            reply = typed(flow, session, item)
            assert reply.accepted, (flow.step(session).state, item, reply.message)
            session = reply.session
    return session


G = "k:5"  # the opening question: "not sure yet"
# A Vietnamese bachelor's graduate, straight through: every answer a button except age and the
# bachelor's date. The checklist ticks English only ("m2": line 1); income HK$1M to 2.5M ("b1"),
# one other language ("b1").
VN_BACHELOR = [G, "k:c:VN", "29", "k:m2", "k:2", "k:b2", "2021-06-30", "k:0", "k:b0", "k:b1",
               "k:b0", "k:b0", "k:b1", "k:0", "k:1", "k:0"]  # fmt: skip
# The same person with net assets of HK$30M or more, up to the investment question.
INVEST = [G, "k:c:VN", "29", "k:m2", "k:2", "k:b2", "2021-06-30", "k:0", "k:b1"]


@pytest.fixture
def done(flow: QuestionFlow) -> Session:
    return answer_path(flow, VN_BACHELOR)


def test_straight_walk_reaches_summary_then_result(flow: QuestionFlow, done: Session) -> None:
    assert flow.step(done).kind == "summary"
    after = press(flow, done, "result")
    assert flow.step(after).kind == "result"
    evaluation = flow.result(after)
    assert evaluation.results


def test_every_answer_edge_is_walked_and_every_walk_ends_in_a_result(flow: QuestionFlow) -> None:
    edges = {
        (t.source, t.dest)
        for source, ts in flow.machine.events["answer"].transitions.items()
        for t in ts
    }
    seen: set[tuple[str, str]] = set()
    rng = random.Random(7)
    for _ in range(1500):
        _session, states = walk_to_result(flow, rng)
        seen.update(itertools.pairwise(states))
        if edges <= seen:
            break
    assert edges - seen == set()


def test_no_question_is_unreachable(flow: QuestionFlow) -> None:
    reachable = {t.dest for ts in flow.machine.events["answer"].transitions.values() for t in ts}
    reachable.add(flow.machine.initial)
    assert set(flow.states) <= reachable


def test_graduation_date_only_for_hong_kong_or_gba_study(flow: QuestionFlow) -> None:
    rng = random.Random(3)
    for _ in range(300):
        session, states = walk_to_result(flow, rng)
        answers = session.answers
        ticked = set((answers.get("facts") or "").split(","))
        if "graduated" in states:
            assert {"hk_degree", "gba"} & ticked
        if "cn_facts" in states or "months_abroad" in states:
            assert answers["nationality"] == "CN"


def test_non_chinese_never_asked_mainland_questions(flow: QuestionFlow, done: Session) -> None:
    assert not {"cn_facts", "months_abroad"} & set(done.answers)
    assert flow.profile(done).mainland_resident is None  # not asked: the rules need it for CN


def test_band_maps_to_lower_edge_and_summary_shows_label(flow: QuestionFlow, done: Session) -> None:
    assert done.answers["work_years"] == "2to3"
    profile = flow.profile(done)
    assert profile.work_experience_years == 2
    rows = {r.question_id: r.answer for r in flow.summary(done)}
    assert rows["work_years"] == "2 to 3 years"


def test_number_questions_set_the_contract_fields(flow: QuestionFlow, done: Session) -> None:
    # Every field the rules read is set by a question (shared/contracts.md): the income and
    # other languages are asked as numbers, their bands giving the lower edge.
    profile = flow.profile(done)
    assert profile.annual_income_hkd == 1_000_000 and profile.other_languages == 1
    assert profile.net_assets_hkd == 0 and profile.business_profit_hkd == 0
    # Less than 3 years of work: the years that are part of it are inferred, not asked.
    s = answer_path(flow, [G, "k:c:VN", "29", "k:m2", "k:2", "k:b1"])
    short = flow.profile(s)
    assert short.recent_work_years == 1 and short.renowned_company_years == 1
    s = answer_path(flow, [G, "k:c:VN", "29", "k:m2", "k:2", "k:b4"])
    assert flow.profile(s).recent_work_years is None
    assert flow.step(answer_path(flow, VN_BACHELOR[:9])).state == "income"


def test_lowest_band_is_zero(flow: QuestionFlow) -> None:
    s = answer_path(flow, INVEST)
    assert flow.step(s).state == "invest"
    s = press(flow, s, "b0")
    assert flow.profile(s).investment_hkd == 0


def test_typed_amount_is_exact(flow: QuestionFlow) -> None:
    s = answer_path(flow, [*INVEST, "HK$ 31.5M"])
    assert flow.profile(s).investment_hkd == 31_500_000
    assert {r.question_id: r.answer for r in flow.summary(s)}["invest"] == "HK$31,500,000"


def test_band_label_typed(flow: QuestionFlow) -> None:
    s = answer_path(flow, [*INVEST, "HK$30M or more"])
    assert s.answers["invest"] == "ge30m"
    s = answer_path(flow, [*INVEST, "低於3000萬港元"])
    assert s.answers["invest"] == "lt30m"


def test_dont_know_is_null(flow: QuestionFlow) -> None:
    s = answer_path(flow, [*INVEST, "not sure"])
    assert s.answers["invest"] is None
    assert flow.profile(s).investment_hkd is None
    assert {r.question_id: r.answer for r in flow.summary(s)}["invest"] == "Not sure"


# --- boundaries, by question -------------------------------------------------------------


def at(flow: QuestionFlow, qid: str) -> Session:
    """A session at question `qid` (reached along a suitable path)."""
    paths = {
        "cn_facts": [G, "k:c:CN"],
        "months_abroad": [G, "k:c:CN", "k:m0"],
        "age": [G, "k:c:VN"],
        "graduated": [G, "k:c:VN", "29", "k:m80", "k:2", "k:b0", "k:2"],  # UGC: not sure
        "bachelor_date": [G, "k:c:VN", "29", "k:m0", "k:2", "k:b0"],
        "offer_fit": [G, "k:c:VN", "29", "k:m1", "k:0", "k:b0"],
        "salary": [G, "k:c:VN", "29", "k:m1", "k:0", "k:b0", "k:0"],
        "work_years": [G, "k:c:VN", "29", "k:m0", "k:0"],
        "invest": INVEST,
    }
    s = answer_path(flow, paths[qid])
    assert flow.step(s).state == qid
    return s


@pytest.mark.parametrize(
    ("qid", "good", "bad"),
    [
        ("age", ["14", "100", "35歲"], ["13", "101", "35.5", "old", "-3"]),
        ("months_abroad", ["0", "1200", "11", "12", "2 years"], ["1201", "3.5", "abc"]),
        ("salary", ["0", "1999999", "2,000,000", "2m", "200萬"], ["2e20", "lots", "-1"]),
        ("work_years", ["0", "60", "2.5", "30 months"], ["60.5", "61", "x"]),
        ("invest", ["0", "30,000,000", "3000萬", "1.2m"], ["2e20", "lots", "-1"]),
    ],
)
def test_number_boundaries(flow: QuestionFlow, qid: str, good: list[str], bad: list[str]) -> None:
    s = at(flow, qid)
    for text in good:
        reply = typed(flow, s, text)
        assert reply.accepted, (text, reply.message)
        assert flow.step(reply.session).state != qid
    for text in bad:
        reply = typed(flow, s, text)
        assert not reply.accepted, text
        assert reply.session is s  # unchanged, earlier answers kept
        assert reply.message


def test_range_error_names_the_range(flow: QuestionFlow) -> None:
    reply = typed(flow, at(flow, "age"), "101")
    assert reply.message == (
        "101 cannot be your age here: an age must be between 14 and 100. How old are you, in years?"
    )


@pytest.mark.parametrize("qid", ["graduated", "bachelor_date"])
def test_date_boundaries(flow: QuestionFlow, qid: str) -> None:
    s = at(flow, qid)
    today = today_in_hong_kong()
    for good in [today.isoformat(), "1940-01-01", "2020-02-29", "June 2020"]:
        reply = typed(flow, s, good)
        assert reply.accepted, (good, reply.message)
    for bad, message in [
        ((today + timedelta(days=1)).isoformat(), "has not happened yet"),
        ("1939-12-31", "too long ago"),
        ("2021-02-29", "February 2021 has 28 days"),
        ("2020", "Which month of 2020?"),
    ]:
        reply = typed(flow, s, bad)
        assert not reply.accepted and message in reply.message, (bad, reply.message)


def test_month_only_date_is_confirmed(flow: QuestionFlow) -> None:
    reply = typed(flow, at(flow, "bachelor_date"), "June 2020")
    assert reply.session.answers["bachelor_date"] == "2020-06-30"
    assert reply.message == "Taken as 2020-06-30."


def test_bool_typed_answers(flow: QuestionFlow) -> None:
    s = at(flow, "offer_fit")
    assert typed(flow, s, "yes").session.answers["offer_fit"] is True
    assert typed(flow, s, "否").session.answers["offer_fit"] is False
    assert typed(flow, s, "不確定").session.answers["offer_fit"] is None
    reply = typed(flow, s, "perhaps")
    assert not reply.accepted and reply.message == "Please answer yes, no or not sure."


def test_choice_typed_answers(flow: QuestionFlow) -> None:
    s = answer_path(flow, [G, "k:c:VN", "30", "k:m0"])
    assert typed(flow, s, "Master's degree").session.answers["education"] == "master"
    assert typed(flow, s, "碩士學位").session.answers["education"] == "master"
    assert typed(flow, s, "doctorate").session.answers["education"] == "doctorate"
    assert not typed(flow, s, "kindergarten").accepted


def test_unknown_button_is_refused(flow: QuestionFlow) -> None:
    s = answer_path(flow, [G, "k:c:VN", "30", "k:m0"])
    for key in ["99", "b9", "x", "c:VN", ""]:
        reply = flow.answer(s, key=key)
        assert not reply.accepted and reply.session is s


def test_type_button_asks_for_an_amount(flow: QuestionFlow) -> None:
    s = at(flow, "salary")
    reply = flow.answer(s, key="type")
    assert not reply.accepted and "1.2m" in reply.message


# --- country picker and university look-up in the flow -----------------------------------


def test_country_typed_one_match_is_taken_with_confirmation(flow: QuestionFlow) -> None:
    reply = typed(flow, answer_path(flow, [G], "zh-hant"), "Vietnma")
    assert reply.accepted and reply.session.answers["nationality"] == "VN"
    assert reply.message == "國籍：越南。"


def test_country_several_matches_are_offered(flow: QuestionFlow) -> None:
    s = answer_path(flow, [G])
    reply = typed(flow, s, "austr")
    assert not reply.accepted and reply.session is s
    keys = [b.key for b in reply.buttons]
    assert "c:AU" in keys and "c:AT" in keys
    assert press(flow, s, "c:AU").answers["nationality"] == "AU"


def test_country_no_match(flow: QuestionFlow) -> None:
    reply = typed(flow, answer_path(flow, [G]), "Atlantis")
    assert not reply.accepted and "Atlantis" in reply.message


def test_country_buttons_are_common_ones(flow: QuestionFlow) -> None:
    step = flow.step(answer_path(flow, [G]))
    keys = [b.key for b in step.buttons]
    assert keys[0] == "c:CN" and "c:VN" in keys and keys[-1] == "other"
    assert "c:HK" not in keys


def test_university_lookup_asks_to_confirm(flow: QuestionFlow) -> None:
    s = answer_path(flow, [G, "k:c:VN", "29", "k:m0", "k:2", "k:b0", "2021-06-30"])
    assert flow.step(s).state == "bachelor_uni"
    reply = typed(flow, s, "HKU")
    assert not reply.accepted and reply.session is s
    assert "The University of Hong Kong" in reply.message
    assert "continuing-education" in reply.message and "2026-01-01" in reply.message
    assert [b.key for b in reply.buttons] == ["0", "1", "2"]
    reply = typed(flow, s, "Lingnan University")
    assert not reply.accepted and "could not find" in reply.message
    s2 = press(flow, s, "0")
    assert flow.profile(s2).bachelor_from_eligible_university is True


def test_university_lookup_in_chinese(flow: QuestionFlow) -> None:
    s = answer_path(
        flow, [G, "k:c:CN", "k:m1", "29", "k:m0", "k:2", "k:b0", "2021-06-30"], "zh-hans"
    )
    reply = typed(flow, s, "清华大学")
    # a Simplified screen names the university in Simplified too (the list holds 清華大學)
    assert "清华大学" in reply.message and "清華" not in reply.message
    assert "只有由该大学本身颁授" in reply.message


# --- navigation ---------------------------------------------------------------------------


def test_back_keeps_answer_and_preselects_it(flow: QuestionFlow) -> None:
    s = answer_path(flow, [G, "k:c:VN", "29", "k:m2", "k:3"])
    b = flow.back(s)
    step = flow.step(b)
    assert step.state == "education" and step.selected == "3"
    assert b.answers == s.answers and b.revision == s.revision + 1
    facts = flow.back(b)
    assert flow.step(facts).state == "facts" and flow.step(facts).selected == "m2"
    b2 = flow.back(facts)
    assert flow.step(b2).state == "age" and flow.step(b2).current == "29"
    b3 = flow.back(flow.back(b2))
    assert flow.step(b3).state == "goal"
    assert flow.back(b3) == b3  # nowhere further back


def test_back_then_same_answer_returns_to_where_you_were(flow: QuestionFlow) -> None:
    s = answer_path(flow, [G, "k:c:VN", "29", "k:m0", "k:3", "k:b0"])
    here = flow.step(s).state
    b = flow.back(flow.back(s))
    again = press(flow, b, "3")
    assert flow.step(again).state == here


def test_back_from_result_and_summary(flow: QuestionFlow, done: Session) -> None:
    result = press(flow, done, "result")
    summary = flow.back(result)
    assert flow.step(summary).kind == "summary"
    last = flow.back(summary)
    assert flow.step(last).state == "self_support"
    assert (
        press(flow, result, "summary") == summary
        or flow.step(press(flow, result, "summary")).kind == "summary"
    )


def test_change_keeps_relevant_answers_and_drops_the_rest(
    flow: QuestionFlow, done: Session
) -> None:
    # Bachelor's → secondary: the degree questions stop being relevant and are dropped.
    s = flow.change(done, "education")
    assert flow.step(s).state == "education"
    s = press(flow, s, "0")
    assert flow.step(s).kind == "summary"  # every later answer that still applies is kept
    assert not {"bachelor_uni", "bachelor_date", "stem"} & set(s.answers)
    assert s.answers["income"] == "1m" and s.answers["facts"] == done.answers["facts"]
    profile = flow.profile(s)
    assert profile.education == "secondary" and profile.hk_degree is False


def test_change_to_a_new_branch_asks_only_the_new_questions(
    flow: QuestionFlow, done: Session
) -> None:
    s = press(flow, flow.change(done, "facts"), "m3")  # now has a job offer (and English)
    assert flow.step(s).state == "offer_fit"
    s = press(flow, s, "0")
    assert flow.step(s).state == "salary"
    s = press(flow, press(flow, s, "b1"), "2")
    assert flow.step(s).kind == "summary"


def test_change_refuses_questions_off_the_path(flow: QuestionFlow, done: Session) -> None:
    with pytest.raises(ValueError):
        flow.change(done, "cn_facts")


def test_change_from_result(flow: QuestionFlow, done: Session) -> None:
    result = press(flow, done, "result")
    s = flow.change(result, "age")
    assert flow.step(s).state == "age"
    s = typed(flow, s, "45").session
    assert flow.step(s).kind == "summary"
    assert flow.profile(s).age == 45


def test_restart(flow: QuestionFlow, done: Session) -> None:
    s = flow.restart(done)
    assert s.answers == {} and s.history == [] and s.lang == done.lang
    assert s.revision > done.revision
    assert flow.step(s).state == "goal"


def test_language_switch_keeps_answers(flow: QuestionFlow, done: Session) -> None:
    s = flow.set_language(done, "zh-TW")
    assert s.lang == "zh-hant" and s.answers == done.answers
    assert flow.step(flow.change(s, "age")).prompt == "你今年幾歲？"


def test_step_view(flow: QuestionFlow) -> None:
    s = answer_path(flow, [G, "k:c:VN", "29", "k:m0"], lang="zh-hans")
    step = flow.step(s)
    assert step.kind == "question" and step.state == "education"
    assert step.prompt == flow.by_id["education"].prompt["zh-hans"]
    assert step.progress is not None and step.progress[0] == 5
    assert step.progress_text == f"第 5 题，约共 {step.progress[1]} 题"
    assert [b.label for b in step.buttons][2] == "学士学位"
    assert step.revision == s.revision and step.can_go_back


def test_progress_total_shrinks_when_branches_close(flow: QuestionFlow) -> None:
    s = answer_path(flow, [G, "k:c:VN", "29", "k:m0"])
    before = flow.step(s).progress
    after = flow.step(press(flow, s, "0")).progress  # secondary school: no degree questions
    degree = flow.step(press(flow, s, "2")).progress  # a bachelor's: the degree questions
    assert after[0] == before[0] + 1 == degree[0]
    assert after[1] < degree[1]


def test_callback_data_fits_telegram(flow: QuestionFlow) -> None:
    rng = random.Random(1)
    for _ in range(50):
        _session, _states = walk_to_result(flow, rng)
    for q in flow.questions:
        for lang in ("en", "zh-hant"):
            for b in flow.kinds[q.id].buttons(lang):
                data = f"a:{q.id}:{999999}:{b.key}"
                assert len(data.encode()) <= 64


# --- sessions -----------------------------------------------------------------------------


def test_session_json_round_trip_and_size(flow: QuestionFlow) -> None:
    rng = random.Random(5)
    sizes = []
    for _ in range(200):
        session, _states = walk_to_result(flow, rng, lang=rng.choice(["en", "zh-hant"]))
        stored = session.to_json()
        sizes.append(len(stored.encode()))
        again = Session.from_json(stored)
        assert again == session
        assert flow.step(again) == flow.step(session)
        json.loads(stored)
    assert max(sizes) <= 2048


def test_even_a_session_answering_every_question_fits_in_2_kb(flow: QuestionFlow) -> None:
    answers = {}
    for q in flow.questions:  # the longest stored form each question can take
        if q.kind == "multi":
            answers[q.id] = ",".join(line.id for line in q.checklist)
        elif q.kind == "date":
            answers[q.id] = "2020-12-31"
        elif q.bands:
            answers[q.id] = max((b.id for b in q.bands), key=len)
        elif q.kind == "number":
            answers[q.id] = 1234567.5
        else:
            answers[q.id] = max((o.value for o in q.export_options()), key=lambda v: len(str(v)))
    worst = Session(
        lang="zh-hant",
        revision=10**9,
        answers=answers,
        history=[*answers, "summary"],
        state="result",
        flow_version=flow.version,
    )
    assert len(worst.to_json().encode()) <= 2048


def test_state_is_derived_from_answers_when_the_cache_is_stale(flow: QuestionFlow) -> None:
    s = answer_path(flow, VN_BACHELOR[:9])
    expected = flow.step(s).state
    stripped = Session(lang=s.lang, answers=s.answers)  # no cached state or history
    assert flow.state_of(stripped) == expected
    old = s.model_copy(update={"flow_version": "old", "state": "nationality"})
    assert flow.step(old).state == expected


def test_irrelevant_stored_answers_are_ignored(flow: QuestionFlow) -> None:
    # An answer to a question that is not relevant (Mainland residence for a Vietnamese) is
    # ignored by the replay and never reaches the profile.
    s = Session(answers={"goal": None, "nationality": "VN", "cn_facts": "mainland", "age": 30})
    assert flow.state_of(s) == "facts"
    assert flow.profile(s).mainland_resident is None


def test_answers_that_no_longer_fit_are_dropped_and_asked_again(flow: QuestionFlow) -> None:
    stored = Session(
        answers={"goal": "x", "nationality": "VN", "age": 30, "facts": "nope", "invest": "gone"},
        flow_version="old",
    )
    s = flow.resolve(stored)
    assert s.answers == {"nationality": "VN", "age": 30}
    assert flow.step(s).state == "goal"
    assert flow.is_valid_answer("facts", "") and flow.is_valid_answer("facts", "offer,english")
    assert not flow.is_valid_answer("age", 200) and not flow.is_valid_answer("age", True)
    assert flow.is_valid_answer("invest", "ge30m") and flow.is_valid_answer("invest", None)
    assert not flow.is_valid_answer("graduated", "2999-01-01")
    assert not flow.is_valid_answer("nope", 1)


def test_stored_answers_must_be_plain_values() -> None:
    with pytest.raises(ValueError):
        Session.from_json('{"answers": {"age": [30]}}')
    assert Session.from_json('{"answers": {"age": 30, "x": null}}').answers == {
        "age": 30,
        "x": None,
    }


def test_new_session_defaults() -> None:
    s = Session.new("zh-CN")
    assert s.lang == "zh-hans" and s.revision == 0 and s.answers == {}


def test_result_uses_as_of(flow: QuestionFlow, done: Session) -> None:
    evaluation = flow.result(press(flow, done, "result"), as_of=date(2026, 11, 25))
    assert evaluation.as_of == date(2026, 11, 25)


def test_summary_and_result_keys(flow: QuestionFlow, done: Session) -> None:
    assert flow.step(done).buttons[0].key == "result"
    assert not flow.answer(done, text="hello").accepted
    result = press(flow, done, "result")
    assert [b.key for b in flow.step(result).buttons] == ["summary", "restart"]
    assert flow.step(press(flow, result, "restart")).state == "goal"
    assert {SUMMARY, RESULT} <= set(flow.states)


def test_progress_estimate_reads_numbers_and_checklists_only_as_conditions_do(
    flow: QuestionFlow,
) -> None:
    """The estimate is cached by answers read coarsely (a number by the interval between the
    thresholds conditions compare it with, a checklist by the lines they read); it must equal
    the estimate from the exact answers."""
    rng = random.Random(9)
    for _ in range(60):
        session, _states = walk_to_result(flow, rng)
        for qid in list(session.answers)[:12]:
            s = flow.change(session, qid)
            index, total = flow.progress(s)
            pos = flow.index[qid]
            answers = s.answers
            later = frozenset(k for k in answers if flow.index.get(k, -1) > pos)
            exact = tuple(answers.get(r) for r in flow.estimate.reads_before[pos])
            first = 1 + len(answers) - len(later) - (qid in answers)
            assert index == first
            assert total == first + flow.estimate.count_remaining(pos, exact, later, None)


def test_the_uncached_estimate_counts_as_the_cached_one(flow: QuestionFlow) -> None:
    """Without the rules skip the estimate tests the conditions on the exact answers; with it,
    on answers read coarsely through a cache. Both count alike, at every question a session can
    stand at: walked to, changed back to, or jumped to from "see my result now"."""
    est = flow.estimate
    rng = random.Random(13)
    checked = 0
    jumped = 0
    for _ in range(60):
        session, _states = walk_to_result(flow, rng)
        stands = [flow.change(session, qid) for qid in list(session.answers)[:12]]
        partway = flow.new_session()
        for _ in range(rng.randint(3, 8)):
            key, text = choose(flow, partway, rng)
            partway = flow.answer(partway, key=key, text=text).session
            stands.append(partway)
        for settle in flow.provisional(partway).settle:
            stands.append(flow.jump(partway, settle.question_id))
            jumped += 1
        for s in stands:
            state = flow.state_of(s)
            pos = flow.index.get(state, len(flow.questions))
            later = frozenset(k for k in s.answers if flow.index.get(k, -1) > pos)
            coarse = est.coarse_reads(flow.router, s.answers, pos)
            assert est.remaining(s.answers, pos, later) == est.count_remaining(
                pos, coarse, later, None
            ), (state, s.answers)
            checked += 1
    assert checked > 700 and jumped > 20


@pytest.mark.parametrize(
    ("qid", "text", "shown"),
    [("work_years", "1", "1 year"), ("work_years", "2.5", "2.5 years"),
     ("months_abroad", "1", "1 month"), ("months_abroad", "11", "11 months")],
)  # fmt: skip
def test_a_summary_counts_years_and_months_in_the_singular(
    flow: QuestionFlow, qid: str, text: str, shown: str
) -> None:
    reply = typed(flow, at(flow, qid), text)
    assert {r.question_id: r.answer for r in flow.summary(reply.session)}[qid] == shown


def test_the_answer_table_goes_where_firing_the_machine_goes(flow: QuestionFlow) -> None:
    from dialogs.machine import Cursor

    machine = flow.machine
    table = flow.router.answer_table
    assert set(table.rows) == set(machine.events["answer"].transitions)

    def fired(state: str, values: dict) -> str | None:
        cursor = Cursor(machine, values)
        machine.add_model(cursor, initial=state)
        try:
            return cursor.state if cursor.answer() else None
        finally:
            machine.remove_model(cursor)

    rng = random.Random(11)
    for _ in range(200):
        session, _states = walk_to_result(flow, rng)
        values = flow.router.values(session.answers)
        for state in table.rows:
            assert table.next(state, values) == fired(state, values), state
    assert machine.models == []


def test_the_answer_table_fires_the_machine_when_it_has_callbacks(flow: QuestionFlow) -> None:
    import copy

    from dialogs.machine import AnswerTable

    machine = copy.deepcopy(flow.machine)
    entered: list[str] = []
    machine.before_state_change = [lambda event: entered.append(event.transition.dest)]
    table = AnswerTable(machine)
    assert table.rows == {}
    first = flow.questions[0].id
    assert table.next(first, {}) == flow.router.answer_table.next(first, {})
    assert entered and machine.models == []


def test_stored_sessions_read_and_write_as_pydantic_does(flow: QuestionFlow) -> None:
    """`to_json`/`from_json` call pydantic's serializer and validator directly: the stored
    form and what it loads as are those of `model_dump_json`/`model_validate_json`."""
    from pydantic import ValidationError

    rng = random.Random(17)
    for _ in range(30):
        session, _states = walk_to_result(flow, rng)
        stored = session.to_json()
        assert stored == session.model_dump_json(exclude_defaults=True)
        assert Session.from_json(stored) == Session.model_validate_json(stored) == session
        assert Session.from_json(stored.encode()) == session
    for bad in ('{"answers": {"age": [1]}}', '{"lang": "fr"}', '{"extra": 1}', "{"):
        with pytest.raises(ValidationError):
            Session.from_json(bad)


def test_a_stored_form_read_back_is_the_session_that_wrote_it(flow: QuestionFlow) -> None:
    """The text an update stored is read back on the person's next update as the same
    (immutable) session object, whose flow memos still hold; a text not seen lately is
    parsed and validated as always, and bad texts are still refused."""
    from pydantic import ValidationError

    from dialogs import session as session_module

    rng = random.Random(5)
    session, _states = walk_to_result(flow, rng)
    stored = session.to_json()
    assert Session.from_json(stored) is session
    forgotten = "".join(stored)  # an equal text, then everything recent forgotten
    session_module._RECENT.clear()
    parsed = Session.from_json(forgotten)
    assert parsed is not session and parsed == session
    assert Session.from_json(forgotten) is parsed  # now it is a recent one
    for i in range(session_module._RECENT_MAX + 10):  # bounded: the oldest go first
        Session.new("en").model_copy(update={"revision": i + 1}).to_json()
    assert len(session_module._RECENT) == session_module._RECENT_MAX
    assert Session.from_json(forgotten) is not parsed
    with pytest.raises(ValidationError):
        Session.from_json('{"answers": {"age": [1]}}')
    with pytest.raises(ValidationError):
        Session.from_json('{"answers": {"age": [1]}}')  # a refused text is never remembered


def test_views_remembered_for_a_session_are_made_again_on_a_new_day(flow: QuestionFlow) -> None:
    """The step, replay and result remembered for a session object hold for one day only: the
    rules skip reads the date, and a session read back from the store can be the same object
    the next morning."""
    dated = flow.evaluating_on(date(2026, 12, 2))
    session, _states = walk_to_result(dated, random.Random(9))
    step, replayed = dated.step(session), dated.router.replay(session)
    result = dated.result(session)
    assert dated.step(session) is step and dated.router.replay(session) is replayed
    assert dated.result(session) is result
    dated.router.as_of = date(2026, 12, 3)  # the next day
    assert dated.step(session) is not step and dated.step(session) == step
    assert dated.router.replay(session) is not replayed
    assert dated.result(session) is not result

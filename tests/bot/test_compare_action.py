"""The result's Compare button (bot/views/result.py `compare_action`) and the terminal chat's
comparison through the one view (bot/views/compare.py)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.render import to_html
from bot.terminal_chat import view_lines
from bot.views import visible_text
from bot.views.compare import comparison_view, html_lines
from bot.views.result import ResultInput, compare_action, result_view
from rules import evaluate_profile
from rules.compare import compare_schemes
from rules.profile import Profile

AS_OF = date(2026, 11, 25)


def _results(*keys: tuple[str, str | None]):
    evaluation = evaluate_profile(Profile(as_of=AS_OF), "en")
    by_key = {(r.scheme, r.category): r for r in evaluation.results}
    return [by_key[k] for k in keys]


def test_categories_count_once_and_one_scheme_has_no_button():
    assert compare_action(_results(("TTPS", "A"), ("TTPS", "B")), "en") is None
    action = compare_action(_results(("TTPS", "A"), ("TTPS", "C"), ("QMAS", None)), "en")
    assert action is not None and action.kind == "compare" and action.arg == "TTPS QMAS"
    assert action.label == "⚖️ Compare TTPS · QMAS"


def test_at_most_three_and_long_names_give_a_short_label():
    keys = [("GEP_TPS", None), ("TTPS", "A"), ("ASMTP_TPS", None), ("QMAS", None)]
    action = compare_action(_results(*keys), "en")
    assert action is not None and action.arg == "GEP_TPS TTPS ASMTP_TPS"
    assert action.label == "⚖️ Compare the first 3 above"
    zh = compare_action(_results(*keys), "zh-hans")
    assert zh is not None and zh.label == "⚖️ 比较以上前 3 个计划"


def test_a_result_with_two_matches_offers_the_comparison():
    profile = Profile(as_of=AS_OF, nationality="VN", age=35, annual_income_hkd=3_000_000)
    view = result_view(ResultInput(evaluate_profile(profile, "en"), "en"))
    compare = [a for a in view.actions() if a.kind == "compare"]
    assert len(compare) == 1
    assert set(compare[0].arg.split()) <= {r.scheme for r in view_results(profile)}


def view_results(profile: Profile):
    return evaluate_profile(profile, "en").with_status("match", "possible")


@pytest.mark.parametrize("lang", ["en", "zh-hant", "zh-hans"])
def test_one_comparison_view_for_telegram_and_the_terminal(lang):
    view = comparison_view(compare_schemes(("TTPS", "QMAS"), AS_OF, lang))  # type: ignore[arg-type]
    html = "\n\n".join(to_html(view))
    terminal = "\n".join(view_lines(view))
    assert "<b>" in html and 'href="https://' in html
    # the terminal shows the same words, with each link's address beside it
    urls = {span.url for block in view.blocks for ln in block for span in ln if span.url}
    assert len(urls) >= 3
    without_addresses = terminal
    for url in urls:
        assert f" ({url})" in terminal
        without_addresses = without_addresses.replace(f" ({url})", "")
    for line in visible_text(view).splitlines():
        assert line.strip() in without_addresses
    assert "(https://www.immd.gov.hk" in terminal


def test_catalogue_html_becomes_spans_and_back():
    lines = html_lines('<i>not listed</i> — check the <a href="https://x.hk/?a=1&amp;b=2">page</a>')
    assert [(s.text, s.style, s.url) for s in lines[0]] == [
        ("not listed", "i", None),
        (" — check the ", "", None),
        ("page", "", "https://x.hk/?a=1&b=2"),
    ]
    assert "".join(to_html(comparison_view(compare_schemes(("GEP", "WHS"), AS_OF, "en"))))


def test_the_terminal_chat_compares_from_its_result():
    from bot.terminal_chat import TerminalChat
    from dialogs import QuestionFlow

    flow = QuestionFlow.default()
    out: list[str] = []
    chat = TerminalChat(flow, "zh-hant", out.append)
    chat.show()
    facts = next(q for q in flow.export()["questions"] if q["id"] == "facts")
    unticked = {o["field"]: not o["value"] for o in facts["options"]}  # nothing ticked
    pasted = {"nationality": "VN", "age": 35, **unticked, "education": None,
              "work_experience_years": None, "net_assets_hkd": None,
              "annual_income_hkd": 3_000_000}  # fmt: skip
    chat.handle(json.dumps(pasted))
    assert chat.session.answers["income"] == 3_000_000
    for _ in range(40):  # "not sure" (or none ticked) for all the file does not answer
        if chat.actions:
            break
        step = chat.flow.step(chat.session)
        if step.kind == "summary":
            chat.handle("1")  # see the result
            continue
        multi = step.question is not None and step.question.kind == "multi"
        chat.handle("沒有" if multi else "不確定")
    labels = [a.label for a in chat.actions]
    pick = next(i for i, label in enumerate(labels, 1) if label.startswith("⚖️ 比較"))
    out.clear()
    chat.handle(str(pick))
    text = "\n".join(out)
    assert "比較：TTPS" in text and "適合對象" in text and "費用" in text
    assert [a.kind for a in chat.actions] == ["result"]
    chat.handle("1")
    assert "適合你的計劃" in "\n".join(out)

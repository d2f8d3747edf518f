"""`python -m bot preview`: the page opened in real headless Chromium, every screen checked as
laid out, in each language, against the export, the text catalogue and the real evaluator.

Chromium comes from the system's packages (`.ci/run` installs them). Without it the test skips,
unless CI=true or REQUIRE_CHROMIUM=1 (as `.ci/run` sets), where it fails.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import string
import subprocess
import sys
from pathlib import Path

import pytest

from bot.preview import RESULT_MIXES, placeholders_shown, result_mix_statuses
from bot.texts import messages, t, t_raw
from dialogs import QuestionFlow
from rules.i18n import LANGS

ROOT = Path(__file__).resolve().parents[2]

# Runs in the page once it is laid out: per screen and language, whether the cell has a size
# on the page and the text it shows (innerText: what is rendered, not what is hidden).
REPORT_SCRIPT = """
<script>
const report = {};
for (const article of document.querySelectorAll("article[data-screen]")) {
  const cells = {};
  for (const cell of article.querySelectorAll(".lang[data-lang]")) {
    const box = cell.getBoundingClientRect();
    cells[cell.dataset.lang] = {
      width: box.width, height: box.height, text: cell.innerText,
      lang: cell.getAttribute("lang"), messages: cell.querySelectorAll(".msg").length,
    };
  }
  report[article.dataset.screen] = {kind: article.dataset.kind, cells};
}
const out = document.createElement("pre");
out.id = "report";
out.textContent = JSON.stringify(report);
document.body.appendChild(out);
</script>
"""


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    reason = "Chromium is not installed (apt-get install chromium chromium-driver)"
    if os.environ.get("CI") == "true" or os.environ.get("REQUIRE_CHROMIUM") == "1":
        pytest.fail(f"CI=true or REQUIRE_CHROMIUM=1, but {reason}")
    pytest.skip(reason)


def _visible(telegram_html: str) -> str:
    """The text a browser shows for Telegram HTML, whitespace collapsed."""
    return _squash(html.unescape(re.sub(r"<[^>]+>", "", telegram_html)))


def _squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    chromium = _chromium()
    out = tmp_path_factory.mktemp("preview")
    made = subprocess.run(
        [sys.executable, "-m", "bot", "preview", "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=300, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    page = out / "preview.html"
    assert made.stdout.strip() == str(page)
    probe = out / "probe.html"
    probe.write_text(
        page.read_text(encoding="utf-8").replace("</body>", REPORT_SCRIPT + "</body>"),
        encoding="utf-8",
    )
    run = subprocess.run(
        [
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            f"--user-data-dir={out / 'profile'}", "--window-size=1400,1000",
            "--dump-dom", probe.as_uri(),
        ],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    found = re.search(r'<pre id="report">(.*?)</pre>', run.stdout, re.S)
    assert found, "the page's script did not run: " + run.stdout[-500:]
    return json.loads(html.unescape(found.group(1)))


def _cells(report: dict, screen: str) -> dict[str, dict]:
    assert screen in report, f"screen {screen} is missing"
    cells = report[screen]["cells"]
    assert set(cells) == set(LANGS), screen
    for lang, cell in cells.items():
        assert cell["width"] > 100 and cell["height"] > 10, (screen, lang, "not laid out")
        assert cell["lang"].lower().startswith(lang.split("-")[0]), (screen, lang)
        assert cell["messages"] >= 1, (screen, lang)
    return cells


def test_every_question_and_option_in_each_language(report: dict) -> None:
    export = QuestionFlow.default(skip_by_rules=False).export()
    for q in export["questions"]:
        cells = _cells(report, f"q-{q['id']}")
        for lang in LANGS:
            shown = _squash(cells[lang]["text"])
            assert _squash(q["prompt"][lang]) in shown, (q["id"], lang)
            for option in q["options"]:
                assert _squash(option["label"][lang]) in shown, (q["id"], lang, option)
            if q["kind"] == "multi":
                assert "☐" in shown and _squash(q["done"]["label"][lang]) in shown
        # each language shows its own words: the Chinese cells do not repeat the English prompt
        for lang in ("zh-hant", "zh-hans"):
            assert _squash(q["prompt"]["en"]) not in _squash(cells[lang]["text"]), q["id"]


def test_every_catalogue_text_in_each_language(report: dict) -> None:
    for key, texts in messages().items():
        cells = _cells(report, f"text-{key}")
        for lang in LANGS:
            names = {n for _, n, _, _ in string.Formatter().parse(texts[lang]) if n}
            expected = _visible(t_raw(key, lang, **{n: "{" + n + "}" for n in names}))
            assert expected in _squash(cells[lang]["text"]), (key, lang)


def test_every_questionnaire_text_in_each_language(report: dict) -> None:
    entries = QuestionFlow.default(skip_by_rules=False).texts.entries
    for key, texts in entries.items():
        cells = _cells(report, f"flowtext-{key}")
        for lang in LANGS:
            expected = _squash(placeholders_shown(texts[lang]))
            assert expected in _squash(cells[lang]["text"]), (key, lang)


# The contract's words for the result (contracts.md, "Conversation"), not the catalogue's keys,
# so the check holds however the result renderer words the rest.
FITS = {"en": "Schemes that fit you", "zh-hant": "適合你的計劃", "zh-hans": "适合你的计划"}
NONE_FITS = {"en": "No scheme fits", "zh-hant": "沒有計劃適合你", "zh-hans": "没有计划适合你"}
HEADING_WORDS = {
    "possible": {"en": "Possible", "zh-hant": "可能", "zh-hans": "可能"},
    "near_miss": {"en": "Near miss", "zh-hant": "差一點", "zh-hans": "差一点"},
}


def _has_heading(text: str, word: str) -> bool:
    """A heading line (at most 60 characters) with `word`, as the contract describes them."""
    return any(word in line and len(line.strip()) <= 60 for line in text.splitlines())


def test_one_result_for_each_mix_of_statuses(report: dict) -> None:
    produced = result_mix_statuses()
    wanted = {
        "matches-only": {"match"},
        "possible-only": {"possible"},
        "near-misses-only": {"near_miss"},
        "none": set(),
        "all-together": {"match", "possible", "near_miss"},
    }
    assert {mix[0] for mix in RESULT_MIXES} == set(wanted)
    for mix, statuses in wanted.items():
        assert produced[mix] == statuses, f"{mix}: the evaluator gave {sorted(produced[mix])}"
        cells = _cells(report, f"result-{mix}")
        for lang in LANGS:
            text = cells[lang]["text"]
            assert (FITS[lang] in text) == ("match" in statuses), (mix, lang)
            if not statuses & {"match", "possible"}:
                assert NONE_FITS[lang] in text, (mix, lang)
            for status, words in HEADING_WORDS.items():
                assert _has_heading(text, words[lang]) == (status in statuses), (mix, lang, status)


def test_screens_around_the_questions(report: dict) -> None:
    for screen, key in (("language", "language_prompt"), ("forget", "forget_confirm")):
        cells = _cells(report, screen)
        for lang in LANGS:
            assert _visible(t(key, lang)) in _squash(cells[lang]["text"])
    summary = _cells(report, "summary")
    for lang in LANGS:
        assert _visible(t("summary_header", lang)) in _squash(summary[lang]["text"])
    _cells(report, "answered")
    before_result = _cells(report, "summary-before-result")
    for lang, word in (("en", "result"), ("zh-hant", "結果"), ("zh-hans", "结果")):
        assert word in before_result[lang]["text"], lang  # the contract's submit button


def test_a_checklist_in_the_export_is_drawn_generically() -> None:
    """Other branches add `multi` questions: the preview draws any it meets from the export,
    in the contract's manner (☐ + the option's label, then the Done button)."""
    from bot.preview import question_screens

    flow = QuestionFlow.default(skip_by_rules=False)
    export = flow.export()
    checklist = {  # an id the flow does not have: the walk cannot reach it
        "id": "more_facts", "kind": "multi",
        "prompt": {"en": "Which of these apply to you?", "zh-hant": "以下哪些適用於你？",
                   "zh-hans": "以下哪些适用于你？"},
        "options": [
            {"field": "good_english", "value": True,
             "label": {"en": "I speak and write English well", "zh-hant": "我的英文良好",
                       "zh-hans": "我的英文良好"}},
            {"field": "owns_listed_company", "value": True,
             "label": {"en": "I own a listed company", "zh-hant": "我擁有上市公司",
                       "zh-hans": "我拥有上市公司"}},
        ],
        "done": {"label": {"en": "Done", "zh-hant": "完成", "zh-hans": "完成"}},
    }  # fmt: skip
    export["questions"].append(checklist)
    shown = {s.id: s for s in question_screens(flow, export)}
    facts = shown["q-more_facts"]
    assert "multi" in facts.title and "not reached" in facts.note
    for lang in LANGS:
        (screen,) = facts.messages[lang]
        assert checklist["prompt"][lang] in screen.text
        labels = [b.text for row in screen.keyboard.inline_keyboard for b in row]
        assert labels == [f"☐ {o['label'][lang]}" for o in checklist["options"]] + [
            checklist["done"]["label"][lang]
        ]
        assert any("good_english = true" in item for item in facts.lists[lang])
    # the real questions are still the chat's own screens, reached through the flow
    assert shown["q-nationality"].note == ""
    # the flow's own checklist is reached by the walk and drawn as the chat draws it
    real = shown["q-facts"]
    assert real.note == "" and "multi" in real.title
    for lang in LANGS:
        (screen,) = real.messages[lang]
        labels = [b.text for row in screen.keyboard.inline_keyboard for b in row]
        assert labels[0].startswith("☐ ") and "<i>" in screen.text  # progress, as in the chat
    # every question of the flow is reached: none is drawn from the export alone
    assert [s.id for s in shown.values() if s.note] == ["q-more_facts"]

"""The terminal chat, driven through standard input as a person (or a script) would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A Vietnamese HKU graduate with 3 to 5 years of recent work, so that TTPS B fits and the result
# shows a match's lines (its official page) as well as near misses.
ANSWERS_EN = [
    "6", "Vietnam", "29", "2", "3", "d", "2021-06-30", "HKU", "1", "1", "d", "2", "1", "a", "a",
    "a", "a", "1", "2", "1", "summary", "change 3", "31", "result",
]  # fmt: skip


def run_chat(lines: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.terminal_chat", *args],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_chat_to_a_result_through_stdin() -> None:
    done = run_chat(ANSWERS_EN, "--all-questions")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Which country's passport do you hold?" in out
    assert "Nationality: Vietnam." in out
    assert "☐ I speak and write English well" in out and "Facts about you: I speak" in out
    assert "is on the list of eligible universities" in out
    assert "== Your answers ==" in out and "Age: 31" in out
    assert "not legal advice" in out and "https://www.immd.gov.hk" in out
    assert "Official page (https://" in out and "rules checked on 20" in out
    openings = ("✅ Schemes that fit you", "No scheme fits your answers")
    starts = [out.rfind(o) for o in openings]
    result = out[max(starts) :]
    assert "TTPS B — Top Talent Pass Scheme" in result.split("🔜 Near misses")[0]
    if "🔎 Possible" in result and "✅ Schemes that fit you" in result:
        assert result.index("✅ Schemes that fit you") < result.index("🔎 Possible")
    if "🔜 Near misses" in result and "🔎 Possible" in result:
        assert result.index("🔎 Possible") < result.index("🔜 Near misses")


def test_chat_in_traditional_chinese_with_back_restart_and_quit() -> None:
    lines = ["1", "back", "重新開始", "不", "返回", "restart", "是", "6", "越南", "垃圾", "quit"]
    done = run_chat(lines, "--lang", "zh-hant")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "你持有哪個國家或地區的護照？" in out
    assert "國籍：越南。" in out
    assert "你今年幾歲？" in out
    assert "請輸入數字" in out  # the re-ask in the person's language
    assert "你的答案已保留。" in out  # "不": the restart was not confirmed
    assert "這已是第一題" in out  # 返回 on the first question
    assert "重新開始，之前的答案已清除。" in out
    assert "再見。" in out


def test_chat_with_the_rules_skip_reaches_a_result() -> None:
    done = run_chat(["not sure", "India", "30", *["not sure", "none"] * 30, "result"])
    assert done.returncode == 0, done.stderr
    assert "Catalogue " in done.stdout and "not legal advice" in done.stdout
    assert "🔎 Possible" in done.stdout  # unknowns make schemes possible, never matches


def test_chat_ends_cleanly_when_input_ends() -> None:
    done = run_chat([])
    assert done.returncode == 0
    assert "What would you like to do in Hong Kong?" in done.stdout


def test_commands_in_every_language_and_the_details_of_a_result() -> None:
    lines = ["not sure", "India", "/summary", "摘要", "/help", "幫助", "语言", "2", "/language en",
             "30", "/result", *["not sure", "no"] * 30, "result", "1", "1"]  # fmt: skip
    done = run_chat(lines)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    before = out[: out.index("已轉為繁體中文")]
    assert before.count("2. Nationality: India") == 2  # /summary and 摘要 (1. is the goal)
    assert before.count("Commands, with or without /") == 3  # at the start, /help and 幫助
    assert "已轉為繁體中文" in out and "Language set to English" in out
    assert "⏳ Your result so far" in out  # /result mid-questionnaire: the result so far
    # the finished result's first button opens that scheme's details, with a way back
    details = out[out.rindex("⬅️ Back to result") - 3000 :]
    assert "Why:" in details and "rules checked on" in details
    assert out.rstrip().endswith("🔄 Start again")  # back to the result

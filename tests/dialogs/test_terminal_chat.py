"""The terminal chat, driven through standard input as a person (or a script) would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

ANSWERS_EN = [
    "6", "Vietnam", "29", "2", "3", "c", "2", "HKU", "1", "2021-06-30", "1", "1", "1", "b", "a",
    "1", "2", "summary", "change 3", "31", "result",
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
    assert "== Your result ==" in out
    assert "not legal advice" in out and "https://www.immd.gov.hk" in out
    assert "Official page:" in out and "checked 20" in out
    result = out[out.index("== Your result ==") :]
    if "## Possible" in result and "## Schemes that match" in result:
        assert result.index("## Schemes that match") < result.index("## Possible")
    if "## Near misses" in result and "## Possible" in result:
        assert result.index("## Possible") < result.index("## Near misses")


def test_chat_in_traditional_chinese_with_back_restart_and_quit() -> None:
    done = run_chat(["1", "1", "back", "restart", "6", "越南", "垃圾", "quit"], "--lang", "zh-hant")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "你持有哪個國家或地區的護照？" in out
    assert "國籍：越南。" in out
    assert "你今年幾歲？" in out
    assert "請輸入數字" in out  # the re-ask in the person's language
    assert "再見。" in out


def test_chat_with_the_rules_skip_reaches_a_result() -> None:
    done = run_chat(["not sure", "India", "30", *["not sure", "none"] * 30, "result"])
    assert done.returncode == 0, done.stderr
    assert "== Your result ==" in done.stdout
    assert "Possible" in done.stdout  # unknowns make schemes possible, never matches


def test_chat_ends_cleanly_when_input_ends() -> None:
    done = run_chat([])
    assert done.returncode == 0
    assert "What would you like to do in Hong Kong?" in done.stdout

"""Golden transcripts: a set of personas answered through the questionnaire, kept as text files
under golden/. Any change in wording, order or paths shows up as a diff.

Regenerate after an intended change:
    REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/dialogs -k golden
(the rules-based skip is off here so the transcripts depend on the questionnaire alone).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dialogs import QuestionFlow, Reply, Session, Step

GOLDEN = Path(__file__).parent / "golden"

# Inputs: "k:KEY" presses a button; "back", "restart", "change:QUESTION" navigate; else typed.
PERSONAS: dict[str, tuple[str, list[str]]] = {
    "vietnamese_bachelor_en": ("en", [
        "k:1", "k:c:VN", "29", "k:m2", "k:2", "k:b2", "2021-06-30", "k:0", "k:b0", "k:b1", "k:b0",
        "k:b0", "k:b1", "k:0", "k:1", "k:0", "k:result",
    ]),
    "mainland_master_hk_graduate_zh_hans": ("zh-hans", [
        "k:2", "中国", "k:m1", "28", "k:m86", "k:3", "k:b0", "k:1", "2026-07-15", "2021年7月", "清华大学",  # noqa: E501
        "k:0", "k:b0", "k:b0", "k:b0", "k:b0", "HKUST", "k:0", "k:0", "k:1", "k:0", "k:result",
    ]),
    "us_engineer_with_offer_en": ("en", [
        "k:0", "United States", "35", "k:mb", "k:2", "k:b4", "May 2012", "MIT", "k:0", "k:1",
        "k:0", "k:b0", "k:1", "k:b0", "k:b3", "k:b1", "k:b0", "k:b2", "k:b0", "k:b3", "k:b3",
        "k:0", "k:1", "k:0", "k:result",
    ]),
    "lao_hk_graduate_zh_hant": ("zh-hant", [
        "k:2", "廖國", "寮國", "24", "k:m82", "k:2", "k:b0", "k:1", "2026-06-30", "2026-06-30", "k:1",  # noqa: E501
        "k:b0", "k:b0", "k:b0", "k:b1", "k:1", "k:1", "k:0", "k:result",
    ]),
    "afghan_professional_en": ("en", [
        "k:5", "k:other", "Afghanistan", "40", "k:m2", "k:3", "k:b4", "2008-06", "k:1", "k:b0",
        "k:b3", "k:b1", "k:b0", "k:b0", "k:b1", "k:b0", "k:b3", "k:1", "k:0", "k:1", "k:0",
        "k:result",
    ]),
    "overseas_chinese_investor_en": ("en", [
        "k:3", "k:c:CN", "k:m2", "52", "k:m16", "k:4", "k:b4", "1996-06-15", "Stanford", "k:0",
        "k:b1", "k:b1", "k:b3", "k:b2", "k:b1", "k:b2", "k:b1", "k:b3", "k:b3", "harvard", "k:0",
        "k:1", "k:1", "k:0", "k:result",
    ]),
    "second_generation_with_mistakes_en": ("en", [
        "k:9", "k:4", "Canada", "thirty", "31", "99", "4 2", "bachelor", "abc", "3年", "2099-01-01",
        "2017-06", "back", "2017-06", "Univ. of Toronto", "k:0", "maybe", "yes", "k:b0", "k:b0",
        "k:b1", "k:b0", "k:b0", "k:b1", "k:b0", "k:b0", "no", "k:1", "k:0", "change:age", "29",
        "change:other_langs", "2", "k:result",
    ]),
    "restart_midway_zh_hant": ("zh-hant", [
        "k:5", "k:c:MO", "22", "k:m0", "restart", "k:4", "k:c:JP", "27", "k:m2", "k:2", "k:b0",
        "2024-06-30", "k:1", "k:b0", "k:b0", "k:b0", "k:b1", "k:1", "k:1", "k:0", "k:result",
    ]),
}  # fmt: skip


def _buttons(step: Step | Reply) -> str:
    return " | ".join(f"[{b.key}] {b.label}" for b in step.buttons)


def transcript(flow: QuestionFlow, lang: str, inputs: list[str]) -> str:
    session: Session = flow.new_session(lang)
    lines: list[str] = []

    def show() -> None:
        step = flow.step(session)
        if step.kind == "question":
            lines.append(f"Q {step.progress_text} <{step.state}> {step.prompt}")
            if step.hint:
                lines.append(f"  hint: {step.hint}")
            lines.append(f"  buttons: {_buttons(step)}")
            if step.current is not None:
                lines.append(f"  current: {step.current} (selected {step.selected})")
        elif step.kind == "summary":
            lines.append(f"SUMMARY {step.prompt}")
            lines.extend(f"  {r.label}: {r.answer}" for r in flow.summary(session))
        else:
            lines.append(f"RESULT {step.prompt}")
            p = flow.profile(session)
            lines.append(f"  profile: {p.model_dump_json(exclude={'as_of'}, exclude_none=True)}")

    show()
    for item in inputs:
        lines.append(f"> {item}")
        if item == "back":
            session = flow.back(session)
        elif item == "restart":
            session = flow.restart(session)
        elif item.startswith("change:"):
            session = flow.change(session, item.removeprefix("change:"))
        else:
            reply = (
                flow.answer(session, key=item[2:])
                if item.startswith("k:")
                else flow.answer(session, text=item)
            )
            if reply.message:
                lines.append(f"  {'ok' if reply.accepted else 'again'}: {reply.message}")
            if reply.buttons:
                lines.append(f"  offered: {_buttons(reply)}")
            if not reply.accepted:
                continue
            session = reply.session
        show()
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("name", sorted(PERSONAS))
def test_golden_transcript(flow: QuestionFlow, name: str) -> None:
    lang, inputs = PERSONAS[name]
    text = transcript(flow, lang, inputs)
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("REGEN_GOLDEN") == "1" or not path.exists():
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"regenerate with REGEN_GOLDEN=1 ({path})"
    assert text.rstrip().splitlines()[-2].startswith("RESULT"), "each persona reaches a result"

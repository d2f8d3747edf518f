"""Walk the questionnaire in Telegram the way an outside tool would: recognise each question by
its exported prompt, answer by button label or by typing."""

from __future__ import annotations

from typing import Any

from dialogs import QuestionFlow
from tests.telegram_emulator import BotApiEmulator, MessageRecord, User

EXPORT = QuestionFlow.default().export()
QUESTIONS = {q["id"]: q for q in EXPORT["questions"]}
RESULT_MARK = {"en": "Catalogue", "zh-hant": "目錄版本", "zh-hans": "目录版本"}
# The first message of a result opens with one of these (bot/texts/messages.yaml).
RESULT_OPENINGS = {
    "en": ("✅ Schemes that fit you", "🔎 Possible", "No scheme fits"),
    "zh-hant": ("✅ 適合你的計劃", "🔎 可能適合", "按你目前的答案"),
    "zh-hans": ("✅ 适合你的计划", "🔎 可能适合", "按你目前的答案"),
}
SUMMARY_MARK = {"en": "See my result", "zh-hant": "查看結果", "zh-hans": "查看结果"}
NOW_MARK = {"en": "now", "zh-hant": "現在", "zh-hans": "现在"}  # "see my result now"
TYPED_DEFAULTS = {"number": "3", "date": "2020-06-30", "text": "not sure"}


def question_of(message: MessageRecord, lang: str) -> dict[str, Any] | None:
    """The exported question whose prompt the message contains (the longest, if several)."""
    text = message.text or ""
    found = [q for q in EXPORT["questions"] if q["prompt"][lang] in text]
    return max(found, key=lambda q: len(q["prompt"][lang])) if found else None


def labels(message: MessageRecord) -> list[str]:
    return [text for row in message.buttons for text, _ in row]


async def act(emu: BotApiEmulator, user: User, message: MessageRecord, answer: str) -> None:
    """Press the button whose label is `answer` (✓-marked or not), else type it."""
    for label in labels(message):
        if label == answer or label == f"✓ {answer}":
            await user.press(message, label)
            break
    else:
        await user.send(answer)


async def next_screen(emu: BotApiEmulator, user: User) -> MessageRecord:
    """The next message (new or edited) that has buttons: a question, summary or result."""
    return await emu.wait_for(lambda m: bool(m.buttons), chat_id=user, timeout=10)


def not_sure(qid: str, lang: str = "en") -> str:
    """The label of a question's "don't know" option (value null in the export)."""
    return next(o["label"][lang] for o in QUESTIONS[qid]["options"] if o["value"] is None)


async def past_goal(emu: BotApiEmulator, user: User, lang: str = "en") -> MessageRecord:
    """Answer the opening question (the person's goal) with "not sure"; returns the next
    question (the nationality), which replaces it in the same message."""
    goal = await emu.wait_for(
        lambda m: bool(m.buttons) and (q := question_of(m, lang)) is not None and q["id"] == "goal",
        chat_id=user,
    )
    await user.press(goal, not_sure("goal", lang))
    return await emu.wait_for(QUESTIONS["nationality"]["prompt"][lang], chat_id=user)


def default_answer(q: dict[str, Any], lang: str) -> str:
    if q["kind"] == "multi":  # a checklist: Done with nothing ticked
        return q["done"]["label"][lang]
    unknown = [o for o in q["options"] if o["value"] is None]
    if q["kind"] in {"choice", "bool"}:
        if q["id"] == "nationality":
            return "Vietnam" if lang == "en" else "越南"
        return (unknown or q["options"])[0]["label"][lang]
    if unknown:
        return unknown[0]["label"][lang]
    if q["id"] == "age":
        return "30"
    return TYPED_DEFAULTS[q["kind"]]


def result_messages(emu: BotApiEmulator, user: User, lang: str) -> list[MessageRecord]:
    """The last result: from the last message that opens with a result heading to the end."""
    sent = emu.sent(user)
    starts = [i for i, m in enumerate(sent) if (m.text or "").startswith(RESULT_OPENINGS[lang])]
    assert starts, "no result message"
    return sent[starts[-1] :]


async def walk_to_result(
    emu: BotApiEmulator,
    user: User,
    lang: str,
    answers: dict[str, str] | None = None,
    *,
    first: MessageRecord | None = None,
    max_steps: int = 80,
) -> tuple[list[str], list[MessageRecord]]:
    """Answer until the result; returns the ids of the questions asked and the result messages."""
    answers = answers or {}
    asked: list[str] = []
    screen = first or await next_screen(emu, user)
    for _ in range(max_steps):
        if RESULT_MARK[lang] in (screen.text or ""):
            return asked, result_messages(emu, user, lang)
        see_result = [
            label
            for label in labels(screen)
            if SUMMARY_MARK[lang] in label and NOW_MARK[lang] not in label  # not the shortcut
        ]
        if see_result:
            await user.press(screen, see_result[0])
        else:
            q = question_of(screen, lang)
            assert q is not None, f"not a question: {screen.text!r}"
            asked.append(q["id"])
            await act(emu, user, screen, answers.get(q["id"], default_answer(q, lang)))
        screen = await next_screen(emu, user)
    raise AssertionError(f"no result after {max_steps} steps; asked {asked}")

"""The questionnaire end to end in a private chat: the real Application, the emulator on
127.0.0.1, scripted users."""

from __future__ import annotations

import json

import pytest

from tests.bot_e2e.conftest import rows_about
from tests.bot_e2e.walker import QUESTIONS, next_screen, past_goal, question_of, walk_to_result


@pytest.mark.parametrize(
    ("code", "lang", "heading_any", "disclaimer"),
    [
        ("en", "en", ("Schemes that fit you", "Possible", "No scheme fits"), "not legal advice"),
        ("zh-HK", "zh-hant", ("適合你的計劃", "可能適合", "沒有計劃適合你"), "並非法律意見"),
        ("zh-CN", "zh-hans", ("适合你的计划", "可能适合", "没有计划适合你"), "并非法律意见"),
    ],
)
async def test_complete_questionnaire_in_each_language(bot, code, lang, heading_any, disclaimer):
    emu = bot.emu
    user = emu.user(first_name="Wen", language_code=code)
    await user.send("/start")
    asked, result = await walk_to_result(emu, user, lang)
    assert asked[:2] == ["goal", "nationality"]
    text = "\n".join(m.text for m in result)
    assert any(h in text for h in heading_any), text[:500]
    assert disclaimer in text
    # every question asked was shown with its exported prompt in the user's language
    for qid in asked:
        prompt = QUESTIONS[qid]["prompt"][lang]
        assert any(
            prompt in (m.text or "") or any(prompt in (h.get("text") or "") for h in m.history)
            for m in emu.sent(user)
        ), qid


async def test_high_earner_gets_ttps_a_as_a_match(bot):
    emu = bot.emu
    user = emu.user(first_name="Ann", language_code="en")
    await user.send("/start")
    answers = {
        "nationality": "Vietnam",
        "age": "35",
        "income": "3000000",
        "record": "No",
        "offer": "No",
    }
    _, result = await walk_to_result(emu, user, "en", answers)
    text = "\n".join(m.text for m in result)
    fit = text.split("Schemes that fit you", 1)
    assert len(fit) == 2, text[:800]
    matches = fit[1].split("Possible")[0].split("Near misses")[0]
    assert "TTPS" in matches and "Top Talent Pass" in matches
    assert "rules checked on" in text
    assert "https://" in result[0].html or any("href=" in (m.html or "") for m in result)


async def test_back_change_and_restart_keep_or_clear_answers(bot):
    emu = bot.emu
    user = emu.user(first_name="Bo", language_code="en")
    await user.send("/start")
    q1 = await past_goal(emu, user)
    await user.press(q1, "India")
    q2 = await next_screen(emu, user)
    assert question_of(q2, "en")["id"] == "age"
    await user.send("29")
    q3 = await next_screen(emu, user)
    assert question_of(q3, "en")["id"] == "facts"

    # /back returns to age with the answer shown
    await user.send("/back")
    back = await next_screen(emu, user)
    assert question_of(back, "en")["id"] == "age" and "Your answer: 29" in back.text

    # change nationality through the summary; later answers that still apply are kept
    await user.send("/summary")
    summary = await emu.wait_for("Your answers", chat_id=user)
    assert "India" in summary.text and "29" in summary.text
    await user.press(summary, "✏️ Nationality")
    nat = await next_screen(emu, user)
    assert question_of(nat, "en")["id"] == "nationality"
    assert "✓ India" in [t for row in nat.buttons for t, _ in row]
    await user.press(nat, "United States")
    after = await next_screen(emu, user)
    assert question_of(after, "en")["id"] != "nationality"
    await user.send("/summary")
    summary = await emu.wait_for("Your answers", chat_id=user)
    assert "United States" in summary.text and "29" in summary.text and "India" not in summary.text

    await user.send("/restart")
    await emu.wait_for("Starting again", chat_id=user)
    first = await emu.wait_for("What would you like to do", chat_id=user)
    assert "Question 1 of" in first.text
    await user.send("/summary")
    assert "haven't answered" in (await emu.wait_for("answered", chat_id=user)).text


async def test_switch_language_midway_keeps_answers(bot):
    emu = bot.emu
    user = emu.user(first_name="Chan", language_code="en")
    await user.send("/start")
    q1 = await past_goal(emu, user)
    await user.press(q1, "India")
    await next_screen(emu, user)
    await user.send("/language")
    picker = await emu.wait_for("Choose your language", chat_id=user)
    await user.press(picker, "繁體中文")
    await emu.wait_for("已轉為繁體中文", chat_id=user)
    again = await emu.wait_for(
        lambda m: bool(m.buttons) and question_of(m, "zh-hant"), chat_id=user
    )
    assert question_of(again, "zh-hant")["id"] == "age"
    await user.send("/summary")
    summary = await emu.wait_for("你的答案", chat_id=user)
    assert "印度" in summary.text
    scoped = [
        c
        for c in emu.calls("setMyCommands")
        if "scope" in c.params and "chat" in json.dumps(c.params.get("scope"))
    ]
    assert scoped, "a per-chat menu in the chosen language"


async def test_bad_input_gets_a_friendly_reply_and_keeps_answers(bot):
    emu = bot.emu
    user = emu.user(first_name="Dee", language_code="en")
    await user.send("/start")
    q1 = await past_goal(emu, user)
    await user.press(q1, "India")
    await next_screen(emu, user)

    await user.send("twenty-nine and a half")
    reask = await emu.wait_for("How old are you?", chat_id=user)
    assert "number" in reask.text.lower()

    await user.send_sticker()
    await emu.wait_for("only read text", chat_id=user)
    await emu.wait_for("How old are you?", chat_id=user)

    await user.send_photo()
    await emu.wait_for("only read text", chat_id=user)

    await user.send("x" * 3000)
    await emu.wait_for("too long", chat_id=user)

    await user.send("/nonsense")
    await emu.wait_for("don't know that command", chat_id=user)

    await user.send("/summary")
    summary = await emu.wait_for("Your answers", chat_id=user)
    assert "India" in summary.text
    failed = [r for r in emu.requests if not r.ok and r.status != 499]
    assert not failed, failed


async def test_stale_and_forged_buttons_say_expired(bot):
    emu = bot.emu
    user = emu.user(first_name="Eve", language_code="en")
    await user.send("/start")
    q1 = await past_goal(emu, user)
    await user.send("Vietnam")  # typed: the nationality message keeps its buttons
    await emu.wait_for("How old are you?", chat_id=user)
    await user.press(q1, "India")  # a button from an old message
    await emu.wait_for("This button has expired", chat_id=user)
    current = await emu.wait_for(
        lambda m: "How old are you?" in (m.text or "") and m.message_id > q1.message_id,
        chat_id=user,
    )
    assert current is not None
    assert emu.callback_answers[-1].text == "This button has expired."

    # forged callback data on a real message
    for forged in ("a|||nationality|c:IN", "zz", "a|1|x|y|z", "c||999|nationality|"):
        q1.data["reply_markup"]["inline_keyboard"][0][0]["callback_data"] = forged
        await user.press(q1, forged)
        await emu.wait_for("This button has expired", chat_id=user)

    await user.send("/summary")
    summary = await emu.wait_for("Your answers", chat_id=user)
    assert "Vietnam" in summary.text


async def test_result_command_and_forget(bot):
    emu = bot.emu
    user = emu.user(first_name="Fay", language_code="en")
    await user.send("/result")
    await emu.wait_for("no result yet", chat_id=user)
    await user.send("/start")
    await walk_to_result(emu, user, "en")
    await user.send("/result")
    await emu.wait_for("Catalogue", chat_id=user)
    assert await rows_about(bot.db_url, user.id) >= 2

    await user.send("/forget")
    confirm = await emu.wait_for("cannot be undone", chat_id=user)
    await user.press(confirm, "Yes, delete everything")
    await emu.wait_for("nothing about you is stored", chat_id=user)
    assert await rows_about(bot.db_url, user.id) == 0


async def test_forget_can_be_cancelled(bot):
    emu = bot.emu
    user = emu.user(first_name="Gus", language_code="en")
    await user.send("/start")
    await emu.wait_for("What would you like to do", chat_id=user)
    await user.send("/forget")
    confirm = await emu.wait_for("cannot be undone", chat_id=user)
    await user.press(confirm, "No, keep it")
    await emu.wait_for("Nothing was deleted", chat_id=user)
    assert await rows_about(bot.db_url, user.id) == 1


async def test_info_commands_and_menus(bot):
    emu = bot.emu
    user = emu.user(first_name="Hui", language_code="zh-TW")
    for command, needle in (("/help", "使用方法"), ("/about", "入境事務處"), ("/privacy", "30 日")):
        await user.send(command)
        await emu.wait_for(needle, chat_id=user)
    menus = emu.calls("setMyCommands", ok=True)
    langs = {c.params.get("language_code") for c in menus}
    assert {None, "zh"} <= langs or {"", "zh"} <= langs
    group = emu.group("Menu test", supergroup=True)
    group.add_member(user, "creator")
    member = emu.user(first_name="Mem")
    group.add_member(member)
    seen_by_member = [c["command"] for c in emu.effective_commands(group, member)]
    seen_by_admin = [c["command"] for c in emu.effective_commands(group, user)]
    assert "check" in seen_by_member and "settings" not in seen_by_member
    assert "settings" in seen_by_admin


async def test_unexpected_error_apologises_and_shows_the_question(bot, monkeypatch):
    emu = bot.emu
    flow = bot.app.bot_data["services"].flow
    user = emu.user(first_name="Ivy", language_code="en")
    await user.send("/start")
    q1 = await past_goal(emu, user)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(type(flow), "answer", broken)
    await user.press(q1, "India")
    await emu.wait_for("something went wrong", chat_id=user)
    await emu.wait_for(
        lambda m: "passport" in (m.text or "") and m.message_id > q1.message_id, chat_id=user
    )


@pytest.mark.parametrize(("today", "shown"), [("2026-08-31", False), ("2026-12-02", True)])
async def test_about_says_what_the_catalogue_has_not_reviewed_yet(bot_api, tmp_path, today, shown):
    # The catalogue records that the autumn 2026 Policy Address is not reviewed (from 2026-09-01).
    from datetime import date

    from tests.bot_e2e.conftest import bot_settings, run_bot

    settings = bot_settings(bot_api, tmp_path / "bot.sqlite3", bot_today=date.fromisoformat(today))
    async with run_bot(bot_api, settings):
        user = bot_api.user(first_name="Ola", language_code="en")
        await user.send("/about")
        about = await bot_api.wait_for("Immigration Department", chat_id=user)
    assert ("Policy Address" in about.text) is shown

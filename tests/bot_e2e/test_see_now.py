"""'See my result now' in Telegram: from the third question on, the result so far marked as
provisional, a button per question that would settle a possible scheme, the questionnaire going
on from where it was, and /result still without a finished result."""

from __future__ import annotations

from tests.bot_e2e.walker import labels, next_screen, past_goal, question_of

NOW = "👀 See my result now"


async def test_see_my_result_now_then_answer_just_that(bot):
    emu = bot.emu
    user = emu.user(first_name="Noa", language_code="en")
    await user.send("/start")
    nationality = await past_goal(emu, user)
    assert NOW not in labels(nationality)  # question 2: not yet
    await user.press(nationality, "India")
    age = await emu.wait_for("How old are you?", chat_id=user)
    assert NOW in labels(age) and "now" in NOW
    await user.send("30")
    facts = await next_screen(emu, user)
    assert question_of(facts, "en")["id"] == "facts"

    await user.press(facts, NOW)
    # one message from the one result renderer: marked as not final, the settle buttons under it
    settle = await emu.wait_for(lambda m: "▶️ Continue" in labels(m), chat_id=user)
    assert "Your result so far" in settle.text and "not finished" in settle.text
    assert "🔎 Possible" in settle.text and "Next to answer:" in settle.text
    income = next(b for b in labels(settle) if b.startswith("✏️ Income last year"))
    assert "TTPS" in income

    await user.press(settle, income)
    q = await next_screen(emu, user)
    assert question_of(q, "en")["id"] == "income"
    await user.press(q, "HK$2.5M or more")
    back_to = await next_screen(emu, user)
    assert question_of(back_to, "en")["id"] == "facts"  # on from where it was

    await user.send("/result")
    await emu.wait_for("no result yet", chat_id=user)  # nothing finished yet
    await user.send("/summary")
    summary = await emu.wait_for("Your answers", chat_id=user)
    assert "Income last year: HK$2.5M or more" in summary.text


async def test_carry_on_returns_to_the_question(bot):
    emu = bot.emu
    user = emu.user(first_name="Oli", language_code="zh-HK")
    await user.send("/start")
    nationality = await past_goal(emu, user, "zh-hant")
    await user.press(nationality, "印度")
    age = await emu.wait_for("你今年幾歲？", chat_id=user)
    now = next(b for b in labels(age) if "現在" in b)
    await user.press(age, now)
    settle = await emu.wait_for(lambda m: "▶️ 繼續" in labels(m), chat_id=user)
    assert "暫時的結果" in settle.text and "尚未答完" in settle.text
    await user.press(settle, "▶️ 繼續")
    again = await emu.wait_for(lambda m: "你今年幾歲？" in (m.text or ""), chat_id=user)
    assert question_of(again, "zh-hant")["id"] == "age"

from __future__ import annotations


async def test_start_shows_welcome_and_first_question(bot):
    emu = bot.emu
    ann = emu.user(first_name="Ann", language_code="en")
    await ann.send("/start")
    welcome = await emu.wait_for("Hello Ann", chat_id=ann)
    question = await emu.wait_for("passport", chat_id=ann)
    assert "Question 1 of about" in question.text
    assert welcome.message_id < question.message_id
    await ann.press(question, "Vietnam")
    edited = await emu.wait_for(
        lambda m: m.message_id == question.message_id and m.edited, chat_id=ann
    )
    assert "How old are you?" in edited.text

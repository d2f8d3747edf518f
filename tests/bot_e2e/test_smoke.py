from __future__ import annotations


async def test_start_shows_welcome_and_first_question(bot):
    emu = bot.emu
    ann = emu.user(first_name="Ann", language_code="en")
    await ann.send("/start")
    welcome = await emu.wait_for("Hello Ann", chat_id=ann)
    question = await emu.wait_for("What would you like to do", chat_id=ann)
    assert "Question 1 of about" in question.text
    assert welcome.message_id < question.message_id
    await ann.press(question, "Find work")
    edited = await emu.wait_for(
        lambda m: m.message_id == question.message_id and m.edited, chat_id=ann
    )
    assert "passport" in edited.text
    await ann.press(edited, "Vietnam")
    edited = await emu.wait_for(lambda m: "How old are you?" in (m.text or ""), chat_id=ann)
    assert edited.message_id == question.message_id

"""Places where real Telegram behaves otherwise than a naive reading suggests (issue 12), end to
end against the emulator made faithful there: a failed handler after its button press was
answered, flood limits on start-up calls, edited messages."""

from __future__ import annotations

from tests.bot_e2e.conftest import bot_settings, run_bot
from tests.telegram_emulator import faults


async def test_a_handler_failing_after_answering_the_button_still_apologises(bot):
    emu = bot.emu
    user = emu.user(first_name="Err", language_code="en")
    await user.send("/start")
    question = await emu.wait_for("passport", chat_id=user, timeout=10)
    # the press is answered, then editing the question fails in a way the handler cannot mend
    emu.inject("editMessageText", (400, "Bad Request: something unexpected"))
    press = await user.press(question, "India")
    apology = await emu.wait_for("something went wrong", chat_id=user, timeout=10)
    assert press.answered
    # answering the query a second time is refused by Telegram; the apology came anyway,
    # followed by the current question (the answer was committed: the next one)
    refused = emu.calls("answerCallbackQuery", ok=False)
    assert refused and "too old" in (refused[-1].description or "")
    current = await emu.wait_for(lambda m: m.message_id > apology.message_id, chat_id=user,
                                 since=0, timeout=10)  # fmt: skip
    assert "How old" in current.text


async def test_start_up_calls_wait_out_a_flood_limit_and_unchanged_menus_are_not_set_again(
    bot_api, tmp_path
):
    emu = bot_api
    settings = bot_settings(emu, tmp_path / "bot.sqlite3")
    emu.inject("setMyCommands", faults.retry_after(1), times=2)
    async with run_bot(emu, settings):
        user = emu.user(first_name="Flo", language_code="en")
        await user.send("/start")
        await emu.wait_for("passport", chat_id=user, timeout=10)
    assert emu.rate_limited == 2
    menus = dict(emu.commands)
    assert menus[("default", "")] and menus[("default", "zh")]
    set_calls = len(emu.calls("setMyCommands", ok=True))
    assert set_calls == 6  # three scopes, two languages
    async with run_bot(emu, settings):  # a restart: the menus are as they should be
        pass
    assert len(emu.calls("setMyCommands")) == set_calls + 2  # only the two refused ones before
    assert dict(emu.commands) == menus


async def test_an_edited_answer_changes_that_answer_and_never_answers_another_question(bot):
    emu = bot.emu
    user = emu.user(first_name="Ed", language_code="en")
    await user.send("/start")
    await emu.wait_for("passport", chat_id=user, timeout=10)
    await user.send("Japan")
    await emu.wait_for("How old", chat_id=user, timeout=10)
    age = await user.send("35")
    await emu.wait_for("highest qualification", chat_id=user, timeout=10)

    await user.edit(age, "36")  # Telegram: edited_message
    changed = await emu.wait_for("Changed your answer", chat_id=user, timeout=10)
    assert "36" in changed.text
    current = await emu.wait_for("highest qualification", chat_id=user, timeout=10)
    assert current.message_id > changed.message_id  # the current question, asked again

    await user.edit(age, "thirty-six")
    kept = await emu.wait_for("does not answer", chat_id=user, timeout=10)
    assert "earlier answer is kept" in kept.text
    await emu.wait_for("highest qualification", chat_id=user, timeout=10)

    chatter = await user.send("hmm, let me think")  # not an answer: a "please choose" reply
    await emu.quiet(0.3)
    await user.edit(chatter, "Bachelor's degree")
    await emu.wait_for("not taken as an answer", chat_id=user, timeout=10)
    await emu.wait_for("highest qualification", chat_id=user, timeout=10)

    await user.send("/summary")
    summary = await emu.wait_for("Your answers", chat_id=user, timeout=10)
    assert "36" in summary.text and "Japan" in summary.text
    assert "Bachelor" not in summary.text  # the edit answered nothing

"""Checklists in Telegram end to end: one message, ☐/☑ toggled in place by editing the keyboard,
Done submits (also with nothing ticked), a stranger in a group cannot press them, and a checklist
drawn before a restart still works (its ticks live in the buttons)."""

from __future__ import annotations

from tests.bot_e2e.conftest import bot_settings, run_bot
from tests.bot_e2e.walker import QUESTIONS, labels, next_screen, question_of

FACTS = QUESTIONS["facts"]
LINE = {o["field"]: o["label"]["en"] for o in FACTS["options"]}


async def _to_facts(emu, user, chat=None, target="facts", nationality="India"):
    """Answer goal, nationality, age and education; return the checklist message."""
    if chat is None:
        await user.send("/start")
    else:
        await user.send(f"/check@{emu.bot.username}", chat=chat)
    screen = await next_screen(emu, user if chat is None else chat)
    while (q := question_of(screen, "en")) is not None and q["id"] != target:
        if q["id"] == "age":
            if chat is None:
                await user.send("30")
            else:
                await user.send("30", chat=chat, reply_to=screen)
        else:
            choice = nationality if q["id"] == "nationality" else None
            unknown = [o for o in q["options"] if o["value"] is None]
            await user.press(screen, choice or unknown[0]["label"]["en"])
        screen = await next_screen(emu, user if chat is None else chat)
    return screen


async def _edited(emu, message, chat):
    """The same message after its next edit."""
    version = len(message.history)
    return await emu.wait_for(
        lambda m: m.message_id == message.message_id and len(m.history) > version, chat_id=chat
    )


async def test_toggle_untoggle_and_done_in_one_message(bot):
    emu = bot.emu
    user = emu.user(first_name="Tia", language_code="en")
    facts = await _to_facts(emu, user)
    assert FACTS["prompt"]["en"] in facts.text
    english, chinese = LINE["good_english"], LINE["good_chinese"]
    assert f"☐ {english}" in labels(facts) and labels(facts)[-2:][-1] != f"☐ {english}"
    assert "Done" in labels(facts)

    await user.press(facts, f"☐ {english}")
    facts = await _edited(emu, facts, user)
    assert f"☑ {english}" in labels(facts)
    await user.press(facts, f"☐ {chinese}")
    facts = await _edited(emu, facts, user)
    await user.press(facts, f"☑ {chinese}")  # untick
    facts = await _edited(emu, facts, user)
    assert f"☑ {english}" in labels(facts) and f"☐ {chinese}" in labels(facts)
    count = len(emu.sent(user))

    await user.press(facts, "Done")
    after = await next_screen(emu, user)
    assert question_of(after, "en")["id"] != "facts"
    assert len(emu.sent(user)) >= count
    await user.send("/summary")
    summary = await emu.wait_for("Your answers", chat_id=user)
    assert f"Facts about you: {english}" in summary.text
    assert chinese not in summary.text


async def test_done_with_nothing_ticked_is_an_answer(bot):
    emu = bot.emu
    user = emu.user(first_name="Uma", language_code="en")
    facts = await _to_facts(emu, user)
    await user.press(facts, "Done")
    after = await next_screen(emu, user)
    assert question_of(after, "en")["id"] != "facts"
    await user.send("/summary")
    summary = await emu.wait_for("Your answers", chat_id=user)
    assert "Facts about you: None of these" in summary.text


async def test_a_stranger_cannot_tick_someone_elses_checklist(bot):
    emu = bot.emu
    ann, cat = (emu.user(first_name=n, language_code="en") for n in ("Ann", "Cat"))
    group = emu.group("HK careers", supergroup=True)
    group.add_member(ann, "creator")
    group.add_member(cat)
    group.add_bot(by=ann)
    await emu.wait_for("I check which Hong Kong", chat_id=group)
    # The Mainland checklist stays in the group (the facts one holds a sensitive line).
    facts = await _to_facts(emu, ann, chat=group, target="cn_facts", nationality="China (Mainland)")
    before = labels(facts)
    await cat.press(facts, before[0])
    answer = await emu.wait_for_call("answerCallbackQuery")
    assert answer.params.get("show_alert") in (True, "true")
    assert "someone else" in emu.callback_answers[-1].text
    await emu.quiet(0.2)
    assert labels(facts) == before
    await cat.press(facts, "Done")
    await emu.quiet(0.2)
    assert question_of(emu.last(group), "en")["id"] == "cn_facts"
    await ann.press(facts, before[0])
    facts = await _edited(emu, facts, group)
    assert labels(facts)[0].startswith("☑")


async def test_a_checklist_from_before_a_restart_still_works(bot_api, tmp_path):
    settings = bot_settings(bot_api, tmp_path / "bot.sqlite3")
    user = bot_api.user(first_name="Rex", language_code="en")
    english = LINE["good_english"]
    async with run_bot(bot_api, settings):
        facts = await _to_facts(bot_api, user)
        await user.press(facts, f"☐ {english}")
        facts = await _edited(bot_api, facts, user)
    async with run_bot(bot_api, settings):
        await user.press(facts, f"☐ {LINE['born_overseas']}")
        facts = await _edited(bot_api, facts, user)
        assert f"☑ {english}" in labels(facts) and f"☑ {LINE['born_overseas']}" in labels(facts)
        await user.press(facts, "Done")
        await next_screen(bot_api, user)
        await user.send("/summary")
        summary = await bot_api.wait_for("Your answers", chat_id=user)
        assert english in summary.text and LINE["born_overseas"] in summary.text

"""The result's Details and Why-not buttons end to end: the real Application, the emulator on
127.0.0.1. A screen opens in place of the result and goes back to it; a stale or forged press
gets an alert and changes nothing; a stranger in a group gets the owner alert."""

from __future__ import annotations

from tests.bot_e2e.walker import labels, next_screen, past_goal, question_of, walk_to_result

HIGH_EARNER = {
    "nationality": "Vietnam",
    "age": "35",
    "income": "3000000",
    "record": "No",
    "offer": "No",
}


async def _result_of(emu, user, answers=HIGH_EARNER):
    await user.send("/start")
    _, result = await walk_to_result(emu, user, "en", answers)
    assert len(result) == 1  # the result fits one message
    return result[0]


async def _alert(emu, press) -> dict:
    record = await press
    await emu.quiet()
    assert record.answered
    return record.answer or {}


async def test_details_and_why_not_open_in_place_and_go_back(bot):
    emu = bot.emu
    user = emu.user(first_name="Dee", language_code="en")
    result = await _result_of(emu, user)
    assert result.text.startswith("✅ Schemes that fit you")
    before = result.text
    assert "ℹ️ TTPS A" in labels(result)

    await user.press(result, "ℹ️ TTPS A")
    details = await emu.wait_for("Good to know:", chat_id=user)
    assert details.message_id == result.message_id  # edited in place
    assert details.text.startswith("TTPS A — Top Talent Pass Scheme")
    assert "Why:" in details.text and "Family" in details.text and "Fees" in details.text
    assert labels(details) == ["⬅️ Back to result"]

    await user.press(details, "⬅️ Back to result")
    back = await emu.wait_for("Schemes that fit you", chat_id=user)
    assert back.message_id == result.message_id and back.text == before
    assert "❓ Why not the others?" in labels(back)

    await user.press(back, "❓ Why not the others?")
    why = await emu.wait_for("Why these do not fit now", chat_id=user)
    assert why.message_id == result.message_id
    not_fit = [ln for ln in why.text.splitlines() if ln.startswith("✗ ")]
    assert not_fit and all(" — " in ln and len(ln) > 12 for ln in not_fit)
    assert labels(why)[-1] == "⬅️ Back to result"
    assert not emu.unanswered_callbacks()


async def test_stale_and_forged_result_buttons_get_an_alert(bot):
    emu = bot.emu
    user = emu.user(first_name="Eli", language_code="en")
    result = await _result_of(emu, user)
    old = result.snapshot()
    data = dict(zip(labels(result), [d for row in result.buttons for _, d in row], strict=True))
    details_data = data["ℹ️ TTPS A"]

    # forged: an unknown scheme, a fingerprint of no result, data that does not parse
    _, owner, revision, _, _ = details_data.split("|")
    for forged in (
        f"r|{owner}|{revision}|d|NOPE",
        f"r|{owner}|123|d|TTPS:A",
        "r|x|y",
    ):
        answer = await _alert(emu, user.press_data(result, forged))
        assert "older result" in answer.get("text", ""), forged
    assert emu.last(user).text == old["text"]  # nothing changed

    # stale: the answers change and a new result is finished; the old buttons are refused
    await user.send("/summary")
    summary = await emu.wait_for("Your answers", chat_id=user)
    await user.press(summary, "✏️ Age")
    age = await next_screen(emu, user)
    assert question_of(age, "en")["id"] == "age"
    await user.send("36")
    _, new = await walk_to_result(emu, user, "en", HIGH_EARNER)
    answer = await _alert(emu, user.press_data(result, details_data))
    assert answer.get("show_alert") in (True, "true")
    assert "older result" in answer.get("text", "")
    # the new result's buttons work
    await user.press(new[0], "ℹ️ TTPS A")
    await emu.wait_for("Good to know:", chat_id=user)


async def test_a_stranger_cannot_open_someone_elses_details_in_a_group(bot):
    emu = bot.emu
    ann, cat = emu.user(first_name="Ann", language_code="en"), emu.user(first_name="Cat")
    await _result_of(emu, ann)
    group = emu.group("HK careers", supergroup=True)
    group.add_member(ann, "creator")
    group.add_member(cat)
    group.add_bot(by=ann)
    await emu.wait_for("I check which Hong Kong", chat_id=group)

    await ann.send("/result", chat=group)
    shown = await emu.wait_for("Schemes that fit you", chat_id=group)
    before = shown.text
    answer = await _alert(emu, cat.press(shown, "ℹ️ TTPS A"))
    assert answer.get("show_alert") in (True, "true")
    assert "someone else" in answer.get("text", "")
    assert emu.last(group).text == before

    await ann.press(shown, "ℹ️ TTPS A")
    details = await emu.wait_for("Good to know:", chat_id=group)
    assert details.message_id == shown.message_id


async def test_the_result_so_far_has_details_and_goes_back_to_the_question(bot):
    """The buttons of a provisional result (drawn mid-questionnaire) work the same way, and
    Continue returns to the question."""
    from bot.store import SessionKey
    from bot.views.session import fingerprint
    from dialogs import Session

    emu = bot.emu
    user = emu.user(first_name="Fox", language_code="en")
    await user.send("/start")
    q1 = await past_goal(emu, user)  # the opening question, then the nationality
    await user.press(q1, "India")
    q2 = await next_screen(emu, user)
    async with bot.store.transaction() as tx:
        stored = tx.load_session(SessionKey(user.id, user.id, 0))
    answers = fingerprint(Session.from_json(stored.data))

    await user.press_data(q2, f"r||{answers}|r|")
    so_far = await emu.wait_for("Your result so far", chat_id=user)
    assert so_far.message_id == q2.message_id
    assert so_far.text.splitlines()[1] in {
        "✅ Schemes that fit you",
        "No scheme fits your answers as they stand.",
    }
    assert "Next to answer: " in so_far.text
    details_button = next(label for label in labels(so_far) if label.startswith("ℹ️ "))
    await user.press(so_far, details_button)
    details = await emu.wait_for(lambda m: "⬅️ Back to result" in labels(m), chat_id=user)
    await user.press(details, "⬅️ Back to result")
    again = await emu.wait_for("Your result so far", chat_id=user)
    await user.press(again, "▶️ Continue")
    question = await emu.wait_for(lambda m: question_of(m, "en") is not None, chat_id=user)
    assert question_of(question, "en")["id"] == "age"

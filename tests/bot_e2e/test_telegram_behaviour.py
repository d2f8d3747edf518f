"""Places where real Telegram behaves otherwise than a naive reading suggests (issue 12), end to
end against the emulator made faithful there: a failed handler after its button press was
answered, flood limits on start-up calls, edited messages."""

from __future__ import annotations

from bot.store import SessionKey
from tests.bot_e2e.conftest import bot_settings, run_bot
from tests.bot_e2e.walker import past_goal
from tests.telegram_emulator import faults


async def test_a_handler_failing_after_answering_the_button_still_apologises(bot):
    emu = bot.emu
    user = emu.user(first_name="Err", language_code="en")
    await user.send("/start")
    question = await past_goal(emu, user)
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
        await past_goal(emu, user)
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
    await past_goal(emu, user)
    await user.send("Japan")
    await emu.wait_for("How old", chat_id=user, timeout=10)
    age = await user.send("35")
    await emu.wait_for("Which of these apply", chat_id=user, timeout=10)  # the checklist

    await user.edit(age, "36")  # Telegram: edited_message
    changed = await emu.wait_for("Changed your answer", chat_id=user, timeout=10)
    assert "36" in changed.text
    current = await emu.wait_for("Which of these apply", chat_id=user, timeout=10)
    assert current.message_id > changed.message_id  # the current question, asked again

    await user.edit(age, "thirty-six")
    kept = await emu.wait_for("does not answer", chat_id=user, timeout=10)
    assert "earlier answer is kept" in kept.text
    await emu.wait_for("Which of these apply", chat_id=user, timeout=10)

    chatter = await user.send("hmm, let me think")  # not an answer: a "please choose" reply
    await emu.quiet(0.3)
    await user.edit(chatter, "Bachelor's degree")
    await emu.wait_for("not taken as an answer", chat_id=user, timeout=10)
    await emu.wait_for("Which of these apply", chat_id=user, timeout=10)

    await user.send("/summary")
    summary = await emu.wait_for("Your answers", chat_id=user, timeout=10)
    assert "36" in summary.text and "Japan" in summary.text
    assert "Bachelor" not in summary.text  # the edit answered nothing


async def _group_with_bot(emu, owner, *, supergroup=True, forum=False):
    group = emu.group("HK careers", supergroup=supergroup, forum=forum)
    group.add_member(owner, "creator")
    group.add_bot(by=owner)
    await emu.wait_for("I check which Hong Kong", chat_id=group, timeout=10)
    return group


def _intros(emu, chat) -> list:
    return [m for m in emu.sent(chat) if "I check which Hong Kong" in (m.text or "")]


async def test_a_group_upgraded_to_a_supergroup_gets_one_intro_and_keeps_its_settings(bot):
    emu = bot.emu
    ann = emu.user(first_name="Ann", language_code="en")
    group = await _group_with_bot(emu, ann, supergroup=False)
    await ann.send(f"/settings@{emu.bot.username}", chat=group)
    panel = await emu.wait_for("Settings for", chat_id=group, timeout=10)
    await ann.press(panel, panel.buttons[2][0][0])  # quiet mode on
    await emu.wait_for(lambda m: "Quiet mode (no greetings or hints): on" in (m.text or ""),
                       chat_id=group, timeout=10)  # fmt: skip
    new = group.migrate_to_supergroup(by=ann)
    assert any(u.get("my_chat_member", {}).get("chat", {}).get("id") == new.id
               for u in emu.all_updates)  # fmt: skip  (Telegram's "joined" for the supergroup)
    await emu.quiet(0.5)
    assert _intros(emu, new) == [] and len(_intros(emu, group)) == 1
    async with bot.store.transaction() as tx:
        moved = await tx.load_chat(new.id)
    assert moved is not None and moved.active and '"quiet":true' in moved.settings.replace(" ", "")
    await ann.send(f"/check@{emu.bot.username}", chat=new)
    question = await emu.wait_for(lambda m: bool(m.buttons), chat_id=new, timeout=10)
    assert "let's check" not in question.text  # quiet: no greeting
    await emu.quiet(0.3)
    assert not [m for m in emu.sent(new) if "let's check" in (m.text or "")]


async def test_an_upgraded_group_that_is_not_quiet_still_gets_no_second_intro(bot):
    emu = bot.emu
    ann = emu.user(first_name="Ann", language_code="en")
    group = await _group_with_bot(emu, ann, supergroup=False)
    new = group.migrate_to_supergroup(by=ann)
    await emu.quiet(0.5)
    assert _intros(emu, new) == [] and len(_intros(emu, group)) == 1
    new_group = emu.group("Another", supergroup=True)  # a real first join still introduces
    new_group.add_member(ann, "creator").add_bot(by=ann)
    await emu.wait_for("I check which Hong Kong", chat_id=new_group, timeout=10)


def _asks(m, person, qid: str) -> bool:
    """A group message holding `person`'s question `qid` (its buttons carry owner and id)."""
    return any(f"|{person.id}|" in d and f"|{qid}|" in d for row in m.buttons for _, d in row)


async def _past_goal_in(emu, person, group):
    """A group check opens with the goal question: answer it "not sure"; returns the person's
    nationality question."""
    goal = await emu.wait_for(lambda m: _asks(m, person, "goal"), chat_id=group, timeout=10)
    await person.press(goal, "Not sure yet")
    return await emu.wait_for(
        lambda m: _asks(m, person, "nationality"), chat_id=group, timeout=10
    )


async def test_typed_answers_in_a_forums_general_topic(bot):
    """A reply in General carries message_thread_id without is_topic_message; the bot must not
    take it for a topic (sending to thread 1, General, is refused)."""
    emu = bot.emu
    ann = emu.user(first_name="Ann", language_code="en")
    forum = await _group_with_bot(emu, ann, forum=True)
    await ann.send(f"/check@{emu.bot.username}", chat=forum)
    question = await _past_goal_in(emu, ann, forum)
    await ann.press(question, "India")
    age = await emu.wait_for("How old", chat_id=forum, timeout=10)
    reply = await ann.send("33", chat=forum, reply_to=age)
    assert reply.data.get("message_thread_id") and "is_topic_message" not in reply.data
    # the checklist that follows moves the check to a private chat
    await emu.wait_for(lambda m: "Continue privately" in str(m.buttons), chat_id=forum, timeout=10)
    await ann.send(f"/summary@{emu.bot.username}", chat=forum)
    summary = await emu.wait_for("Your answers", chat_id=forum, timeout=10)
    assert "33" in summary.text and "India" in summary.text
    assert emu.calls("sendMessage", ok=False) == [] and emu.calls("editMessageText", ok=False) == []


async def test_anonymous_admins_use_settings_and_get_a_private_check_never_a_shared_session(bot):
    """An anonymous administrator posts as the group: `from` is GroupAnonymousBot (one id for
    every anonymous admin of every group), `sender_chat` the group."""
    emu = bot.emu
    ann, bob = emu.user(first_name="Ann"), emu.user(first_name="Bob")
    group = await _group_with_bot(emu, ann)
    group.add_member(bob, "administrator")
    name = emu.bot.username
    await ann.send(f"/settings@{name}", chat=group, anonymous=True)
    panel = await emu.wait_for("Settings for", chat_id=group, timeout=10)
    await bob.press(panel, panel.buttons[1][0][0])  # another admin (a person) changes a setting
    await emu.wait_for(lambda m: "(scheme names only): on" in (m.text or ""), chat_id=group,
                       timeout=10)  # fmt: skip

    for text in (f"/check@{name}", f"/start@{name}", f"/summary@{name}"):
        await bob.send(text, chat=group, anonymous=True)
        offer = await emu.wait_for("posting as the group", chat_id=group, timeout=10)
        (label, url), = [b for row in offer.buttons for b in row]
        assert url == f"https://t.me/{name}?start=check" and "privately" in label
    await bob.send("33", chat=group, reply_to=offer, anonymous=True)
    await emu.quiet(0.3)
    assert "posting as the group" in emu.last(group).text  # a typed reply gets nothing
    await bob.send(f"/help@{name}", chat=group, anonymous=True)  # needs nobody: answered
    await emu.wait_for("How this works", chat_id=group, timeout=10)
    async with bot.store.transaction() as tx:
        assert await tx.load_session(SessionKey(group.id, 1087968824, 0)) is None
        assert await tx.load_user(1087968824) is None

    await bob.start("check")  # the button opens the private chat: Bob's own check
    await past_goal(emu, bob)


async def test_group_texts_name_commands_for_this_bot(bot):
    """With privacy mode a bare /command may reach another bot, or none: every command the bot
    names in a group is /command@bot."""
    import re

    emu = bot.emu
    ann = emu.user(first_name="Ann", language_code="en")
    group = await _group_with_bot(emu, ann)
    await ann.send(f"/help@{emu.bot.username}", chat=group)
    await emu.wait_for("in a group", chat_id=group, timeout=10)
    await ann.send("a reply to the intro", chat=group, reply_to=_intros(emu, group)[0])
    await emu.wait_for("start your own check first", chat_id=group, timeout=10)
    texts = [m.text or "" for m in emu.sent(group)]
    named = [c for text in texts for c in re.findall(r"/[a-z_]+(?:@\w+)?", text)]
    assert named and all(c.endswith(f"@{emu.bot.username}") for c in named), named


async def test_an_edited_reply_in_a_group_changes_that_members_answer_only(bot):
    emu = bot.emu
    ann, bob = emu.user(first_name="Ann"), emu.user(first_name="Bob")
    group = await _group_with_bot(emu, ann)
    group.add_member(bob)
    name = emu.bot.username
    ages = {}
    for person, country in ((ann, "India"), (bob, "Canada")):
        await person.send(f"/check@{name}", chat=group)
        question = await _past_goal_in(emu, person, group)
        await person.press(question, country)
        ages[person.id] = await emu.wait_for("How old", chat_id=group, timeout=10)
    answer = await ann.send("33", chat=group, reply_to=ages[ann.id])
    # the checklist that follows moves each check to a private chat
    await emu.wait_for(lambda m: "Continue privately" in str(m.buttons)
                       and "Ann" in (m.text or ""), chat_id=group, timeout=10)
    await bob.send("41", chat=group, reply_to=ages[bob.id])
    await emu.wait_for(lambda m: "Continue privately" in str(m.buttons)
                       and "Bob" in (m.text or ""), chat_id=group, timeout=10)
    await ann.edit(answer, "34")
    changed = await emu.wait_for("Changed your answer", chat_id=group, timeout=10)
    assert "34" in changed.text
    await emu.quiet(0.3)
    await ann.send(f"/summary@{name}", chat=group)
    summary = await emu.wait_for("Your answers", chat_id=group, timeout=10)
    assert "34" in summary.text and "33" not in summary.text and "41" not in summary.text
    await bob.send(f"/summary@{name}", chat=group)
    summary = await emu.wait_for("Your answers", chat_id=group, timeout=10)
    assert "41" in summary.text and "34" not in summary.text


async def test_an_edited_command_runs_nothing_again(bot):
    emu = bot.emu
    user = emu.user(first_name="Cmd", language_code="en")
    await user.send("/start")
    await past_goal(emu, user)
    await user.send("Japan")
    await emu.wait_for("How old", chat_id=user, timeout=10)
    command = await user.send("/help")
    await emu.wait_for("How this works", chat_id=user, timeout=10)
    await user.edit(command, "/restart")
    await emu.wait_for("not taken as an answer", chat_id=user, timeout=10)
    await emu.quiet(0.3)
    await user.send("/summary")
    summary = await emu.wait_for("Your answers", chat_id=user, timeout=10)
    assert "Japan" in summary.text  # not restarted

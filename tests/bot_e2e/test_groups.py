"""Groups, forum topics and channels end to end: the real Application, the emulator, scripted
members."""

from __future__ import annotations

from tests.bot_e2e.conftest import bot_settings, run_bot
from tests.bot_e2e.walker import not_sure, question_of


def _labels(message) -> list[str]:
    return [text for row in message.buttons for text, _ in row]


async def _setup_group(emu, *members, supergroup=True, forum=False):
    group = emu.group("HK careers", supergroup=supergroup, forum=forum)
    owner = members[0]
    group.add_member(owner, "creator")
    for m in members[1:]:
        group.add_member(m)
    group.add_bot(by=owner)
    await emu.wait_for("I check which Hong Kong", chat_id=group)  # the bot introduces itself
    return group


async def _handoff_for(emu, group, name):
    return await emu.wait_for(
        lambda m: "Continue privately" in " ".join(_labels(m)) and name in (m.text or ""),
        chat_id=group,
    )


def _is_question(m, user, qid) -> bool:
    return (
        bool(m.buttons)
        and (q := question_of(m, "en")) is not None
        and q["id"] == qid
        and any(str(user.id) in d for row in m.buttons for _, d in row)
    )


async def _question_for(emu, group, user, qid):
    if qid == "nationality":  # a new session opens with the goal: answer it "not sure"
        # (it may have been sent before someone else's last action, so look at what is there)
        shown = [m for m in emu.sent(group) if _is_question(m, user, "goal")]
        goal = shown[-1] if shown else await _question_for(emu, group, user, "goal")
        await user.press(goal, not_sure("goal"))
    return await emu.wait_for(
        lambda m: (
            bool(m.buttons)
            and (q := question_of(m, "en")) is not None
            and q["id"] == qid
            and any(str(user.id) in d for row in m.buttons for _, d in row)
        ),
        chat_id=group,
    )


async def test_two_members_interleave_and_a_third_cannot_press(bot):
    emu = bot.emu
    ann, bob, cat = (emu.user(first_name=n, language_code="en") for n in ("Ann", "Bob", "Cat"))
    group = await _setup_group(emu, ann, bob, cat)
    bot_name = emu.bot.username

    await ann.send(f"/check@{bot_name}", chat=group)
    ann_q = await _question_for(emu, group, ann, "nationality")
    await bob.send("/check", chat=group)
    bob_q = await _question_for(emu, group, bob, "nationality")
    assert ann_q.message_id != bob_q.message_id
    assert ann_q.reply_to is not None  # threaded to the person

    await ann.press(ann_q, "India")
    ann_age = await _question_for(emu, group, ann, "age")
    await bob.press(bob_q, "Canada")
    bob_age = await _question_for(emu, group, bob, "age")

    # Cat presses Ann's button: an alert, and nothing changes
    before = ann_age.text
    await cat.press(ann_age, "⬅️ Back")
    answer = await emu.wait_for_call("answerCallbackQuery")
    assert answer.params.get("show_alert") in (True, "true")
    assert "someone else" in emu.callback_answers[-1].text
    assert emu.last(group).message_id >= bob_age.message_id
    assert ann_age.text == before

    # typed answers are replies to the bot's question
    # the checklist that follows holds a criminal-record line: it moves each to a private chat
    await ann.send("33", chat=group, reply_to=ann_age)
    await _handoff_for(emu, group, "Ann")
    await bob.send("41", chat=group, reply_to=bob_age)
    await _handoff_for(emu, group, "Bob")

    # people talking to each other are ignored
    before_count = len(emu.sent(group))
    await cat.send("anyone going to the career fair?", chat=group)
    await emu.quiet(0.2)
    assert len(emu.sent(group)) == before_count

    # each summary holds only its owner's answers
    await ann.send("/summary", chat=group)
    summary = await emu.wait_for("Your answers", chat_id=group)
    assert "India" in summary.text and "33" in summary.text
    assert "Canada" not in summary.text and "41" not in summary.text


async def test_reply_from_someone_without_a_session_gets_a_hint(bot):
    emu = bot.emu
    ann, bob = emu.user(first_name="Ann"), emu.user(first_name="Bob")
    group = await _setup_group(emu, ann, bob)
    await ann.send("/check", chat=group)
    q = await _question_for(emu, group, ann, "nationality")
    await bob.send("Vietnam", chat=group, reply_to=q)
    await emu.wait_for("start your own check first", chat_id=group)
    await ann.send("/summary", chat=group)
    summary = await emu.wait_for("Your answers", chat_id=group)
    assert "What you want: Not sure yet" in summary.text and "Nationality" not in summary.text


async def test_same_user_in_two_groups_and_privately(bot):
    emu = bot.emu
    ann = emu.user(first_name="Ann")
    g1 = await _setup_group(emu, ann)
    g2 = emu.group("Alumni", supergroup=True)
    g2.add_member(ann, "creator")
    g2.add_bot(by=ann)
    await emu.wait_for("I check which Hong Kong", chat_id=g2)

    await ann.send("/check", chat=g1)
    await ann.press(await _question_for(emu, g1, ann, "nationality"), "India")
    await ann.send("/check", chat=g2)
    await ann.press(await _question_for(emu, g2, ann, "nationality"), "Vietnam")
    await ann.send("/start")
    from tests.bot_e2e.walker import past_goal

    private_q = await past_goal(emu, ann)
    await ann.press(private_q, "Canada")
    await emu.wait_for("How old", chat_id=ann)

    for chat, country in ((g1, "India"), (g2, "Vietnam"), (ann, "Canada")):
        await ann.send("/summary", chat=None if chat is ann else chat)
        summary = await emu.wait_for("Your answers", chat_id=chat)
        assert country in summary.text, (chat, summary.text)


async def test_forum_topics_keep_separate_sessions_and_reply_in_thread(bot):
    emu = bot.emu
    ann = emu.user(first_name="Ann")
    forum = await _setup_group(emu, ann, forum=True)
    visas = forum.create_topic("Visas")
    jobs = forum.create_topic("Jobs")
    await ann.send("/check", chat=forum, thread_id=visas)
    q1 = await _question_for(emu, forum, ann, "nationality")
    assert q1.thread_id == visas
    await ann.press(q1, "India")
    await _question_for(emu, forum, ann, "age")
    await ann.send("/check", chat=forum, thread_id=jobs)
    q2 = await _question_for(emu, forum, ann, "nationality")  # a new session in the other topic
    assert q2.thread_id == jobs


async def test_removed_and_readded_bot_is_tracked(bot):
    emu = bot.emu
    ann = emu.user(first_name="Ann")
    group = await _setup_group(emu, ann)

    async def row():
        async with bot.store.transaction() as tx:
            return tx.load_chat(group.id)

    assert (await row()).active is True
    group.remove_bot(by=ann)
    await emu.wait_for_call("getUpdates")
    await emu.quiet(0.2)
    assert (await row()).active is False
    group.add_bot(by=ann, as_admin=True)
    await emu.wait_for("I check which Hong Kong", chat_id=group)
    stored = await row()
    assert stored.active is True and stored.bot_admin is True and stored.title == "HK careers"


async def test_group_migrated_to_supergroup_keeps_settings_and_sessions(bot):
    emu = bot.emu
    ann = emu.user(first_name="Ann")
    group = await _setup_group(emu, ann, supergroup=False)
    await ann.send("/settings", chat=group)
    panel = await emu.wait_for("Settings for", chat_id=group)
    await ann.press(panel, "繁體中文")
    await emu.wait_for(lambda m: "✓ 繁體中文" in _labels(m), chat_id=group)
    await ann.send("/check", chat=group)
    q = await emu.wait_for(
        lambda m: bool(m.buttons) and question_of(m, "zh-hant") is not None, chat_id=group
    )
    await ann.press(q, "未確定")  # the opening question: the goal
    q = await emu.wait_for(lambda m: "印度" in _labels(m), chat_id=group)
    await ann.press(q, "印度")
    await emu.quiet(0.2)

    new = group.migrate_to_supergroup(by=ann)
    await emu.quiet(0.3)
    async with bot.store.transaction() as tx:
        moved = tx.load_chat(new.id)
        assert moved is not None and moved.lang == "zh-hant" and moved.type == "supergroup"
        assert tx.load_chat(group.id).migrated_to == new.id
    await ann.send("/summary", chat=new)
    summary = await emu.wait_for("你的答案", chat_id=new)
    assert "印度" in summary.text


async def test_only_admins_change_settings(bot):
    emu = bot.emu
    ann, bob = emu.user(first_name="Ann"), emu.user(first_name="Bob")
    group = await _setup_group(emu, ann, bob)
    await bob.send("/settings", chat=group)
    await emu.wait_for("only this group's administrators", chat_id=group)
    await ann.send("/settings", chat=group)
    panel = await emu.wait_for("Settings for", chat_id=group)
    await bob.press(panel, panel.buttons[1][0][0])  # a non-admin presses the admin's panel
    assert "only this group's administrators" in (
        await emu.wait_for_call("answerCallbackQuery")
    ).params.get("text", "")
    await ann.press(panel, panel.buttons[1][0][0])
    toggled = await emu.wait_for(
        lambda m: "Results posted in the group (scheme names only): on" in (m.text or ""),
        chat_id=group,
    )
    assert toggled.message_id == panel.message_id
    await ann.send("/settings")  # in private
    await emu.wait_for("Settings are for groups", chat_id=ann)


async def test_sensitive_questions_move_to_a_private_chat(bot):
    emu = bot.emu
    ann = emu.user(first_name="Ann")
    group = await _setup_group(emu, ann)
    await ann.send("/settings", chat=group)
    panel = await emu.wait_for("Settings for", chat_id=group)
    await ann.press(panel, panel.buttons[1][0][0])  # results in the group: on
    await emu.wait_for(lambda m: ": on" in (m.text or ""), chat_id=group)

    await ann.send("/check", chat=group)
    screen = await emu.wait_for(lambda m: bool(m.buttons), chat_id=group)
    answers = {"nationality": "Vietnam", "age": "35", "education": "Bachelor's degree"}
    for _ in range(40):
        if "Continue privately" in " ".join(_labels(screen)):
            break
        q = question_of(screen, "en")
        assert q is not None, screen.text
        assert q["id"] not in {
            "income",
            "assets",
            "invest",
            "profit",
            "record",
            "salary",
            "self_support",
        }
        answer = answers.get(q["id"])
        labels = _labels(screen)
        if answer is None:
            answer = next((x for x in labels if x == "Not sure"), None) or labels[0]
        if answer in labels:
            await ann.press(screen, answer)
        else:
            await ann.send(answer, chat=group, reply_to=screen)
        screen = await emu.wait_for(lambda m: bool(m.buttons), chat_id=group)
    url = next(u for row in screen.buttons for t, u in row if "Continue privately" in t)
    payload = url.split("start=", 1)[1]
    assert str(ann.id) not in payload and "Vietnam" not in payload  # no personal data

    await ann.start(payload)
    await emu.wait_for("continue privately", chat_id=ann)
    private_q = await emu.wait_for(lambda m: bool(m.buttons) and question_of(m, "en"), chat_id=ann)
    assert question_of(private_q, "en")["id"] in {
        "income",
        "assets",
        "invest",
        "profit",
        "record",
        "salary",
        "self_support",
        "facts",  # the checklist holds the criminal-record line
    }
    await ann.send("/summary")
    summary = await emu.wait_for("Your answers", chat_id=ann)
    assert "Vietnam" in summary.text
    await ann.press(summary, "▶️ Continue")

    # finish privately: the group hears only the scheme names
    from tests.bot_e2e.walker import walk_to_result

    _, result = await walk_to_result(emu, ann, "en", {"income": "3000000"})
    assert "TTPS" in "\n".join(m.text for m in result)
    announced = await emu.wait_for("finished the check", chat_id=group)
    assert "TTPS" in announced.text
    assert "3,000,000" not in announced.text and "Vietnam" not in announced.text


async def test_group_replies_never_exceed_the_group_limit(bot_api, tmp_path):
    emu = bot_api
    # The bot paces to exactly the same 6 a minute (a minute is one real second here).
    emu.limits(per_group_per_minute=6)
    settings = bot_settings(
        emu, tmp_path / "bot.sqlite3", group_messages_per_minute=6, group_rate_window_seconds=1.0
    )
    emu.clock.scale = 60.0  # the emulator's minute passes in one real second
    async with run_bot(emu, settings):
        people = [emu.user(first_name=f"P{i}") for i in range(4)]
        group = emu.group("Busy", supergroup=True)
        group.add_member(people[0], "creator")
        for p in people[1:]:
            group.add_member(p)
        group.add_bot(by=people[0])
        for p in people:  # bare /check may reach another bot (privacy mode): name ours
            await p.send(f"/check@{emu.bot.username}", chat=group)
        for p in people:
            await _question_for(emu, group, p, "nationality")
    assert emu.rate_limited == 0
    assert len([m for m in emu.sent(group) if question_of(m, "en")]) == 4


async def test_a_stranger_cannot_confirm_someone_elses_forget(bot):
    from tests.bot_e2e.conftest import rows_about

    emu = bot.emu
    ann, bob = emu.user(first_name="Ann"), emu.user(first_name="Bob")
    group = await _setup_group(emu, ann, bob)
    await bob.send("/check", chat=group)
    await _question_for(emu, group, bob, "nationality")
    await ann.send("/forget", chat=group)
    confirm = await emu.wait_for("cannot be undone", chat_id=group)
    rows_before = await rows_about(bot.db_url, bob.id)
    await bob.press(confirm, "Yes, delete everything")
    answer = await emu.wait_for_call("answerCallbackQuery")
    assert "someone else" in answer.params.get("text", "")
    assert await rows_about(bot.db_url, bob.id) == rows_before
    assert "cannot be undone" in emu.sent(group)[-1].text or any(
        "cannot be undone" in (m.text or "") for m in emu.sent(group)
    )

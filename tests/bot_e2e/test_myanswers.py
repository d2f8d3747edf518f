"""Compare from a result, /myanswers, an answers file sent back and /resume CODE, end to end: the
real Application against the Bot API emulator on 127.0.0.1."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from bot.store import SessionKey, open_store
from rules import evaluate_profile
from rules.profile import Profile
from tests.bot_e2e.conftest import bot_settings, rows_about, run_bot
from tests.bot_e2e.walker import QUESTIONS, labels, past_goal, walk_to_result

LIMIT = 4096
EARNER = {"age": "35", "income": "3000000"}  # TTPS A and New CIES fit (the walker's Vietnam)
RESTORED = "Your answers are back"
KEPT = "Nothing has changed: your answers are as they were."
CODE = re.compile(r"([A-Z2-9]{4}-[A-Z2-9]{4})")


async def _result(emu, user, lang: str = "en", answers=EARNER):
    await user.send("/start")
    _, result = await walk_to_result(emu, user, lang, answers)
    return result


async def _answers_file(emu, user) -> tuple[bytes, str]:
    """/myanswers: the document's bytes and the resume code shown after it."""
    await user.send("/myanswers")
    document = await emu.wait_for(lambda m: m.kind == "document", chat_id=user)
    assert document.data["document"]["file_name"] == "my-answers.json"
    note = await emu.wait_for("resume code", chat_id=user)
    content = emu.files[document.data["document"]["file_id"]]["content"]
    found = CODE.search(note.text)
    assert found, note.text
    return content, found.group(1)


async def _session(db_url: str, key: SessionKey) -> dict | None:
    store = open_store(db_url)
    await store.open()
    try:
        async with store.transaction() as tx:
            stored = await tx.load_session(key)
    finally:
        await store.close()
    return json.loads(stored.data)["answers"] if stored else None


# --- compare from a result ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "lang", "button", "title", "aspects"),
    [
        ("en", "en", "⚖️ Compare TTPS · New CIES", "Compare: TTPS · New CIES",
         ("Who it is for", "Fees", "Sources")),
        ("zh-hk", "zh-hant", "⚖️ 比較 TTPS · New CIES", "比較：TTPS · New CIES",
         ("適合對象", "費用", "資料來源")),
        ("zh-cn", "zh-hans", "⚖️ 比较 TTPS · New CIES", "比较：TTPS · New CIES",
         ("适合对象", "费用", "资料来源")),
    ],
)  # fmt: skip
async def test_compare_from_a_result(bot, code, lang, button, title, aspects):
    emu = bot.emu
    user = emu.user(first_name="Ana", language_code=code)
    result = await _result(emu, user, lang)
    last = result[-1]
    before = [m.text for m in result]
    assert button in labels(last)
    await user.press(last, button)
    await emu.wait_for(title, chat_id=user)
    tail = await emu.wait_for(
        lambda m: "⚖️" in "".join(labels(m)) and m.message_id > last.message_id, chat_id=user
    )
    sent = emu.sent(user)
    start = max(i for i, m in enumerate(sent) if title in (m.text or ""))
    text = "\n".join(m.text or "" for m in sent[start:])
    for aspect in aspects:
        assert aspect in text
    assert "TTPS" in text and "New CIES" in text
    if lang == "en":
        assert "2,500,000" in text  # TTPS A's threshold in force
    assert tail.message_id >= sent[start].message_id
    # the result itself is as it was (the comparison comes in new messages)
    ids = {r.message_id for r in result}
    assert [m.text for m in emu.sent(user) if m.message_id in ids] == before
    assert all(len(m.text or "") <= LIMIT for m in emu.sent(user))
    assert not [r for r in emu.requests if not r.ok and r.status != 499]


async def test_one_fitting_scheme_has_no_compare_button(bot):
    emu = bot.emu
    user = emu.user(first_name="Bo", language_code="en")
    answers = {"age": "35", "income": "500000", "education": "Secondary school or below"}
    result = await _result(emu, user, "en", answers)  # only New CIES is possible
    assert "ℹ️ New CIES" in labels(result[-1])
    assert not [label for label in labels(result[-1]) if label.startswith("⚖️")]


# --- /myanswers: the file, restoring it, the resume code ------------------------------------


async def test_export_import_round_trip(bot):
    emu = bot.emu
    user = emu.user(first_name="Cy", language_code="en")
    result = await _result(emu, user)
    before = result[0].text
    content, _code = await _answers_file(emu, user)
    profile = json.loads(content)
    assert profile["age"] == 35 and profile["annual_income_hkd"] == 3_000_000
    assert profile["nationality"] == "VN"
    # the contract's profile format: the rules read it as it is
    evaluation = evaluate_profile(Profile.model_validate_json(content), "en")
    assert any(r.scheme == "TTPS" and r.status == "match" for r in evaluation.results)

    await user.send("/restart")
    await emu.wait_for(QUESTIONS["goal"]["prompt"]["en"], chat_id=user)
    await user.send_document("my-answers.json", content=content, mime_type="application/json")
    await emu.wait_for(RESTORED, chat_id=user)
    again = await emu.wait_for(lambda m: (m.text or "").startswith("✅ Schemes that fit you"),
                               chat_id=user)  # fmt: skip
    assert again.text == before
    assert emu.last(user).message_id >= again.message_id  # the result is the last message


async def test_a_partial_file_resumes_the_questionnaire(bot):
    emu = bot.emu
    user = emu.user(first_name="Di", language_code="en")
    await user.send("/start")
    await past_goal(emu, user)
    content = json.dumps({"nationality": "VN", "age": 31}).encode()
    await user.send_document("answers.json", content=content, mime_type="application/json")
    await emu.wait_for(RESTORED, chat_id=user)
    question = await emu.wait_for(QUESTIONS["facts"]["prompt"]["en"], chat_id=user)
    assert emu.last(user).message_id == question.message_id
    answers = await _session(bot.db_url, SessionKey(user.id, user.id, 0))
    assert answers == {"goal": None, "nationality": "VN", "age": 31}


FORGED = [
    (b"%PDF-1.4 not json", "I cannot read that file"),
    (b"\xff\xfe\x00garbage", "I cannot read that file"),
    (b"[1, 2, 3]", "should be one JSON object"),
    (b'{"age": 35, "colour": "blue"}', 'a field no question asks about: "colour"'),
    (b'{"age": "thirty"}', 'no answer can have, in "age"'),
    (b'{"age": 35.5}', 'no answer can have, in "age"'),
    (b'{"age": 3}', 'no answer can have, in "age"'),
    (b'{"nationality": "XX"}', 'no answer can have, in "nationality"'),
    (b'{"education": "wizard"}', 'no answer can have, in "education"'),
    (b'{"good_english": "yes"}', 'no answer can have, in "good_english"'),
    (b'{"bachelor_awarded_on": "2999-01-01", "age": 30}', 'no answer can have, in "bachelor_'),
    (b"{}", "holds no answers"),
    (b'{"age": 35, "pad": "' + b"x" * 20_000 + b'"}', "too big"),
]  # fmt: skip


async def test_forged_and_malformed_files_are_refused_and_nothing_is_lost(bot):
    emu = bot.emu
    user = emu.user(first_name="Ed", language_code="en")
    await user.send("/start")
    nationality = await past_goal(emu, user)
    await user.press(nationality, "Vietnam")
    age = await emu.wait_for(QUESTIONS["age"]["prompt"]["en"], chat_id=user)
    key = SessionKey(user.id, user.id, 0)
    kept = await _session(bot.db_url, key)
    assert kept == {"goal": None, "nationality": "VN"}
    for content, reason in FORGED:
        await user.send_document("answers.json", content=content, mime_type="application/json")
        refusal = await emu.wait_for(KEPT, chat_id=user)
        assert reason in refusal.text, (content[:60], refusal.text)
        # the question they were at is asked again, and is the last message
        shown = await emu.wait_for(QUESTIONS["age"]["prompt"]["en"], chat_id=user)
        assert emu.last(user).message_id == shown.message_id
        assert await _session(bot.db_url, key) == kept
    # a file over the Bot API's 20 MB is refused by its size, without a download
    await user.send_document("huge.json", file_size=25 * 1024 * 1024)
    refusal = await emu.wait_for(KEPT, chat_id=user)
    assert "too big" in refusal.text
    assert not emu.calls("getFile", ok=False)
    # and the questionnaire goes on from where it was
    await user.send("40")
    await emu.wait_for(QUESTIONS["facts"]["prompt"]["en"], chat_id=user)
    assert age.message_id  # (the age question was answered after all the refusals)
    assert (await _session(bot.db_url, key)) == {**kept, "age": 40}


async def test_resume_code_in_a_group_only_for_its_owner(bot):
    emu = bot.emu
    ann = emu.user(first_name="Ann", language_code="en")
    bob = emu.user(first_name="Bob", language_code="en")
    await _result(emu, ann)
    _content, code = await _answers_file(emu, ann)
    group = emu.group("Visa chat", supergroup=True)
    group.add_member(ann, "creator").add_member(bob)
    group.add_bot(ann)
    name = emu.bot.username
    # someone else's code answers as a wrong one, and changes nothing for them
    await bob.send(f"/resume@{name} {code}", chat=group)
    reply = await emu.wait_for("does not work for you", chat_id=group)
    assert code not in reply.text
    assert await _session(bot.db_url, SessionKey(group.id, bob.id, 0)) is None
    # its owner gets their answers in the group (typed in any case, without the dash)
    await ann.send(f"/resume@{name} {code.lower().replace('-', ' ')}", chat=group)
    await emu.wait_for(RESTORED, chat_id=group)
    answers = await _session(bot.db_url, SessionKey(group.id, ann.id, 0))
    assert answers is not None and answers["age"] == 35 and answers["income"] == 3_000_000


async def test_the_code_is_shown_only_in_private_chats(bot):
    emu = bot.emu
    ann = emu.user(first_name="Ann", language_code="en", started=True)
    group = emu.group("Visa chat", supergroup=True)
    group.add_member(ann, "creator")
    group.add_bot(ann)
    await ann.send(f"/myanswers@{emu.bot.username}", chat=group)
    await emu.wait_for("not answered any questions yet", chat_id=group)
    await ann.send(f"/check@{emu.bot.username}", chat=group)
    goal = await emu.wait_for(QUESTIONS["goal"]["prompt"]["en"], chat_id=group)
    await ann.press(goal, "Find work")
    await emu.wait_for(QUESTIONS["nationality"]["prompt"]["en"], chat_id=group)
    await ann.send(f"/myanswers@{emu.bot.username}", chat=group)
    await emu.wait_for("sent your answers to you in our private chat", chat_id=group)
    document = await emu.wait_for(lambda m: m.kind == "document", chat_id=ann)
    content = emu.files[document.data["document"]["file_id"]]["content"]
    assert json.loads(content) == {"as_of": json.loads(content)["as_of"]}  # the goal: no field
    for chat in (group.id, ann.id):
        assert not [m for m in emu.sent(chat) if CODE.search(m.text or "")]


async def test_a_code_expires_after_the_configured_days(bot_api, tmp_path):
    db = tmp_path / "bot.sqlite3"
    start = date(2026, 1, 1)
    async with run_bot(bot_api, bot_settings(bot_api, db, bot_today=start)) as running:
        ann = running.emu.user(id=4242, first_name="Ann", language_code="en")
        await _result(running.emu, ann)
        _content, code = await _answers_file(running.emu, ann)
        note = running.emu.last(ann).text
        assert "2026-03-02" in note and "60 days" in note
    # the last valid day: still restores
    async with run_bot(bot_api, bot_settings(bot_api, db, bot_today=date(2026, 3, 2))) as running:
        await ann.send(f"/resume {code}")
        await running.emu.wait_for(RESTORED, chat_id=ann)
    # a day later: refused as a wrong code would be
    async with run_bot(bot_api, bot_settings(bot_api, db, bot_today=date(2026, 3, 3))) as running:
        await ann.send(f"/resume {code}")
        await running.emu.wait_for("does not work for you", chat_id=ann)
    # RESUME_CODE_DAYS changes how long a new code lasts
    settings = bot_settings(bot_api, db, bot_today=start, resume_code_days=7)
    async with run_bot(bot_api, settings) as running:
        _content, code = await _answers_file(running.emu, ann)
        assert "2026-01-08" in running.emu.last(ann).text


async def test_guessing_is_rate_limited_per_user(bot_api, tmp_path):
    settings = bot_settings(bot_api, tmp_path / "bot.sqlite3", resume_attempts_per_hour=3)
    async with run_bot(bot_api, settings) as running:
        emu = running.emu
        ann = emu.user(first_name="Ann", language_code="en")
        bob = emu.user(first_name="Bob", language_code="en")
        await _result(emu, ann)
        _content, code = await _answers_file(emu, ann)
        for guess in ("AAAA-AAAA", "not a code", "BBBB-BBBB"):
            await ann.send(f"/resume {guess}")
            await emu.wait_for("does not work for you", chat_id=ann)
        await ann.send(f"/resume {code}")  # the right code, after too many wrong ones
        await emu.wait_for("Too many codes tried", chat_id=ann)
        await bob.send("/resume CCCC-CCCC")  # per user: Bob's tries are his own
        await emu.wait_for("does not work for you", chat_id=bob)
        await ann.send("/resume")
        await emu.wait_for("Send /resume followed by your code", chat_id=ann)


async def test_forget_removes_codes_and_tries(bot):
    emu = bot.emu
    user = emu.user(first_name="Fay", language_code="en")
    await _result(emu, user)
    await _answers_file(emu, user)
    await user.send("/resume WRONG-CODE")
    await emu.wait_for("does not work for you", chat_id=user)
    assert await rows_about(bot.db_url, user.id) >= 4  # session, user, chat, code, try
    await user.send("/forget")
    confirm = await emu.wait_for("cannot be undone", chat_id=user)
    await user.press(confirm, "Yes, delete everything")
    await emu.wait_for("nothing about you is stored", chat_id=user)
    assert await rows_about(bot.db_url, user.id) == 0


async def test_the_commands_are_in_the_menus(bot):
    emu = bot.emu
    user = emu.user(first_name="Gil", language_code="zh-hk")
    await user.send("/myanswers")
    await emu.wait_for("你尚未回答任何問題", chat_id=user)
    commands = {c["command"]: c["description"] for c in emu.effective_commands(user.chat_id, user)}
    assert commands["myanswers"] == "下載我的答案檔案" and "resume" in commands
    group = emu.group("Menu group", supergroup=True)
    group.add_member(user, "creator")
    group.add_bot(user)
    assert "resume" in [c["command"] for c in emu.effective_commands(group, user)]


async def test_in_a_group_without_a_private_chat_the_file_is_not_posted(bot):
    emu = bot.emu
    cai = emu.user(first_name="Cai", language_code="en")  # never opened a chat with the bot
    group = emu.group("Visa chat", supergroup=True)
    group.add_member(cai, "creator")
    group.add_bot(cai)
    await cai.send(f"/check@{emu.bot.username}", chat=group)
    goal = await emu.wait_for(QUESTIONS["goal"]["prompt"]["en"], chat_id=group)
    await cai.press(goal, "Find work")
    await emu.wait_for(QUESTIONS["nationality"]["prompt"]["en"], chat_id=group)
    await cai.send(f"/myanswers@{emu.bot.username}", chat=group)
    reply = await emu.wait_for("open a chat with me first", chat_id=group)
    assert any("t.me/" in data for row in reply.buttons for _, data in row)
    assert not [m for m in emu.sent(group) if m.kind == "document"]

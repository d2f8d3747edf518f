"""Deadline reminders end to end (issue 14): the real Application against the Bot API emulator.

A fresh Hong Kong graduate (IANG, apply within six months of graduating) presses "Remind me"
under the result; the date is moved (BOT_TODAY, as the contract lets tests do) and the sender
woken; each reminder arrives once, in the person's language, naming the scheme, the date and the
official page; a restart, a reminder left `sending` by a kill, a past deadline, /reminders'
cancel buttons, /forget and a blocked bot each do what they should.
"""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from bot.reminders import REMINDERS_KEY
from tests.bot_e2e.conftest import bot_settings, rows_about, run_bot
from tests.bot_e2e.walker import labels, walk_to_result
from tests.telegram_emulator import BotApiEmulator

TODAY = date(2026, 12, 2)  # IANG's deadline for a 1 September 2026 graduate: 1 March 2027
IANG_URL = "https://www.immd.gov.hk/eng/services/visas/IANG.html"
GRADUATE = {
    "en": {"nationality": "Vietnam", "age": "24", "facts": "8", "education": "Bachelor's degree",
           "hk_bachelor": "Yes", "graduated": "2026-09-01"},
    "zh-hant": {"nationality": "越南", "age": "24", "facts": "8", "education": "學士學位",
                "hk_bachelor": "是", "graduated": "2026-09-01"},
}  # fmt: skip
REMIND = {"en": "⏰ Remind me before the deadline", "zh-hant": "⏰ 截止日期前提醒我"}
MARK = {"en": "⏰ Reminder: IANG", "zh-hant": "⏰ 提醒：IANG"}


def settings_for(emu: BotApiEmulator, tmp_path: Path, today: date = TODAY, **kw):
    return bot_settings(emu, tmp_path / "bot.sqlite3", bot_today=today,
                        reminder_poll_seconds=0.2, **kw)  # fmt: skip


async def remind_me(emu, user, lang: str = "en"):
    await user.send("/start")
    _, result = await walk_to_result(emu, user, lang, GRADUATE[lang])
    last = result[-1]
    assert REMIND[lang] in labels(last)
    # the contract's layout: the reminder button is no "result" or "now" button
    assert not any(w in REMIND[lang] for w in ("result", "now", "結果", "現在"))
    record = await user.press(last, REMIND[lang])
    await emu.quiet()
    assert record.answered
    return last, (record.answer or {}).get("text", "")


def reminders_to(emu, user, lang: str = "en"):
    return [m for m in emu.sent(user) if (m.text or "").startswith(MARK[lang])]


async def move_to(running, day: date, *, passes: int = 2) -> None:
    """Treat `day` as today (BOT_TODAY) and let the sender look, twice."""
    running.settings.bot_today = day
    sender = running.app.bot_data[REMINDERS_KEY]
    for _ in range(passes):
        start = sender.passes
        sender.wake()
        for _ in range(200):
            if sender.passes > start:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.1)
    await running.emu.quiet()


async def counts(running) -> dict[str, int]:
    async with running.store.transaction() as tx:
        return await tx.reminder_counts()


async def test_remind_me_sends_each_stage_once_and_the_latest_after_a_gap(bot_api, tmp_path):
    emu = bot_api
    async with run_bot(emu, settings_for(emu, tmp_path)) as running:
        user = emu.user(first_name="Ivy", language_code="en")
        result, alert = await remind_me(emu, user)
        assert "IANG fresh (1 March 2027)" in alert and "30, 7, 1 days" in alert
        # the result stays the last message; its button now says the reminders are set
        assert emu.last(user).message_id == result.message_id
        assert "⏰ ✓ Reminders set (see /reminders)" in labels(emu.last(user))
        assert reminders_to(emu, user) == []

        await move_to(running, date(2027, 1, 29))
        assert reminders_to(emu, user) == []  # not yet
        await move_to(running, date(2027, 1, 30))
        [first] = reminders_to(emu, user)
        assert "IANG fresh</b> — Immigration Arrangements for Non-local Graduates" in (
            first.raw_text or "")
        assert "Apply by 1 March 2027 (30 days left)" in first.text
        assert f'href="{IANG_URL}"' in (first.raw_text or "")
        await move_to(running, date(2027, 1, 31))
        assert len(reminders_to(emu, user)) == 1  # once

        # the bot "missed" the 7-day one (22 February): on the 28th only the 1-day one goes
        await move_to(running, date(2027, 2, 28))
        sent = reminders_to(emu, user)
        assert len(sent) == 2 and "tomorrow is the last day" in sent[-1].text
        assert (await counts(running)).get("superseded") == 1

        # pressing Remind me again changes nothing already sent
        await user.press(result, "⏰ ✓ Reminders set (see /reminders)")
        await move_to(running, date(2027, 2, 28))
        assert len(reminders_to(emu, user)) == 2


async def test_reminders_survive_a_restart_and_a_kill_never_sends_twice(bot_api, tmp_path):
    emu = bot_api
    user = emu.user(first_name="Rae", language_code="en")
    async with run_bot(emu, settings_for(emu, tmp_path)) as running:
        await remind_me(emu, user)
    # down on 30 January; back on 1 February: the 30-day reminder still goes out
    async with run_bot(emu, settings_for(emu, tmp_path, date(2027, 2, 1))) as running:
        await move_to(running, date(2027, 2, 1))
        assert len(reminders_to(emu, user)) == 1
        # a kill -9 between claiming the 7-day reminder and its answer: the row stays `sending`
        async with running.store.transaction() as tx:
            claimed = await tx.claim_reminders("2027-02-22", 10)
        assert [r.days_before for r in claimed] == [7]
    async with run_bot(emu, settings_for(emu, tmp_path, date(2027, 2, 22))) as running:
        await move_to(running, date(2027, 2, 22))
        assert len(reminders_to(emu, user)) == 1  # uncertain: not resent
        assert (await counts(running)).get("uncertain") == 1
        await move_to(running, date(2027, 2, 28))
        assert len(reminders_to(emu, user)) == 2  # the 1-day one still comes
    async with run_bot(emu, settings_for(emu, tmp_path, date(2027, 2, 28))) as running:
        await move_to(running, date(2027, 2, 28))
        assert len(reminders_to(emu, user)) == 2  # a restart resends nothing


async def test_a_deadline_passed_while_down_is_dropped_and_counted(bot_api, tmp_path, caplog):
    emu = bot_api
    user = emu.user(first_name="Dax", language_code="en")
    async with run_bot(emu, settings_for(emu, tmp_path)):
        await remind_me(emu, user)
    caplog.set_level("WARNING", logger="bot.reminders.sender")
    async with run_bot(emu, settings_for(emu, tmp_path, date(2027, 3, 2))) as running:
        await move_to(running, date(2027, 3, 2))
        assert reminders_to(emu, user) == []
        assert running.app.bot_data[REMINDERS_KEY].dropped == 3
        assert any("reminders dropped" in r.getMessage() for r in caplog.records)
        assert await counts(running) == {}


async def test_reminders_lists_and_cancels(bot_api, tmp_path):
    emu = bot_api
    async with run_bot(emu, settings_for(emu, tmp_path)) as running:
        user = emu.user(first_name="Lin", language_code="en")
        await remind_me(emu, user)
        await user.send("/reminders")
        listing = await emu.wait_for("Your deadline reminders", chat_id=user)
        assert "• IANG fresh — apply by 1 March 2027. Reminders on: 30 January 2027, " \
               "22 February 2027, 28 February 2027" in listing.text  # fmt: skip
        assert labels(listing) == ["✖ Cancel IANG fresh"]
        [[(_, cancel)]] = listing.buttons
        await user.press(listing, "✖ Cancel IANG fresh")
        done = await emu.wait_for("Cancelled.", chat_id=user)
        assert done.message_id == listing.message_id and "no deadline reminders" in done.text
        await move_to(running, date(2027, 1, 30))
        assert reminders_to(emu, user) == []
        # a second press of the old button (a resent update): nothing left, said plainly
        await user.press_data(done, cancel)
        await emu.wait_for("Nothing to cancel", chat_id=user)


async def test_forget_removes_reminders(bot_api, tmp_path):
    emu = bot_api
    async with run_bot(emu, settings_for(emu, tmp_path)) as running:
        user = emu.user(first_name="Fay", language_code="en")
        await remind_me(emu, user)
        assert (await counts(running)).get("pending") == 3
        await user.send("/forget")
        confirm = await emu.wait_for(lambda m: bool(m.buttons), chat_id=user)
        await user.press(confirm, labels(confirm)[0])
        await emu.wait_for("nothing about you is stored", chat_id=user)
        assert await counts(running) == {}
        await move_to(running, date(2027, 1, 30))
        assert reminders_to(emu, user) == []
    assert await rows_about(running.db_url, user.id) == 0


async def test_a_blocked_bot_drops_the_reminders(bot_api, tmp_path):
    emu = bot_api
    async with run_bot(emu, settings_for(emu, tmp_path)) as running:
        user = emu.user(first_name="Bo", language_code="en")
        await remind_me(emu, user)
        user.block_bot()
        await move_to(running, date(2027, 1, 30))
        assert (await counts(running)) == {"blocked": 3}
        user.unblock_bot()
        await move_to(running, date(2027, 2, 28))
        assert reminders_to(emu, user) == []


async def test_a_reminder_in_traditional_chinese(bot_api, tmp_path):
    emu = bot_api
    async with run_bot(emu, settings_for(emu, tmp_path)) as running:
        user = emu.user(first_name="Ka", language_code="zh-hant")
        _, alert = await remind_me(emu, user, "zh-hant")
        assert "2027年3月1日" in alert
        await move_to(running, date(2027, 2, 22))
        [sent] = reminders_to(emu, user, "zh-hant")
        assert "請於 2027年3月1日 或之前申請（尚餘 7 日）" in sent.text
        assert "官方網頁" in sent.text

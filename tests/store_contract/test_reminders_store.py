"""The reminders' statements (bot/store/sql.py) against SQLite and PostgreSQL alike."""

from __future__ import annotations

from bot.store.reminders import (
    R_BLOCKED,
    R_PENDING,
    R_SENDING,
    R_SENT,
    R_SUPERSEDED,
    R_UNCERTAIN,
    ReminderSpec,
)

URL = "https://www.immd.gov.hk/eng/services/visas/IANG.html"


def stages(key: str, deadline: str, dues: dict[int, str]) -> list[ReminderSpec]:
    return [ReminderSpec(key, deadline, n, due, URL) for n, due in dues.items()]


IANG = stages("IANG:fresh", "2027-03-01", {30: "2027-01-30", 7: "2027-02-22", 1: "2027-02-28"})


async def test_add_is_idempotent_and_a_new_deadline_replaces_the_pending_old_one(store):
    async with store.transaction() as tx:
        assert await tx.add_reminders(5, "en", IANG) == 3
        assert await tx.add_reminders(5, "en", IANG) == 0
        assert [r.due for r in await tx.user_reminders(5)] == ["2027-01-30", "2027-02-22",
                                                               "2027-02-28"]  # fmt: skip
        later = stages("IANG:fresh", "2027-04-01", {1: "2027-03-31"})
        assert await tx.add_reminders(5, "en", later) == 1
        assert [(r.deadline, r.days_before) for r in await tx.user_reminders(5)] == [
            ("2027-04-01", 1)
        ]


async def test_claim_marks_sending_once_and_finish_marks_sent(store):
    async with store.transaction() as tx:
        await tx.add_reminders(5, "en", IANG)
        await tx.save_user_lang(5, "zh-hant")
    async with store.transaction() as tx:
        claimed = await tx.claim_reminders("2027-01-30", 10)
    assert [(r.days_before, r.lang, r.state) for r in claimed] == [(30, "zh-hant", R_SENDING)]
    async with store.transaction() as tx:
        assert await tx.claim_reminders("2027-01-30", 10) == []  # claimed once
        await tx.finish_reminders([(claimed[0].id, R_SENT, None)])
        assert await tx.reminder_counts() == {R_SENT: 1, R_PENDING: 2}
        # /metrics reads them with the other database figures (bot_reminders{state})
        assert (await tx.statistics(0.0)).reminders == {R_SENT: 1, R_PENDING: 2}


async def test_only_the_latest_due_stage_goes_and_a_past_deadline_drops_the_rest(store):
    async with store.transaction() as tx:
        await tx.add_reminders(5, "en", IANG)
        await tx.add_reminders(6, "en", IANG)
        assert await tx.supersede_reminders("2027-02-23") == 2  # both people's 30-day ones
        claimed = await tx.claim_reminders("2027-02-23", 10)
        assert sorted((r.user_id, r.days_before) for r in claimed) == [(5, 7), (6, 7)]
        counts = await tx.reminder_counts()
        assert counts[R_SUPERSEDED] == 2 and counts[R_SENDING] == 2
        assert await tx.expire_reminders("2027-03-02") == 2  # the 1-day ones, never sent
        assert await tx.reminder_counts() == {}  # nothing is kept past its deadline


async def test_recover_blocked_cancel_and_forget(store):
    async with store.transaction() as tx:
        await tx.add_reminders(5, "en", IANG)
        await tx.add_reminders(6, "en", IANG)
        await tx.claim_reminders("2027-01-30", 1)
    async with store.transaction() as tx:
        assert await tx.recover_sending_reminders() == 1
        assert (await tx.reminder_counts())[R_UNCERTAIN] == 1
        assert await tx.drop_reminders(6, R_BLOCKED) == 3
    async with store.transaction() as tx:
        assert await tx.user_reminders(6) == []
        assert await tx.cancel_reminders(5, "IANG:fresh") == 2  # the pending ones
        assert await tx.user_reminders(5) == []
    assert await store.count_rows_about(5) == 1  # the uncertain row stays, the blocked ones...
    assert await store.count_rows_about(6) == 3
    await store.forget_user(5)
    await store.forget_user(6)
    assert await store.count_rows_about(5) == 0  # ...until /forget
    assert await store.count_rows_about(6) == 0

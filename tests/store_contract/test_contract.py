"""One contract for every store: each test runs against SQLite and PostgreSQL (issue 7).

The PostgreSQL runs use a fresh schema (fixture `pg_url` in tests/conftest.py); they skip with
the reason when no server answers at TEST_DATABASE_URL, and fail when REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.store import SessionKey, StoredChat, open_store
from bot.store.base import LeaseLost
from bot.store.broadcasts import (
    ALL_SCHEMES,
    BLOCKED,
    CANCELLED,
    DONE,
    PENDING,
    RUNNING,
    SCHEDULED,
    SENDING,
    SENT,
    SKIPPED,
    START_CURSOR,
    UNCERTAIN,
)


def migrations_of(store) -> int:
    if store.shared:
        from bot.store.postgres import MIGRATIONS
    else:
        from bot.store.sqlite import MIGRATIONS
    return len(MIGRATIONS)


# --- schema and transactions
async def test_fresh_database_is_migrated_to_latest(store):
    assert await store.schema_version() == migrations_of(store)


async def test_reopening_keeps_data_and_version(store_url):
    s = open_store(store_url)
    await s.open()
    async with s.transaction() as tx:
        await tx.save_session(SessionKey(1, 2), '{"a": 1}')
    await s.close()
    s2 = open_store(store_url)
    await s2.open()
    async with s2.transaction() as tx:
        loaded = await tx.load_session(SessionKey(1, 2))
    assert loaded is not None and loaded.data == '{"a": 1}'
    assert await s2.schema_version() == migrations_of(s2)
    await s2.close()


async def test_failed_update_rolls_back_everything(store):
    key = SessionKey(5, 5)
    async with store.transaction() as tx:
        await tx.save_session(key, "v1")
    with pytest.raises(ZeroDivisionError):
        async with store.transaction() as tx:
            await tx.save_session(key, "v2")
            await tx.save_user_lang(5, "zh-hant")
            1 / 0  # noqa: B018
    async with store.transaction() as tx:
        assert (await tx.load_session(key)).data == "v1"
        assert await tx.load_user(5) is None


async def test_sessions_are_per_chat_and_topic(store):
    async with store.transaction() as tx:
        await tx.save_session(SessionKey(1, 7), "private")
        await tx.save_session(SessionKey(-100, 7), "group")
        await tx.save_session(SessionKey(-100, 7, 3), "topic")
        await tx.save_session(SessionKey(-100, 7, 3), "topic 2")
    async with store.transaction() as tx:
        assert (await tx.load_session(SessionKey(1, 7))).data == "private"
        assert (await tx.load_session(SessionKey(-100, 7))).data == "group"
        assert (await tx.load_session(SessionKey(-100, 7, 3))).data == "topic 2"
        assert await tx.load_session(SessionKey(-100, 8)) is None
        await tx.delete_session(SessionKey(1, 7))
    async with store.transaction() as tx:
        assert await tx.load_session(SessionKey(1, 7)) is None


async def test_big_ids_survive(store):
    big = 2**52 + 7  # Telegram ids can exceed 32 bits
    async with store.transaction() as tx:
        await tx.save_session(SessionKey(-1000000000000 - big, big, 2**31 + 1), "x")
        await tx.save_user_lang(big, "zh-hans")
    async with store.transaction() as tx:
        assert (await tx.load_session(SessionKey(-1000000000000 - big, big, 2**31 + 1))).data == "x"
        assert (await tx.load_user(big)).lang == "zh-hans"


async def test_users_language_and_last_result(store):
    async with store.transaction() as tx:
        await tx.save_user_lang(3, "en")
        await tx.save_last_result(
            3, json.dumps({"statuses": {"TTPS:A": "match", "QMAS": "possible"}})
        )
        await tx.save_user_lang(3, "zh-hant")
    async with store.transaction() as tx:
        user = await tx.load_user(3)
        assert user.lang == "zh-hant"
        assert json.loads(user.last_result)["statuses"]["TTPS:A"] == "match"
        assert await tx.load_user(4) is None


async def test_forget_user_leaves_no_row(store):
    async with store.transaction() as tx:
        await tx.save_session(SessionKey(1, 9), "x")
        await tx.save_session(SessionKey(-5, 9), "y")
        await tx.save_user_lang(9, "en")
        await tx.save_last_result(9, "{}")
        await tx.save_session(SessionKey(1, 10), "someone else")
        await tx.save_handoff(9, -5, 0)
        await tx.subscribe(9, "en", (ALL_SCHEMES,))
        await tx.save_chat(StoredChat(9, "private"))
    assert await store.count_rows_about(9) == 7
    await store.forget_user(9)
    assert await store.count_rows_about(9) == 0
    assert await store.count_rows_about(10) == 1


async def test_purge_deletes_only_old_unfinished_sessions(store):
    async with store.transaction() as tx:
        await tx.save_session(SessionKey(1, 1), "unfinished")
        await tx.save_session(SessionKey(2, 2), "finished", finished=True)
    assert await store.purge_sessions(older_than_seconds=3600) == 0
    assert await store.purge_sessions(older_than_seconds=-1) == 1
    async with store.transaction() as tx:
        assert await tx.load_session(SessionKey(1, 1)) is None
        assert await tx.load_session(SessionKey(2, 2)) is not None


async def test_chats_and_group_migration(store):
    async with store.transaction() as tx:
        await tx.save_chat(StoredChat(-1, "group", "Career office", "zh-hant", settings='{"q": 1}'))
        await tx.save_session(SessionKey(-1, 7), "answers of 7")
        await tx.save_session(SessionKey(-1, 8, 0), "answers of 8")
        await tx.save_session(SessionKey(-1001, 8, 0), "already in the supergroup")
        await tx.save_chat(StoredChat(-5, "channel", "News", registered=True, bot_admin=True))
    async with store.transaction() as tx:
        await tx.move_chat(-1, -1001)
    async with store.transaction() as tx:
        new = await tx.load_chat(-1001)
        old = await tx.load_chat(-1)
        assert (new.type, new.title, new.lang, new.settings) == (
            "supergroup", "Career office", "zh-hant", '{"q": 1}')  # fmt: skip
        assert old.active is False and old.migrated_to == -1001
        assert (await tx.load_session(SessionKey(-1001, 7))).data == "answers of 7"
        assert (await tx.load_session(SessionKey(-1001, 8))).data == "answers of 8"
        assert await tx.load_session(SessionKey(-1, 7)) is None
        assert [c.chat_id for c in await tx.chats(types=("channel",))] == [-5]
        ch = (await tx.chats(types=("channel",)))[0]
        assert (ch.registered, ch.bot_admin, ch.active) == (True, True, True)
        assert [c.chat_id for c in await tx.chats(types=("group", "supergroup"))] == [-1001]
        assert [c.chat_id for c in await tx.chats(types=("group",), active=False)] == [-1]


async def test_handoffs_pop_once(store):
    async with store.transaction() as tx:
        await tx.save_handoff(4, -10, 0)
        await tx.save_handoff(4, -20, 3)  # one pending move per user: the latest wins
    async with store.transaction() as tx:
        assert await tx.pop_handoff(4) == (-20, 3)
        assert await tx.pop_handoff(4) is None


# --- admins, audit, subscriptions
async def test_admins_and_audit_log(store):
    async with store.transaction() as tx:
        assert await tx.add_admin(5, added_by=1) is True
        assert await tx.add_admin(5, added_by=1) is False
        await tx.add_admin(3, added_by=1)
        await tx.audit(1, "admin add", "5", "ok")
        await tx.audit(1, "admin remove", "x" * 600, "error")
    async with store.transaction() as tx:
        assert await tx.admin_ids() == [3, 5]
        assert await tx.remove_admin(5) is True and await tx.remove_admin(5) is False
        entries = await tx.audit_entries()
        assert [e[2] for e in entries] == ["admin remove", "admin add"]
        assert len(entries[0][3]) == 500 and entries[0][1] == 1


async def test_subscriptions_and_audiences(store):
    async with store.transaction() as tx:
        await tx.subscribe(1, "en", (ALL_SCHEMES,))
        await tx.subscribe(2, "zh-hant", ("TTPS",))
        await tx.subscribe(2, "zh-hant", ("QMAS",))
        await tx.subscribe(3, "en", ("QMAS",))
        await tx.save_last_result(
            3, json.dumps({"statuses": {"QMAS": "match", "TTPS:A": "no_match"}})
        )
        await tx.save_user_lang(3, "zh-hans")  # the user's language wins over the subscription's
        await tx.save_chat(StoredChat(2, "private", active=False))  # blocked the bot
        await tx.save_chat(StoredChat(-7, "supergroup"))
        await tx.save_chat(StoredChat(-8, "channel", registered=True))
        await tx.save_chat(StoredChat(-9, "channel"))
    async with store.transaction() as tx:
        assert await tx.subscription(1) == [ALL_SCHEMES]
        assert await tx.subscription(2) == ["QMAS", "TTPS"]
        assert await tx.audience_count("all") == 2  # 2 is inactive
        assert await tx.audience_count("lang:en") == 1
        assert await tx.audience_count("lang:zh-hans") == 1
        assert await tx.audience_count("scheme:QMAS") == 2  # 1 (everything) and 3
        assert await tx.audience_count("match:QMAS") == 1
        assert await tx.audience_count("match:TTPS") == 0
        assert await tx.audience_count("groups") == 1
        assert await tx.audience_count("channels") == 1
        with pytest.raises(ValueError):
            await tx.audience_count("bogus:1")
        await tx.unsubscribe(2, ("TTPS",))
        assert await tx.subscription(2) == ["QMAS"]
        await tx.unsubscribe(2, ("QMAS",))
        assert await tx.subscription(2) == []
        await tx.subscribe(1, "en", ("TTPS",))
        assert await tx.subscription(1) == [ALL_SCHEMES, "TTPS"]
        await tx.subscribe(1, "en", (ALL_SCHEMES,))
        assert await tx.subscription(1) == [ALL_SCHEMES]


# --- broadcasts
async def _job_with_recipients(store, users: list[int]) -> int:
    async with store.transaction() as tx:
        for uid in users:
            await tx.subscribe(uid, "en", (ALL_SCHEMES,))
        job = await tx.create_broadcast(1, 1, kind="text", text="<b>news</b>")
        await tx.update_broadcast(job, status=RUNNING, started_at=1.5)
    cursor = START_CURSOR
    while True:
        async with store.transaction() as tx:
            last = await tx.fill_recipients(job, "all", cursor, 2)
        if last is None:
            return job
        cursor = last


async def test_broadcast_job_lifecycle(store):
    async with store.transaction() as tx:
        draft = await tx.create_broadcast(1, 10, kind="copy", from_chat_id=10, message_id=5,
                                    audience="lang:en")  # fmt: skip
        assert await tx.broadcasts() == []  # drafts are not listed
        await tx.update_broadcast(
            draft, status=SCHEDULED, scheduled_at=100.0, progress_message_id=9
        )
        assert await tx.next_scheduled_at() == 100.0
        assert await tx.next_broadcast(now=50.0) is None
        job = await tx.next_broadcast(now=100.0)
        assert (job.id, job.kind, job.from_chat_id, job.message_id) == (draft, "copy", 10, 5)
        assert job.filled is False and job.fill_cursor == START_CURSOR
        assert job.progress_message_id == 9
        await tx.update_broadcast(draft, filled=True, total=3, fill_cursor=42)
        job = await tx.load_broadcast(draft)
        assert (job.filled, job.total, job.fill_cursor) == (True, 3, 42)
        with pytest.raises(ValueError):
            await tx.update_broadcast(draft, text="no")
        second = await tx.create_broadcast(1, 10, kind="text", text="x")
        await tx.update_broadcast(second, status=RUNNING)
        assert (await tx.next_broadcast(now=0.0)).id == second  # running before scheduled
        assert [j.id for j in await tx.broadcasts()] == [second, draft]
        assert [j.id for j in await tx.broadcasts(statuses=(SCHEDULED,))] == [draft]
        assert await tx.load_broadcast(999) is None


async def test_recipients_claim_finish_release_recover(store):
    job = await _job_with_recipients(store, [11, 12, 13, 14, 15])
    async with store.transaction() as tx:
        assert await tx.recipient_counts(job) == {PENDING: 5}
        claimed = await tx.claim_recipients(job, 3)
        assert [r.chat_id for r in claimed] == [11, 12, 13]
        assert await tx.recipient_counts(job) == {PENDING: 2, SENDING: 3}
    async with store.transaction() as tx:
        a, b, c = claimed
        await tx.finish_recipients([(a.id, SENT, 1, None), (b.id, BLOCKED, 1, "Forbidden")])
        await tx.release_recipients([c.id])
        await tx.mark_chat_inactive(12)
        assert (await tx.load_chat(12)).active is False
    async with store.transaction() as tx:
        assert await tx.recipient_counts(job) == {PENDING: 3, SENT: 1, BLOCKED: 1}
        again = await tx.claim_recipients(job, 10)
        assert [r.chat_id for r in again] == [13, 14, 15]
    async with store.transaction() as tx:
        assert await tx.recover_sending() == 3
        assert await tx.recover_sending() == 0
        assert (await tx.recipient_states(job))[13] == UNCERTAIN
        assert await tx.resend_uncertain(job) == 3
        assert await tx.recipient_counts(job) == {PENDING: 3, SENT: 1, BLOCKED: 1}


async def test_recipient_moves_to_a_supergroup(store):
    async with store.transaction() as tx:
        await tx.save_chat(StoredChat(-1, "group"))
        await tx.save_chat(StoredChat(-2, "group"))
        await tx.save_chat(StoredChat(-3, "supergroup"))
        job = await tx.create_broadcast(1, 1, kind="text", text="t", audience="groups")
        await tx.fill_recipients(job, "groups", START_CURSOR, 10)
        recs = {r.chat_id: r for r in await tx.claim_recipients(job, 10)}
    async with store.transaction() as tx:
        assert await tx.move_recipient(recs[-1].id, -1001) is True
        assert await tx.move_recipient(recs[-2].id, -3) is False  # -3 is already a recipient
        states = await tx.recipient_states(job)  # the transaction is still usable
        assert set(states) == {-1001, -2, -3}


async def test_unsubscribe_and_forget_skip_pending_deliveries(store):
    job = await _job_with_recipients(store, [21, 22, 23])
    async with store.transaction() as tx:
        await tx.unsubscribe(21)
    await store.forget_user(22)
    async with store.transaction() as tx:
        states = await tx.recipient_states(job)
        assert states == {21: SKIPPED, 23: PENDING}  # 22's row stays, without the id
        assert await tx.recipient_counts(job) == {SKIPPED: 2, PENDING: 1}
        await tx.update_broadcast(job, status=DONE)
        assert (await tx.broadcasts(statuses=(DONE, CANCELLED)))[0].id == job


async def test_statistics(store):
    job = await _job_with_recipients(store, [31, 32])
    async with store.transaction() as tx:
        await tx.save_session(SessionKey(31, 31), "s")
        await tx.save_user_lang(32, "zh-hant")
        await tx.save_last_result(
            32, json.dumps({"statuses": {"TTPS:A": "match", "TTPS:B": "match"}})
        )
        await tx.subscribe(31, "en", ("QMAS",))
    async with store.transaction() as tx:
        stats = await tx.statistics(active_since=0.0)
    assert (stats.users, stats.active_users, stats.finished) == (2, 1, 1)
    assert stats.matches == {"TTPS": 1}
    assert stats.languages == {"zh-hant": 1}
    assert stats.subscribers == 2
    assert stats.subscriptions == {ALL_SCHEMES: 2, "QMAS": 1}
    assert stats.broadcasts[0][0].id == job and stats.broadcasts[0][1] == {PENDING: 2}


# --- leases (one broadcast sender across instances)
async def test_lease_fencing_and_takeover(store):
    lease = await store.acquire_lease("broadcast", "a", ttl=0.3)
    assert lease is not None
    assert await store.acquire_lease("broadcast", "b", ttl=0.3) is None
    assert await store.renew_lease(lease, ttl=0.3)
    async with store.transaction() as tx:
        await store.check_fence(tx, "broadcast", lease.token)
    await asyncio.sleep(0.45)  # a missed renewal: the lease expires
    taken = await store.acquire_lease("broadcast", "b", ttl=5)
    assert taken is not None and taken.token > lease.token
    assert not await store.renew_lease(lease, ttl=5)  # the old holder lost it
    with pytest.raises(LeaseLost):
        async with store.transaction() as tx:
            await tx.save_user_lang(1, "en")
            await store.check_fence(tx, "broadcast", lease.token)
    async with store.transaction() as tx:
        assert await tx.load_user(1) is None  # the stale holder's write was rolled back
        await store.check_fence(tx, "broadcast", taken.token)
    await store.release_lease(taken)
    again = await store.acquire_lease("broadcast", "a", ttl=5)
    assert again is not None and again.token > taken.token


# --- typed answers by message (issue 12)
async def test_answer_messages_remember_which_question_a_message_answered(store):
    key, other = SessionKey(-100, 7, 3), SessionKey(-100, 8, 3)
    async with store.transaction() as tx:
        await tx.save_answer_message(key, 41, "age")
        await tx.save_answer_message(key, 42, "education")
        await tx.save_answer_message(key, 42, "income")  # the same message again: the latest wins
    async with store.transaction() as tx:
        assert await tx.answer_message(key, 41) == "age"
        assert await tx.answer_message(key, 42) == "income"
        assert await tx.answer_message(key, 43) is None
        assert await tx.answer_message(other, 41) is None  # someone else's message id in that chat
    assert await store.count_rows_about(7) == 2
    await store.forget_user(7)
    async with store.transaction() as tx:
        assert await tx.answer_message(key, 41) is None
    assert await store.count_rows_about(7) == 0


async def test_the_update_inbox_recognises_resends_and_keeps_per_user_order(store):
    assert await store.inbox_enter(12, 7, '{"update_id": 12}') == ("new", store.generation)
    await store.inbox_unlock(7, store.generation)
    state, lock = await store.inbox_enter(10, 7, '{"update_id": 10}')
    assert state == "new" and lock is not None
    assert await store.inbox_stale_users(0.0) == [7]
    assert await store.inbox_done_next(0, 7, 0.0) == (10, '{"update_id": 10}', None)
    # the next one, with the highest id processed before this call (to spot a late update)
    assert await store.inbox_done_next(10, 7, 0.0) == (12, '{"update_id": 12}', None)
    assert await store.inbox_is_done(10) and not await store.inbox_is_done(12)
    assert await store.count_rows_about(7) == 1  # the pending one still holds its payload
    assert await store.inbox_done_next(12, 7, 0.0) is None
    await store.inbox_unlock(7, lock)
    assert (await store.inbox_enter(10, 7, "{}"))[0] == "done"  # a resend: acknowledged only
    assert await store.inbox_stale_users(0.0) == []
    assert await store.count_rows_about(7) == 0
    assert await store.inbox_purge(-1) == 2


async def test_the_purge_forgets_processed_updates_after_an_hour_and_keeps_newer_ones(store):
    for update_id in (20, 21):
        state, lock = await store.inbox_enter(update_id, 8, "{}")
        assert state == "new"
        await store.inbox_done_next(update_id, 8, 0.0)
        await store.inbox_unlock(8, lock)
    async with store.transaction() as tx:  # 20 was processed two hours ago (the inbox's clock)
        await tx._x("UPDATE update_inbox SET done_at = done_at - 7200 WHERE update_id = ?", (20,))
    await store.purge_sessions(older_than_seconds=86400)
    assert (await store.inbox_enter(21, 8, "{}"))[0] == "done"  # still spotted as a resend
    state, lock = await store.inbox_enter(20, 8, "{}")
    assert state == "new"  # forgotten: past the time Telegram resends
    await store.inbox_unlock(8, lock)


# --- resume codes (issue 14)
async def test_resume_codes_one_per_user_expiry_tries_and_forget(store):
    import time

    async with store.transaction() as tx:
        await tx.save_resume_code(31, "hash-a", '{"age":30}', "2026-03-02")
        await tx.save_resume_code(32, "hash-b", '{"age":40}', "2026-01-05")
        await tx.save_resume_code(31, "hash-c", '{"age":31}', "2026-03-03")  # replaces 31's
        await tx.add_resume_attempt(31)
        await tx.add_resume_attempt(31)
        await tx.add_resume_attempt(32)
    async with store.transaction() as tx:
        assert await tx.load_resume_code(31) == ("hash-c", '{"age":31}', "2026-03-03")
        assert await tx.load_resume_code(33) is None
        assert await tx.count_resume_attempts(31, time.time() - 60) == 2
        assert await tx.count_resume_attempts(31, time.time() + 60) == 0
        assert await tx.delete_expired_resume_codes("2026-01-06") == 1  # 32's ended the 5th
        assert await tx.load_resume_code(32) is None
    assert await store.count_rows_about(31) == 3  # the code and two tries
    await store.forget_user(31)
    assert await store.count_rows_about(31) == 0
    assert await store.count_rows_about(32) == 1  # 32's try

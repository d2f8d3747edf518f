"""The kept answers in both stores (issue 14): the retention purge spares them while opted in and
applies from opting out; /forget and the row count include them; personal notices carry their
own text and /unsubscribe does not skip them, opting out does."""

from __future__ import annotations

from bot.store import StoredChat
from bot.store.broadcasts import PENDING, SKIPPED
from bot.store.followups import CATALOGUE_RUN, FOLLOWUP_AUDIENCE, PERSONAL, PREVIEW


async def _keep(store, user_id: int) -> None:
    async with store.transaction() as tx:
        await tx.save_followup(user_id, "en", '{"as_of":"2026-12-02","age":30}', "2026-12-02",
                               '{"catalogue":"v1","statuses":{},"met":{}}')  # fmt: skip


async def test_retention_spares_kept_answers_until_opted_out(store):
    await _keep(store, 1)
    await _keep(store, 2)
    await store.purge_sessions(older_than_seconds=-1)  # everything is "old"
    async with store.transaction() as tx:
        assert (await tx.load_followup(1)).active and (await tx.load_followup(2)).active
        assert await tx.stop_followup(2) is True
        assert await tx.stop_followup(2) is False  # already stopped
    await store.purge_sessions(older_than_seconds=3600)  # stopped just now: kept a while
    async with store.transaction() as tx:
        assert (await tx.load_followup(2)).active is False
        assert [f.user_id for f in await tx.followups_after(0, 10)] == [1]
        await tx.mark_chat_inactive(1)  # blocked the bot: not re-evaluated
        assert await tx.followups_after(0, 10) == []
        await tx.save_chat(StoredChat(1, "private"))  # back
        assert [f.user_id for f in await tx.followups_after(0, 10)] == [1]
    await store.purge_sessions(older_than_seconds=-1)
    async with store.transaction() as tx:
        assert await tx.load_followup(2) is None
        assert await tx.load_followup(1) is not None
    await _keep(store, 1)  # opting in again replaces the answers: a new revision
    async with store.transaction() as tx:
        f = await tx.load_followup(1)
        assert f.revision == 2
        assert await tx.save_followup_state(1, 1, "{}") is False  # a stale revision
        assert await tx.save_followup_state(1, 2, '{"statuses":{}}') is True


async def test_forget_and_row_count_include_kept_answers_and_notices(store):
    await _keep(store, 7)
    async with store.transaction() as tx:
        run = await tx.create_followup_run(CATALOGUE_RUN, "v2", PREVIEW, "{}")
        assert await tx.create_followup_run(CATALOGUE_RUN, "v2", PREVIEW, "{}") is None
        await tx.add_followup_changes(run, [(7, 1, "TTPS A: fits → near miss", "{}")])
        job = await tx.create_broadcast(1, 1, kind=PERSONAL, audience=FOLLOWUP_AUDIENCE)
        await tx.add_personal_recipients(job, [(7, "your result changed")])
    assert await store.count_rows_about(7) == 3  # kept answers, a change, a notice
    await store.forget_user(7)
    assert await store.count_rows_about(7) == 0
    async with store.transaction() as tx:
        assert await tx.followup_changes(run, 0, 10) == []
        assert await tx.recipient_counts(job) == {SKIPPED: 1}


async def test_unsubscribe_keeps_personal_notices_opting_out_skips_them(store):
    await _keep(store, 5)
    async with store.transaction() as tx:
        await tx.subscribe(5, "en", ("*",))
        news = await tx.create_broadcast(1, 1, kind="text", text="news")
        await tx.update_broadcast(news, status="running")
        await tx.fill_recipients(news, "all", -(2**62), 10)
        job = await tx.create_broadcast(1, 1, kind=PERSONAL, audience=FOLLOWUP_AUDIENCE)
        await tx.update_broadcast(job, status="running", filled=True)
        await tx.add_personal_recipients(job, [(5, "for you alone")])
        assert await tx.audience_count(FOLLOWUP_AUDIENCE) == 0
        await tx.unsubscribe(5)
        assert await tx.recipient_counts(news) == {SKIPPED: 1}
        assert await tx.recipient_counts(job) == {PENDING: 1}
        claimed = await tx.claim_recipients(job, 10)
        assert await tx.recipient_texts([r.id for r in claimed]) == {claimed[0].id: "for you alone"}
        await tx.release_recipients([r.id for r in claimed])
        await tx.stop_followup(5)
        assert await tx.recipient_counts(job) == {SKIPPED: 1}

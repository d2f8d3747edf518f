"""Two instances, one PostgreSQL: one user's updates reach both at the same moment, many users
at once; every answer is kept, in update_id order (issue 7)."""

from __future__ import annotations

import asyncio
import random
import time
from collections import defaultdict

import psycopg

from bot.store import SessionKey
from bot.store.postgres import RECONNECT_GIVE_UP
from dialogs import Session
from tests.instances.conftest import (
    TYPED_ANSWERS,
    expected_answers,
    instance_settings,
    post_update,
    take_pending,
    webhook_instances,
)

USERS = 12


async def test_one_users_updates_at_both_instances_keep_every_answer_in_order(bot_api, pg_url):
    emu = bot_api
    settings = instance_settings(emu, pg_url, update_order_window_ms=150)
    async with webhook_instances([settings, settings]) as (a, b):
        users = [emu.user(id=5000 + i, first_name=f"U{i}") for i in range(USERS)]
        for user in users:
            await user.send("/start")
        for update in take_pending(emu):  # one at a time: everyone at the first question
            assert await post_update(a, update) == 200

        for user in users:  # everyone types every answer at once
            for text in TYPED_ANSWERS:
                await user.send(text)
        by_user: dict[int, list[dict]] = defaultdict(list)
        for update in take_pending(emu):
            by_user[update["message"]["from"]["id"]].append(update)
        rng = random.Random(7)
        posts = []
        for updates in by_user.values():
            assert len(updates) == len(TYPED_ANSWERS)
            for i, update in enumerate(updates):
                # alternate instances; shuffle the order the requests start in
                posts.append(post_update((a, b)[i % 2], update))
        rng.shuffle(posts)
        statuses = await asyncio.gather(*posts)
        assert set(statuses) == {200}

    # every answer is kept, each at its own question (a reordered or lost one would not fit)
    want = expected_answers()
    from bot.store import open_store

    store = open_store(pg_url)
    await store.open()
    try:
        async with store.transaction() as tx:
            for user in users:
                stored = await tx.load_session(SessionKey(user.id, user.id))
                assert stored is not None
                assert Session.from_json(stored.data).answers == want, user.id
        # each update ran exactly once: all marked done, none left pending
        async with store.transaction() as tx:
            pending, done = await tx._one(  # type: ignore[attr-defined]
                "SELECT COUNT(*) FILTER (WHERE done_at IS NULL),"
                " COUNT(*) FILTER (WHERE done_at IS NOT NULL) FROM update_inbox"
            )
        assert (pending, done) == (0, USERS * (len(TYPED_ANSWERS) + 1))
    finally:
        await store.close()
    # and nobody was told an answer could not be read
    for user in users:
        texts = [m.text or "" for m in emu.sent(user)]
        assert not [t for t in texts if "could not" in t.lower() or "please type" in t.lower()]


async def test_a_resent_update_runs_once(bot_api, pg_url):
    emu = bot_api
    settings = instance_settings(emu, pg_url, update_order_window_ms=0)
    async with webhook_instances([settings, settings]) as (a, b):
        user = emu.user(id=6001)
        await user.send("/start")
        await user.send("/help")
        first, second = take_pending(emu)
        assert await post_update(a, second) == 200  # acknowledged once stored; handled after
        await emu.wait_for(None, chat_id=user, timeout=10)
        await emu.quiet(0.2)
        once = emu.delivered_count(user)
        assert once >= 1
        # Telegram resends an update it got no answer for: to any instance, even both at once
        assert await asyncio.gather(post_update(a, first), post_update(b, first)) == [200, 200]
        assert await post_update(b, first) == 200
        assert await post_update(a, second) == 200
        await emu.quiet(0.2)
        # /start's answer once (late: after /help, as it arrived), /help's not again
        assert emu.delivered_count(user) > once
        start_replies = emu.delivered_count(user) - once
        assert await post_update(b, first) == 200
        await emu.quiet(0.1)
        assert emu.delivered_count(user) == once + start_replies
        metrics = (await a.get("/metrics")).text + (await b.get("/metrics")).text
        assert "bot_updates_duplicate_total" in metrics
        assert 'bot_webhook_requests_total{result="ok"}' in metrics
        assert "bot_sessions_active 1" in metrics
        assert (await a.get("/healthz")).json() == {"ok": True, "database": True}


async def test_healthz_says_503_when_the_database_is_unreachable(bot_api, pg_url):
    settings = instance_settings(bot_api, pg_url)
    async with webhook_instances([settings]) as (a,):
        assert (await a.get("/healthz")).status_code == 200
        from tests.instances.conftest import running_stores

        (pg,) = running_stores()
        pool = pg._pool
        url, pool.conninfo = pool.conninfo, "postgresql://postgres@127.0.0.1:1/none"
        try:
            await asyncio.sleep(0.5)  # a connection being opened with the old address is opened
            for _ in range(5):
                # the database goes away: every connection ended. The instance's background
                # tasks (broadcasts, reminders, follow-ups) use the pool too, so one connection
                # may still have been opening with the old address: end them until none is left.
                with psycopg.connect(url, autocommit=True) as admin:
                    admin.execute(
                        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                response = await a.get("/healthz")  # its connections are dead; reconnecting fails
                if response.status_code == 503:
                    break
            assert response.status_code == 503
            assert response.json() == {"ok": False, "database": False}
        finally:
            pool.conninfo = url  # it comes back (and the instance can stop cleanly)
        # The pool gives up a failing connection's retries after RECONNECT_GIVE_UP seconds (not
        # psycopg_pool's 300), so however long the outage was, the next request reconnects soon.
        deadline = time.monotonic() + RECONNECT_GIVE_UP + 20
        while (await a.get("/healthz")).status_code != 200:
            assert time.monotonic() < deadline, "healthz did not recover"
            await asyncio.sleep(0.5)

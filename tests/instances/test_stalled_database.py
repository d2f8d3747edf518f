"""PostgreSQL with one user's row held by another session for 10 s and one of the instance's own
pooled connections stalled as long in a statement on the server (issue 12): that user's update
fails fast and gets the apology with the current question; everyone else keeps being answered
meanwhile, the event loop is never held up for long (the statements are awaited), and the
broadcast lease stays with this instance."""

from __future__ import annotations

import asyncio

import psycopg

from bot.texts import t
from tests.instances.conftest import (
    FIRST_PROMPT,
    TYPED_ANSWERS,
    instance_settings,
    post_update,
    take_pending,
    until,
    webhook_instances,
)

HELD_SECONDS = 10.0


async def test_a_row_held_for_ten_seconds_holds_up_no_one_else(bot_api, pg_url):
    emu = bot_api
    settings = instance_settings(emu, pg_url, broadcast_lease_seconds=1.5)
    async with webhook_instances([settings]) as (a,):
        from tests.instances.conftest import running_stores

        (store,) = running_stores()
        held = emu.user(first_name="Held")
        others = [emu.user(first_name=f"O{i}") for i in range(4)]
        for user in (held, *others):
            await user.send("/start")
        for update in take_pending(emu):
            assert await post_update(a, update) == 200
        users = (held, *others)
        # The webhook answers before handling: wait until every /start has been handled (and
        # its session row written, for the blocker below to hold).
        await until(lambda: all(any(FIRST_PROMPT in (m.text or "") for m in emu.sent(u))
                                for u in users), timeout=10)  # fmt: skip
        loop = asyncio.get_running_loop()

        stall = 0.0

        async def ticker() -> None:  # how long the event loop is ever held up
            nonlocal stall
            while True:
                before = loop.time()
                await asyncio.sleep(0.01)
                stall = max(stall, loop.time() - before - 0.01)

        async def stalled_transaction() -> None:  # one pooled connection stuck for 10 s
            async with store.transaction() as tx:
                await tx._x("SET LOCAL statement_timeout = 0")
                await tx._one(f"SELECT pg_sleep({HELD_SECONDS + 3})")  # outlasts the checks

        blocker = await psycopg.AsyncConnection.connect(pg_url)
        await blocker.execute(
            "SELECT data FROM sessions WHERE user_id=%s FOR UPDATE", (held.id,)
        )  # held until the rollback below
        started = loop.time()
        background = [asyncio.create_task(ticker()), asyncio.create_task(stalled_transaction())]
        try:
            before = emu.delivered_count(held)
            await held.send(TYPED_ANSWERS[0])
            (update,) = take_pending(emu)
            assert await post_update(a, update) == 200
            await emu.wait_for(t("internal_error", "en"), chat_id=held, timeout=HELD_SECONDS / 2)
            held_took = loop.time() - started  # until the apology (handled in the background)
            worst = 0.0
            rounds = 5
            for text in TYPED_ANSWERS[:rounds]:  # the others answer all through the 10 s
                for user in others:
                    await user.send(text)
                t0 = loop.time()
                seen = {u.id: len(emu.sent(u)) for u in others}
                for update in take_pending(emu):
                    assert await post_update(a, update) == 200
                # answered (in the background: the next question sent), though one row is held
                await until(lambda seen=seen: all(len(emu.sent(u)) > seen[u.id] for u in others),
                            timeout=5)  # fmt: skip
                worst = max(worst, loop.time() - t0)
                await asyncio.sleep((HELD_SECONDS - 1.0) / rounds)
            lease = await store.lease_holder("broadcast-sender")
            assert loop.time() - started < HELD_SECONDS + 2  # the row was held all along
            assert not background[1].done()  # the stalled statement was stalled all along
        finally:
            await blocker.rollback()
            await blocker.close()
            background[0].cancel()
            await background[1]

        assert held_took < 2.0  # failed fast, not after the 10 s
        apology = [m.text for m in emu.sent(held)[before:]]
        assert any(t("internal_error", "en") in (text or "") for text in apology), apology
        assert worst < 1.0, worst
        assert stall < 0.5, stall
        from bot.store import SessionKey
        from dialogs import Session

        async with store.transaction() as tx:
            for user in others:  # every answer of theirs was taken
                stored = await tx.load_session(SessionKey(user.id, user.id))
                assert len(Session.from_json(stored.data).answers) == rounds, user.id
            stored = await tx.load_session(SessionKey(held.id, held.id))
            assert Session.from_json(stored.data).answers == {}  # nothing half-written
        # the lease (1.5 s) was renewed all through: 9 s in, still held and not expired
        assert lease is not None and lease[2] > 0

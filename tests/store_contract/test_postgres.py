"""What only the PostgreSQL store has to do: reconnect, migrate once when instances start
together, refuse a newer schema, the update inbox and its drain lock (issue 7)."""

from __future__ import annotations

import asyncio
import contextlib

import psycopg
import psycopg_pool
import pytest

from bot.store import SessionKey, open_store
from bot.store.postgres import MIGRATIONS, PostgresStore


@pytest.fixture
async def pg(pg_url):
    s = open_store(pg_url)
    assert isinstance(s, PostgresStore)
    await s.open()
    yield s
    await s.close()


def _end_every_other_session(pg_server: str) -> int:
    """As a server restart does: every other connection to this database is closed."""
    with psycopg.connect(pg_server, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


async def test_a_dropped_connection_is_replaced(pg, pg_server):
    async with pg.transaction() as tx:
        await tx.save_session(SessionKey(1, 1), "before")
    assert _end_every_other_session(pg_server) >= 2  # the pool's and the inbox's
    reconnects = pg.reconnects
    async with pg.transaction() as tx:  # reconnects
        assert (await tx.load_session(SessionKey(1, 1))).data == "before"
        await tx.save_session(SessionKey(1, 1), "after")
    assert pg.reconnects == reconnects + 1
    async with pg.transaction() as tx:
        assert (await tx.load_session(SessionKey(1, 1))).data == "after"


async def test_after_a_long_outage_the_next_request_reconnects_soon(pg_url, pg_server, monkeypatch):
    """psycopg_pool's own retries back off to a minute and more; the store's pool gives a failing
    connection up after RECONNECT_GIVE_UP seconds, so once the database is back the next request
    does not wait for a far-off retry (shortened here to keep the test quick)."""
    import bot.store.postgres as postgres

    monkeypatch.setattr(postgres, "RECONNECT_GIVE_UP", 2.0)
    store = open_store(pg_url)
    store.connect_timeout = 1.0  # type: ignore[attr-defined]
    await store.open()
    try:
        pool = store._pool  # type: ignore[attr-defined]
        url, pool.conninfo = pool.conninfo, "postgresql://postgres@127.0.0.1:1/none"
        try:
            _end_every_other_session(pg_server)
            outage_ends = asyncio.get_running_loop().time() + 8  # past the 1+2+4 s of backoff
            while asyncio.get_running_loop().time() < outage_ends:
                with pytest.raises((psycopg.Error, psycopg_pool.PoolTimeout)):
                    async with store.transaction():
                        pass
        finally:
            pool.conninfo = url
        started = asyncio.get_running_loop().time()
        while True:
            try:
                async with store.transaction() as tx:
                    await tx.save_session(SessionKey(3, 3), "back")
                break
            except Exception:
                await asyncio.sleep(0.2)
        # with the default 300 s the next retry would be 8 s or more after the outage's end
        assert asyncio.get_running_loop().time() - started < 4
    finally:
        await store.close()


async def test_a_holder_frozen_inside_a_fenced_transaction_does_not_block_a_takeover(pg_url):
    """A lease holder stopped (SIGSTOP, a paused VM) between its fence check and its commit
    holds the lease row's lock; the server ends that idle transaction after
    idle_in_transaction_ms, so another instance can take the lapsed lease, and the frozen
    holder's writes are rolled back, never committed."""
    frozen, other = open_store(pg_url), open_store(pg_url)
    frozen.idle_in_transaction_ms = 1000  # type: ignore[attr-defined]
    await frozen.open()
    await other.open()
    takeover: asyncio.Task | None = None
    try:
        lease = await frozen.acquire_lease("frozen-test", "a", 0.5)
        assert lease is not None

        async def take_over() -> object:
            await asyncio.sleep(0.8)  # the lease has lapsed; the frozen one still holds the row
            while True:
                try:
                    taken = await other.acquire_lease("frozen-test", "b", 5)
                except psycopg.errors.LockNotAvailable:
                    taken = None
                if taken is not None:
                    return taken
                await asyncio.sleep(0.1)

        takeover = asyncio.create_task(take_over())
        with pytest.raises(psycopg.Error):
            async with frozen.transaction() as tx:
                await frozen.check_fence(tx, lease.name, lease.token)
                await tx.save_session(SessionKey(4, 4), "stale write")
                await asyncio.sleep(3)  # frozen for longer than the server lets it idle
                await tx.save_session(SessionKey(4, 5), "after waking")
        # taken while the holder was still frozen, not after it woke
        assert takeover.done()
        taken = takeover.result()
        assert taken.token > lease.token  # type: ignore[attr-defined]
        async with other.transaction() as tx:
            assert await tx.load_session(SessionKey(4, 4)) is None  # rolled back
    finally:
        if takeover is not None:
            takeover.cancel()  # still trying when the holder was never ended: the test failed
        await frozen.close()
        await other.close()


# A lease holder writing a batch (`_many`), then frozen while that batch is on the wire.
_FROZEN_BATCH = """
import asyncio, sys
from bot.store import open_store

async def main():
    store = open_store(sys.argv[1])
    store.idle_in_transaction_ms = 1000
    await store.open()
    lease = await store.acquire_lease("frozen-batch", "child", 0.5)
    async with store.transaction() as tx:
        await store.check_fence(tx, lease.name, lease.token)
        rows = [(i,) for i in range(20_000)]
        print("writing", flush=True)
        while True:  # frozen by the test somewhere in here
            await tx._many("UPDATE frozen_batch SET n = n + 1 WHERE id = ?", rows)

asyncio.run(main())
"""


async def test_a_holder_frozen_while_writing_a_batch_does_not_block_a_takeover(pg_url, tmp_path):
    """psycopg's `executemany` pipelines, and inside a pipeline (before its Sync) the server waits
    for the client with no idle timeout armed: a holder frozen there kept the lease row locked
    until it woke. Batches go as ordinary queries, so the server ends the frozen session after
    idle_in_transaction_ms and another instance takes the lapsed lease while it is still frozen."""
    import signal
    import subprocess
    import sys
    from pathlib import Path

    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("DROP TABLE IF EXISTS frozen_batch")
        admin.execute("CREATE TABLE frozen_batch (id INTEGER PRIMARY KEY, n INTEGER)")
        admin.execute("INSERT INTO frozen_batch SELECT g, 0 FROM generate_series(0, 99) g")
    other = open_store(pg_url)
    await other.open()
    script = tmp_path / "frozen_batch.py"
    script.write_text(_FROZEN_BATCH)
    root = str(Path(__file__).resolve().parents[2])
    child = subprocess.Popen([sys.executable, str(script), pg_url], stdout=subprocess.PIPE,
                             cwd=root, env={"PYTHONPATH": root, "PATH": ""}, text=True)  # fmt: skip
    try:
        assert child.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(child.stdout.readline), 30)
        assert line.strip() == "writing"
        await asyncio.sleep(0.3)  # several batches in: one is on the wire at any moment
        child.send_signal(signal.SIGSTOP)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 8  # the server ends the frozen session after 1 s
        taken = None
        while taken is None and loop.time() < deadline:
            with contextlib.suppress(psycopg.errors.LockNotAvailable):
                taken = await other.acquire_lease("frozen-batch", "other", 5)
            await asyncio.sleep(0.1)
        assert taken is not None, "the frozen holder still held the lease row"
        assert child.poll() is None  # taken over while the holder was frozen, not after it died
    finally:
        child.kill()
        await asyncio.to_thread(child.wait, 10)
        await other.close()
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("DROP TABLE IF EXISTS frozen_batch")


async def test_a_connection_lost_mid_transaction_fails_that_update_only(pg, pg_server):
    with pytest.raises(psycopg.OperationalError):
        async with pg.transaction() as tx:
            await tx.save_session(SessionKey(2, 2), "lost")
            (pid,) = await tx._one("SELECT pg_backend_pid()")  # type: ignore[attr-defined]
            with psycopg.connect(pg_server, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            await tx.load_session(SessionKey(2, 2))
    async with pg.transaction() as tx:
        assert await tx.load_session(SessionKey(2, 2)) is None


async def test_instances_starting_together_migrate_once(pg_url):
    stores = [open_store(pg_url) for _ in range(4)]
    await asyncio.gather(*(s.open() for s in stores))
    try:
        for s in stores:
            assert await s.schema_version() == len(MIGRATIONS)
    finally:
        for s in stores:
            await s.close()


async def test_newer_schema_than_code_is_refused(pg, pg_url):
    async with pg.transaction() as tx:
        await tx._x("UPDATE schema_version SET version = 999")  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError, match="newer"):
        await open_store(pg_url).open()


async def test_inbox_order_window_and_resends(pg):
    state, held = await pg.inbox_enter(12, 7, '{"update_id": 12}')
    assert state == "new" and held is not None  # this instance drains user 7
    assert await pg.inbox_enter(10, 7, '{"update_id": 10}') == ("new", held)
    assert (await pg.inbox_enter(10, 7, '{"update_id": 10}'))[0] == "pending"
    wait = await pg.inbox_done_next(0, 7, window=5.0)
    assert isinstance(wait, float) and 0 < wait <= 5.0  # too young: a lower one may come
    assert await pg.inbox_done_next(0, 7, window=0.0) == (10, '{"update_id": 10}', None)
    # (the highest processed is read in the same snapshot: before 10 was marked)
    assert await pg.inbox_done_next(10, 7, window=0.0) == (12, '{"update_id": 12}', None)
    assert await pg.inbox_enter(10, 7, "{}") == ("done", None)  # a resend: not run again
    assert await pg.inbox_is_done(10) and not await pg.inbox_is_done(12)
    assert await pg.inbox_done_next(12, 7, window=0.0) is None
    assert await pg.inbox_is_done(12)
    await pg.inbox_unlock(7, held)
    assert await pg.count_rows_about(7) == 0  # processed rows keep no content
    assert await pg.inbox_purge(-1) == 2


async def test_drain_lock_is_exclusive_between_instances_and_freed_by_a_dead_one(pg_url):
    a, b = open_store(pg_url), open_store(pg_url)
    await a.open()
    await b.open()
    try:
        held = await a.inbox_try_lock(7)
        assert held is not None
        assert await b.inbox_try_lock(7) is None
        assert await b.inbox_try_lock(8) is not None  # other users are not blocked
        await a._lock_conn.close()  # type: ignore[union-attr]  # the holder dies: the lock too
        for _ in range(100):  # the server ends the session a moment later
            if await b.inbox_try_lock(7) is not None:
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("the dead holder's lock was not freed")
    finally:
        await a.close()
        await b.close()


async def test_a_connection_blocked_for_ten_seconds_freezes_no_one_else(pg, pg_url):
    """Another session holds a user's row for 10 s and one transaction's statement runs as long
    on the server (a stalled connection of the store's own pool): that user's update fails
    fast, every other user's transactions go on, the event loop is never held up for long (a
    statement on the event loop would freeze it for the 10 s), and the broadcast lease keeps
    being renewed."""
    blocked = SessionKey(1, 1)
    async with pg.transaction() as tx:
        await tx.save_session(blocked, "mine")
    other = await psycopg.AsyncConnection.connect(pg_url)
    await other.execute(
        "SELECT data FROM sessions WHERE chat_id=1 AND user_id=1 FOR UPDATE"
    )  # held until rollback, 10 s from now

    async def stalled_transaction() -> None:
        async with pg.transaction() as tx:
            await tx._x("SET LOCAL statement_timeout = 0")  # type: ignore[attr-defined]
            await tx._one("SELECT pg_sleep(10)")  # type: ignore[attr-defined]

    sleeper = asyncio.create_task(stalled_transaction())
    lease = await pg.acquire_lease("broadcast", "me", ttl=2.0)
    assert lease is not None
    loop = asyncio.get_running_loop()
    stall = 0.0
    answered = renewed = 0
    failed_fast: list[float] = []

    async def ticker() -> None:
        nonlocal stall
        while True:
            before = loop.time()
            await asyncio.sleep(0.01)
            stall = max(stall, loop.time() - before - 0.01)

    async def blocked_user() -> None:
        started = loop.time()
        with pytest.raises(psycopg.errors.LockNotAvailable):
            async with pg.transaction() as tx:
                await tx.save_session(blocked, "waits for the row")
        failed_fast.append(loop.time() - started)

    async def other_users() -> None:
        nonlocal answered
        for i in range(2, 1000):
            async with pg.transaction() as tx:
                await tx.save_session(SessionKey(i, i), "answered")
            answered += 1
            await asyncio.sleep(0.02)

    async def keeper() -> None:
        nonlocal renewed
        while True:
            await asyncio.sleep(0.5)
            assert await pg.renew_lease(lease, ttl=2.0)
            renewed += 1

    tasks = [asyncio.create_task(c()) for c in (ticker, other_users, keeper)]
    try:
        for _ in range(5):  # the blocked user tries again now and then
            await blocked_user()
            await asyncio.sleep(1.0)
        await asyncio.sleep(10.0 - 5 * 1.0)
        assert not sleeper.done() or sleeper.exception() is None
    finally:
        for t in tasks:
            t.cancel()
        await other.rollback()
        await other.close()
        await sleeper
    assert max(failed_fast) < 1.0, failed_fast
    assert answered > 100  # others were served the whole time
    assert renewed >= 15 and (await pg.lease_holder("broadcast"))[0] == "me"
    assert stall < 0.5, stall


async def test_a_statement_waiting_on_a_lock_waits_without_holding_up_the_loop(pg_url):
    """With no lock timeout at all, a transaction waits as long as another session holds its
    row (3 s here) and then goes on; meanwhile the event loop runs: other users' transactions
    complete and the loop is never blocked for long."""
    store = PostgresStore(pg_url, lock_timeout_ms=0, statement_timeout_ms=0)
    await store.open()
    try:
        key = SessionKey(1, 1)
        async with store.transaction() as tx:
            await tx.save_session(key, "mine")
        other = await psycopg.AsyncConnection.connect(pg_url)
        await other.execute("SELECT data FROM sessions WHERE chat_id=1 AND user_id=1 FOR UPDATE")
        loop = asyncio.get_running_loop()
        stall, answered = 0.0, 0

        async def ticker() -> None:
            nonlocal stall
            while True:
                before = loop.time()
                await asyncio.sleep(0.01)
                stall = max(stall, loop.time() - before - 0.01)

        async def waiting_user() -> float:
            started = loop.time()
            async with store.transaction() as tx:
                await tx.save_session(key, "after the wait")
            return loop.time() - started

        async def other_users() -> None:
            nonlocal answered
            for i in range(2, 10_000):
                async with store.transaction() as tx:
                    await tx.save_session(SessionKey(i, i), "answered")
                answered += 1
                await asyncio.sleep(0.01)

        tasks = [asyncio.create_task(c()) for c in (ticker, other_users)]
        waiting = asyncio.create_task(waiting_user())
        try:
            await asyncio.sleep(3.0)
            assert not waiting.done()  # still waiting for the row
            during = answered
            await other.rollback()  # the other session lets go
            waited = await asyncio.wait_for(waiting, 5.0)
        finally:
            for t in tasks:
                t.cancel()
            await other.close()
        assert waited >= 3.0
        assert during > 50, during  # others were served while it waited
        assert stall < 0.5, stall
        async with store.transaction() as tx:
            assert (await tx.load_session(key)).data == "after the wait"
    finally:
        await store.close()

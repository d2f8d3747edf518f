"""What only the PostgreSQL store has to do: reconnect, migrate once when instances start
together, refuse a newer schema, the update inbox and its drain lock (issue 7)."""

from __future__ import annotations

import asyncio

import psycopg
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


def _backend_pid(store: PostgresStore) -> int:
    return store._conn.info.backend_pid  # type: ignore[union-attr]


async def test_a_dropped_connection_is_replaced(pg, pg_server):
    async with pg.transaction() as tx:
        tx.save_session(SessionKey(1, 1), "before")
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (_backend_pid(pg),))
    generation = pg.generation
    async with pg.transaction() as tx:  # reconnects
        assert tx.load_session(SessionKey(1, 1)).data == "before"
        tx.save_session(SessionKey(1, 1), "after")
    assert pg.generation == generation + 1
    async with pg.transaction() as tx:
        assert tx.load_session(SessionKey(1, 1)).data == "after"


async def test_a_connection_lost_mid_transaction_fails_that_update_only(pg, pg_server):
    with pytest.raises(psycopg.OperationalError):
        async with pg.transaction() as tx:
            tx.save_session(SessionKey(2, 2), "lost")
            with psycopg.connect(pg_server, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (_backend_pid(pg),))
            tx.load_session(SessionKey(2, 2))
    async with pg.transaction() as tx:
        assert tx.load_session(SessionKey(2, 2)) is None


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
        tx._x("UPDATE schema_version SET version = 999")  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError, match="newer"):
        await open_store(pg_url).open()


async def test_inbox_order_window_and_resends(pg):
    assert await pg.inbox_register(12, 7, '{"update_id": 12}') == "new"
    assert await pg.inbox_register(10, 7, '{"update_id": 10}') == "new"
    assert await pg.inbox_register(10, 7, '{"update_id": 10}') == "pending"
    wait = await pg.inbox_next(7, window=5.0)
    assert isinstance(wait, float) and 0 < wait <= 5.0  # too young: a lower one may come
    assert await pg.inbox_next(7, window=0.0) == (10, '{"update_id": 10}')
    assert await pg.inbox_done(10) and not await pg.inbox_done(10)
    assert await pg.inbox_register(10, 7, "{}") == "done"
    assert await pg.inbox_next(7, window=0.0) == (12, '{"update_id": 12}')
    await pg.inbox_done(12)
    assert await pg.inbox_next(7, window=0.0) is None
    assert await pg.inbox_max_done(7) == 12
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
        a._conn.close()  # type: ignore[union-attr]  # the holder dies: its lock goes with it
        for _ in range(100):  # the server ends the session a moment later
            if await b.inbox_try_lock(7) is not None:
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("the dead holder's lock was not freed")
    finally:
        await a.close()
        await b.close()

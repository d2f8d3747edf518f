"""PostgreSQL store: several bot instances (webhook mode, behind one URL) share one database.

Connections: nothing here holds up the event loop, every statement is awaited.
- the updates' transactions, the broadcast lease, migrations and the schema version run on
  psycopg's asynchronous pool (`psycopg_pool.AsyncConnectionPool`): each transaction takes a
  connection of its own for its duration, so a slow query, a row another session holds or a
  reconnect makes that one transaction wait while every other user's go on, and the lease is
  renewed on another connection whatever the transactions are doing. A connection found dead at
  `BEGIN` (the server restarted) is replaced once, the pool's idle ones checked with it.
  `lock_timeout` (a row held by another session) and `statement_timeout` still bound how long
  one transaction waits and keeps its connection: that update fails and its sender gets the
  error handler's apology with the current question, rather than waiting for as long as the
  other session holds on while the pool runs dry;
- the update inbox lives on one asynchronous connection of its own: its drain locks are
  session-level advisory locks (`generation` counts the connection's reconnects: the locks go
  with it), and one connection keeps registering an update and draining a user's updates in
  the order they were asked for (an update registered while a drain is under way is seen by
  its next read).

Across processes the database does the coordinating:
- per-user ordering: `bot/cluster.py` keeps an inbox of updates (`update_inbox`) that the
  instance holding the user's advisory lock drains in update_id order;
- one broadcast sender: a lease row with an expiry and a fencing token (`leases`); every write of
  the sender's transactions checks the token (`check_fence`, `FOR SHARE` on the lease row, so a
  takeover waits for a write that passed the check to commit). A process frozen inside such a
  transaction (SIGSTOP, a paused VM) would hold that lock and so block every takeover: the
  server ends a session idle in a transaction for `idle_in_transaction_ms` (10 s), which rolls
  the frozen writes back and frees the row. The bot's transactions never wait on the network,
  and never leave the server waiting inside a pipeline (where that timeout is not armed: see
  `_many`).

Times are the database's clock (`clock_timestamp()`) wherever instances compare them (leases,
the inbox), so clock skew between hosts does not matter; rows the bot itself stamps use the
instance's clock as SQLite does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from bot.store.base import Lease, LeaseLost, Store, Transaction
from bot.store.sql import SqlStore, SqlTransaction

log = logging.getLogger(__name__)

# Advisory lock keys (bigint). A user's inbox drain lock is 2*id + 1, so it never meets these
# small constants' range in practice (Telegram ids are far larger than 2**20 or negative).
MIGRATION_LOCK = 7_000_001
# Seconds the pool keeps retrying one failed connection before it gives up (see open()).
RECONNECT_GIVE_UP = 10.0
MANY_CHUNK = 100  # rows of one `_many` sent as one query

# Each entry moves the schema from version i to i + 1. Never edit a released entry; append.
# Version 1 is the SQLite schema as of its migration 4, in PostgreSQL's types.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE sessions (
        chat_id    BIGINT  NOT NULL,
        user_id    BIGINT  NOT NULL,
        thread_id  BIGINT  NOT NULL DEFAULT 0,
        data       TEXT    NOT NULL,
        finished   BOOLEAN NOT NULL DEFAULT FALSE,
        updated_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (chat_id, user_id, thread_id)
    );
    CREATE INDEX sessions_user ON sessions (user_id);
    CREATE INDEX sessions_updated ON sessions (finished, updated_at);
    CREATE TABLE users (
        user_id     BIGINT PRIMARY KEY,
        lang        TEXT,
        last_result TEXT,
        created_at  DOUBLE PRECISION NOT NULL,
        updated_at  DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE chats (
        chat_id     BIGINT  PRIMARY KEY,
        type        TEXT    NOT NULL,
        title       TEXT,
        lang        TEXT,
        active      BOOLEAN NOT NULL DEFAULT TRUE,
        bot_admin   BOOLEAN NOT NULL DEFAULT FALSE,
        registered  BOOLEAN NOT NULL DEFAULT FALSE,
        settings    TEXT    NOT NULL DEFAULT '{}',
        migrated_to BIGINT,
        updated_at  DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX chats_type ON chats (type, active);
    CREATE TABLE handoffs (
        user_id    BIGINT PRIMARY KEY,
        chat_id    BIGINT NOT NULL,
        thread_id  BIGINT NOT NULL DEFAULT 0,
        created_at DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE bot_admins (
        user_id  BIGINT PRIMARY KEY,
        added_by BIGINT NOT NULL,
        added_at DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE audit_log (
        id       BIGSERIAL PRIMARY KEY,
        at       DOUBLE PRECISION NOT NULL,
        admin_id BIGINT NOT NULL,
        action   TEXT   NOT NULL,
        detail   TEXT   NOT NULL DEFAULT '',
        result   TEXT   NOT NULL
    );
    CREATE INDEX audit_log_admin ON audit_log (admin_id);
    CREATE TABLE subscribers (
        user_id    BIGINT PRIMARY KEY,
        lang       TEXT   NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
        updated_at DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE subscriber_schemes (
        user_id BIGINT NOT NULL,
        scheme  TEXT   NOT NULL,
        PRIMARY KEY (user_id, scheme)
    );
    CREATE INDEX subscriber_schemes_scheme ON subscriber_schemes (scheme, user_id);
    CREATE TABLE result_matches (
        user_id BIGINT NOT NULL,
        scheme  TEXT   NOT NULL,
        PRIMARY KEY (user_id, scheme)
    );
    CREATE INDEX result_matches_scheme ON result_matches (scheme, user_id);
    CREATE TABLE broadcasts (
        id                  BIGSERIAL PRIMARY KEY,
        created_by          BIGINT  NOT NULL,
        admin_chat_id       BIGINT  NOT NULL,
        status              TEXT    NOT NULL,
        audience            TEXT    NOT NULL,
        kind                TEXT    NOT NULL,
        text                TEXT,
        from_chat_id        BIGINT,
        message_id          BIGINT,
        scheduled_at        DOUBLE PRECISION,
        created_at          DOUBLE PRECISION NOT NULL,
        started_at          DOUBLE PRECISION,
        finished_at         DOUBLE PRECISION,
        progress_message_id BIGINT,
        filled              BOOLEAN NOT NULL DEFAULT FALSE,
        fill_cursor         BIGINT  NOT NULL DEFAULT -4611686018427387904,
        total               INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX broadcasts_status ON broadcasts (status, id);
    CREATE TABLE broadcast_recipients (
        id           BIGSERIAL PRIMARY KEY,
        broadcast_id BIGINT  NOT NULL REFERENCES broadcasts (id),
        chat_id      BIGINT,
        state        TEXT    NOT NULL,
        attempts     INTEGER NOT NULL DEFAULT 0,
        error        TEXT,
        updated_at   DOUBLE PRECISION NOT NULL,
        UNIQUE (broadcast_id, chat_id)
    );
    CREATE INDEX broadcast_recipients_state ON broadcast_recipients (broadcast_id, state, id);
    CREATE INDEX broadcast_recipients_chat ON broadcast_recipients (chat_id);
    """,
    # 2: several instances. Leases (one broadcast sender) and the per-user update inbox
    # (ordering across instances; a processed row keeps its update_id, not its payload, for an
    # hour so a resent update is recognised).
    """
    CREATE TABLE leases (
        name       TEXT   PRIMARY KEY,
        holder     TEXT   NOT NULL,
        token      BIGINT NOT NULL,
        expires_at DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE update_inbox (
        update_id   BIGINT PRIMARY KEY,
        user_key    BIGINT NOT NULL,
        payload     TEXT,
        received_at DOUBLE PRECISION NOT NULL,
        done_at     DOUBLE PRECISION
    );
    CREATE INDEX update_inbox_user ON update_inbox (user_key, update_id);
    CREATE INDEX update_inbox_done ON update_inbox (done_at) WHERE done_at IS NOT NULL;
    """,
    # 3: typed answers by message (issue 12): an edited answer changes the answer it was.
    """
    CREATE TABLE answer_messages (
        chat_id     BIGINT NOT NULL,
        message_id  BIGINT NOT NULL,
        user_id     BIGINT NOT NULL,
        thread_id   BIGINT NOT NULL DEFAULT 0,
        question_id TEXT   NOT NULL,
        at          DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (chat_id, message_id)
    );
    CREATE INDEX answer_messages_user ON answer_messages (user_id);
    CREATE INDEX answer_messages_at ON answer_messages (at);
    """,
    # 4: resume codes (issue 14): a user's answers behind a short code (its hash kept), valid
    # until a day; and the wrong codes they tried, for the rate limit.
    """
    CREATE TABLE resume_codes (
        user_id    BIGINT PRIMARY KEY,
        code_hash  TEXT   NOT NULL,
        answers    TEXT   NOT NULL,
        expires_on TEXT   NOT NULL,
        created_at DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE resume_attempts (
        user_id BIGINT NOT NULL,
        at      DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX resume_attempts_user ON resume_attempts (user_id, at);
    """,
    # 5: "tell me if my result changes" (issue 14): kept answers with the day they were given
    # and the result shown, re-evaluation runs and their changes awaiting an admin's
    # confirmation, and a personal notice's own text on its broadcast recipient row.
    """
    CREATE TABLE followups (
        user_id      BIGINT  PRIMARY KEY,
        lang         TEXT    NOT NULL,
        profile      TEXT    NOT NULL,
        given_on     TEXT    NOT NULL,
        state        TEXT    NOT NULL,
        revision     INTEGER NOT NULL DEFAULT 1,
        active       BOOLEAN NOT NULL DEFAULT TRUE,
        opted_out_at DOUBLE PRECISION,
        updated_at   DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX followups_active ON followups (active, user_id);
    CREATE TABLE followup_runs (
        id           BIGSERIAL PRIMARY KEY,
        kind         TEXT   NOT NULL,
        run_key      TEXT   NOT NULL,
        status       TEXT   NOT NULL,
        summary      TEXT   NOT NULL DEFAULT '{}',
        broadcast_id BIGINT,
        created_at   DOUBLE PRECISION NOT NULL,
        UNIQUE (kind, run_key)
    );
    CREATE TABLE followup_changes (
        run_id   BIGINT  NOT NULL,
        user_id  BIGINT  NOT NULL,
        revision INTEGER NOT NULL,
        text     TEXT    NOT NULL,
        state    TEXT    NOT NULL,
        PRIMARY KEY (run_id, user_id)
    );
    CREATE INDEX followup_changes_user ON followup_changes (user_id);
    ALTER TABLE broadcast_recipients ADD COLUMN text TEXT;
    """,
    # 6: deadline reminders (issue 14): one row per scheme, deadline and stage (days before).
    """
    CREATE TABLE reminders (
        id          BIGSERIAL PRIMARY KEY,
        user_id     BIGINT  NOT NULL,
        scheme      TEXT    NOT NULL,
        deadline    TEXT    NOT NULL,
        days_before INTEGER NOT NULL,
        due         TEXT    NOT NULL,
        url         TEXT    NOT NULL,
        lang        TEXT    NOT NULL,
        state       TEXT    NOT NULL,
        error       TEXT,
        created_at  DOUBLE PRECISION NOT NULL,
        updated_at  DOUBLE PRECISION NOT NULL,
        UNIQUE (user_id, scheme, deadline, days_before)
    );
    CREATE INDEX reminders_due ON reminders (state, due, id);
    """,
    # 7: no index on (finished, updated_at). Every step of every person rewrote that index entry
    # (its columns change on every save): a third of a step's commit on SQLite (36 -> 20 us
    # per upsert measured), and on PostgreSQL it kept session updates from being HOT. Its
    # only reader was the purge of idle sessions, a few times a day, which now scans the table.
    """
    DROP INDEX IF EXISTS sessions_updated;
    """,
]

DB_NOW = "extract(epoch from clock_timestamp())"

def drain_lock_key(user_key: int) -> int:
    """The advisory lock held (session level) while an instance drains a user's inbox."""
    return 2 * user_key + 1


_PG_SQL: dict[str, str] = {}  # statement text with ? -> with %s


def pg_sql(sql: str) -> str:
    """The shared layer's `?` placeholders as psycopg's `%s` (statements hold no other `?`
    nor `%`), translated once per statement text."""
    out = _PG_SQL.get(sql)
    if out is None:
        out = _PG_SQL[sql] = sql.replace("?", "%s")
    return out


class _PgTransaction(SqlTransaction):
    """The shared statements (bot/store/sql.py) on psycopg, plus the lease's fencing check."""

    __slots__ = ("_c",)
    SKIP_LOCKED = " FOR UPDATE SKIP LOCKED"  # belt and braces: the lease keeps one sender
    INBOX_NOW = DB_NOW

    def __init__(self, conn: psycopg.AsyncConnection) -> None:
        super().__init__()
        self._c = conn

    async def _x(self, sql: str, params: Iterable[Any] = ()) -> int:
        cur = await self._c.execute(pg_sql(sql), tuple(params))  # type: ignore[arg-type]
        return cur.rowcount

    async def _one(self, sql: str, params: Iterable[Any] = ()) -> Any:
        cur = await self._c.execute(pg_sql(sql), tuple(params))  # type: ignore[arg-type]
        return await cur.fetchone()

    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        cur = await self._c.execute(pg_sql(sql), tuple(params))  # type: ignore[arg-type]
        return await cur.fetchall()

    async def _many(self, sql: str, rows: list[tuple]) -> None:
        """The statement once per row, MANY_CHUNK rows to one round trip.

        Not `executemany`: psycopg pipelines it, and between a pipeline's statements and its
        Sync the server waits for the client with no timeout armed (the session is "active",
        not "idle in transaction"). A process frozen or stalled there (SIGSTOP in the tests; a
        paused VM, a long swap) held the lease row's `FOR SHARE` lock for as long as it stayed
        frozen, and no other instance could take the lease over. Statements joined into one
        simple query (parameters bound client-side by psycopg's adapters) end with a Sync like
        any other query, so `idle_in_transaction_session_timeout` ends such a session.
        """
        statement = pg_sql(sql)
        for start in range(0, len(rows), MANY_CHUNK):
            chunk = rows[start : start + MANY_CHUNK]
            cur = psycopg.AsyncClientCursor(self._c)
            try:
                await cur.execute(  # type: ignore[call-overload]
                    ";".join([statement] * len(chunk)), [p for row in chunk for p in row]
                )
            finally:
                await cur.close()

    # --- several instances (not part of the SQLite transaction)
    async def check_fence(self, name: str, token: int) -> None:
        row = await self._one("SELECT token FROM leases WHERE name=? FOR SHARE", (name,))
        if row is None or row[0] != token:
            raise LeaseLost(f"lease {name!r}: token {token} is stale")


class PostgresStore(SqlStore, Store):
    """`DATABASE_URL=postgresql://...`; libpq URI parameters apply (e.g.
    `?options=-csearch_path%3Dbot` for a schema, `sslmode=require`)."""

    shared = True  # several processes may use the same database

    def __init__(
        self,
        url: str,
        *,
        connect_timeout: float = 5.0,
        lock_timeout_ms: int = 250,
        statement_timeout_ms: int = 2000,
        idle_in_transaction_ms: int = 10_000,
        pool_size: int = 8,
    ) -> None:
        self.url = url
        self.connect_timeout = connect_timeout
        self.lock_timeout_ms = lock_timeout_ms
        self.statement_timeout_ms = statement_timeout_ms
        self.idle_in_transaction_ms = idle_in_transaction_ms
        self.pool_size = pool_size
        self._pool: AsyncConnectionPool | None = None  # transactions, the lease, migrations
        self._lock_conn: psycopg.AsyncConnection | None = None  # drain locks
        self._lock_conn_lock = asyncio.Lock()
        self.generation = 0  # bumped on every (re)connect of the drain-lock connection
        self.reconnects = 0  # transactions that found their pooled connection dead

    # --- connections
    def _require_pool(self) -> AsyncConnectionPool:
        if self._pool is None:
            raise RuntimeError("store is not open")
        return self._pool

    async def _locks(self) -> psycopg.AsyncConnection:
        """The drain locks' connection; a new one (and generation) if it died."""
        conn = self._lock_conn
        if conn is None or conn.closed or conn.broken:
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()
            self._lock_conn = None
            conn = await psycopg.AsyncConnection.connect(
                self.url, autocommit=True, connect_timeout=max(1, int(self.connect_timeout))
            )
            self._lock_conn = conn
            self.generation += 1
        return conn

    async def _row(self, sql: str, params: tuple = ()) -> tuple | None:
        """One statement on a pooled connection (autocommit)."""
        async with self._require_pool().connection() as conn:
            cur = await conn.execute(sql, params)  # type: ignore[arg-type]
            return await cur.fetchone() if cur.description else None

    async def _execute(self, sql: str, params: tuple = ()) -> int:
        async with self._require_pool().connection() as conn:
            cur = await conn.execute(sql, params)  # type: ignore[arg-type]
            return cur.rowcount

    async def open(self) -> None:
        async def configure(conn: psycopg.AsyncConnection) -> None:
            await conn.execute(
                f"SET TIME ZONE 'UTC'; SET lock_timeout = {int(self.lock_timeout_ms)};"
                f" SET statement_timeout = {int(self.statement_timeout_ms)};"
                f" SET idle_in_transaction_session_timeout = {int(self.idle_in_transaction_ms)}"
            )

        pool = AsyncConnectionPool(
            self.url, min_size=min(2, self.pool_size), max_size=self.pool_size, open=False,
            configure=configure,
            kwargs={"autocommit": True, "connect_timeout": max(1, int(self.connect_timeout))},
            timeout=max(1.0, self.connect_timeout), name="bot-store",
            # psycopg_pool retries a failed connection with doubling delays (1, 2, 4 … 64 s) for
            # reconnect_timeout (300 s by default) before it lets a request start afresh: after a
            # database outage of a minute the pool would stay empty for another minute. Giving up
            # after RECONNECT_GIVE_UP seconds bounds that: the next request tries at once.
            reconnect_timeout=RECONNECT_GIVE_UP,
        )  # fmt: skip
        await pool.open(wait=True, timeout=max(1.0, self.connect_timeout))
        self._pool = pool
        try:
            await self._migrate()
            async with self._lock_conn_lock:
                await self._locks()
        except BaseException:
            await self.close()
            raise

    async def _migrate(self) -> None:
        assert self._pool is not None
        async with self._pool.connection() as conn, conn.transaction():
            # no timeouts here: instances starting together wait for the first one's migration
            await conn.execute("SET LOCAL lock_timeout = 0; SET LOCAL statement_timeout = 0")
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
            )
            row = await (await conn.execute("SELECT version FROM schema_version")).fetchone()
            current = row[0] if row else 0
            if current > len(MIGRATIONS):
                raise RuntimeError(
                    f"database schema version {current} is newer than this code knows "
                    f"({len(MIGRATIONS)}); upgrade the bot"
                )
            for version in range(current, len(MIGRATIONS)):
                await conn.execute(MIGRATIONS[version])  # type: ignore[arg-type]
                await conn.execute("DELETE FROM schema_version")
                await conn.execute(
                    "INSERT INTO schema_version (version) VALUES (%s)", (version + 1,)
                )

    async def close(self) -> None:
        if self._lock_conn is not None:
            with contextlib.suppress(Exception):
                await self._lock_conn.close()
            self._lock_conn = None
        if self._pool is not None:
            with contextlib.suppress(Exception):
                await self._pool.close()
            self._pool = None

    async def _begin(self, pool: AsyncConnectionPool) -> psycopg.AsyncConnection:
        """A pooled connection with its transaction begun. One found dead (the server restarted
        or ended it since its last use) is discarded, the pool's idle ones checked, and
        another taken."""
        for attempt in (1, 2):
            conn = await pool.getconn()
            try:
                await conn.execute("BEGIN")
                return conn
            except psycopg.OperationalError:
                await pool.putconn(conn)  # broken: the pool discards it
                if attempt == 2:
                    raise
            except BaseException:
                await pool.putconn(conn)
                raise
            log.warning("PostgreSQL connection lost; reconnecting")
            self.reconnects += 1
            await pool.check()
        raise AssertionError("unreachable")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        pool = self._require_pool()
        conn = await self._begin(pool)
        try:
            try:
                yield _PgTransaction(conn)
            except BaseException:
                with contextlib.suppress(psycopg.Error):
                    await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")
        finally:
            await pool.putconn(conn)

    async def schema_version(self) -> int:
        row = await self._row("SELECT version FROM schema_version")
        return row[0] if row else 0

    # --- leases (one broadcast sender across instances), on the pool
    async def acquire_lease(self, name: str, holder: str, ttl: float) -> Lease | None:
        """Take the lease if it is free or expired (by the database's clock): a new token."""
        row = await self._row(
            f"INSERT INTO leases (name, holder, token, expires_at)"
            f" VALUES (%s, %s, 1, {DB_NOW} + %s)"
            f" ON CONFLICT (name) DO UPDATE SET holder=excluded.holder,"
            f" token=leases.token + 1, expires_at=excluded.expires_at"
            f" WHERE leases.expires_at < {DB_NOW}"
            f" RETURNING token",
            (name, holder, ttl),
        )
        return Lease(name, holder, int(row[0])) if row else None

    async def renew_lease(self, lease: Lease, ttl: float) -> bool:
        """Extend a lease that has not expired and is still ours."""
        row = await self._row(
            f"UPDATE leases SET expires_at={DB_NOW} + %s WHERE name=%s AND token=%s"
            f" AND holder=%s AND expires_at >= {DB_NOW} RETURNING token",
            (ttl, lease.name, lease.token, lease.holder),
        )
        return row is not None

    async def release_lease(self, lease: Lease) -> None:
        await self._execute(
            f"UPDATE leases SET expires_at={DB_NOW} - 1 WHERE name=%s AND token=%s",
            (lease.name, lease.token),
        )

    async def check_fence(self, tx: Transaction, name: str, token: int) -> None:
        await tx.check_fence(name, token)  # type: ignore[attr-defined]

    async def lease_holder(self, name: str) -> tuple[str, int, float] | None:
        """(holder, token, seconds left by the database's clock) or None (tests, metrics)."""
        row = await self._row(
            f"SELECT holder, token, expires_at - {DB_NOW} FROM leases WHERE name=%s", (name,)
        )
        return (row[0], int(row[1]), float(row[2])) if row else None

    # --- the update inbox (see bot/cluster.py)
    async def inbox_enter(
        self, update_id: int, user_key: int, payload: str
    ) -> tuple[str, int | None]:
        """Record an update and try its user's drain lock, in one round trip: (state, lock
        generation or None). State is `new`, `pending` (registered, not yet processed) or `done`
        (processed before: a resend, acknowledged without running again); a `done` update does
        not keep the lock."""
        async with self._lock_conn_lock:
            conn = await self._locks()
            cur = await conn.execute(
                f"WITH ins AS (INSERT INTO update_inbox (update_id, user_key, payload, received_at)"
                f" VALUES (%s, %s, %s, {DB_NOW}) ON CONFLICT (update_id) DO NOTHING"
                f" RETURNING update_id)"
                f" SELECT EXISTS (SELECT 1 FROM ins),"
                f" (SELECT done_at IS NOT NULL FROM update_inbox WHERE update_id=%s),"
                f" pg_try_advisory_lock(%s)",
                (update_id, user_key, payload, update_id, drain_lock_key(user_key)),
            )
            row = await cur.fetchone()
            assert row is not None
            inserted, done, locked = row
            state = "new" if inserted else ("done" if done else "pending")
            if locked and state == "done":
                await conn.execute("SELECT pg_advisory_unlock(%s)", (drain_lock_key(user_key),))
                locked = False
            return state, (self.generation if locked else None)

    async def inbox_try_lock(self, user_key: int) -> int | None:
        """Take the user's drain lock (session level) without waiting; returns the connection
        generation it was taken on (a reconnect loses it), or None if another instance has it."""
        async with self._lock_conn_lock:
            conn = await self._locks()
            cur = await conn.execute("SELECT pg_try_advisory_lock(%s)", (drain_lock_key(user_key),))
            row = await cur.fetchone()
            return self.generation if row and row[0] else None

    async def inbox_unlock(self, user_key: int, generation: int) -> None:
        async with self._lock_conn_lock:
            conn = self._lock_conn
            if generation != self.generation or conn is None or conn.broken or conn.closed:
                return  # the connection it was held on is gone, and the lock with it
            with contextlib.suppress(psycopg.Error):
                await conn.execute("SELECT pg_advisory_unlock(%s)", (drain_lock_key(user_key),))

    async def inbox_done_next(
        self, update_id: int, user_key: int, window: float
    ) -> tuple[int, str, int | None] | float | None:
        """Mark `update_id` processed (payload dropped) and return the user's lowest unprocessed
        update as (update_id, payload, highest processed update_id — to spot a late update); or,
        if it arrived less than `window` seconds ago, how long to wait before asking again (an
        update with a lower id may still be on its way to another instance); None when nothing
        is pending. `update_id` 0 marks nothing."""
        async with self._lock_conn_lock:
            conn = await self._locks()
            cur = await conn.execute(
                f"WITH d AS (UPDATE update_inbox SET done_at={DB_NOW}, payload=NULL"
                f" WHERE update_id=%s AND done_at IS NULL RETURNING update_id)"
                f" SELECT update_id, payload, received_at + %s - {DB_NOW},"
                f" (SELECT MAX(update_id) FROM update_inbox WHERE user_key=%s"
                f" AND done_at IS NOT NULL)"
                f" FROM update_inbox WHERE user_key=%s AND done_at IS NULL AND update_id<>%s"
                f" ORDER BY update_id LIMIT 1",
                (update_id, window, user_key, user_key, update_id),
            )
            row = await cur.fetchone()
        if row is None:
            return None
        if row[2] > 0:
            return float(row[2])
        return int(row[0]), row[1], row[3]

    async def inbox_is_done(self, update_id: int) -> bool:
        async with self._lock_conn_lock:
            conn = await self._locks()
            cur = await conn.execute(
                "SELECT done_at IS NOT NULL FROM update_inbox WHERE update_id=%s", (update_id,)
            )
            row = await cur.fetchone()
        return bool(row and row[0])

    async def inbox_stale_users(self, older_than: float, limit: int = 100) -> list[int]:
        """Users with updates left unprocessed for `older_than` seconds (by the database's
        clock): their instance died mid-way, and the recovery (bot/cluster.py) takes over."""
        async with self._lock_conn_lock:
            conn = await self._locks()
            cur = await conn.execute(
                f"SELECT DISTINCT user_key FROM update_inbox WHERE done_at IS NULL"
                f" AND received_at < {DB_NOW} - %s LIMIT %s",
                (older_than, limit),
            )
            rows = await cur.fetchall()
        return [int(r[0]) for r in rows]

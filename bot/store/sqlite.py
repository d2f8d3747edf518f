"""SQLite store: the embedded default.

The statements are the shared SQL layer's (`bot/store/sql.py`); this file holds the schema and
the connection. WAL mode with synchronous=NORMAL survives a killed process (kill -9) without
losing a committed transaction; only a power cut could. The `Transaction` methods are coroutines
(the same interface as PostgreSQL's) that run sqlite3 directly: its calls are local and short
(tens of microseconds), cheaper on the event loop than a thread hop on every statement. A
transaction holds the one write lock (`BEGIN IMMEDIATE` under an asyncio lock) until it ends.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.store.base import Store, Transaction
from bot.store.sql import SqlStore, SqlTransaction

# Each entry moves the schema from version i to i + 1. Never edit a released entry; append.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE sessions (
        chat_id    INTEGER NOT NULL,
        user_id    INTEGER NOT NULL,
        thread_id  INTEGER NOT NULL DEFAULT 0,
        data       TEXT    NOT NULL,
        finished   INTEGER NOT NULL DEFAULT 0,
        updated_at REAL    NOT NULL,
        PRIMARY KEY (chat_id, user_id, thread_id)
    ) WITHOUT ROWID;
    CREATE INDEX sessions_user ON sessions (user_id);
    CREATE INDEX sessions_updated ON sessions (finished, updated_at);
    CREATE TABLE users (
        user_id     INTEGER PRIMARY KEY,
        lang        TEXT,
        last_result TEXT,
        created_at  REAL NOT NULL,
        updated_at  REAL NOT NULL
    );
    """,
    # 2: where the bot is (private chats, groups, channels), with group settings.
    """
    CREATE TABLE chats (
        chat_id     INTEGER PRIMARY KEY,
        type        TEXT    NOT NULL,
        title       TEXT,
        lang        TEXT,
        active      INTEGER NOT NULL DEFAULT 1,
        bot_admin   INTEGER NOT NULL DEFAULT 0,
        registered  INTEGER NOT NULL DEFAULT 0,
        settings    TEXT    NOT NULL DEFAULT '{}',
        migrated_to INTEGER,
        updated_at  REAL    NOT NULL
    );
    CREATE INDEX chats_type ON chats (type, active);
    """,
    # 3: a group session continued in a private chat (sensitive questions are never asked in a
    # group); remembers the group so a finished result can be announced there if it allows.
    """
    CREATE TABLE handoffs (
        user_id    INTEGER PRIMARY KEY,
        chat_id    INTEGER NOT NULL,
        thread_id  INTEGER NOT NULL DEFAULT 0,
        created_at REAL    NOT NULL
    );
    """,
    # 4: bot admins, audit log, subscriptions, last-result matches, broadcast jobs and recipients.
    """
    CREATE TABLE bot_admins (
        user_id  INTEGER PRIMARY KEY,
        added_by INTEGER NOT NULL,
        added_at REAL    NOT NULL
    );
    CREATE TABLE audit_log (
        id       INTEGER PRIMARY KEY,
        at       REAL    NOT NULL,
        admin_id INTEGER NOT NULL,
        action   TEXT    NOT NULL,
        detail   TEXT    NOT NULL DEFAULT '',
        result   TEXT    NOT NULL
    );
    CREATE INDEX audit_log_admin ON audit_log (admin_id);
    CREATE TABLE subscribers (
        user_id    INTEGER PRIMARY KEY,
        lang       TEXT    NOT NULL,
        created_at REAL    NOT NULL,
        updated_at REAL    NOT NULL
    );
    CREATE TABLE subscriber_schemes (
        user_id INTEGER NOT NULL,
        scheme  TEXT    NOT NULL,
        PRIMARY KEY (user_id, scheme)
    );
    CREATE INDEX subscriber_schemes_scheme ON subscriber_schemes (scheme, user_id);
    CREATE TABLE result_matches (
        user_id INTEGER NOT NULL,
        scheme  TEXT    NOT NULL,
        PRIMARY KEY (user_id, scheme)
    );
    CREATE INDEX result_matches_scheme ON result_matches (scheme, user_id);
    INSERT INTO result_matches (user_id, scheme)
        SELECT DISTINCT u.user_id, substr(j.key, 1, instr(j.key || ':', ':') - 1)
        FROM users u, json_each(u.last_result, '$.statuses') j
        WHERE u.last_result IS NOT NULL AND json_valid(u.last_result) AND j.value = 'match';
    CREATE TABLE broadcasts (
        id                  INTEGER PRIMARY KEY,
        created_by          INTEGER NOT NULL,
        admin_chat_id       INTEGER NOT NULL,
        status              TEXT    NOT NULL,
        audience            TEXT    NOT NULL,
        kind                TEXT    NOT NULL,
        text                TEXT,
        from_chat_id        INTEGER,
        message_id          INTEGER,
        scheduled_at        REAL,
        created_at          REAL    NOT NULL,
        started_at          REAL,
        finished_at         REAL,
        progress_message_id INTEGER,
        filled              INTEGER NOT NULL DEFAULT 0,
        fill_cursor         INTEGER NOT NULL DEFAULT -4611686018427387904,
        total               INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX broadcasts_status ON broadcasts (status, id);
    CREATE TABLE broadcast_recipients (
        id           INTEGER PRIMARY KEY,
        broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id),
        chat_id      INTEGER,
        state        TEXT    NOT NULL,
        attempts     INTEGER NOT NULL DEFAULT 0,
        error        TEXT,
        updated_at   REAL    NOT NULL,
        UNIQUE (broadcast_id, chat_id)
    );
    CREATE INDEX broadcast_recipients_state ON broadcast_recipients (broadcast_id, state, id);
    CREATE INDEX broadcast_recipients_chat ON broadcast_recipients (chat_id);
    """,
    # 5: the webhook's update inbox (issue 12): an update is stored before it is acknowledged
    # and handled after; its update_id stays an hour after processing so a resend is recognised.
    """
    CREATE TABLE update_inbox (
        update_id   INTEGER PRIMARY KEY,
        user_key    INTEGER NOT NULL,
        payload     TEXT,
        received_at REAL    NOT NULL,
        done_at     REAL
    );
    CREATE INDEX update_inbox_user ON update_inbox (user_key, update_id);
    """,
    # 6: typed answers by message (issue 12): an edited answer changes the answer it was.
    """
    CREATE TABLE answer_messages (
        chat_id     INTEGER NOT NULL,
        message_id  INTEGER NOT NULL,
        user_id     INTEGER NOT NULL,
        thread_id   INTEGER NOT NULL DEFAULT 0,
        question_id TEXT    NOT NULL,
        at          REAL    NOT NULL,
        PRIMARY KEY (chat_id, message_id)
    ) WITHOUT ROWID;
    CREATE INDEX answer_messages_user ON answer_messages (user_id);
    CREATE INDEX answer_messages_at ON answer_messages (at);
    """,
    # 7: resume codes (issue 14): a user's answers behind a short code (its hash kept), valid
    # until a day; and the wrong codes they tried, for the rate limit.
    """
    CREATE TABLE resume_codes (
        user_id    INTEGER PRIMARY KEY,
        code_hash  TEXT    NOT NULL,
        answers    TEXT    NOT NULL,
        expires_on TEXT    NOT NULL,
        created_at REAL    NOT NULL
    );
    CREATE TABLE resume_attempts (
        user_id INTEGER NOT NULL,
        at      REAL    NOT NULL
    );
    CREATE INDEX resume_attempts_user ON resume_attempts (user_id, at);
    """,
    # 8: "tell me if my result changes" (issue 14): kept answers with the day they were given
    # and the result shown, re-evaluation runs and their changes awaiting an admin's
    # confirmation, and a personal notice's own text on its broadcast recipient row.
    """
    CREATE TABLE followups (
        user_id      INTEGER PRIMARY KEY,
        lang         TEXT    NOT NULL,
        profile      TEXT    NOT NULL,
        given_on     TEXT    NOT NULL,
        state        TEXT    NOT NULL,
        revision     INTEGER NOT NULL DEFAULT 1,
        active       INTEGER NOT NULL DEFAULT 1,
        opted_out_at REAL,
        updated_at   REAL    NOT NULL
    );
    CREATE INDEX followups_active ON followups (active, user_id);
    CREATE TABLE followup_runs (
        id           INTEGER PRIMARY KEY,
        kind         TEXT    NOT NULL,
        run_key      TEXT    NOT NULL,
        status       TEXT    NOT NULL,
        summary      TEXT    NOT NULL DEFAULT '{}',
        broadcast_id INTEGER,
        created_at   REAL    NOT NULL,
        UNIQUE (kind, run_key)
    );
    CREATE TABLE followup_changes (
        run_id   INTEGER NOT NULL,
        user_id  INTEGER NOT NULL,
        revision INTEGER NOT NULL,
        text     TEXT    NOT NULL,
        state    TEXT    NOT NULL,
        PRIMARY KEY (run_id, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX followup_changes_user ON followup_changes (user_id);
    ALTER TABLE broadcast_recipients ADD COLUMN text TEXT;
    """,
    # 9: deadline reminders (issue 14): one row per scheme, deadline and stage (days before).
    """
    CREATE TABLE reminders (
        id          INTEGER PRIMARY KEY,
        user_id     INTEGER NOT NULL,
        scheme      TEXT    NOT NULL,
        deadline    TEXT    NOT NULL,
        days_before INTEGER NOT NULL,
        due         TEXT    NOT NULL,
        url         TEXT    NOT NULL,
        lang        TEXT    NOT NULL,
        state       TEXT    NOT NULL,
        error       TEXT,
        created_at  REAL    NOT NULL,
        updated_at  REAL    NOT NULL,
        UNIQUE (user_id, scheme, deadline, days_before)
    );
    CREATE INDEX reminders_due ON reminders (state, due, id);
    """,
    # 10: no index on (finished, updated_at). Every step of every person rewrote that index entry
    # (its columns change on every save): a third of a step's commit on SQLite (36 -> 20 us
    # per upsert measured), and on PostgreSQL it kept session updates from being HOT. Its
    # only reader was the purge of idle sessions, a few times a day, which now scans the table.
    """
    DROP INDEX IF EXISTS sessions_updated;
    """,
]


class _SqliteTransaction(SqlTransaction):
    """The shared statements (bot/store/sql.py) on sqlite3."""

    __slots__ = ("_db",)

    def __init__(self, db: sqlite3.Connection) -> None:
        super().__init__()
        self._db = db

    # Run directly: sqlite3 is local and each call takes microseconds, less than handing it to
    # a thread would. The coroutines only give both stores the same interface.
    async def _x(self, sql: str, params: Iterable[Any] = ()) -> int:
        return self._db.execute(sql, params).rowcount  # type: ignore[arg-type]

    async def _one(self, sql: str, params: Iterable[Any] = ()) -> Any:
        # fetchall: a RETURNING statement left unfinished would keep the write open
        rows = self._db.execute(sql, params).fetchall()  # type: ignore[arg-type]
        return rows[0] if rows else None

    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        return self._db.execute(sql, params).fetchall()  # type: ignore[arg-type]

    async def _many(self, sql: str, rows: list[tuple]) -> None:
        if rows:
            self._db.executemany(sql, rows)


class SqliteInbox:
    """The update inbox (see bot/cluster.py), with the same methods as PostgreSQL's.

    One process owns a SQLite file, so the per-user drain lock is a set in memory and its
    generation never changes.
    """

    generation = 0
    _db: sqlite3.Connection | None
    _drain_locks: set[int]

    def _inbox_db(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("store is not open")
        return self._db

    async def inbox_enter(
        self, update_id: int, user_key: int, payload: str
    ) -> tuple[str, int | None]:
        """Register an update: (`new` | `pending` | `done`, drain lock generation or None)."""
        db = self._inbox_db()
        async with self._lock:  # never inside another coroutine's open transaction
            inserted = db.execute(
                "INSERT OR IGNORE INTO update_inbox (update_id, user_key, payload, received_at)"
                " VALUES (?, ?, ?, ?)",
                (update_id, user_key, payload, time.time()),
            ).rowcount
        if inserted:
            state = "new"
        else:
            row = db.execute(
                "SELECT done_at IS NOT NULL FROM update_inbox WHERE update_id=?", (update_id,)
            ).fetchone()
            state = "done" if row and row[0] else "pending"
        if state == "done":
            return state, None
        return state, await self.inbox_try_lock(user_key)

    async def inbox_try_lock(self, user_key: int) -> int | None:
        if user_key in self._drain_locks:
            return None
        self._drain_locks.add(user_key)
        return self.generation

    async def inbox_unlock(self, user_key: int, generation: int) -> None:
        self._drain_locks.discard(user_key)

    async def inbox_done_next(
        self, update_id: int, user_key: int, window: float
    ) -> tuple[int, str, int | None] | float | None:
        """Mark `update_id` processed, then the user's lowest unprocessed update (with the
        highest processed id), or how long until it is `window` old, or None."""
        db = self._inbox_db()
        now = time.time()
        async with self._lock:
            db.execute(
                "UPDATE update_inbox SET done_at=?, payload=NULL"
                " WHERE update_id=? AND done_at IS NULL",
                (now, update_id),
            )
        row = db.execute(
            "SELECT update_id, payload, received_at + ? - ?,"
            " (SELECT MAX(update_id) FROM update_inbox WHERE user_key=? AND done_at IS NOT NULL"
            " AND update_id<>?)"  # as PostgreSQL's, whose statement sees the table before
            " FROM update_inbox WHERE user_key=? AND done_at IS NULL"
            " ORDER BY update_id LIMIT 1",
            (window, now, user_key, update_id, user_key),
        ).fetchone()
        if row is None:
            return None
        if row[2] > 0:
            return float(row[2])
        return int(row[0]), row[1], row[3]

    async def inbox_is_done(self, update_id: int) -> bool:
        row = self._inbox_db().execute(
            "SELECT done_at IS NOT NULL FROM update_inbox WHERE update_id=?", (update_id,)
        ).fetchone()
        return bool(row and row[0])

    async def inbox_stale_users(self, older_than: float, limit: int = 100) -> list[int]:
        """Users with updates left unprocessed for a while (the process died mid-way)."""
        rows = self._inbox_db().execute(
            "SELECT DISTINCT user_key FROM update_inbox WHERE done_at IS NULL"
            " AND received_at <= ? LIMIT ?",
            (time.time() - older_than, limit),
        ).fetchall()
        return [r[0] for r in rows]


class SqliteStore(SqliteInbox, SqlStore, Store):
    def __init__(self, path: str) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._lock = asyncio.Lock()
        self._drain_locks: set[int] = set()

    async def open(self) -> None:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA busy_timeout=5000")
        self._db = db
        self._migrate()

    def _migrate(self) -> None:
        db = self._require()
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = db.execute("SELECT version FROM schema_version").fetchone()
        current = row[0] if row else 0
        if current > len(MIGRATIONS):
            raise RuntimeError(
                f"database schema version {current} is newer than this code knows "
                f"({len(MIGRATIONS)}); upgrade the bot"
            )
        for version in range(current, len(MIGRATIONS)):
            db.execute("BEGIN IMMEDIATE")
            for statement in _split_sql(MIGRATIONS[version]):
                db.execute(statement)
            db.execute("DELETE FROM schema_version")
            db.execute("INSERT INTO schema_version (version) VALUES (?)", (version + 1,))
            db.execute("COMMIT")

    def _require(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("store is not open")
        return self._db

    async def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        db = self._require()
        async with self._lock:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteTransaction(db)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    async def schema_version(self) -> int:
        row = self._require().execute("SELECT version FROM schema_version").fetchone()
        return row[0] if row else 0


def _split_sql(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]

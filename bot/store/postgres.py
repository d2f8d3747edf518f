"""PostgreSQL store: several bot instances (webhook mode, behind one URL) share one database.

Connections, and what may hold up the event loop:
- everything outside a transaction — the update inbox (`bot/cluster.py`), the broadcast lease,
  migrations, the schema version — runs on psycopg's asynchronous pool (`psycopg_pool`): a slow
  query or a reconnect there waits without holding up anyone else, and the lease is renewed on
  its own connection whatever the transactions are doing;
- the inbox's drain locks are session-level advisory locks, so they live on one asynchronous
  connection of their own (`generation` counts its reconnects: the locks go with it);
- `transaction()` is synchronous inside (the `Transaction` methods are, by design: handlers never
  await inside one, and a round trip to a nearby PostgreSQL costs about 0.1 ms, less than an
  executor hop), on one connection guarded by an asyncio lock. Connecting and reconnecting it run
  in a thread, off the event loop. A statement inside cannot be awaited, so it is bounded:
  `lock_timeout` (a row held by another session) and `statement_timeout` make a blocked
  transaction fail fast — that update raises (Telegram resends it, see `bot/webhook.py`) —
  instead of freezing every user for as long as the other session holds on.

Across processes the database does the coordinating:
- per-user ordering: `bot/cluster.py` keeps an inbox of updates (`update_inbox`) that the
  instance holding the user's advisory lock drains in update_id order;
- one broadcast sender: a lease row with an expiry and a fencing token (`leases`); every write of
  the sender's transactions checks the token (`check_fence`, `FOR SHARE` on the lease row, so a
  takeover waits for a write that passed the check to commit).

Times are the database's clock (`clock_timestamp()`) wherever instances compare them (leases,
the inbox), so clock skew between hosts does not matter; rows the bot itself stamps use the
instance's clock as SQLite does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from bot.store.base import (
    Lease,
    LeaseLost,
    SessionKey,
    Store,
    StoredChat,
    StoredSession,
    StoredUser,
    Transaction,
)
from bot.store.broadcasts import (
    ACTIVE_STATUSES,
    ALL_SCHEMES,
    DRAFT,
    PENDING,
    RUNNING,
    SCHEDULED,
    SENDING,
    SKIPPED,
    START_CURSOR,
    UNCERTAIN,
    BroadcastJob,
    Recipient,
    Statistics,
)

log = logging.getLogger(__name__)

# Advisory lock keys (bigint). A user's inbox drain lock is 2*id + 1, so it never meets these
# small constants' range in practice (Telegram ids are far larger than 2**20 or negative).
MIGRATION_LOCK = 7_000_001

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
]

DB_NOW = "extract(epoch from clock_timestamp())"

_JOB_COLUMNS = (
    "id, created_by, admin_chat_id, status, audience, kind, text, from_chat_id, message_id,"
    " scheduled_at, created_at, started_at, finished_at, progress_message_id, filled,"
    " fill_cursor, total"
)
_UPDATABLE = {
    "status", "audience", "scheduled_at", "started_at", "finished_at", "progress_message_id",
    "filled", "fill_cursor", "total",
}  # fmt: skip

# (table, column) pairs that can name a user, for count_rows_about (as SQLite's).
ROWS_ABOUT = (
    ("sessions", "user_id"), ("users", "user_id"), ("chats", "chat_id"),
    ("handoffs", "user_id"), ("subscribers", "user_id"), ("subscriber_schemes", "user_id"),
    ("result_matches", "user_id"), ("bot_admins", "user_id"),
    ("broadcast_recipients", "chat_id"), ("audit_log", "admin_id"),
)  # fmt: skip


def _job(row: tuple) -> BroadcastJob:
    return BroadcastJob(*row[:14], bool(row[14]), row[15], row[16])


def _chat(row: tuple) -> StoredChat:
    return StoredChat(row[0], row[1], row[2], row[3], bool(row[4]), bool(row[5]), bool(row[6]),
                      row[7], row[8])  # fmt: skip


def _audience_sql(audience: str) -> tuple[str, list[object]]:
    """SELECT chat_id ... for an audience; the first parameter is the keyset cursor."""
    if audience in ("groups", "channels"):
        kind = "type IN ('group', 'supergroup')" if audience == "groups" else (
            "type = 'channel' AND registered")  # fmt: skip
        return f"SELECT chat_id FROM chats WHERE {kind} AND active AND chat_id > %s", []
    sql = (
        "SELECT s.user_id AS chat_id FROM subscribers s LEFT JOIN chats c ON c.chat_id = s.user_id"
        " LEFT JOIN users u ON u.user_id = s.user_id"
        " WHERE (c.active IS NULL OR c.active) AND s.user_id > %s"
    )
    params: list[object] = []
    kind, _, value = audience.partition(":")
    if kind == "lang":
        sql += " AND COALESCE(u.lang, s.lang) = %s"
        params.append(value)
    elif kind == "scheme":
        sql += (
            " AND EXISTS (SELECT 1 FROM subscriber_schemes ss WHERE ss.user_id = s.user_id"
            " AND ss.scheme IN (%s, %s))"
        )
        params += [ALL_SCHEMES, value]
    elif kind == "match":
        sql += (
            " AND EXISTS (SELECT 1 FROM result_matches m WHERE m.user_id = s.user_id"
            " AND m.scheme = %s)"
        )
        params.append(value)
    elif kind != "all":
        raise ValueError(f"unknown audience {audience!r}")
    return sql, params


def _matched_schemes(last_result: str) -> set[str]:
    try:
        statuses = json.loads(last_result).get("statuses") or {}
    except (ValueError, AttributeError):
        return set()
    return {key.split(":", 1)[0] for key, status in statuses.items() if status == "match"}


def drain_lock_key(user_key: int) -> int:
    """The advisory lock held (session level) while an instance drains a user's inbox."""
    return 2 * user_key + 1


class _PgTransaction(Transaction):
    __slots__ = ("_c", "_now")

    def __init__(self, conn: psycopg.Connection) -> None:
        self._c = conn
        self._now = time.time()

    def _x(self, sql: str, params: Iterable[Any] = ()) -> psycopg.Cursor:
        return self._c.execute(sql, tuple(params))  # type: ignore[arg-type]

    def _one(self, sql: str, params: Iterable[Any] = ()) -> tuple | None:
        return self._x(sql, params).fetchone()

    def _many(self, sql: str, rows: list[tuple]) -> None:
        if rows:
            with self._c.cursor() as cur:
                cur.executemany(sql, rows)  # type: ignore[arg-type]

    # --- sessions, users, chats
    def load_session(self, key: SessionKey) -> StoredSession | None:
        row = self._one(
            "SELECT data, updated_at FROM sessions WHERE chat_id=%s AND user_id=%s"
            " AND thread_id=%s",
            (key.chat_id, key.user_id, key.thread_id),
        )
        return StoredSession(key, row[0], row[1]) if row else None

    def save_session(self, key: SessionKey, data: str, *, finished: bool = False) -> None:
        self._x(
            "INSERT INTO sessions (chat_id, user_id, thread_id, data, finished, updated_at)"
            " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (chat_id, user_id, thread_id) DO UPDATE"
            " SET data=excluded.data, finished=excluded.finished, updated_at=excluded.updated_at",
            (key.chat_id, key.user_id, key.thread_id, data, bool(finished), self._now),
        )

    def delete_session(self, key: SessionKey) -> None:
        self._x(
            "DELETE FROM sessions WHERE chat_id=%s AND user_id=%s AND thread_id=%s",
            (key.chat_id, key.user_id, key.thread_id),
        )

    def load_user(self, user_id: int) -> StoredUser | None:
        row = self._one("SELECT lang, last_result FROM users WHERE user_id=%s", (user_id,))
        return StoredUser(user_id, row[0], row[1]) if row else None

    def save_user_lang(self, user_id: int, lang: str) -> None:
        self._x(
            "INSERT INTO users (user_id, lang, created_at, updated_at) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (user_id) DO UPDATE SET lang=excluded.lang,"
            " updated_at=excluded.updated_at",
            (user_id, lang, self._now, self._now),
        )

    def save_last_result(self, user_id: int, result: str) -> None:
        self._x(
            "INSERT INTO users (user_id, last_result, created_at, updated_at)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT (user_id) DO UPDATE"
            " SET last_result=excluded.last_result, updated_at=excluded.updated_at",
            (user_id, result, self._now, self._now),
        )
        self._x("DELETE FROM result_matches WHERE user_id=%s", (user_id,))
        self._many(
            "INSERT INTO result_matches (user_id, scheme) VALUES (%s, %s)",
            [(user_id, s) for s in sorted(_matched_schemes(result))],
        )

    def load_chat(self, chat_id: int) -> StoredChat | None:
        row = self._one(
            "SELECT chat_id, type, title, lang, active, bot_admin, registered, settings,"
            " migrated_to FROM chats WHERE chat_id=%s",
            (chat_id,),
        )
        return _chat(row) if row else None

    def save_chat(self, chat: StoredChat) -> None:
        self._x(
            "INSERT INTO chats (chat_id, type, title, lang, active, bot_admin, registered,"
            " settings, migrated_to, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (chat_id) DO UPDATE SET type=excluded.type, title=excluded.title,"
            " lang=excluded.lang, active=excluded.active, bot_admin=excluded.bot_admin,"
            " registered=excluded.registered, settings=excluded.settings,"
            " migrated_to=excluded.migrated_to, updated_at=excluded.updated_at",
            (chat.chat_id, chat.type, chat.title, chat.lang, bool(chat.active),
             bool(chat.bot_admin), bool(chat.registered), chat.settings, chat.migrated_to,
             self._now),
        )  # fmt: skip

    def move_chat(self, old_id: int, new_id: int) -> None:
        # SQLite's UPDATE OR REPLACE: a session already at the new id wins over the moved one.
        self._x(
            "DELETE FROM sessions s WHERE s.chat_id=%s AND EXISTS (SELECT 1 FROM sessions o"
            " WHERE o.chat_id=%s AND o.user_id=s.user_id AND o.thread_id=s.thread_id)",
            (new_id, old_id),
        )
        self._x("UPDATE sessions SET chat_id=%s WHERE chat_id=%s", (new_id, old_id))
        old = self.load_chat(old_id)
        if old is not None:
            moved = StoredChat(new_id, "supergroup", old.title, old.lang, old.active,
                               old.bot_admin, old.registered, old.settings, None)  # fmt: skip
            self.save_chat(moved)
            old.active = False
            old.migrated_to = new_id
            self.save_chat(old)

    def chats(self, *, types: tuple[str, ...], active: bool = True) -> list[StoredChat]:
        rows = self._x(
            "SELECT chat_id, type, title, lang, active, bot_admin, registered, settings,"
            " migrated_to FROM chats WHERE type = ANY(%s) AND active=%s ORDER BY chat_id",
            (list(types), bool(active)),
        ).fetchall()
        return [_chat(r) for r in rows]

    def save_handoff(self, user_id: int, chat_id: int, thread_id: int) -> None:
        self._x(
            "INSERT INTO handoffs (user_id, chat_id, thread_id, created_at)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT (user_id) DO UPDATE SET"
            " chat_id=excluded.chat_id, thread_id=excluded.thread_id,"
            " created_at=excluded.created_at",
            (user_id, chat_id, thread_id, self._now),
        )

    def pop_handoff(self, user_id: int) -> tuple[int, int] | None:
        row = self._one(
            "DELETE FROM handoffs WHERE user_id=%s RETURNING chat_id, thread_id", (user_id,)
        )
        return (row[0], row[1]) if row else None

    # --- admins and the audit log
    def admin_ids(self) -> list[int]:
        return [r[0] for r in self._x("SELECT user_id FROM bot_admins ORDER BY user_id")]

    def add_admin(self, user_id: int, added_by: int) -> bool:
        cur = self._x(
            "INSERT INTO bot_admins (user_id, added_by, added_at) VALUES (%s, %s, %s)"
            " ON CONFLICT (user_id) DO NOTHING",
            (user_id, added_by, self._now),
        )
        return cur.rowcount == 1

    def remove_admin(self, user_id: int) -> bool:
        return self._x("DELETE FROM bot_admins WHERE user_id=%s", (user_id,)).rowcount == 1

    def audit(self, admin_id: int, action: str, detail: str, result: str) -> None:
        self._x(
            "INSERT INTO audit_log (at, admin_id, action, detail, result)"
            " VALUES (%s, %s, %s, %s, %s)",
            (self._now, admin_id, action, detail[:500], result),
        )

    def audit_entries(self, limit: int = 50) -> list[tuple[float, int, str, str, str]]:
        return self._x(
            "SELECT at, admin_id, action, detail, result FROM audit_log ORDER BY id DESC LIMIT %s",
            (limit,),
        ).fetchall()

    # --- subscriptions
    def subscribe(self, user_id: int, lang: str, schemes: tuple[str, ...]) -> None:
        self._x(
            "INSERT INTO subscribers (user_id, lang, created_at, updated_at)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT (user_id) DO UPDATE"
            " SET lang=excluded.lang, updated_at=excluded.updated_at",
            (user_id, lang, self._now, self._now),
        )
        if ALL_SCHEMES in schemes:
            self._x("DELETE FROM subscriber_schemes WHERE user_id=%s", (user_id,))
            schemes = (ALL_SCHEMES,)
        self._many(
            "INSERT INTO subscriber_schemes (user_id, scheme) VALUES (%s, %s)"
            " ON CONFLICT (user_id, scheme) DO NOTHING",
            [(user_id, s) for s in schemes],
        )

    def unsubscribe(self, user_id: int, schemes: tuple[str, ...] = ()) -> None:
        if schemes:
            self._x(
                "DELETE FROM subscriber_schemes WHERE user_id=%s AND scheme = ANY(%s)",
                (user_id, list(schemes)),
            )
            if self.subscription(user_id):
                return
        self._x("DELETE FROM subscriber_schemes WHERE user_id=%s", (user_id,))
        self._x("DELETE FROM subscribers WHERE user_id=%s", (user_id,))
        self._x(
            "UPDATE broadcast_recipients SET state=%s, updated_at=%s WHERE chat_id=%s"
            " AND state=%s AND broadcast_id IN (SELECT id FROM broadcasts"
            " WHERE status = ANY(%s))",
            (SKIPPED, self._now, user_id, PENDING, list(ACTIVE_STATUSES)),
        )

    def subscription(self, user_id: int) -> list[str]:
        rows = self._x(
            "SELECT scheme FROM subscriber_schemes WHERE user_id=%s ORDER BY scheme", (user_id,)
        )
        return [r[0] for r in rows]

    # --- audiences and jobs
    def audience_count(self, audience: str) -> int:
        sql, params = _audience_sql(audience)
        return self._one(f"SELECT COUNT(*) FROM ({sql}) a", (START_CURSOR, *params))[0]  # type: ignore[index]

    def create_broadcast(
        self,
        created_by: int,
        admin_chat_id: int,
        *,
        kind: str,
        text: str | None = None,
        from_chat_id: int | None = None,
        message_id: int | None = None,
        audience: str = "all",
    ) -> int:
        row = self._one(
            "INSERT INTO broadcasts (created_by, admin_chat_id, status, audience, kind, text,"
            " from_chat_id, message_id, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " RETURNING id",
            (created_by, admin_chat_id, DRAFT, audience, kind, text, from_chat_id, message_id,
             self._now),
        )  # fmt: skip
        return int(row[0])  # type: ignore[index]

    def load_broadcast(self, job_id: int) -> BroadcastJob | None:
        row = self._one(f"SELECT {_JOB_COLUMNS} FROM broadcasts WHERE id=%s", (job_id,))
        return _job(row) if row else None

    def update_broadcast(self, job_id: int, **fields: object) -> None:
        unknown = set(fields) - _UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        if not fields:
            return
        sets = ", ".join(f"{name}=%s" for name in fields)
        values = [bool(v) if name == "filled" else v for name, v in fields.items()]
        self._x(f"UPDATE broadcasts SET {sets} WHERE id=%s", (*values, job_id))

    def broadcasts(self, *, statuses: tuple[str, ...] = (), limit: int = 10) -> list[BroadcastJob]:
        if statuses:
            where, params = "status = ANY(%s)", [list(statuses)]
        else:
            where, params = "status <> %s", [DRAFT]
        rows = self._x(
            f"SELECT {_JOB_COLUMNS} FROM broadcasts WHERE {where} ORDER BY id DESC LIMIT %s",
            (*params, limit),
        ).fetchall()
        return [_job(r) for r in rows]

    def next_broadcast(self, now: float) -> BroadcastJob | None:
        row = self._one(
            f"SELECT {_JOB_COLUMNS} FROM broadcasts WHERE status=%s"
            " OR (status=%s AND scheduled_at <= %s) ORDER BY id LIMIT 1",
            (RUNNING, SCHEDULED, now),
        )
        return _job(row) if row else None

    def next_scheduled_at(self) -> float | None:
        row = self._one("SELECT MIN(scheduled_at) FROM broadcasts WHERE status=%s", (SCHEDULED,))
        return row[0] if row else None

    def fill_recipients(self, job_id: int, audience: str, after: int, limit: int) -> int | None:
        sql, params = _audience_sql(audience)
        rows = self._x(
            f"SELECT chat_id FROM ({sql}) a ORDER BY chat_id LIMIT %s", (after, *params, limit)
        ).fetchall()
        if not rows:
            return None
        self._many(
            "INSERT INTO broadcast_recipients (broadcast_id, chat_id, state, updated_at)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT (broadcast_id, chat_id) DO NOTHING",
            [(job_id, r[0], PENDING, self._now) for r in rows],
        )
        return rows[-1][0]

    def claim_recipients(self, job_id: int, limit: int) -> list[Recipient]:
        # SKIP LOCKED: belt and braces; the lease already keeps one sender at a time.
        rows = self._x(
            "UPDATE broadcast_recipients SET state=%s, updated_at=%s WHERE id IN ("
            " SELECT id FROM broadcast_recipients WHERE broadcast_id=%s AND state=%s"
            " ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING id, chat_id, attempts",
            (SENDING, self._now, job_id, PENDING, limit),
        ).fetchall()
        rows.sort()
        return [Recipient(r[0], r[1], r[2]) for r in rows if r[1] is not None]

    def finish_recipients(self, results: list[tuple[int, str, int, str | None]]) -> None:
        self._many(
            "UPDATE broadcast_recipients SET state=%s, attempts=%s, error=%s, updated_at=%s"
            " WHERE id=%s",
            [(state, attempts, error, self._now, rid) for rid, state, attempts, error in results],
        )

    def move_recipient(self, recipient_id: int, chat_id: int) -> bool:
        # A failed statement would abort the whole transaction in PostgreSQL: test first.
        row = self._one(
            "UPDATE broadcast_recipients r SET chat_id=%s WHERE id=%s AND NOT EXISTS ("
            " SELECT 1 FROM broadcast_recipients o WHERE o.broadcast_id=r.broadcast_id"
            " AND o.chat_id=%s AND o.id<>r.id) RETURNING id",
            (chat_id, recipient_id, chat_id),
        )
        return row is not None

    def release_recipients(self, recipient_ids: list[int]) -> None:
        self._x(
            "UPDATE broadcast_recipients SET state=%s, updated_at=%s WHERE id = ANY(%s)"
            " AND state=%s",
            (PENDING, self._now, list(recipient_ids), SENDING),
        )

    def recover_sending(self) -> int:
        return self._x(
            "UPDATE broadcast_recipients SET state=%s, updated_at=%s WHERE state=%s",
            (UNCERTAIN, self._now, SENDING),
        ).rowcount

    def resend_uncertain(self, job_id: int) -> int:
        return self._x(
            "UPDATE broadcast_recipients SET state=%s, updated_at=%s"
            " WHERE broadcast_id=%s AND state=%s AND chat_id IS NOT NULL",
            (PENDING, self._now, job_id, UNCERTAIN),
        ).rowcount

    def recipient_counts(self, job_id: int) -> dict[str, int]:
        rows = self._x(
            "SELECT state, COUNT(*) FROM broadcast_recipients WHERE broadcast_id=%s GROUP BY state",
            (job_id,),
        ).fetchall()
        return {state: int(n) for state, n in rows}

    def recipient_states(self, job_id: int) -> dict[int, str]:
        rows = self._x(
            "SELECT chat_id, state FROM broadcast_recipients"
            " WHERE broadcast_id=%s AND chat_id IS NOT NULL",
            (job_id,),
        ).fetchall()
        return dict(rows)

    def mark_chat_inactive(self, chat_id: int) -> None:
        chat = self.load_chat(chat_id)
        if chat is None:
            chat = StoredChat(chat_id, "private" if chat_id > 0 else "group")
        chat.active = False
        self.save_chat(chat)

    # --- statistics
    def statistics(self, active_since: float, history: int = 10) -> Statistics:
        def one(sql: str, *p: object) -> int:
            return int(self._one(sql, p)[0])  # type: ignore[index]

        def pairs(sql: str) -> dict[str, int]:
            return {k: int(v) for k, v in self._x(sql).fetchall()}

        stats = Statistics(
            users=one("SELECT COUNT(*) FROM (SELECT user_id FROM users"
                      " UNION SELECT user_id FROM sessions) x"),
            active_users=one(
                "SELECT COUNT(DISTINCT user_id) FROM sessions WHERE updated_at >= %s",
                active_since,
            ),
            finished=one("SELECT COUNT(*) FROM users WHERE last_result IS NOT NULL"),
            matches=pairs(
                "SELECT scheme, COUNT(*) FROM result_matches GROUP BY scheme ORDER BY scheme"),
            languages=pairs(
                "SELECT COALESCE(lang, '-'), COUNT(*) FROM users GROUP BY COALESCE(lang, '-')"
                " ORDER BY 1"),
            subscribers=one("SELECT COUNT(*) FROM subscribers"),
            subscriptions=pairs(
                "SELECT scheme, COUNT(*) FROM subscriber_schemes GROUP BY scheme"
                " ORDER BY scheme"),
        )  # fmt: skip
        for job in self.broadcasts(limit=history):
            stats.broadcasts.append((job, self.recipient_counts(job.id)))
        return stats

    # --- several instances (not part of the SQLite transaction)
    def check_fence(self, name: str, token: int) -> None:
        row = self._one("SELECT token FROM leases WHERE name=%s FOR SHARE", (name,))
        if row is None or row[0] != token:
            raise LeaseLost(f"lease {name!r}: token {token} is stale")


class PostgresStore(Store):
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
        pool_size: int = 4,
    ) -> None:
        self.url = url
        self.connect_timeout = connect_timeout
        self.lock_timeout_ms = lock_timeout_ms
        self.statement_timeout_ms = statement_timeout_ms
        self.pool_size = pool_size
        self._conn: psycopg.Connection | None = None  # transactions
        self._lock = asyncio.Lock()
        self._pool: AsyncConnectionPool | None = None  # everything else
        self._lock_conn: psycopg.AsyncConnection | None = None  # drain locks
        self._lock_conn_lock = asyncio.Lock()
        self.generation = 0  # bumped on every (re)connect of the drain-lock connection
        self.reconnects = 0  # of the transactions' connection
        self._opened = False

    # --- connections
    def _connect(self) -> psycopg.Connection:
        """The transactions' connection (run in a thread: connecting may take seconds)."""
        conn = psycopg.connect(
            self.url, autocommit=True, connect_timeout=max(1, int(self.connect_timeout))
        )
        conn.execute(
            f"SET TIME ZONE 'UTC'; SET lock_timeout = {int(self.lock_timeout_ms)};"
            f" SET statement_timeout = {int(self.statement_timeout_ms)}"
        )
        return conn

    async def _tx_conn(self) -> psycopg.Connection:
        if not self._opened:
            raise RuntimeError("store is not open")
        conn = self._conn
        if conn is None or conn.closed or conn.broken:
            if conn is not None:
                log.warning("PostgreSQL connection lost; reconnecting")
                with contextlib.suppress(Exception):
                    conn.close()
            self._conn = None
            self._conn = conn = await asyncio.to_thread(self._connect)
            self.reconnects += 1
        return conn

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
        if self._pool is None:
            raise RuntimeError("store is not open")
        async with self._pool.connection() as conn:
            cur = await conn.execute(sql, params)  # type: ignore[arg-type]
            return await cur.fetchone() if cur.description else None

    async def _execute(self, sql: str, params: tuple = ()) -> int:
        if self._pool is None:
            raise RuntimeError("store is not open")
        async with self._pool.connection() as conn:
            cur = await conn.execute(sql, params)  # type: ignore[arg-type]
            return cur.rowcount

    async def open(self) -> None:
        async def configure(conn: psycopg.AsyncConnection) -> None:
            await conn.execute("SET TIME ZONE 'UTC'")

        pool = AsyncConnectionPool(
            self.url, min_size=1, max_size=self.pool_size, open=False, configure=configure,
            kwargs={"autocommit": True, "connect_timeout": max(1, int(self.connect_timeout))},
            timeout=max(1.0, self.connect_timeout), name="bot-store",
        )  # fmt: skip
        await pool.open(wait=True, timeout=max(1.0, self.connect_timeout))
        self._pool = pool
        self._opened = True
        try:
            await self._migrate()
            await self._tx_conn()
            async with self._lock_conn_lock:
                await self._locks()
        except BaseException:
            await self.close()
            raise

    async def _migrate(self) -> None:
        assert self._pool is not None
        async with self._pool.connection() as conn, conn.transaction():
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
        self._opened = False
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None
        if self._lock_conn is not None:
            with contextlib.suppress(Exception):
                await self._lock_conn.close()
            self._lock_conn = None
        if self._pool is not None:
            with contextlib.suppress(Exception):
                await self._pool.close()
            self._pool = None

    async def _begin(self) -> psycopg.Connection:
        """BEGIN on a live connection; one reconnect if the old one died since last use."""
        conn = await self._tx_conn()
        try:
            conn.execute("BEGIN")
        except psycopg.OperationalError:
            conn = await self._tx_conn()  # broken now: replaced
            conn.execute("BEGIN")
        return conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self._lock:
            conn = await self._begin()
            try:
                yield _PgTransaction(conn)
            except BaseException:
                with contextlib.suppress(psycopg.Error):
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    async def schema_version(self) -> int:
        row = await self._row("SELECT version FROM schema_version")
        return row[0] if row else 0

    async def forget_user(self, user_id: int) -> None:
        async with self.transaction() as tx:
            x = tx._x  # type: ignore[attr-defined]
            x("DELETE FROM sessions WHERE user_id=%s", (user_id,))
            x("DELETE FROM users WHERE user_id=%s", (user_id,))
            x("DELETE FROM chats WHERE chat_id=%s AND type='private'", (user_id,))
            x("DELETE FROM subscriber_schemes WHERE user_id=%s", (user_id,))
            x("DELETE FROM subscribers WHERE user_id=%s", (user_id,))
            x("DELETE FROM result_matches WHERE user_id=%s", (user_id,))
            x("DELETE FROM bot_admins WHERE user_id=%s", (user_id,))
            x(
                "UPDATE broadcast_recipients SET chat_id=NULL, updated_at=%s,"
                " state=CASE WHEN state=%s THEN %s ELSE state END WHERE chat_id=%s",
                (time.time(), PENDING, SKIPPED, user_id),
            )
            x("DELETE FROM handoffs WHERE user_id=%s", (user_id,))
            x("UPDATE update_inbox SET payload=NULL WHERE user_key=%s AND done_at IS NOT NULL",
              (user_id,))  # fmt: skip

    async def purge_sessions(self, older_than_seconds: float) -> int:
        async with self.transaction() as tx:
            x = tx._x  # type: ignore[attr-defined]
            removed = x(
                "DELETE FROM sessions WHERE NOT finished AND updated_at < %s",
                (time.time() - older_than_seconds,),
            ).rowcount
            x(f"DELETE FROM update_inbox WHERE done_at < {DB_NOW} - 3600")
        return removed

    async def count_rows_about(self, user_id: int) -> int:
        total = 0
        async with self.transaction() as tx:
            for table, column in ROWS_ABOUT:
                total += tx._one(  # type: ignore[attr-defined]
                    f"SELECT COUNT(*) FROM {table} WHERE {column}=%s", (user_id,)
                )[0]
            # processed inbox rows keep no payload; a pending one still holds the update
            total += tx._one(  # type: ignore[attr-defined]
                "SELECT COUNT(*) FROM update_inbox WHERE user_key=%s AND payload IS NOT NULL"
                " AND done_at IS NULL",
                (user_id,),
            )[0]
        return total

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

    def check_fence(self, tx: Transaction, name: str, token: int) -> None:
        tx.check_fence(name, token)  # type: ignore[attr-defined]

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
        row = await self._row(
            f"WITH d AS (UPDATE update_inbox SET done_at={DB_NOW}, payload=NULL"
            f" WHERE update_id=%s AND done_at IS NULL RETURNING update_id)"
            f" SELECT update_id, payload, received_at + %s - {DB_NOW},"
            f" (SELECT MAX(update_id) FROM update_inbox WHERE user_key=%s"
            f" AND done_at IS NOT NULL)"
            f" FROM update_inbox WHERE user_key=%s AND done_at IS NULL AND update_id<>%s"
            f" ORDER BY update_id LIMIT 1",
            (update_id, window, user_key, user_key, update_id),
        )
        if row is None:
            return None
        if row[2] > 0:
            return float(row[2])
        return int(row[0]), row[1], row[3]

    async def inbox_is_done(self, update_id: int) -> bool:
        row = await self._row(
            "SELECT done_at IS NOT NULL FROM update_inbox WHERE update_id=%s", (update_id,)
        )
        return bool(row and row[0])

    async def inbox_purge(self, older_than: float) -> int:
        """Forget processed updates older than that (they only served to spot resends)."""
        return await self._execute(
            f"DELETE FROM update_inbox WHERE done_at < {DB_NOW} - %s", (older_than,)
        )

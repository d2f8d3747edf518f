"""The one SQL layer both stores use: every `Transaction` statement, written once.

Statements use `?` placeholders and only SQL that SQLite (3.35 or newer: RETURNING) and
PostgreSQL both accept: booleans as TRUE/FALSE and bound Python bools, lists as `IN (?, ?, …)`,
upserts as `ON CONFLICT … DO UPDATE`. A backend subclass supplies `_x` (run one statement,
return its cursor) and `_many` (executemany); the PostgreSQL one translates `?` to `%s` once
per statement text. What only one backend has stays in its own file: the schema migrations,
`FOR UPDATE SKIP LOCKED` (`SKIP_LOCKED`), the lease's fencing check and the update inbox's
connection handling (its rows' share of `/forget`, the purge and the row count is here; the
inbox is stamped by the database's clock, `INBOX_NOW`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from typing import Any

from bot.store.base import SessionKey, StoredChat, StoredSession, StoredUser, Transaction
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
from bot.store.reminders import (
    R_PENDING,
    R_SENDING,
    R_SUPERSEDED,
    R_UNCERTAIN,
    Reminder,
    ReminderSpec,
)

JOB_COLUMNS = (
    "id, created_by, admin_chat_id, status, audience, kind, text, from_chat_id, message_id,"
    " scheduled_at, created_at, started_at, finished_at, progress_message_id, filled,"
    " fill_cursor, total"
)
REMINDER_COLUMNS = "id, user_id, scheme, deadline, days_before, due, url, lang, state"
CHAT_COLUMNS = "chat_id, type, title, lang, active, bot_admin, registered, settings, migrated_to"
UPDATABLE = {
    "status", "audience", "scheduled_at", "started_at", "finished_at", "progress_message_id",
    "filled", "fill_cursor", "total",
}  # fmt: skip

# (table, column) pairs that can name a user, for count_rows_about. The audit log holds admins'
# actions only; an admin's own entries stay (accountability) and are counted here.
ROWS_ABOUT = (
    ("sessions", "user_id"), ("users", "user_id"), ("chats", "chat_id"),
    ("handoffs", "user_id"), ("subscribers", "user_id"), ("subscriber_schemes", "user_id"),
    ("result_matches", "user_id"), ("bot_admins", "user_id"),
    ("broadcast_recipients", "chat_id"), ("audit_log", "admin_id"),
    ("answer_messages", "user_id"), ("reminders", "user_id"),
)  # fmt: skip
INBOX_KEEP_SECONDS = 3600  # a processed update_id is kept this long, to spot a resend


def marks(n: int) -> str:
    return ", ".join("?" * n)


def job_from_row(row: Sequence[Any]) -> BroadcastJob:
    return BroadcastJob(*row[:14], bool(row[14]), row[15], row[16])


def chat_from_row(row: Sequence[Any]) -> StoredChat:
    return StoredChat(row[0], row[1], row[2], row[3], bool(row[4]), bool(row[5]), bool(row[6]),
                      row[7], row[8])  # fmt: skip


def audience_sql(audience: str) -> tuple[str, list[object]]:
    """SELECT chat_id ... for an audience; the first parameter is the keyset cursor."""
    if audience in ("groups", "channels"):
        kind = "type IN ('group', 'supergroup')" if audience == "groups" else (
            "type = 'channel' AND registered = TRUE")  # fmt: skip
        return f"SELECT chat_id FROM chats WHERE {kind} AND active = TRUE AND chat_id > ?", []
    sql = (
        "SELECT s.user_id AS chat_id FROM subscribers s LEFT JOIN chats c ON c.chat_id = s.user_id"
        " LEFT JOIN users u ON u.user_id = s.user_id"
        " WHERE (c.active IS NULL OR c.active = TRUE) AND s.user_id > ?"
    )
    params: list[object] = []
    kind, _, value = audience.partition(":")
    if kind == "lang":
        sql += " AND COALESCE(u.lang, s.lang) = ?"
        params.append(value)
    elif kind == "scheme":
        sql += (
            " AND EXISTS (SELECT 1 FROM subscriber_schemes ss WHERE ss.user_id = s.user_id"
            " AND ss.scheme IN (?, ?))"
        )
        params += [ALL_SCHEMES, value]
    elif kind == "match":
        sql += (
            " AND EXISTS (SELECT 1 FROM result_matches m WHERE m.user_id = s.user_id"
            " AND m.scheme = ?)"
        )
        params.append(value)
    elif kind != "all":
        raise ValueError(f"unknown audience {audience!r}")
    return sql, params


def matched_schemes(last_result: str) -> set[str]:
    """Schemes (without category) whose status in a stored last result is `match`."""
    try:
        statuses = json.loads(last_result).get("statuses") or {}
    except (ValueError, AttributeError):
        return set()
    return {key.split(":", 1)[0] for key, status in statuses.items() if status == "match"}


class SqlTransaction(Transaction):
    """Every statement of a transaction; `_x`/`_many` come from the backend."""

    __slots__ = ("_now",)
    SKIP_LOCKED = ""  # PostgreSQL: " FOR UPDATE SKIP LOCKED"
    # The database's clock as epoch seconds, as the update inbox stamps its rows (several
    # instances compare those times on PostgreSQL; SQLite's is the same system clock).
    INBOX_NOW = "((julianday('now') - 2440587.5) * 86400.0)"

    def __init__(self) -> None:
        self._now = time.time()

    def _x(self, sql: str, params: Iterable[Any] = ()) -> Any:
        raise NotImplementedError

    def _many(self, sql: str, rows: list[tuple]) -> None:
        raise NotImplementedError

    def _one(self, sql: str, params: Iterable[Any] = ()) -> Any:
        return self._x(sql, params).fetchone()

    def _all(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        return self._x(sql, params).fetchall()

    # --- sessions, users, chats
    def load_session(self, key: SessionKey) -> StoredSession | None:
        row = self._one(
            "SELECT data, updated_at FROM sessions WHERE chat_id=? AND user_id=? AND thread_id=?",
            (key.chat_id, key.user_id, key.thread_id),
        )
        return StoredSession(key, row[0], row[1]) if row else None

    def save_session(self, key: SessionKey, data: str, *, finished: bool = False) -> None:
        self._x(
            "INSERT INTO sessions (chat_id, user_id, thread_id, data, finished, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, user_id, thread_id) DO UPDATE"
            " SET data=excluded.data, finished=excluded.finished, updated_at=excluded.updated_at",
            (key.chat_id, key.user_id, key.thread_id, data, bool(finished), self._now),
        )

    def delete_session(self, key: SessionKey) -> None:
        self._x(
            "DELETE FROM sessions WHERE chat_id=? AND user_id=? AND thread_id=?",
            (key.chat_id, key.user_id, key.thread_id),
        )

    def load_user(self, user_id: int) -> StoredUser | None:
        row = self._one("SELECT lang, last_result FROM users WHERE user_id=?", (user_id,))
        return StoredUser(user_id, row[0], row[1]) if row else None

    def save_user_lang(self, user_id: int, lang: str) -> None:
        self._x(
            "INSERT INTO users (user_id, lang, created_at, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET lang=excluded.lang,"
            " updated_at=excluded.updated_at",
            (user_id, lang, self._now, self._now),
        )

    def save_last_result(self, user_id: int, result: str) -> None:
        self._x(
            "INSERT INTO users (user_id, last_result, created_at, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET last_result=excluded.last_result,"
            " updated_at=excluded.updated_at",
            (user_id, result, self._now, self._now),
        )
        # `result_matches` (the "matched a scheme" audience) follows the last result.
        self._x("DELETE FROM result_matches WHERE user_id=?", (user_id,))
        self._many(
            "INSERT INTO result_matches (user_id, scheme) VALUES (?, ?)",
            [(user_id, s) for s in sorted(matched_schemes(result))],
        )

    def load_chat(self, chat_id: int) -> StoredChat | None:
        row = self._one(f"SELECT {CHAT_COLUMNS} FROM chats WHERE chat_id=?", (chat_id,))
        return chat_from_row(row) if row else None

    def save_chat(self, chat: StoredChat) -> None:
        self._x(
            "INSERT INTO chats (chat_id, type, title, lang, active, bot_admin, registered,"
            " settings, migrated_to, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (chat_id) DO UPDATE SET type=excluded.type, title=excluded.title,"
            " lang=excluded.lang, active=excluded.active, bot_admin=excluded.bot_admin,"
            " registered=excluded.registered, settings=excluded.settings,"
            " migrated_to=excluded.migrated_to, updated_at=excluded.updated_at",
            (chat.chat_id, chat.type, chat.title, chat.lang, bool(chat.active),
             bool(chat.bot_admin), bool(chat.registered), chat.settings, chat.migrated_to,
             self._now),
        )  # fmt: skip

    def move_chat(self, old_id: int, new_id: int) -> None:
        # A session already at the new id wins over the moved one.
        self._x(
            "DELETE FROM sessions WHERE chat_id=? AND EXISTS (SELECT 1 FROM sessions o"
            " WHERE o.chat_id=? AND o.user_id=sessions.user_id"
            " AND o.thread_id=sessions.thread_id)",
            (new_id, old_id),
        )
        self._x("UPDATE sessions SET chat_id=? WHERE chat_id=?", (new_id, old_id))
        old = self.load_chat(old_id)
        if old is not None:
            moved = StoredChat(new_id, "supergroup", old.title, old.lang, old.active,
                               old.bot_admin, old.registered, old.settings, None)  # fmt: skip
            self.save_chat(moved)
            old.active = False
            old.migrated_to = new_id
            self.save_chat(old)

    def chats(self, *, types: tuple[str, ...], active: bool = True) -> list[StoredChat]:
        rows = self._all(
            f"SELECT {CHAT_COLUMNS} FROM chats WHERE type IN ({marks(len(types))}) AND active=?"
            " ORDER BY chat_id",
            (*types, bool(active)),
        )
        return [chat_from_row(r) for r in rows]

    def save_handoff(self, user_id: int, chat_id: int, thread_id: int) -> None:
        self._x(
            "INSERT INTO handoffs (user_id, chat_id, thread_id, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET chat_id=excluded.chat_id,"
            " thread_id=excluded.thread_id, created_at=excluded.created_at",
            (user_id, chat_id, thread_id, self._now),
        )

    # --- typed answers by message (issue 12): an edit changes the answer it gave
    def save_answer_message(self, key: SessionKey, message_id: int, question_id: str) -> None:
        self._x(
            "INSERT INTO answer_messages (chat_id, message_id, user_id, thread_id, question_id,"
            " at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, message_id) DO UPDATE"
            " SET user_id=excluded.user_id, thread_id=excluded.thread_id,"
            " question_id=excluded.question_id, at=excluded.at",
            (key.chat_id, message_id, key.user_id, key.thread_id, question_id, self._now),
        )

    def answer_message(self, key: SessionKey, message_id: int) -> str | None:
        row = self._one(
            "SELECT question_id FROM answer_messages WHERE chat_id=? AND message_id=?"
            " AND user_id=? AND thread_id=?",
            (key.chat_id, message_id, key.user_id, key.thread_id),
        )
        return row[0] if row else None

    def pop_handoff(self, user_id: int) -> tuple[int, int] | None:
        row = self._one(
            "DELETE FROM handoffs WHERE user_id=? RETURNING chat_id, thread_id", (user_id,)
        )
        return (row[0], row[1]) if row else None

    # --- admins and the audit log
    def admin_ids(self) -> list[int]:
        return [r[0] for r in self._all("SELECT user_id FROM bot_admins ORDER BY user_id")]

    def add_admin(self, user_id: int, added_by: int) -> bool:
        cur = self._x(
            "INSERT INTO bot_admins (user_id, added_by, added_at) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO NOTHING",
            (user_id, added_by, self._now),
        )
        return cur.rowcount == 1

    def remove_admin(self, user_id: int) -> bool:
        return self._x("DELETE FROM bot_admins WHERE user_id=?", (user_id,)).rowcount == 1

    def audit(self, admin_id: int, action: str, detail: str, result: str) -> None:
        self._x(
            "INSERT INTO audit_log (at, admin_id, action, detail, result) VALUES (?, ?, ?, ?, ?)",
            (self._now, admin_id, action, detail[:500], result),
        )

    def audit_entries(self, limit: int = 50) -> list[tuple[float, int, str, str, str]]:
        rows = self._all(
            "SELECT at, admin_id, action, detail, result FROM audit_log ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]

    # --- subscriptions
    def subscribe(self, user_id: int, lang: str, schemes: tuple[str, ...]) -> None:
        self._x(
            "INSERT INTO subscribers (user_id, lang, created_at, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE"
            " SET lang=excluded.lang, updated_at=excluded.updated_at",
            (user_id, lang, self._now, self._now),
        )
        if ALL_SCHEMES in schemes:
            self._x("DELETE FROM subscriber_schemes WHERE user_id=?", (user_id,))
            schemes = (ALL_SCHEMES,)
        self._many(
            "INSERT INTO subscriber_schemes (user_id, scheme) VALUES (?, ?)"
            " ON CONFLICT (user_id, scheme) DO NOTHING",
            [(user_id, s) for s in schemes],
        )

    def unsubscribe(self, user_id: int, schemes: tuple[str, ...] = ()) -> None:
        if schemes:
            self._x(
                f"DELETE FROM subscriber_schemes WHERE user_id=? AND scheme IN"
                f" ({marks(len(schemes))})",
                (user_id, *schemes),
            )
            if self.subscription(user_id):
                return
        self._x("DELETE FROM subscriber_schemes WHERE user_id=?", (user_id,))
        self._x("DELETE FROM subscribers WHERE user_id=?", (user_id,))
        # Only people who subscribed are messaged: drop them from unfinished broadcasts too.
        self._x(
            f"UPDATE broadcast_recipients SET state=?, updated_at=? WHERE chat_id=? AND state=?"
            f" AND broadcast_id IN (SELECT id FROM broadcasts"
            f" WHERE status IN ({marks(len(ACTIVE_STATUSES))}))",
            (SKIPPED, self._now, user_id, PENDING, *ACTIVE_STATUSES),
        )

    def subscription(self, user_id: int) -> list[str]:
        rows = self._all(
            "SELECT scheme FROM subscriber_schemes WHERE user_id=? ORDER BY scheme", (user_id,)
        )
        return [r[0] for r in rows]

    # --- audiences and jobs
    def audience_count(self, audience: str) -> int:
        sql, params = audience_sql(audience)
        return int(self._one(f"SELECT COUNT(*) FROM ({sql}) a", (START_CURSOR, *params))[0])

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
            " from_chat_id, message_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING id",
            (created_by, admin_chat_id, DRAFT, audience, kind, text, from_chat_id, message_id,
             self._now),
        )  # fmt: skip
        return int(row[0])

    def load_broadcast(self, job_id: int) -> BroadcastJob | None:
        row = self._one(f"SELECT {JOB_COLUMNS} FROM broadcasts WHERE id=?", (job_id,))
        return job_from_row(row) if row else None

    def update_broadcast(self, job_id: int, **fields: object) -> None:
        unknown = set(fields) - UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        if not fields:
            return
        sets = ", ".join(f"{name}=?" for name in fields)
        values = [bool(v) if name == "filled" else v for name, v in fields.items()]
        self._x(f"UPDATE broadcasts SET {sets} WHERE id=?", (*values, job_id))

    def broadcasts(self, *, statuses: tuple[str, ...] = (), limit: int = 10) -> list[BroadcastJob]:
        if statuses:
            where, params = f"status IN ({marks(len(statuses))})", list(statuses)
        else:
            where, params = "status <> ?", [DRAFT]
        rows = self._all(
            f"SELECT {JOB_COLUMNS} FROM broadcasts WHERE {where} ORDER BY id DESC LIMIT ?",
            (*params, limit),
        )
        return [job_from_row(r) for r in rows]

    def next_broadcast(self, now: float) -> BroadcastJob | None:
        row = self._one(
            f"SELECT {JOB_COLUMNS} FROM broadcasts WHERE status=?"
            " OR (status=? AND scheduled_at <= ?) ORDER BY id LIMIT 1",
            (RUNNING, SCHEDULED, now),
        )
        return job_from_row(row) if row else None

    def next_scheduled_at(self) -> float | None:
        row = self._one("SELECT MIN(scheduled_at) FROM broadcasts WHERE status=?", (SCHEDULED,))
        return row[0] if row else None

    def fill_recipients(self, job_id: int, audience: str, after: int, limit: int) -> int | None:
        sql, params = audience_sql(audience)
        rows = self._all(
            f"SELECT chat_id FROM ({sql}) a ORDER BY chat_id LIMIT ?", (after, *params, limit)
        )
        if not rows:
            return None
        self._many(
            "INSERT INTO broadcast_recipients (broadcast_id, chat_id, state, updated_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (broadcast_id, chat_id) DO NOTHING",
            [(job_id, r[0], PENDING, self._now) for r in rows],
        )
        return rows[-1][0]

    def claim_recipients(self, job_id: int, limit: int) -> list[Recipient]:
        rows = self._all(
            f"UPDATE broadcast_recipients SET state=?, updated_at=? WHERE id IN ("
            f" SELECT id FROM broadcast_recipients WHERE broadcast_id=? AND state=?"
            f" ORDER BY id LIMIT ?{self.SKIP_LOCKED}) RETURNING id, chat_id, attempts",
            (SENDING, self._now, job_id, PENDING, limit),
        )
        rows.sort()  # RETURNING's order is unspecified
        return [Recipient(r[0], r[1], r[2]) for r in rows if r[1] is not None]

    def finish_recipients(self, results: list[tuple[int, str, int, str | None]]) -> None:
        self._many(
            "UPDATE broadcast_recipients SET state=?, attempts=?, error=?, updated_at=? WHERE id=?",
            [(state, attempts, error, self._now, rid) for rid, state, attempts, error in results],
        )

    def move_recipient(self, recipient_id: int, chat_id: int) -> bool:
        # Tested first rather than caught: a failed statement aborts a PostgreSQL transaction.
        row = self._one(
            "UPDATE broadcast_recipients SET chat_id=? WHERE id=? AND NOT EXISTS ("
            " SELECT 1 FROM broadcast_recipients o"
            " WHERE o.broadcast_id=broadcast_recipients.broadcast_id"
            " AND o.chat_id=? AND o.id<>broadcast_recipients.id) RETURNING id",
            (chat_id, recipient_id, chat_id),
        )
        return row is not None

    def release_recipients(self, recipient_ids: list[int]) -> None:
        self._many(
            "UPDATE broadcast_recipients SET state=?, updated_at=? WHERE id=? AND state=?",
            [(PENDING, self._now, rid, SENDING) for rid in recipient_ids],
        )

    def recover_sending(self) -> int:
        return self._x(
            "UPDATE broadcast_recipients SET state=?, updated_at=? WHERE state=?",
            (UNCERTAIN, self._now, SENDING),
        ).rowcount

    def resend_uncertain(self, job_id: int) -> int:
        return self._x(
            "UPDATE broadcast_recipients SET state=?, updated_at=?"
            " WHERE broadcast_id=? AND state=? AND chat_id IS NOT NULL",
            (PENDING, self._now, job_id, UNCERTAIN),
        ).rowcount

    def recipient_counts(self, job_id: int) -> dict[str, int]:
        rows = self._all(
            "SELECT state, COUNT(*) FROM broadcast_recipients WHERE broadcast_id=? GROUP BY state",
            (job_id,),
        )
        return {state: int(n) for state, n in rows}

    def recipient_states(self, job_id: int) -> dict[int, str]:
        rows = self._all(
            "SELECT chat_id, state FROM broadcast_recipients"
            " WHERE broadcast_id=? AND chat_id IS NOT NULL",
            (job_id,),
        )
        return {chat_id: state for chat_id, state in rows}

    def mark_chat_inactive(self, chat_id: int) -> None:
        chat = self.load_chat(chat_id)
        if chat is None:
            chat = StoredChat(chat_id, "private" if chat_id > 0 else "group")
        chat.active = False
        self.save_chat(chat)

    # --- statistics
    def statistics(self, active_since: float, history: int = 10) -> Statistics:
        def one(sql: str, *p: object) -> int:
            return int(self._one(sql, p)[0])

        def pairs(sql: str) -> dict[str, int]:
            return {k: int(v) for k, v in self._all(sql)}

        stats = Statistics(
            users=one("SELECT COUNT(*) FROM (SELECT user_id FROM users"
                      " UNION SELECT user_id FROM sessions) x"),
            active_users=one(
                "SELECT COUNT(DISTINCT user_id) FROM sessions WHERE updated_at >= ?", active_since
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

    # --- what the stores' own methods run inside a transaction
    def forget_rows(self, user_id: int) -> None:
        """`/forget`: every row about the user; delivery rows stay for the counts, without
        the id (a pending one is skipped)."""
        for table in ("sessions", "users", "subscriber_schemes", "subscribers", "result_matches",
                      "bot_admins", "handoffs", "answer_messages", "reminders"):  # fmt: skip
            self._x(f"DELETE FROM {table} WHERE user_id=?", (user_id,))
        self._x("DELETE FROM chats WHERE chat_id=? AND type='private'", (user_id,))
        self._x(
            "UPDATE broadcast_recipients SET chat_id=NULL, updated_at=?,"
            " state=CASE WHEN state=? THEN ? ELSE state END WHERE chat_id=?",
            (self._now, PENDING, SKIPPED, user_id),
        )
        self._x("UPDATE update_inbox SET payload=NULL WHERE user_key=? AND done_at IS NOT NULL",
                (user_id,))  # fmt: skip

    def purge_idle_sessions(self, older_than_seconds: float) -> int:
        """Unfinished sessions idle that long (the count), with the answers' message ids of
        that age and the inbox's processed updates past the time a resend can come."""
        removed = self._x(
            "DELETE FROM sessions WHERE finished = FALSE AND updated_at < ?",
            (self._now - older_than_seconds,),
        ).rowcount
        self._x("DELETE FROM answer_messages WHERE at < ?", (self._now - older_than_seconds,))
        self._x(f"DELETE FROM update_inbox WHERE done_at < {self.INBOX_NOW} - ?",
                (INBOX_KEEP_SECONDS,))  # fmt: skip
        return removed

    def rows_about(self, user_id: int) -> int:
        # processed inbox rows keep no payload; a pending one still holds the update
        pending = self._one(
            "SELECT COUNT(*) FROM update_inbox WHERE user_key=? AND payload IS NOT NULL"
            " AND done_at IS NULL",
            (user_id,),
        )
        return int(pending[0]) + sum(
            int(self._one(f"SELECT COUNT(*) FROM {table} WHERE {column}=?", (user_id,))[0])
            for table, column in ROWS_ABOUT
        )

    # --- deadline reminders (issue 14; bot/store/reminders.py)
    async def add_reminders(self, user_id: int, lang: str, specs: list[ReminderSpec]) -> int:
        added = 0
        for scheme in sorted({s.scheme for s in specs}):
            deadlines = sorted({s.deadline for s in specs if s.scheme == scheme})
            self._x(
                f"DELETE FROM reminders WHERE user_id=? AND scheme=? AND state=?"
                f" AND deadline NOT IN ({marks(len(deadlines))})",
                (user_id, scheme, R_PENDING, *deadlines),
            )
        for s in specs:
            added += self._x(
                "INSERT INTO reminders (user_id, scheme, deadline, days_before, due, url, lang,"
                " state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (user_id, scheme, deadline, days_before) DO NOTHING",
                (user_id, s.scheme, s.deadline, s.days_before, s.due, s.url, lang, R_PENDING,
                 self._now, self._now),
            ).rowcount  # fmt: skip
        return added

    async def user_reminders(self, user_id: int) -> list[Reminder]:
        rows = self._all(
            f"SELECT {REMINDER_COLUMNS} FROM reminders WHERE user_id=? AND state=?"
            " ORDER BY deadline, scheme, due",
            (user_id, R_PENDING),
        )
        return [Reminder(*r) for r in rows]

    async def cancel_reminders(self, user_id: int, scheme: str | None = None) -> int:
        if scheme is None:
            return self._x(
                "DELETE FROM reminders WHERE user_id=? AND state=?", (user_id, R_PENDING)
            ).rowcount
        return self._x(
            "DELETE FROM reminders WHERE user_id=? AND scheme=? AND state=?",
            (user_id, scheme, R_PENDING),
        ).rowcount

    async def expire_reminders(self, today: str) -> int:
        # Rows are kept until their deadline passes (the privacy text says so).
        expired = int(self._one(
            "SELECT COUNT(*) FROM reminders WHERE state=? AND deadline < ?", (R_PENDING, today)
        )[0])  # fmt: skip
        self._x("DELETE FROM reminders WHERE deadline < ?", (today,))
        return expired

    async def supersede_reminders(self, due_by: str) -> int:
        return self._x(
            "UPDATE reminders SET state=?, updated_at=? WHERE state=? AND due <= ? AND EXISTS ("
            " SELECT 1 FROM reminders o WHERE o.user_id=reminders.user_id"
            " AND o.scheme=reminders.scheme AND o.deadline=reminders.deadline AND o.state=?"
            " AND o.due <= ? AND o.days_before < reminders.days_before)",
            (R_SUPERSEDED, self._now, R_PENDING, due_by, R_PENDING, due_by),
        ).rowcount

    async def claim_reminders(self, due_by: str, limit: int) -> list[Reminder]:
        rows = self._all(
            f"UPDATE reminders SET state=?, updated_at=? WHERE id IN ("
            f" SELECT id FROM reminders WHERE state=? AND due <= ?"
            f" ORDER BY due, id LIMIT ?{self.SKIP_LOCKED}) RETURNING {REMINDER_COLUMNS}",
            (R_SENDING, self._now, R_PENDING, due_by, limit),
        )
        if not rows:
            return []
        users = sorted({r[1] for r in rows})
        langs = dict(self._all(
            f"SELECT user_id, lang FROM users WHERE lang IS NOT NULL"
            f" AND user_id IN ({marks(len(users))})", users))  # fmt: skip
        rows.sort()  # RETURNING's order is unspecified
        return [Reminder(*r[:7], langs.get(r[1]) or r[7], r[8]) for r in rows]

    async def finish_reminders(self, results: list[tuple[int, str, str | None]]) -> None:
        self._many(
            "UPDATE reminders SET state=?, error=?, updated_at=? WHERE id=?",
            [(state, error, self._now, rid) for rid, state, error in results],
        )

    async def drop_reminders(self, user_id: int, state: str) -> int:
        return self._x(
            "UPDATE reminders SET state=?, updated_at=? WHERE user_id=? AND state=?",
            (state, self._now, user_id, R_PENDING),
        ).rowcount

    async def recover_sending_reminders(self) -> int:
        return self._x(
            "UPDATE reminders SET state=?, updated_at=? WHERE state=?",
            (R_UNCERTAIN, self._now, R_SENDING),
        ).rowcount

    async def reminder_counts(self) -> dict[str, int]:
        rows = self._all("SELECT state, COUNT(*) FROM reminders GROUP BY state")
        return {state: int(n) for state, n in rows}

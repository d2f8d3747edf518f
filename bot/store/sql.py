"""The one SQL layer both stores use: every `Transaction` statement, written once.

Statements use `?` placeholders and only SQL that SQLite (3.35 or newer: RETURNING) and
PostgreSQL both accept: booleans as TRUE/FALSE and bound Python bools, lists as `IN (?, ?, …)`,
upserts as `ON CONFLICT … DO UPDATE`. Every method is a coroutine; a backend subclass supplies
four primitives, `_x` (run one statement: its row count), `_one` (its first row), `_all` (its
rows) and `_many` (executemany). SQLite's run sqlite3 directly (local, microseconds: nothing to
wait for); PostgreSQL's await psycopg's asynchronous connection, so a slow or blocked statement
waits without holding up the event loop, and translate `?` to `%s` once per statement text.
What only one backend has stays in its own file: the schema migrations, the connection and its
transaction, `FOR UPDATE SKIP LOCKED` (`SKIP_LOCKED`), the lease's fencing check and the update
inbox (its rows' share of `/forget`, the purge and the row count is here, in `SqlStore`; the
inbox is stamped by the database's clock, `INBOX_NOW`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
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
from bot.store.followups import (
    FOLLOWUP_AUDIENCE,
    PERSONAL,
    FollowupRun,
    FollowupTransaction,
    StoredFollowup,
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
    ("answer_messages", "user_id"), ("resume_codes", "user_id"), ("resume_attempts", "user_id"),
    ("followups", "user_id"), ("followup_changes", "user_id"),
    ("reminders", "user_id"),
)  # fmt: skip
INBOX_KEEP_SECONDS = 3600  # a processed update_id is kept this long, to spot a resend
RESUME_ATTEMPTS_KEEP = 86400  # wrong resume codes are counted over an hour; kept a day at most


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
    if audience == FOLLOWUP_AUDIENCE:  # personal notices: recipients written with the job
        return "SELECT chat_id FROM chats WHERE chat_id > ? AND 1 = 0", []
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


FOLLOWUP_COLUMNS = "user_id, lang, profile, given_on, state, revision, active, opted_out_at"
RUN_COLUMNS = "id, kind, run_key, status, summary, broadcast_id, created_at"


def _followup(row: Sequence[Any]) -> StoredFollowup:
    return StoredFollowup(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6]), row[7])


class FollowupStatements(FollowupTransaction):
    """Kept answers, re-evaluation runs and personal notices (issue 14; bot/store/followups.py)."""

    __slots__ = ()
    _now: float

    async def save_followup(
        self, user_id: int, lang: str, profile: str, given_on: str, state: str
    ) -> None:
        await self._x(
            "INSERT INTO followups (user_id, lang, profile, given_on, state, revision, active,"
            " opted_out_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, TRUE, NULL, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET lang=excluded.lang, profile=excluded.profile,"
            " given_on=excluded.given_on, state=excluded.state,"
            " revision=followups.revision + 1, active=TRUE, opted_out_at=NULL,"
            " updated_at=excluded.updated_at",
            (user_id, lang, profile, given_on, state, self._now),
        )  # fmt: skip

    async def stop_followup(self, user_id: int) -> bool:
        row = await self._one(
            "UPDATE followups SET active=FALSE, opted_out_at=?, revision=revision + 1,"
            " updated_at=? WHERE user_id=? AND active=TRUE RETURNING user_id",
            (self._now, self._now, user_id),
        )  # fmt: skip
        await self._x("DELETE FROM followup_changes WHERE user_id=?", (user_id,))
        await self._x(
            f"UPDATE broadcast_recipients SET state=?, text=NULL, updated_at=? WHERE chat_id=?"
            f" AND state=? AND broadcast_id IN (SELECT id FROM broadcasts WHERE kind=?"
            f" AND status IN ({marks(len(ACTIVE_STATUSES))}))",
            (SKIPPED, self._now, user_id, PENDING, PERSONAL, *ACTIVE_STATUSES),
        )  # fmt: skip
        return row is not None

    async def load_followup(self, user_id: int) -> StoredFollowup | None:
        row = await self._one(
            f"SELECT {FOLLOWUP_COLUMNS} FROM followups WHERE user_id=?", (user_id,)
        )  # fmt: skip
        return _followup(row) if row else None

    async def followups_after(self, after_user_id: int, limit: int) -> list[StoredFollowup]:
        rows = await self._all(
            # not those who blocked the bot (their private chat is marked inactive)
            f"SELECT {FOLLOWUP_COLUMNS} FROM followups WHERE active=TRUE AND user_id > ?"
            f" AND NOT EXISTS (SELECT 1 FROM chats c WHERE c.chat_id=followups.user_id"
            f" AND c.active=FALSE) ORDER BY user_id LIMIT ?",
            (after_user_id, limit),
        )  # fmt: skip
        return [_followup(r) for r in rows]

    async def save_followup_state(self, user_id: int, revision: int, state: str) -> bool:
        row = await self._one(
            "UPDATE followups SET state=?, updated_at=? WHERE user_id=? AND revision=?"
            " AND active=TRUE RETURNING user_id",
            (state, self._now, user_id, revision),
        )  # fmt: skip
        return row is not None

    async def create_followup_run(
        self, kind: str, run_key: str, status: str, summary: str
    ) -> int | None:
        row = await self._one(
            "INSERT INTO followup_runs (kind, run_key, status, summary, created_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, run_key) DO NOTHING RETURNING id",
            (kind, run_key, status, summary, self._now),
        )  # fmt: skip
        return int(row[0]) if row else None

    async def load_followup_run(self, run_id: int) -> FollowupRun | None:
        row = await self._one(
            f"SELECT {RUN_COLUMNS} FROM followup_runs WHERE id=?", (run_id,)
        )  # fmt: skip
        return FollowupRun(*row) if row else None

    async def find_followup_run(self, kind: str, run_key: str) -> FollowupRun | None:
        row = await self._one(
            f"SELECT {RUN_COLUMNS} FROM followup_runs WHERE kind=? AND run_key=?",
            (kind, run_key),
        )  # fmt: skip
        return FollowupRun(*row) if row else None

    async def update_followup_run(
        self, run_id: int, status: str, broadcast_id: int | None = None,
        summary: str | None = None,
    ) -> None:  # fmt: skip
        await self._x(
            "UPDATE followup_runs SET status=?, broadcast_id=COALESCE(?, broadcast_id),"
            " summary=COALESCE(?, summary) WHERE id=?",
            (status, broadcast_id, summary, run_id),
        )  # fmt: skip

    async def add_followup_changes(
        self, run_id: int, rows: list[tuple[int, int, str, str]]
    ) -> None:
        await self._many(
            "INSERT INTO followup_changes (run_id, user_id, revision, text, state)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (run_id, user_id) DO NOTHING",
            [(run_id, *row) for row in rows],
        )  # fmt: skip

    async def followup_changes(
        self, run_id: int, after_user_id: int, limit: int
    ) -> list[tuple[int, int, str, str]]:
        rows = await self._all(
            "SELECT user_id, revision, text, state FROM followup_changes"
            " WHERE run_id=? AND user_id > ? ORDER BY user_id LIMIT ?",
            (run_id, after_user_id, limit),
        )  # fmt: skip
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    async def delete_followup_changes(self, run_id: int) -> None:
        await self._x("DELETE FROM followup_changes WHERE run_id=?", (run_id,))

    async def add_personal_recipients(self, job_id: int, rows: list[tuple[int, str]]) -> None:
        await self._many(
            "INSERT INTO broadcast_recipients (broadcast_id, chat_id, state, text, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (broadcast_id, chat_id) DO NOTHING",
            [(job_id, chat_id, PENDING, text, self._now) for chat_id, text in rows],
        )  # fmt: skip

    async def recipient_texts(self, recipient_ids: list[int]) -> dict[int, str]:
        if not recipient_ids:
            return {}
        rows = await self._all(
            f"SELECT id, text FROM broadcast_recipients WHERE id IN"
            f" ({marks(len(recipient_ids))}) AND text IS NOT NULL",
            tuple(recipient_ids),
        )  # fmt: skip
        return {r[0]: r[1] for r in rows}


class SqlTransaction(FollowupStatements, Transaction):
    """Every statement of a transaction; `_x`/`_many` come from the backend."""

    __slots__ = ("_now",)
    SKIP_LOCKED = ""  # PostgreSQL: " FOR UPDATE SKIP LOCKED"
    # The database's clock as epoch seconds, as the update inbox stamps its rows (several
    # instances compare those times on PostgreSQL; SQLite's is the same system clock).
    INBOX_NOW = "((julianday('now') - 2440587.5) * 86400.0)"

    def __init__(self) -> None:
        self._now = time.time()

    # The backend's four primitives: the only place the two dialects differ.
    async def _x(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement; its row count."""
        raise NotImplementedError

    async def _one(self, sql: str, params: Iterable[Any] = ()) -> Any:
        """Run one statement; its first row or None."""
        raise NotImplementedError

    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        """Run one statement; all its rows."""
        raise NotImplementedError

    async def _many(self, sql: str, rows: list[tuple]) -> None:
        """Run one statement once per parameter row (nothing when there are none)."""
        raise NotImplementedError

    # --- sessions, users, chats
    async def load_session(self, key: SessionKey) -> StoredSession | None:
        row = await self._one(
            "SELECT data, updated_at FROM sessions WHERE chat_id=? AND user_id=? AND thread_id=?",
            (key.chat_id, key.user_id, key.thread_id),
        )
        return StoredSession(key, row[0], row[1]) if row else None

    async def save_session(self, key: SessionKey, data: str, *, finished: bool = False) -> None:
        await self._x(
            "INSERT INTO sessions (chat_id, user_id, thread_id, data, finished, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, user_id, thread_id) DO UPDATE"
            " SET data=excluded.data, finished=excluded.finished, updated_at=excluded.updated_at",
            (key.chat_id, key.user_id, key.thread_id, data, bool(finished), self._now),
        )

    async def delete_session(self, key: SessionKey) -> None:
        await self._x(
            "DELETE FROM sessions WHERE chat_id=? AND user_id=? AND thread_id=?",
            (key.chat_id, key.user_id, key.thread_id),
        )

    async def load_user(self, user_id: int) -> StoredUser | None:
        row = await self._one("SELECT lang, last_result FROM users WHERE user_id=?", (user_id,))
        return StoredUser(user_id, row[0], row[1]) if row else None

    async def save_user_lang(self, user_id: int, lang: str) -> None:
        await self._x(
            "INSERT INTO users (user_id, lang, created_at, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET lang=excluded.lang,"
            " updated_at=excluded.updated_at",
            (user_id, lang, self._now, self._now),
        )

    async def save_last_result(self, user_id: int, result: str) -> None:
        await self._x(
            "INSERT INTO users (user_id, last_result, created_at, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET last_result=excluded.last_result,"
            " updated_at=excluded.updated_at",
            (user_id, result, self._now, self._now),
        )
        # `result_matches` (the "matched a scheme" audience) follows the last result.
        await self._x("DELETE FROM result_matches WHERE user_id=?", (user_id,))
        await self._many(
            "INSERT INTO result_matches (user_id, scheme) VALUES (?, ?)",
            [(user_id, s) for s in sorted(matched_schemes(result))],
        )

    async def load_chat(self, chat_id: int) -> StoredChat | None:
        row = await self._one(f"SELECT {CHAT_COLUMNS} FROM chats WHERE chat_id=?", (chat_id,))
        return chat_from_row(row) if row else None

    async def save_chat(self, chat: StoredChat) -> None:
        await self._x(
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

    async def move_chat(self, old_id: int, new_id: int) -> None:
        # A session already at the new id wins over the moved one.
        await self._x(
            "DELETE FROM sessions WHERE chat_id=? AND EXISTS (SELECT 1 FROM sessions o"
            " WHERE o.chat_id=? AND o.user_id=sessions.user_id"
            " AND o.thread_id=sessions.thread_id)",
            (new_id, old_id),
        )
        await self._x("UPDATE sessions SET chat_id=? WHERE chat_id=?", (new_id, old_id))
        old = await self.load_chat(old_id)
        if old is not None:
            moved = StoredChat(new_id, "supergroup", old.title, old.lang, old.active,
                               old.bot_admin, old.registered, old.settings, None)  # fmt: skip
            await self.save_chat(moved)
            old.active = False
            old.migrated_to = new_id
            await self.save_chat(old)

    async def chats(self, *, types: tuple[str, ...], active: bool = True) -> list[StoredChat]:
        rows = await self._all(
            f"SELECT {CHAT_COLUMNS} FROM chats WHERE type IN ({marks(len(types))}) AND active=?"
            " ORDER BY chat_id",
            (*types, bool(active)),
        )
        return [chat_from_row(r) for r in rows]

    async def save_handoff(self, user_id: int, chat_id: int, thread_id: int) -> None:
        await self._x(
            "INSERT INTO handoffs (user_id, chat_id, thread_id, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET chat_id=excluded.chat_id,"
            " thread_id=excluded.thread_id, created_at=excluded.created_at",
            (user_id, chat_id, thread_id, self._now),
        )

    # --- typed answers by message (issue 12): an edit changes the answer it gave
    async def save_answer_message(self, key: SessionKey, message_id: int, question_id: str) -> None:
        await self._x(
            "INSERT INTO answer_messages (chat_id, message_id, user_id, thread_id, question_id,"
            " at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, message_id) DO UPDATE"
            " SET user_id=excluded.user_id, thread_id=excluded.thread_id,"
            " question_id=excluded.question_id, at=excluded.at",
            (key.chat_id, message_id, key.user_id, key.thread_id, question_id, self._now),
        )

    async def answer_message(self, key: SessionKey, message_id: int) -> str | None:
        row = await self._one(
            "SELECT question_id FROM answer_messages WHERE chat_id=? AND message_id=?"
            " AND user_id=? AND thread_id=?",
            (key.chat_id, message_id, key.user_id, key.thread_id),
        )
        return row[0] if row else None

    async def pop_handoff(self, user_id: int) -> tuple[int, int] | None:
        row = await self._one(
            "DELETE FROM handoffs WHERE user_id=? RETURNING chat_id, thread_id", (user_id,)
        )
        return (row[0], row[1]) if row else None

    # --- admins and the audit log
    async def admin_ids(self) -> list[int]:
        return [r[0] for r in await self._all("SELECT user_id FROM bot_admins ORDER BY user_id")]

    async def add_admin(self, user_id: int, added_by: int) -> bool:
        added = await self._x(
            "INSERT INTO bot_admins (user_id, added_by, added_at) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO NOTHING",
            (user_id, added_by, self._now),
        )
        return added == 1

    async def remove_admin(self, user_id: int) -> bool:
        return await self._x("DELETE FROM bot_admins WHERE user_id=?", (user_id,)) == 1

    async def audit(self, admin_id: int, action: str, detail: str, result: str) -> None:
        await self._x(
            "INSERT INTO audit_log (at, admin_id, action, detail, result) VALUES (?, ?, ?, ?, ?)",
            (self._now, admin_id, action, detail[:500], result),
        )

    async def audit_entries(self, limit: int = 50) -> list[tuple[float, int, str, str, str]]:
        rows = await self._all(
            "SELECT at, admin_id, action, detail, result FROM audit_log ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]

    # --- subscriptions
    async def subscribe(self, user_id: int, lang: str, schemes: tuple[str, ...]) -> None:
        await self._x(
            "INSERT INTO subscribers (user_id, lang, created_at, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE"
            " SET lang=excluded.lang, updated_at=excluded.updated_at",
            (user_id, lang, self._now, self._now),
        )
        if ALL_SCHEMES in schemes:
            await self._x("DELETE FROM subscriber_schemes WHERE user_id=?", (user_id,))
            schemes = (ALL_SCHEMES,)
        await self._many(
            "INSERT INTO subscriber_schemes (user_id, scheme) VALUES (?, ?)"
            " ON CONFLICT (user_id, scheme) DO NOTHING",
            [(user_id, s) for s in schemes],
        )

    async def unsubscribe(self, user_id: int, schemes: tuple[str, ...] = ()) -> None:
        if schemes:
            await self._x(
                f"DELETE FROM subscriber_schemes WHERE user_id=? AND scheme IN"
                f" ({marks(len(schemes))})",
                (user_id, *schemes),
            )
            if await self.subscription(user_id):
                return
        await self._x("DELETE FROM subscriber_schemes WHERE user_id=?", (user_id,))
        await self._x("DELETE FROM subscribers WHERE user_id=?", (user_id,))
        # Only people who subscribed are messaged: drop them from unfinished broadcasts too.
        await self._x(
            f"UPDATE broadcast_recipients SET state=?, updated_at=? WHERE chat_id=? AND state=?"
            f" AND broadcast_id IN (SELECT id FROM broadcasts"
            f" WHERE status IN ({marks(len(ACTIVE_STATUSES))}) AND kind <> ?)",
            (SKIPPED, self._now, user_id, PENDING, *ACTIVE_STATUSES, PERSONAL),
        )

    async def subscription(self, user_id: int) -> list[str]:
        rows = await self._all(
            "SELECT scheme FROM subscriber_schemes WHERE user_id=? ORDER BY scheme", (user_id,)
        )
        return [r[0] for r in rows]

    # --- audiences and jobs
    async def audience_count(self, audience: str) -> int:
        sql, params = audience_sql(audience)
        row = await self._one(f"SELECT COUNT(*) FROM ({sql}) a", (START_CURSOR, *params))
        return int(row[0])

    async def create_broadcast(
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
        row = await self._one(
            "INSERT INTO broadcasts (created_by, admin_chat_id, status, audience, kind, text,"
            " from_chat_id, message_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING id",
            (created_by, admin_chat_id, DRAFT, audience, kind, text, from_chat_id, message_id,
             self._now),
        )  # fmt: skip
        return int(row[0])

    async def load_broadcast(self, job_id: int) -> BroadcastJob | None:
        row = await self._one(f"SELECT {JOB_COLUMNS} FROM broadcasts WHERE id=?", (job_id,))
        return job_from_row(row) if row else None

    async def update_broadcast(self, job_id: int, **fields: object) -> None:
        unknown = set(fields) - UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        if not fields:
            return
        sets = ", ".join(f"{name}=?" for name in fields)
        values = [bool(v) if name == "filled" else v for name, v in fields.items()]
        await self._x(f"UPDATE broadcasts SET {sets} WHERE id=?", (*values, job_id))

    async def broadcasts(
        self, *, statuses: tuple[str, ...] = (), limit: int = 10
    ) -> list[BroadcastJob]:
        if statuses:
            where, params = f"status IN ({marks(len(statuses))})", list(statuses)
        else:
            where, params = "status <> ?", [DRAFT]
        rows = await self._all(
            f"SELECT {JOB_COLUMNS} FROM broadcasts WHERE {where} ORDER BY id DESC LIMIT ?",
            (*params, limit),
        )
        return [job_from_row(r) for r in rows]

    async def next_broadcast(self, now: float) -> BroadcastJob | None:
        row = await self._one(
            f"SELECT {JOB_COLUMNS} FROM broadcasts WHERE status=?"
            " OR (status=? AND scheduled_at <= ?) ORDER BY id LIMIT 1",
            (RUNNING, SCHEDULED, now),
        )
        return job_from_row(row) if row else None

    async def next_scheduled_at(self) -> float | None:
        row = await self._one(
            "SELECT MIN(scheduled_at) FROM broadcasts WHERE status=?", (SCHEDULED,)
        )
        return row[0] if row else None

    async def fill_recipients(
        self, job_id: int, audience: str, after: int, limit: int
    ) -> int | None:
        sql, params = audience_sql(audience)
        rows = await self._all(
            f"SELECT chat_id FROM ({sql}) a ORDER BY chat_id LIMIT ?", (after, *params, limit)
        )
        if not rows:
            return None
        await self._many(
            "INSERT INTO broadcast_recipients (broadcast_id, chat_id, state, updated_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (broadcast_id, chat_id) DO NOTHING",
            [(job_id, r[0], PENDING, self._now) for r in rows],
        )
        return rows[-1][0]

    async def claim_recipients(self, job_id: int, limit: int) -> list[Recipient]:
        rows = await self._all(
            f"UPDATE broadcast_recipients SET state=?, updated_at=? WHERE id IN ("
            f" SELECT id FROM broadcast_recipients WHERE broadcast_id=? AND state=?"
            f" ORDER BY id LIMIT ?{self.SKIP_LOCKED}) RETURNING id, chat_id, attempts",
            (SENDING, self._now, job_id, PENDING, limit),
        )
        rows.sort()  # RETURNING's order is unspecified
        return [Recipient(r[0], r[1], r[2]) for r in rows if r[1] is not None]

    async def finish_recipients(self, results: list[tuple[int, str, int, str | None]]) -> None:
        await self._many(
            "UPDATE broadcast_recipients SET state=?, attempts=?, error=?, updated_at=? WHERE id=?",
            [(state, attempts, error, self._now, rid) for rid, state, attempts, error in results],
        )

    async def move_recipient(self, recipient_id: int, chat_id: int) -> bool:
        # Tested first rather than caught: a failed statement aborts a PostgreSQL transaction.
        row = await self._one(
            "UPDATE broadcast_recipients SET chat_id=? WHERE id=? AND NOT EXISTS ("
            " SELECT 1 FROM broadcast_recipients o"
            " WHERE o.broadcast_id=broadcast_recipients.broadcast_id"
            " AND o.chat_id=? AND o.id<>broadcast_recipients.id) RETURNING id",
            (chat_id, recipient_id, chat_id),
        )
        return row is not None

    async def release_recipients(self, recipient_ids: list[int]) -> None:
        await self._many(
            "UPDATE broadcast_recipients SET state=?, updated_at=? WHERE id=? AND state=?",
            [(PENDING, self._now, rid, SENDING) for rid in recipient_ids],
        )

    async def recover_sending(self) -> int:
        return await self._x(
            "UPDATE broadcast_recipients SET state=?, updated_at=? WHERE state=?",
            (UNCERTAIN, self._now, SENDING),
        )

    async def resend_uncertain(self, job_id: int) -> int:
        return await self._x(
            "UPDATE broadcast_recipients SET state=?, updated_at=?"
            " WHERE broadcast_id=? AND state=? AND chat_id IS NOT NULL",
            (PENDING, self._now, job_id, UNCERTAIN),
        )

    async def recipient_counts(self, job_id: int) -> dict[str, int]:
        rows = await self._all(
            "SELECT state, COUNT(*) FROM broadcast_recipients WHERE broadcast_id=? GROUP BY state",
            (job_id,),
        )
        return {state: int(n) for state, n in rows}

    async def recipient_states(self, job_id: int) -> dict[int, str]:
        rows = await self._all(
            "SELECT chat_id, state FROM broadcast_recipients"
            " WHERE broadcast_id=? AND chat_id IS NOT NULL",
            (job_id,),
        )
        return {chat_id: state for chat_id, state in rows}

    async def mark_chat_inactive(self, chat_id: int) -> None:
        chat = await self.load_chat(chat_id)
        if chat is None:
            chat = StoredChat(chat_id, "private" if chat_id > 0 else "group")
        chat.active = False
        await self.save_chat(chat)

    # --- statistics
    async def statistics(self, active_since: float, history: int = 10) -> Statistics:
        async def one(sql: str, *p: object) -> int:
            return int((await self._one(sql, p))[0])

        async def pairs(sql: str) -> dict[str, int]:
            return {k: int(v) for k, v in await self._all(sql)}

        stats = Statistics(
            users=await one("SELECT COUNT(*) FROM (SELECT user_id FROM users"
                      " UNION SELECT user_id FROM sessions) x"),
            active_users=await one(
                "SELECT COUNT(DISTINCT user_id) FROM sessions WHERE updated_at >= ?", active_since
            ),
            finished=await one("SELECT COUNT(*) FROM users WHERE last_result IS NOT NULL"),
            matches=await pairs(
                "SELECT scheme, COUNT(*) FROM result_matches GROUP BY scheme ORDER BY scheme"),
            languages=await pairs(
                "SELECT COALESCE(lang, '-'), COUNT(*) FROM users GROUP BY COALESCE(lang, '-')"
                " ORDER BY 1"),
            subscribers=await one("SELECT COUNT(*) FROM subscribers"),
            subscriptions=await pairs(
                "SELECT scheme, COUNT(*) FROM subscriber_schemes GROUP BY scheme"
                " ORDER BY scheme"),
        )  # fmt: skip
        for job in await self.broadcasts(limit=history):
            stats.broadcasts.append((job, await self.recipient_counts(job.id)))
        stats.reminders = await self.reminder_counts()
        return stats

    # --- resume codes (issue 14): one per user, its hash and the answers it restores
    async def save_resume_code(
        self, user_id: int, code_hash: str, answers: str, expires_on: str
    ) -> None:
        await self._x(
            "INSERT INTO resume_codes (user_id, code_hash, answers, expires_on, created_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
            " code_hash=excluded.code_hash, answers=excluded.answers,"
            " expires_on=excluded.expires_on, created_at=excluded.created_at",
            (user_id, code_hash, answers, expires_on, self._now),
        )

    async def load_resume_code(self, user_id: int) -> tuple[str, str, str] | None:
        row = await self._one(
            "SELECT code_hash, answers, expires_on FROM resume_codes WHERE user_id=?", (user_id,)
        )
        return (row[0], row[1], row[2]) if row else None

    async def delete_expired_resume_codes(self, today: str) -> int:
        return await self._x("DELETE FROM resume_codes WHERE expires_on < ?", (today,))

    async def count_resume_attempts(self, user_id: int, since: float) -> int:
        row = await self._one(
            "SELECT COUNT(*) FROM resume_attempts WHERE user_id=? AND at >= ?", (user_id, since)
        )
        return int(row[0])

    async def add_resume_attempt(self, user_id: int) -> None:
        await self._x(
            "INSERT INTO resume_attempts (user_id, at) VALUES (?, ?)", (user_id, self._now)
        )

    # --- what the stores' own methods run inside a transaction
    async def forget_rows(self, user_id: int) -> None:
        """`/forget`: every row about the user; delivery rows stay for the counts, without
        the id (a pending one is skipped)."""
        for table in ("sessions", "users", "subscriber_schemes", "subscribers", "result_matches",
                      "bot_admins", "handoffs", "answer_messages", "resume_codes",
                      "resume_attempts", "followups", "followup_changes",
                      "reminders"):  # fmt: skip
            await self._x(f"DELETE FROM {table} WHERE user_id=?", (user_id,))
        await self._x("DELETE FROM chats WHERE chat_id=? AND type='private'", (user_id,))
        await self._x("UPDATE broadcast_recipients SET text=NULL WHERE chat_id=?", (user_id,))
        await self._x(
            "UPDATE broadcast_recipients SET chat_id=NULL, updated_at=?,"
            " state=CASE WHEN state=? THEN ? ELSE state END WHERE chat_id=?",
            (self._now, PENDING, SKIPPED, user_id),
        )
        await self._x(
            "UPDATE update_inbox SET payload=NULL WHERE user_key=? AND done_at IS NOT NULL",
            (user_id,),
        )

    async def purge_idle_sessions(self, older_than_seconds: float) -> int:
        """Unfinished sessions idle that long (the count), with the answers' message ids of
        that age and the inbox's processed updates past the time a resend can come."""
        removed = await self._x(
            "DELETE FROM sessions WHERE finished = FALSE AND updated_at < ?",
            (self._now - older_than_seconds,),
        )
        await self._x("DELETE FROM answer_messages WHERE at < ?", (self._now - older_than_seconds,))
        await self._x(
            "DELETE FROM resume_attempts WHERE at < ?", (self._now - RESUME_ATTEMPTS_KEEP,)
        )
        # kept answers (issue 14): exempt while opted in; the period runs again from opting out
        await self._x("DELETE FROM followups WHERE active = FALSE AND opted_out_at < ?",
                      (self._now - older_than_seconds,))  # fmt: skip
        await self._x(f"DELETE FROM update_inbox WHERE done_at < {self.INBOX_NOW} - ?",
                (INBOX_KEEP_SECONDS,))  # fmt: skip
        return removed

    async def rows_about(self, user_id: int) -> int:
        # processed inbox rows keep no payload; a pending one still holds the update
        pending = await self._one(
            "SELECT COUNT(*) FROM update_inbox WHERE user_key=? AND payload IS NOT NULL"
            " AND done_at IS NULL",
            (user_id,),
        )
        total = int(pending[0])
        for table, column in ROWS_ABOUT:
            row = await self._one(f"SELECT COUNT(*) FROM {table} WHERE {column}=?", (user_id,))
            total += int(row[0])
        return total

    # --- deadline reminders (issue 14; bot/store/reminders.py)
    async def add_reminders(self, user_id: int, lang: str, specs: list[ReminderSpec]) -> int:
        added = 0
        for scheme in sorted({s.scheme for s in specs}):
            deadlines = sorted({s.deadline for s in specs if s.scheme == scheme})
            await self._x(
                f"DELETE FROM reminders WHERE user_id=? AND scheme=? AND state=?"
                f" AND deadline NOT IN ({marks(len(deadlines))})",
                (user_id, scheme, R_PENDING, *deadlines),
            )
        for s in specs:
            added += await self._x(
                "INSERT INTO reminders (user_id, scheme, deadline, days_before, due, url, lang,"
                " state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (user_id, scheme, deadline, days_before) DO NOTHING",
                (user_id, s.scheme, s.deadline, s.days_before, s.due, s.url, lang, R_PENDING,
                 self._now, self._now),
            )  # fmt: skip
        return added

    async def user_reminders(self, user_id: int) -> list[Reminder]:
        rows = await self._all(
            f"SELECT {REMINDER_COLUMNS} FROM reminders WHERE user_id=? AND state=?"
            " ORDER BY deadline, scheme, due",
            (user_id, R_PENDING),
        )
        return [Reminder(*r) for r in rows]

    async def cancel_reminders(self, user_id: int, scheme: str | None = None) -> int:
        if scheme is None:
            return await self._x(
                "DELETE FROM reminders WHERE user_id=? AND state=?", (user_id, R_PENDING)
            )
        return await self._x(
            "DELETE FROM reminders WHERE user_id=? AND scheme=? AND state=?",
            (user_id, scheme, R_PENDING),
        )

    async def expire_reminders(self, today: str) -> int:
        # Rows are kept until their deadline passes (the privacy text says so).
        row = await self._one(
            "SELECT COUNT(*) FROM reminders WHERE state=? AND deadline < ?", (R_PENDING, today)
        )
        expired = int(row[0])
        await self._x("DELETE FROM reminders WHERE deadline < ?", (today,))
        return expired

    async def supersede_reminders(self, due_by: str) -> int:
        return await self._x(
            "UPDATE reminders SET state=?, updated_at=? WHERE state=? AND due <= ? AND EXISTS ("
            " SELECT 1 FROM reminders o WHERE o.user_id=reminders.user_id"
            " AND o.scheme=reminders.scheme AND o.deadline=reminders.deadline AND o.state=?"
            " AND o.due <= ? AND o.days_before < reminders.days_before)",
            (R_SUPERSEDED, self._now, R_PENDING, due_by, R_PENDING, due_by),
        )

    async def claim_reminders(self, due_by: str, limit: int) -> list[Reminder]:
        rows = await self._all(
            f"UPDATE reminders SET state=?, updated_at=? WHERE id IN ("
            f" SELECT id FROM reminders WHERE state=? AND due <= ?"
            f" ORDER BY due, id LIMIT ?{self.SKIP_LOCKED}) RETURNING {REMINDER_COLUMNS}",
            (R_SENDING, self._now, R_PENDING, due_by, limit),
        )
        if not rows:
            return []
        users = sorted({r[1] for r in rows})
        langs = dict(await self._all(
            f"SELECT user_id, lang FROM users WHERE lang IS NOT NULL"
            f" AND user_id IN ({marks(len(users))})", users))  # fmt: skip
        rows.sort()  # RETURNING's order is unspecified
        return [Reminder(*r[:7], langs.get(r[1]) or r[7], r[8]) for r in rows]

    async def finish_reminders(self, results: list[tuple[int, str, str | None]]) -> None:
        await self._many(
            "UPDATE reminders SET state=?, error=?, updated_at=? WHERE id=?",
            [(state, error, self._now, rid) for rid, state, error in results],
        )

    async def drop_reminders(self, user_id: int, state: str) -> int:
        return await self._x(
            "UPDATE reminders SET state=?, updated_at=? WHERE user_id=? AND state=?",
            (state, self._now, user_id, R_PENDING),
        )

    async def recover_sending_reminders(self) -> int:
        return await self._x(
            "UPDATE reminders SET state=?, updated_at=? WHERE state=?",
            (R_UNCERTAIN, self._now, R_SENDING),
        )

    async def reminder_counts(self) -> dict[str, int]:
        rows = await self._all("SELECT state, COUNT(*) FROM reminders GROUP BY state")
        return {state: int(n) for state, n in rows}


class SqlStore:
    """The `Store` methods both backends implement with the shared layer's statements, each in
    one transaction of its own (mixed into `SqliteStore` and `PostgresStore`)."""

    transaction: Callable[[], AbstractAsyncContextManager[Any]]  # the backend's

    async def forget_user(self, user_id: int) -> None:
        async with self.transaction() as tx:
            await tx.forget_rows(user_id)

    async def purge_sessions(self, older_than_seconds: float) -> int:
        async with self.transaction() as tx:
            return await tx.purge_idle_sessions(older_than_seconds)

    async def count_rows_about(self, user_id: int) -> int:
        async with self.transaction() as tx:
            return await tx.rows_about(user_id)

    async def inbox_purge(self, older_than: float) -> int:
        """Forget processed updates older than that (they only served to spot resends)."""
        async with self.transaction() as tx:
            return await tx._x(
                f"DELETE FROM update_inbox WHERE done_at < {tx.INBOX_NOW} - ?", (older_than,)
            )

"""SQLite implementation of `BroadcastTransaction` (mixed into the SQLite transaction).

Plain SQL only (no SQLite-only functions), so the PostgreSQL store can share these statements.
Tables come from migration 3 in `bot/store/sqlite.py`.
"""

from __future__ import annotations

import json
import sqlite3

from bot.store.base import StoredChat
from bot.store.broadcasts import (
    ACTIVE_STATUSES,
    ALL_SCHEMES,
    DRAFT,
    PENDING,
    RUNNING,
    SCHEDULED,
    SENDING,
    SKIPPED,
    UNCERTAIN,
    BroadcastJob,
    Recipient,
    Statistics,
)

_JOB_COLUMNS = (
    "id, created_by, admin_chat_id, status, audience, kind, text, from_chat_id, message_id,"
    " scheduled_at, created_at, started_at, finished_at, progress_message_id, filled,"
    " fill_cursor, total"
)
_UPDATABLE = {
    "status", "audience", "scheduled_at", "started_at", "finished_at", "progress_message_id",
    "filled", "fill_cursor", "total",
}  # fmt: skip


def _job(row: tuple) -> BroadcastJob:
    return BroadcastJob(*row[:14], bool(row[14]), row[15], row[16])


def _audience_sql(audience: str) -> tuple[str, list[object]]:
    """SELECT chat_id ... for an audience, with a `{after}` slot for the keyset cursor."""
    if audience in ("groups", "channels"):
        kind = "type IN ('group', 'supergroup')" if audience == "groups" else (
            "type = 'channel' AND registered = 1")  # fmt: skip
        return f"SELECT chat_id FROM chats WHERE {kind} AND active = 1 AND chat_id > ?", []
    sql = (
        "SELECT s.user_id AS chat_id FROM subscribers s LEFT JOIN chats c ON c.chat_id = s.user_id"
        " LEFT JOIN users u ON u.user_id = s.user_id"
        " WHERE (c.active IS NULL OR c.active = 1) AND s.user_id > ?"
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


class SqliteBroadcastTransaction:
    __slots__ = ()
    _db: sqlite3.Connection
    _now: float

    # --- admins and the audit log
    def admin_ids(self) -> list[int]:
        return [r[0] for r in self._db.execute("SELECT user_id FROM bot_admins ORDER BY user_id")]

    def add_admin(self, user_id: int, added_by: int) -> bool:
        cur = self._db.execute(
            "INSERT INTO bot_admins (user_id, added_by, added_at) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO NOTHING",
            (user_id, added_by, self._now),
        )
        return cur.rowcount == 1

    def remove_admin(self, user_id: int) -> bool:
        return self._db.execute("DELETE FROM bot_admins WHERE user_id=?", (user_id,)).rowcount == 1

    def audit(self, admin_id: int, action: str, detail: str, result: str) -> None:
        self._db.execute(
            "INSERT INTO audit_log (at, admin_id, action, detail, result) VALUES (?, ?, ?, ?, ?)",
            (self._now, admin_id, action, detail[:500], result),
        )

    def audit_entries(self, limit: int = 50) -> list[tuple[float, int, str, str, str]]:
        return self._db.execute(
            "SELECT at, admin_id, action, detail, result FROM audit_log ORDER BY id DESC LIMIT ?",
            (limit,),
        ).fetchall()

    # --- subscriptions
    def subscribe(self, user_id: int, lang: str, schemes: tuple[str, ...]) -> None:
        self._db.execute(
            "INSERT INTO subscribers (user_id, lang, created_at, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE"
            " SET lang=excluded.lang, updated_at=excluded.updated_at",
            (user_id, lang, self._now, self._now),
        )
        if ALL_SCHEMES in schemes:
            self._db.execute("DELETE FROM subscriber_schemes WHERE user_id=?", (user_id,))
            schemes = (ALL_SCHEMES,)
        self._db.executemany(
            "INSERT INTO subscriber_schemes (user_id, scheme) VALUES (?, ?)"
            " ON CONFLICT (user_id, scheme) DO NOTHING",
            [(user_id, s) for s in schemes],
        )

    def unsubscribe(self, user_id: int, schemes: tuple[str, ...] = ()) -> None:
        if schemes:
            self._db.executemany(
                "DELETE FROM subscriber_schemes WHERE user_id=? AND scheme=?",
                [(user_id, s) for s in schemes],
            )
            if self.subscription(user_id):
                return
        self._db.execute("DELETE FROM subscriber_schemes WHERE user_id=?", (user_id,))
        self._db.execute("DELETE FROM subscribers WHERE user_id=?", (user_id,))
        # Only people who subscribed are messaged: drop them from unfinished broadcasts too.
        marks = ",".join("?" * len(ACTIVE_STATUSES))
        self._db.execute(
            f"UPDATE broadcast_recipients SET state=?, updated_at=? WHERE chat_id=? AND state=?"
            f" AND broadcast_id IN (SELECT id FROM broadcasts WHERE status IN ({marks}))",
            (SKIPPED, self._now, user_id, PENDING, *ACTIVE_STATUSES),
        )

    def subscription(self, user_id: int) -> list[str]:
        return [
            r[0]
            for r in self._db.execute(
                "SELECT scheme FROM subscriber_schemes WHERE user_id=? ORDER BY scheme", (user_id,)
            )
        ]

    # --- audiences and jobs
    def audience_count(self, audience: str) -> int:
        sql, params = _audience_sql(audience)
        return self._db.execute(f"SELECT COUNT(*) FROM ({sql}) a", (-(2**62), *params)).fetchone()[
            0
        ]

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
        cur = self._db.execute(
            "INSERT INTO broadcasts (created_by, admin_chat_id, status, audience, kind, text,"
            " from_chat_id, message_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (created_by, admin_chat_id, DRAFT, audience, kind, text, from_chat_id, message_id,
             self._now),
        )  # fmt: skip
        return int(cur.lastrowid)  # type: ignore[arg-type]

    def load_broadcast(self, job_id: int) -> BroadcastJob | None:
        row = self._db.execute(
            f"SELECT {_JOB_COLUMNS} FROM broadcasts WHERE id=?", (job_id,)
        ).fetchone()
        return _job(row) if row else None

    def update_broadcast(self, job_id: int, **fields: object) -> None:
        unknown = set(fields) - _UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        if not fields:
            return
        sets = ", ".join(f"{name}=?" for name in fields)
        values = [int(v) if isinstance(v, bool) else v for v in fields.values()]
        self._db.execute(f"UPDATE broadcasts SET {sets} WHERE id=?", (*values, job_id))

    def broadcasts(self, *, statuses: tuple[str, ...] = (), limit: int = 10) -> list[BroadcastJob]:
        if statuses:
            marks = ",".join("?" * len(statuses))
            where, params = f"status IN ({marks})", list(statuses)
        else:
            where, params = "status <> ?", [DRAFT]
        rows = self._db.execute(
            f"SELECT {_JOB_COLUMNS} FROM broadcasts WHERE {where} ORDER BY id DESC LIMIT ?",
            (*params, limit),
        ).fetchall()
        return [_job(r) for r in rows]

    def next_broadcast(self, now: float) -> BroadcastJob | None:
        row = self._db.execute(
            f"SELECT {_JOB_COLUMNS} FROM broadcasts WHERE status=?"
            " OR (status=? AND scheduled_at <= ?) ORDER BY id LIMIT 1",
            (RUNNING, SCHEDULED, now),
        ).fetchone()
        return _job(row) if row else None

    def next_scheduled_at(self) -> float | None:
        row = self._db.execute(
            "SELECT MIN(scheduled_at) FROM broadcasts WHERE status=?", (SCHEDULED,)
        ).fetchone()
        return row[0] if row else None

    def fill_recipients(self, job_id: int, audience: str, after: int, limit: int) -> int | None:
        sql, params = _audience_sql(audience)
        rows = self._db.execute(
            f"SELECT chat_id FROM ({sql}) a ORDER BY chat_id LIMIT ?", (after, *params, limit)
        ).fetchall()
        if not rows:
            return None
        self._db.executemany(
            "INSERT INTO broadcast_recipients (broadcast_id, chat_id, state, updated_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (broadcast_id, chat_id) DO NOTHING",
            [(job_id, r[0], PENDING, self._now) for r in rows],
        )
        return rows[-1][0]

    def claim_recipients(self, job_id: int, limit: int) -> list[Recipient]:
        rows = self._db.execute(
            "SELECT id, chat_id, attempts FROM broadcast_recipients"
            " WHERE broadcast_id=? AND state=? ORDER BY id LIMIT ?",
            (job_id, PENDING, limit),
        ).fetchall()
        self._db.executemany(
            "UPDATE broadcast_recipients SET state=?, updated_at=? WHERE id=?",
            [(SENDING, self._now, r[0]) for r in rows],
        )
        return [Recipient(r[0], r[1], r[2]) for r in rows if r[1] is not None]

    def finish_recipients(self, results: list[tuple[int, str, int, str | None]]) -> None:
        self._db.executemany(
            "UPDATE broadcast_recipients SET state=?, attempts=?, error=?, updated_at=? WHERE id=?",
            [(state, attempts, error, self._now, rid) for rid, state, attempts, error in results],
        )

    def move_recipient(self, recipient_id: int, chat_id: int) -> bool:
        try:
            self._db.execute(
                "UPDATE broadcast_recipients SET chat_id=? WHERE id=?", (chat_id, recipient_id)
            )
        except sqlite3.IntegrityError:
            return False
        return True

    def release_recipients(self, recipient_ids: list[int]) -> None:
        self._db.executemany(
            "UPDATE broadcast_recipients SET state=?, updated_at=? WHERE id=? AND state=?",
            [(PENDING, self._now, rid, SENDING) for rid in recipient_ids],
        )

    def recover_sending(self) -> int:
        return self._db.execute(
            "UPDATE broadcast_recipients SET state=?, updated_at=? WHERE state=?",
            (UNCERTAIN, self._now, SENDING),
        ).rowcount

    def resend_uncertain(self, job_id: int) -> int:
        return self._db.execute(
            "UPDATE broadcast_recipients SET state=?, updated_at=?"
            " WHERE broadcast_id=? AND state=? AND chat_id IS NOT NULL",
            (PENDING, self._now, job_id, UNCERTAIN),
        ).rowcount

    def recipient_counts(self, job_id: int) -> dict[str, int]:
        rows = self._db.execute(
            "SELECT state, COUNT(*) FROM broadcast_recipients WHERE broadcast_id=? GROUP BY state",
            (job_id,),
        ).fetchall()
        return dict(rows)

    def recipient_states(self, job_id: int) -> dict[int, str]:
        rows = self._db.execute(
            "SELECT chat_id, state FROM broadcast_recipients"
            " WHERE broadcast_id=? AND chat_id IS NOT NULL",
            (job_id,),
        ).fetchall()
        return dict(rows)

    def mark_chat_inactive(self, chat_id: int) -> None:
        chat = self.load_chat(chat_id)  # type: ignore[attr-defined]
        if chat is None:
            chat = StoredChat(chat_id, "private" if chat_id > 0 else "group")
        chat.active = False
        self.save_chat(chat)  # type: ignore[attr-defined]

    # --- statistics
    def statistics(self, active_since: float, history: int = 10) -> Statistics:
        db = self._db
        one = lambda sql, *p: db.execute(sql, p).fetchone()[0]  # noqa: E731
        stats = Statistics(
            users=one("SELECT COUNT(*) FROM (SELECT user_id FROM users"
                      " UNION SELECT user_id FROM sessions) x"),
            active_users=one(
                "SELECT COUNT(DISTINCT user_id) FROM sessions WHERE updated_at >= ?", active_since
            ),
            finished=one("SELECT COUNT(*) FROM users WHERE last_result IS NOT NULL"),
            matches=dict(db.execute(
                "SELECT scheme, COUNT(*) FROM result_matches GROUP BY scheme ORDER BY scheme")),
            languages=dict(db.execute(
                "SELECT COALESCE(lang, '-'), COUNT(*) FROM users GROUP BY COALESCE(lang, '-')"
                " ORDER BY 1")),
            subscribers=one("SELECT COUNT(*) FROM subscribers"),
            subscriptions=dict(db.execute(
                "SELECT scheme, COUNT(*) FROM subscriber_schemes GROUP BY scheme ORDER BY scheme")),
        )  # fmt: skip
        for job in self.broadcasts(limit=history):
            stats.broadcasts.append((job, self.recipient_counts(job.id)))
        return stats


def forget_broadcast_rows(db: sqlite3.Connection, user_id: int, now: float) -> None:
    """`/forget`: out of every audience; delivery rows kept for the counts, without the id."""
    db.execute("DELETE FROM subscriber_schemes WHERE user_id=?", (user_id,))
    db.execute("DELETE FROM subscribers WHERE user_id=?", (user_id,))
    db.execute("DELETE FROM result_matches WHERE user_id=?", (user_id,))
    db.execute("DELETE FROM bot_admins WHERE user_id=?", (user_id,))
    db.execute(
        "UPDATE broadcast_recipients SET chat_id=NULL, updated_at=?,"
        " state=CASE WHEN state=? THEN ? ELSE state END WHERE chat_id=?",
        (now, PENDING, SKIPPED, user_id),
    )


# (table, column) pairs that can name a user, for count_rows_about. The audit log holds admins'
# actions only; an admin's own entries stay (accountability) and are counted here.
BROADCAST_ROWS_ABOUT = (
    ("subscribers", "user_id"),
    ("subscriber_schemes", "user_id"),
    ("result_matches", "user_id"),
    ("bot_admins", "user_id"),
    ("broadcast_recipients", "chat_id"),
    ("audit_log", "admin_id"),
)


def save_result_matches(db: sqlite3.Connection, user_id: int, last_result: str) -> None:
    """Keep `result_matches` (the "matched a scheme" audience) in step with the last result."""
    db.execute("DELETE FROM result_matches WHERE user_id=?", (user_id,))
    db.executemany(
        "INSERT INTO result_matches (user_id, scheme) VALUES (?, ?)",
        [(user_id, s) for s in sorted(matched_schemes(last_result))],
    )

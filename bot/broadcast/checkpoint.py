"""SQLite only: checkpoint the write-ahead log from a thread, off the event loop.

SQLite copies the WAL back into the database ("checkpoint") on the commit that finds the WAL over
1000 pages, and that commit pays for it, fsync included — tens of milliseconds on the event
loop. A broadcast writes two rows per recipient, so without this some person's answer would
pay for it every few seconds (bench/bench_broadcast.py: reply p99 ×5). A passive checkpoint on
a second connection, in a thread (sqlite3 releases the GIL), keeps the WAL short instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3

from bot.store import Store

log = logging.getLogger(__name__)

INTERVAL = 0.5


def sqlite_path(store: Store) -> str | None:
    from bot.store.sqlite import SqliteStore

    if isinstance(store, SqliteStore) and store.path != ":memory:":
        return store.path
    return None


async def checkpoint_loop(path: str, interval: float = INTERVAL) -> None:
    db = await asyncio.to_thread(
        sqlite3.connect, path, isolation_level=None, check_same_thread=False
    )
    try:
        db.execute("PRAGMA busy_timeout=1000")
        while True:
            await asyncio.sleep(interval)
            try:
                await asyncio.to_thread(db.execute, "PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error as exc:  # busy or locked: next time
                log.debug("checkpoint skipped", extra={"fields": {"error": str(exc)}})
    finally:
        with contextlib.suppress(sqlite3.Error):
            db.close()

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
from concurrent.futures import ThreadPoolExecutor

from bot.store import Store

log = logging.getLogger(__name__)

INTERVAL = 0.5


def sqlite_path(store: Store) -> str | None:
    from bot.store.sqlite import SqliteStore

    if isinstance(store, SqliteStore) and store.path != ":memory:":
        return store.path
    return None


class _Checkpointer:
    """The checkpoint connection, used only by the loop's one worker thread: opened on the first
    checkpoint, closed by a call queued behind the last one."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.db: sqlite3.Connection | None = None

    def checkpoint(self) -> None:
        if self.db is None:
            self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA busy_timeout=1000")
        self.db.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def close(self) -> None:
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
            self.db = None


async def checkpoint_loop(path: str, interval: float = INTERVAL) -> None:
    """Checkpoint every `interval` seconds until cancelled.

    One worker thread does all of the connection's work, in order. A stop cancels the await,
    not the checkpoint running in the thread: the connection used to be closed from the event
    loop while that checkpoint was still using it, and the process crashed (a segmentation fault
    in the worker thread, seen at a test's shutdown). Its close is now queued behind it."""
    loop = asyncio.get_running_loop()
    worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wal-checkpoint")
    checkpointer = _Checkpointer(path)
    try:
        while True:
            await asyncio.sleep(interval)
            try:
                await loop.run_in_executor(worker, checkpointer.checkpoint)
            except sqlite3.Error as exc:  # busy or locked: next time
                log.debug("checkpoint skipped", extra={"fields": {"error": str(exc)}})
    finally:
        worker.submit(checkpointer.close)
        worker.shutdown(wait=False)

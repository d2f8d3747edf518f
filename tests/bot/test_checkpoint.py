"""The WAL checkpoint's connection is never closed while a checkpoint is using it.

A stop cancels the loop's await, not the checkpoint running in its thread; closing the
connection from the event loop meanwhile crashed the process (a segmentation fault in the
worker thread during a test's shutdown)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time

from bot.broadcast import checkpoint


async def test_a_stop_during_a_checkpoint_closes_the_connection_after_it(tmp_path, monkeypatch):
    path = tmp_path / "bot.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (x)")
    events: list[tuple[str, str]] = []
    running = threading.Event()
    real_checkpoint = checkpoint._Checkpointer.checkpoint
    real_close = checkpoint._Checkpointer.close

    def slow_checkpoint(self) -> None:
        events.append(("start", threading.current_thread().name))
        running.set()
        time.sleep(0.3)  # a checkpoint copying a long WAL
        real_checkpoint(self)
        events.append(("end", threading.current_thread().name))

    def close(self) -> None:
        events.append(("close", threading.current_thread().name))
        real_close(self)

    monkeypatch.setattr(checkpoint._Checkpointer, "checkpoint", slow_checkpoint)
    monkeypatch.setattr(checkpoint._Checkpointer, "close", close)
    task = asyncio.create_task(checkpoint.checkpoint_loop(str(path), interval=0.01))
    assert await asyncio.to_thread(running.wait, 5)
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=2)
    assert task in done and task.cancelled()  # the stop itself does not wait for the thread
    for _ in range(100):
        if any(kind == "close" for kind, _ in events):
            break
        await asyncio.sleep(0.02)
    assert [kind for kind, _ in events] == ["start", "end", "close"]
    threads = {name for _, name in events}
    assert len(threads) == 1 and threading.main_thread().name not in threads

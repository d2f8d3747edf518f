"""Stopping background tasks within a bound.

A stop must end even when a task does not: one that swallows its cancellation, or waits on a
database that is gone, would otherwise hold the application's shutdown (and a test, or a
deployment's restart) for ever. The tasks are cancelled, waited for up to `timeout` seconds,
and those still running are logged by name and left to the event loop's end.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

log = logging.getLogger(__name__)


async def stop_tasks(
    tasks: Iterable[asyncio.Task[Any]], timeout: float, what: str
) -> set[asyncio.Task[Any]]:
    """Cancel `tasks`, wait up to `timeout` seconds for them; returns those that did not stop.

    Waited for with `asyncio.wait`, which lets a cancellation of the caller through (awaiting
    each task inside `suppress(BaseException)` swallowed it)."""
    pending = [task for task in tasks if not task.done()]
    for task in pending:
        task.cancel()
    if not pending:
        return set()
    done, stuck = await asyncio.wait(pending, timeout=timeout)
    for task in done:  # retrieved, so asyncio does not report them as never retrieved
        if not task.cancelled() and task.exception() is not None:
            log.warning("%s: a task ended with an error while stopping", what,
                        exc_info=task.exception())  # fmt: skip
    if stuck:
        log.error("%s: tasks did not stop", what,
                  extra={"fields": {"tasks": sorted(t.get_name() for t in stuck)}})  # fmt: skip
    return stuck

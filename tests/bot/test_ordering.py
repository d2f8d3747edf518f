"""Per-user ordering: one user's updates in sequence, different users at the same time."""

from __future__ import annotations

import asyncio

from telegram import Chat, Message, Update, User

from bot.ordering import PerUserUpdateProcessor


def _update(update_id: int, user_id: int) -> Update:
    user = User(user_id, "u", False)
    msg = Message(update_id, None, Chat(user_id, "private"), from_user=user, text="x")
    return Update(update_id, message=msg)


async def test_same_user_in_order_other_users_concurrently():
    proc = PerUserUpdateProcessor(16)
    await proc.initialize()
    log: list[tuple[str, int, int]] = []
    release_a1 = asyncio.Event()

    async def work(user: int, n: int, wait: asyncio.Event | None = None) -> None:
        log.append(("start", user, n))
        if wait:
            await wait.wait()
        await asyncio.sleep(0)
        log.append(("end", user, n))

    tasks = [
        asyncio.create_task(proc.process_update(_update(1, 1), work(1, 1, release_a1))),
        asyncio.create_task(proc.process_update(_update(2, 1), work(1, 2))),
        asyncio.create_task(proc.process_update(_update(3, 2), work(2, 1))),
    ]
    await asyncio.sleep(0.05)
    # User 2 finished although user 1's first update is still blocked; user 1's second waits.
    assert ("end", 2, 1) in log
    assert ("start", 1, 2) not in log
    release_a1.set()
    await asyncio.gather(*tasks)
    assert log.index(("end", 1, 1)) < log.index(("start", 1, 2))
    assert proc._tails == {}  # no memory kept per user once idle
    await proc.shutdown()


async def test_failure_of_one_update_does_not_block_the_next():
    proc = PerUserUpdateProcessor(4)
    done = []

    async def boom() -> None:
        raise RuntimeError("x")

    async def ok() -> None:
        done.append(1)

    first = asyncio.create_task(proc.process_update(_update(1, 1), boom()))
    second = asyncio.create_task(proc.process_update(_update(2, 1), ok()))
    results = await asyncio.gather(first, second, return_exceptions=True)
    assert isinstance(results[0], RuntimeError)
    assert done == [1]

"""An instance that stored and acknowledged an update, then died before handling it: another
instance handles it, once (issue 12)."""

from __future__ import annotations

import json

from bot.app import build_application
from bot.metrics import METRICS
from bot.store import open_store
from bot.webhook import update_inbox
from tests.instances.conftest import FIRST_PROMPT, instance_settings, take_pending, until


async def test_an_update_acknowledged_by_a_dead_instance_is_handled_once_by_another(
    bot_api, pg_url
):
    emu = bot_api
    settings = instance_settings(emu, pg_url, update_order_window_ms=0)
    user = emu.user(id=7001, first_name="Dee")
    await user.send("/start")
    (update,) = take_pending(emu)
    dead = open_store(pg_url)  # the instance that received it
    await dead.open()
    state, lock = await dead.inbox_enter(update["update_id"], user.id, json.dumps(update))
    assert state == "new" and lock is not None
    await dead.close()  # killed after answering 200: its drain lock goes with its connection

    app = build_application(settings)  # another instance, alive
    await app.initialize()
    await app.start()
    try:
        store = app.bot_data["services"].store
        inbox = update_inbox(app)
        recovered = _recovered()
        assert await inbox.recover(0.0) == 1
        await emu.wait_for(FIRST_PROMPT, chat_id=user, timeout=15)
        await until(lambda: not inbox._tasks, 10)
        assert await store.inbox_is_done(update["update_id"])
        assert await inbox.recover(0.0) == 0  # nothing left: it is not handled again
        assert _recovered() == recovered + 1  # /metrics: bot_updates_recovered_total
    finally:
        await app.stop()
        await app.shutdown()
    assert len([m for m in emu.sent(user) if FIRST_PROMPT in (m.text or "")]) == 1


def _recovered() -> float:
    for line in METRICS.render().splitlines():
        if line.startswith("bot_updates_recovered_total "):
            return float(line.split()[1])
    raise AssertionError("bot_updates_recovered_total is not in /metrics")

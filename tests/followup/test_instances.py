"""Several instances on one PostgreSQL (issue 7): only the lease holder re-evaluates after a new
catalogue, so the admin gets one preview, not one per instance."""

from __future__ import annotations

import asyncio

from bot.store.followups import CATALOGUE_RUN
from tests.broadcast.conftest import OWNER_ID, open_db
from tests.followup.conftest import NEW_VERSION, changed_catalogue, high_earner, keep_answers
from tests.instances.conftest import instance_settings, webhook_instances


async def test_two_instances_one_preview(bot_api, tmp_path, pg_url):
    emu = bot_api
    owner = emu.user(id=OWNER_ID, first_name="Olive", started=True)
    people = [emu.user(started=True) for _ in range(3)]
    store = await open_db(pg_url)
    try:
        for user in people:
            await keep_answers(store, user.id, high_earner(2_600_000))
    finally:
        await store.close()
    new_catalogue = changed_catalogue(tmp_path)
    settings = [
        instance_settings(emu, pg_url, bot_admin_ids=frozenset({OWNER_ID}),
                          bot_catalogue_dir=new_catalogue, broadcast_lease_seconds=2.0)
        for _ in range(2)
    ]  # fmt: skip
    async with webhook_instances(settings):
        preview = await emu.wait_for("Re-evaluation", chat_id=owner, timeout=20)
        assert NEW_VERSION in preview.text and "for 3 of them" in preview.text
        await asyncio.sleep(2.0)
        previews = [m for m in emu.sent(owner) if "Re-evaluation" in (m.text or "")]
        assert len(previews) == 1
        store = await open_db(pg_url)
        try:
            async with store.transaction() as tx:
                run = await tx.find_followup_run(CATALOGUE_RUN, NEW_VERSION)
                changes = await tx.followup_changes(run.id, 0, 10)
        finally:
            await store.close()
        assert sorted(c[0] for c in changes) == sorted(u.id for u in people)

"""Issue 14, "tell me if my result changes", end to end against the emulator: a catalogue
change previewed to the admin, confirmed, and told only to those whose result changed, once,
with the reason, in their language; opting out; /unsubscribe leaving it on; /forget; the daily
date-driven check."""

from __future__ import annotations

import asyncio
from datetime import date

from bot.store.broadcasts import DONE
from bot.store.followups import PERSONAL
from rules import Profile
from tests.bot_e2e.conftest import rows_about
from tests.bot_e2e.walker import walk_to_result
from tests.broadcast.conftest import admin_bot, press_like, wait_status
from tests.followup.conftest import (
    NEW_VERSION,
    catalogue_already_seen,
    changed_catalogue,
    high_earner,
    keep_answers,
    notices,
)

TODAY = date(2026, 12, 2)


async def test_catalogue_change_preview_confirm_only_changed_people_hear_once(bot_api, tmp_path):
    emu = bot_api
    new_catalogue = changed_catalogue(tmp_path)
    rich = emu.user(first_name="Rita", language_code="zh-hk", started=True)
    richer = emu.user(first_name="Ray", started=True)
    unsub = emu.user(first_name="Uma", started=True)
    quitter = emu.user(first_name="Quinn", started=True)
    forgetter = emu.user(first_name="Fred", started=True)
    kim = emu.user(first_name="Kim")
    async with admin_bot(emu, tmp_path, bot_today=TODAY) as (bot, owner):
        await owner.send("/help")  # the admin has a chat with the bot
        await emu.wait_for("How this works", chat_id=owner)
        # Kim opts in with the button under a finished result.
        await kim.send("/start")
        _, results = await walk_to_result(emu, kim, "en")
        assert any(
            "Tell me when the rules" in text for row in results[-1].buttons for text, _ in row
        )  # the news button, told apart from ours
        await press_like(kim, results[-1], "Keep my answers and tell me if my result changes")
        done = await emu.wait_for("I keep your answers", chat_id=kim)
        assert "/unsubscribe does not stop it" in done.text
        async with bot.store.transaction() as tx:
            kept = await tx.load_followup(kim.id)
        assert kept is not None and kept.active and kept.given_on == TODAY.isoformat()
        assert Profile.model_validate_json(kept.profile).as_of == TODAY

        store = bot.store
        await keep_answers(store, rich.id, high_earner(2_600_000), "zh-hant")
        await keep_answers(store, unsub.id, high_earner(2_700_000))
        await keep_answers(store, quitter.id, high_earner(2_600_000))
        await keep_answers(store, forgetter.id, high_earner(2_600_000))
        await keep_answers(store, richer.id, high_earner(5_000_000))  # fits TTPS A either way
        async with store.transaction() as tx:
            await tx.subscribe(unsub.id, "en", ("*",))
        # /unsubscribe stops the news, not the personal re-evaluation.
        await unsub.send("/unsubscribe")
        await emu.wait_for("Unsubscribed", chat_id=unsub)
        # Opting out, with /followup and its button.
        await quitter.send("/followup")
        status = await emu.wait_for("I keep your answers of 2026-12-02", chat_id=quitter)
        await press_like(quitter, status, "Stop telling me")
        await emu.wait_for("Stopped", chat_id=quitter)
        # /forget deletes the kept answers with everything else.
        await forgetter.send("/forget")
        confirm = await emu.wait_for("cannot be undone", chat_id=forgetter)
        await forgetter.press(confirm, "Yes, delete everything")
        await emu.wait_for("nothing about you is stored", chat_id=forgetter)
        assert await rows_about(bot.db_url, forgetter.id) == 0
        async with store.transaction() as tx:
            assert (await tx.load_followup(quitter.id)).active is False
            assert await tx.load_followup(unsub.id) is not None

    # A new catalogue is deployed: the admin sees a preview first; nobody is told yet.
    async with admin_bot(emu, tmp_path, bot_today=TODAY,
                         bot_catalogue_dir=new_catalogue) as (bot, owner):  # fmt: skip
        preview = await emu.wait_for("Re-evaluation", chat_id=owner, timeout=20)
        assert NEW_VERSION in preview.text
        assert "4 people kept their answers; for 2 of them the result changes" in preview.text
        assert "TTPS A</b>: fits → near miss: 2" in preview.html
        assert "e.g. Category A needs annual income of at least HK$3,000,000" in preview.text
        await asyncio.sleep(0.5)
        assert not notices(emu, rich, "zh-hant") and not notices(emu, unsub)
        await press_like(owner, preview, "Tell these 2 people")
        job = await wait_status(bot.store, {DONE}, timeout=20)
        assert job.kind == PERSONAL
        await emu.wait_for("你的結果有變", chat_id=rich, timeout=10)
        await emu.wait_for("Your result has changed", chat_id=unsub, timeout=10)
        told = notices(emu, rich, "zh-hant")
        assert len(told) == 1
        assert "TTPS" in told[0] and "港幣3,000,000" in told[0] and "差一點" in told[0]
        assert NEW_VERSION in told[0]
        (unsub_notice,) = notices(emu, unsub)
        assert "fits → near miss" in unsub_notice and "HK$3,000,000" in unsub_notice
        for other in (richer, kim, quitter, forgetter):
            assert not notices(emu, other), other.first_name
        async with bot.store.transaction() as tx:
            states = await tx.recipient_states(job.id)
        assert set(states) == {rich.id, unsub.id}
        assert await rows_about(bot.db_url, forgetter.id) == 0

    # Restarted on the same catalogue: no second preview, nobody told twice.
    async with admin_bot(emu, tmp_path, bot_today=TODAY,
                         bot_catalogue_dir=new_catalogue) as (bot, owner):  # fmt: skip
        await asyncio.sleep(1.5)
        previews = [m for m in emu.sent(owner) if "Re-evaluation" in (m.text or "")]
        assert len(previews) == 1
        assert len(notices(emu, rich, "zh-hant")) == 1 and len(notices(emu, unsub)) == 1


async def test_discarded_preview_tells_nobody_now_or_later(bot_api, tmp_path):
    emu = bot_api
    new_catalogue = changed_catalogue(tmp_path)
    rich = emu.user(first_name="Rob", started=True)
    async with admin_bot(emu, tmp_path, bot_today=TODAY) as (bot, owner):
        await owner.send("/help")
        await emu.wait_for("How this works", chat_id=owner)
        await keep_answers(bot.store, rich.id, high_earner(2_600_000))
    async with admin_bot(emu, tmp_path, bot_today=TODAY,
                         bot_catalogue_dir=new_catalogue) as (bot, owner):  # fmt: skip
        await emu.wait_for("Re-evaluation", chat_id=owner, timeout=20)
    # Restarted before anyone decided: the preview is shown again; the admin discards it.
    async with admin_bot(emu, tmp_path, bot_today=TODAY, bot_catalogue_dir=new_catalogue) as (
        bot,
        owner,
    ):
        await asyncio.sleep(0.3)
        previews = [m for m in emu.sent(owner) if "Re-evaluation" in (m.text or "")]
        if len(previews) < 2:
            await emu.wait_for("Re-evaluation", chat_id=owner, timeout=20)
            previews = [m for m in emu.sent(owner) if "Re-evaluation" in (m.text or "")]
        assert len(previews) == 2 and previews[0].text == previews[1].text
        assert not notices(emu, rich)
        await press_like(owner, previews[1], "Don't tell them")
        await emu.wait_for("Discarded", chat_id=owner)
    # The next day's check does not bring the discarded change back.
    async with admin_bot(emu, tmp_path, bot_today=date(2026, 12, 3),
                         bot_catalogue_dir=new_catalogue) as (bot, _owner):  # fmt: skip
        await asyncio.sleep(1.5)
        async with bot.store.transaction() as tx:
            assert await tx.find_followup_run("dates", "2026-12-03") is not None
    assert not notices(emu, rich)


async def test_daily_check_tells_closed_windows_and_ages_once(bot_api, tmp_path):
    emu = bot_api
    ageing = emu.user(first_name="Ada", started=True)  # ASSG at 40; may be 41 now
    graduate = emu.user(first_name="Gus", language_code="zh-cn", started=True)  # IANG window
    steady = emu.user(first_name="Sam", started=True)
    async with admin_bot(emu, tmp_path, bot_today=date(2026, 5, 1)) as (bot, _owner):
        store = bot.store
        await catalogue_already_seen(store)
        await keep_answers(store, ageing.id, Profile(
            as_of=date(2026, 1, 10), age=40, nationality="US", born_overseas=True,
            parent_hk_permanent_resident=True, education="bachelor", good_english=True,
            self_supporting=True))  # fmt: skip
        await keep_answers(store, graduate.id, Profile(
            as_of=date(2026, 5, 1), age=24, nationality="US", education="master",
            hk_degree=True, graduated_on=date(2026, 4, 1), criminal_record=False,
            iang_granted=False), "zh-hans")  # fmt: skip
        await keep_answers(store, steady.id, Profile(
            as_of=date(2026, 5, 1), age=30, nationality="US", criminal_record=False,
            annual_income_hkd=5_000_000))  # fmt: skip
    async with admin_bot(emu, tmp_path, bot_today=TODAY) as (bot, owner):
        await emu.wait_for("你的结果有变", chat_id=graduate, timeout=20)
        await emu.wait_for("Your result has changed", chat_id=ageing, timeout=20)
        await wait_status(bot.store, {DONE}, timeout=20)
        (told,) = notices(emu, ageing)
        assert "ASSG" in told and "fits → does not fit" in told
        assert "You were 40 on 2026-01-10; you may be 40–41 now." in told
        assert "aged 18 to 40" in told
        (told,) = notices(emu, graduate, "zh-hans")
        assert "IANG" in told and "2026-05-01" in told
        assert not notices(emu, steady)
        assert not [m for m in emu.sent(owner) if "Re-evaluation" in (m.text or "")]
    for day in (TODAY, date(2026, 12, 3)):  # the same day again, and the next: not told twice
        async with admin_bot(emu, tmp_path, bot_today=day) as (bot, _owner):
            await asyncio.sleep(1.2)
    assert len(notices(emu, ageing)) == 1 and len(notices(emu, graduate, "zh-hans")) == 1

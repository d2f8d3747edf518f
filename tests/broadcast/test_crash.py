"""`python -m bot` killed with SIGKILL mid-broadcast, then restarted: nobody gets two copies,
and everyone not reported uncertain gets exactly one."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.store import open_store
from tests.broadcast.conftest import OWNER_ID, button_like, wait_until
from tests.telegram_emulator import faults

ROOT = Path(__file__).resolve().parents[2]


def _env(emu, db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "BOT_", "WEBHOOK_", "BROADCAST_"))}  # fmt: skip
    env.update(
        TELEGRAM_BOT_TOKEN=emu.token,
        TELEGRAM_API_BASE_URL=emu.base_url,
        DATABASE_URL=f"sqlite:///{db}",
        BOT_ADMIN_IDS=str(OWNER_ID),
        BROADCAST_RATE_PER_SECOND="80",
        BROADCAST_PROGRESS_SECONDS="0.5",
        BROADCAST_REQUEST_TIMEOUT="10",
        LOG_LEVEL="WARNING",
    )
    return env


async def _start(emu, db: Path) -> subprocess.Popen:
    # deleteWebhook comes right before polling starts; the emulator lists a getUpdates only once
    # it is answered, which for the first long poll takes its whole timeout.
    before = len(emu.calls("deleteWebhook"))
    log = open(db.with_suffix(".log"), "ab")  # noqa: SIM115  (closed with the process)
    proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=_env(emu, db),
                            stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    log.close()
    for _ in range(400):
        if len(emu.calls("deleteWebhook")) > before:
            return proc
        if proc.poll() is not None:
            raise AssertionError(db.with_suffix(".log").read_text())
        await asyncio.sleep(0.05)
    proc.kill()
    raise AssertionError("bot did not start: " + db.with_suffix(".log").read_text())


def _states(db: Path) -> dict[int, str]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return dict(con.execute("SELECT chat_id, state FROM broadcast_recipients"))
    finally:
        con.close()


def _status(db: Path) -> str | None:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT status FROM broadcasts ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        con.close()
    return row[0] if row else None


async def test_sigkill_mid_broadcast_then_restart(bot_api, tmp_path):
    emu = bot_api
    db = tmp_path / "bot.sqlite3"
    users = [emu.user(started=True) for _ in range(240)]
    store = open_store(f"sqlite:///{db}")
    await store.open()
    async with store.transaction() as tx:
        for u in users:
            await tx.subscribe(u.id, "en", ("*",))
    await store.close()
    owner = emu.user(id=OWNER_ID, first_name="Olive", language_code="en")

    proc = await _start(emu, db)
    try:
        await owner.send("/broadcast Rule change: QMAS points table updated")
        preview = await emu.wait_for(lambda m: bool(m.buttons), chat_id=owner, timeout=15)
        await owner.press(preview, button_like(preview, "✅ Send to 240"))
        delivered = lambda: sum(emu.delivered_count(u) for u in users)  # noqa: E731
        await wait_until(lambda: delivered() >= 80, timeout=20)
        # answers lost in flight: these messages ARE delivered, the bot never hears back
        emu.inject("sendMessage", faults.delay_response(30), times=3,
                   when=lambda p: p.int("chat_id") != OWNER_ID)  # fmt: skip
        await wait_until(lambda: delivered() >= 120, timeout=20)
    finally:
        proc.send_signal(signal.SIGKILL)
        await asyncio.to_thread(proc.wait, 10)
    assert proc.returncode == -signal.SIGKILL
    at_kill = delivered()
    assert 120 <= at_kill < 240

    proc = await _start(emu, db)
    try:
        await wait_until(lambda: _status(db) == "done", timeout=30)
        report = await emu.wait_for("report", chat_id=owner, timeout=10)
    finally:
        proc.terminate()
        await asyncio.to_thread(proc.wait, 15)

    states = _states(db)
    uncertain = [u for u in users if states[u.id] == "uncertain"]
    assert len(uncertain) >= 3  # at least the sends whose answers were lost
    for u in users:
        count = emu.delivered_count(u)
        assert count <= 1, f"{u.id} got {count} copies"
        if states[u.id] != "uncertain":
            assert states[u.id] == "sent" and count == 1
    assert f"Uncertain {len(uncertain)}" in report.text
    assert f"Resend to {len(uncertain)} uncertain" in str(report.buttons)

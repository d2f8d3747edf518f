"""`python -m bot` as a real process: kill -9 and restart, SIGTERM, startup errors, webhook mode."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from bot.runner import serve
from tests.bot_e2e.conftest import bot_settings
from tests.bot_e2e.walker import next_screen, question_of

ROOT = Path(__file__).resolve().parents[2]


def _env(emu, db: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_", "WEBHOOK_"))
    }
    env.update(
        TELEGRAM_BOT_TOKEN=emu.token,
        TELEGRAM_API_BASE_URL=emu.base_url,
        DATABASE_URL=f"sqlite:///{db}",
        LOG_LEVEL="INFO",
        **extra,
    )
    return env


async def _start_bot(emu, db: Path) -> subprocess.Popen:
    """Start `python -m bot` and wait until it polls; its log goes to `db`.log (a pipe could
    fill up and block the bot)."""
    before = len(emu.calls("getUpdates"))
    log = open(db.with_suffix(".log"), "ab")  # noqa: SIM115  (closed with the process)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=ROOT,
        env=_env(emu, db),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    for _ in range(400):  # until it polls
        if len(emu.calls("getUpdates")) > before:
            return proc
        if proc.poll() is not None:
            raise AssertionError(db.with_suffix(".log").read_text())
        await asyncio.sleep(0.05)
    proc.kill()
    raise AssertionError("bot did not start polling: " + db.with_suffix(".log").read_text())


async def test_kill_9_mid_questionnaire_then_continue(bot_api, tmp_path):
    emu = bot_api
    db = tmp_path / "bot.sqlite3"
    proc = await _start_bot(emu, db)
    try:
        user = emu.user(first_name="Kai", language_code="en")
        await user.send("/start")
        goal = await emu.wait_for("What would you like to do", chat_id=user, timeout=15)
        await user.press(goal, "Not sure yet")
        q1 = await emu.wait_for("passport", chat_id=user, timeout=15)
        await user.press(q1, "India")
        await emu.wait_for("How old are you?", chat_id=user, timeout=15)
        await user.send("41")
        acknowledged = await next_screen(emu, user)
        assert question_of(acknowledged, "en")["id"] == "facts"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL

    proc = await _start_bot(emu, db)
    try:
        await user.send("/start")
        await emu.wait_for("Welcome back", chat_id=user, timeout=15)
        resumed = await next_screen(emu, user)
        assert question_of(resumed, "en")["id"] == "facts"
        await user.send("/summary")
        summary = await emu.wait_for("Your answers", chat_id=user, timeout=15)
        assert "India" in summary.text and "41" in summary.text
    finally:
        proc.terminate()
        proc.wait(15)


async def test_sigterm_exits_cleanly_and_keeps_answers(bot_api, tmp_path):
    emu = bot_api
    db = tmp_path / "bot.sqlite3"
    proc = await _start_bot(emu, db)
    user = emu.user(first_name="Lee", language_code="en")
    await user.send("/start")
    goal = await emu.wait_for("What would you like to do", chat_id=user, timeout=15)
    await user.press(goal, "Not sure yet")
    q1 = await emu.wait_for("passport", chat_id=user, timeout=15)
    await user.press(q1, "Canada")
    await emu.wait_for("How old are you?", chat_id=user, timeout=15)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(20) == 0
    logs = db.with_suffix(".log").read_text()
    assert emu.token not in logs  # the token never appears in logs
    assert '"handler": "answer_button"' in logs and "Canada" not in logs

    proc = await _start_bot(emu, db)
    try:
        await user.send("/summary")
        assert "Canada" in (await emu.wait_for("Your answers", chat_id=user, timeout=15)).text
    finally:
        proc.terminate()
        proc.wait(15)


async def test_wrong_token_is_one_clear_startup_error(bot_api, tmp_path):
    env = _env(bot_api, tmp_path / "db.sqlite3")
    env["TELEGRAM_BOT_TOKEN"] = "123:not-the-right-token"
    # asynchronously: the emulator answering the bot runs on this test's event loop
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 1
    err = stderr.decode()
    assert "rejected TELEGRAM_BOT_TOKEN" in err and "not-the-right-token" not in err
    assert "Traceback" not in err


def test_unreachable_api_is_one_clear_startup_error(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    env.update(
        TELEGRAM_BOT_TOKEN="1:x",
        TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{port}/bot",
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert "cannot reach the Bot API" in err and "Traceback" not in err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_webhook_mode_checks_the_secret(bot_api, tmp_path):
    emu = bot_api
    port = _free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    settings = bot_settings(
        emu,
        tmp_path / "bot.sqlite3",
        bot_mode="webhook",
        webhook_url=url,
        webhook_secret="s3cret-token",
        webhook_port=port,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop, handle_signals=False))
    try:
        await emu.wait_for_call("setWebhook", timeout=10)
        user = emu.user(first_name="Mo", language_code="en")
        await user.send("/start")
        await emu.wait_for("What would you like to do", chat_id=user, timeout=10)
        await user.send("Not sure yet")
        await emu.wait_for("passport", chat_id=user, timeout=10)
        await user.send("Japan")
        await emu.wait_for("How old are you?", chat_id=user, timeout=10)

        update = {
            "update_id": 999999,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": user.id, "type": "private"},
                "from": {"id": user.id, "is_bot": False, "first_name": "Mo"},
                "text": "/restart",
            },
        }
        async with httpx.AsyncClient() as client:
            no_secret = await client.post(url, json=update)
            wrong = await client.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}
            )
            health = await client.get(f"http://127.0.0.1:{port}/healthz")
            metrics = await client.get(f"http://127.0.0.1:{port}/metrics")
        assert no_secret.status_code == 403 and wrong.status_code == 403
        assert health.status_code == 200 and health.json() == {"ok": True}
        assert 'bot_updates_total{handler="answer_text",outcome="ok"}' in metrics.text
        # the forged /restart was not applied
        await user.send("/summary")
        assert "Japan" in (await emu.wait_for("Your answers", chat_id=user, timeout=10)).text
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)

"""BOT_TODAY (contracts.md): the bot and the terminal chat evaluate the rules as of that date."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from bot.app import build_application
from bot.services import SERVICES_KEY
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
# Not sure to the goal, a nationality and an age, "none" to any checklist, then the result so far.
LINES = ["not sure", "India", "30", "none", "result", "quit"]


def _chat(env_today: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "BOT_TODAY"}
    if env_today:
        env["BOT_TODAY"] = env_today
    done = subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        input="\n".join(LINES) + "\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_terminal_chat_evaluates_as_of_bot_today() -> None:
    # New CIES opened on 2024-03-01: before it, the result says so; a year and more after the
    # catalogue was checked, the result warns that the rules may have changed.
    early = _chat("2024-01-01")
    assert "assessed as of 2024-01-01" in early
    late = _chat("2027-12-01")
    assert "assessed as of 2027-12-01" in late
    assert "last checked more than" in late and "last checked more than" not in early


def test_the_telegram_application_evaluates_as_of_bot_today(tmp_path: Path) -> None:
    settings = Settings(
        telegram_bot_token="123:abc",
        database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        bot_today=date(2024, 1, 1),
        _env_file=None,
    )
    app = build_application(settings)
    svc = app.bot_data[SERVICES_KEY]
    assert svc.settings.today() == date(2024, 1, 1)
    session = svc.flow.new_session("en")
    assert svc.flow.profile(session).as_of == date(2024, 1, 1)

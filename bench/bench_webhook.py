"""Webhook answer times while one chat's handler takes minutes (issue 12).

The bot runs as in production (`python -m bot` in webhook mode, SQLite, its own process), the
Bot API emulator (this process) delivers updates over HTTP as Telegram does (one queue per
chat, one update of it in flight, a timeout, resends). One user's first reply is held up by
Telegram asking the bot to wait (429 `retry_after` of `--slow` seconds: the handler sleeps that
long); meanwhile `--users` other users type, each waiting for the bot's answer and then
`--think` seconds before the next message. Telegram waits about 60 s for a webhook answer: a bot
that handled updates before answering would time out and be sent the update again.

    .venv/bin/python bench/bench_webhook.py [--slow 120] [--users 20] [--think 0.5]

Target: webhook requests answered within 1 s (p99) with a 120 s handler; no update resent; the
slow user's answer arrives once, after the wait.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dialogs import QuestionFlow
from tests.telegram_emulator import BotApiEmulator, faults

ROOT = Path(__file__).resolve().parents[1]
TYPED = ["Japan", "35", "hmm", "/summary", "/help"]
# The first question's prompt, as the export gives it (the questionnaire's order changes).
FIRST = QuestionFlow.default().export()["questions"][0]["prompt"]["en"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def _user_loop(emu: BotApiEmulator, user, until: float, think: float) -> int:
    sent = 0
    await user.send("/start")
    await emu.wait_for(FIRST, chat_id=user, timeout=30)
    while time.monotonic() < until:
        await asyncio.sleep(think)
        await user.send(TYPED[sent % len(TYPED)])
        sent += 1
        await emu.wait_for(None, chat_id=user, timeout=30)
    return sent


async def main(slow: float, users: int, think: float) -> None:
    logging.basicConfig(level=logging.WARNING)
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        async with BotApiEmulator(webhook_concurrency=40, record_requests=False) as emu:
            env = {k: v for k, v in os.environ.items()
                   if not k.startswith(("TELEGRAM_", "BOT_", "WEBHOOK_", "DATABASE_"))}
            env.update(TELEGRAM_BOT_TOKEN=emu.token, TELEGRAM_API_BASE_URL=emu.base_url,
                       DATABASE_URL=f"sqlite:///{tmp}/bot.sqlite3", BOT_MODE="webhook",
                       WEBHOOK_URL=f"http://127.0.0.1:{port}/hook", WEBHOOK_SECRET="bench",
                       WEBHOOK_PORT=str(port), LOG_LEVEL="WARNING")  # fmt: skip
            log = open(Path(tmp) / "bot.log", "wb")  # noqa: SIM115
            proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env,
                                    stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
            try:
                while emu.webhook is None:
                    if proc.poll() is not None:
                        raise SystemExit((Path(tmp) / "bot.log").read_text())
                    await asyncio.sleep(0.05)
                await asyncio.sleep(0.3)
                slow_user = emu.user(first_name="Slow")
                emu.inject("sendMessage", faults.retry_after(int(slow)),
                           when=lambda p: p.int("chat_id") == slow_user.id)  # fmt: skip
                started = time.monotonic()
                await slow_user.send("/start")
                others = [emu.user(first_name=f"U{i}") for i in range(users)]
                counts = await asyncio.gather(
                    *(_user_loop(emu, u, started + slow, think) for u in others)
                )
                await emu.wait_for(FIRST, chat_id=slow_user, timeout=slow + 60)
                waited = time.monotonic() - started
                await emu.quiet(0.5, timeout=30)
            finally:
                proc.terminate()
                await asyncio.to_thread(proc.wait, 30)
                log.close()
            deliveries = list(emu.webhook_deliveries)
            slow_answers = len([m for m in emu.sent(slow_user) if FIRST in (m.text or "")])
    durations = [d.duration for d in deliveries]
    failed = [d for d in deliveries if d.error is not None]
    resent = len(deliveries) - len({d.update_id for d in deliveries})
    print(f"handler held {slow:.0f} s; slow user's answer after {waited:.1f} s, "
          f"{slow_answers} time{'s' if slow_answers != 1 else ''}")
    print(f"{users} other users typed {sum(counts)} messages meanwhile ({think} s think time)")
    print(f"webhook answers: n={len(durations)} p50={statistics.median(durations) * 1000:.1f} ms "
          f"p99={_p(durations, 0.99) * 1000:.1f} ms max={max(durations) * 1000:.1f} ms; "
          f"failed {len(failed)}, resent {resent}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slow", type=float, default=120.0, help="seconds the handler takes")
    parser.add_argument("--users", type=int, default=20, help="other users typing meanwhile")
    parser.add_argument("--think", type=float, default=0.5, help="seconds between messages")
    args = parser.parse_args()
    asyncio.run(main(args.slow, args.users, args.think))

"""Run the emulator on its own: ``python -m tests.telegram_emulator [--port 8081]``.

Point the bot at it (``TELEGRAM_API_BASE_URL=http://127.0.0.1:8081/bot`` and the printed token)
and act as users through the control API, e.g.::

    curl -d '{"text": "/start"}' http://127.0.0.1:8081/_emulator/users/1001/send
    curl http://127.0.0.1:8081/_emulator/chats/1001/sent
    curl -d '{"message_id": 2, "button": "Yes"}' http://127.0.0.1:8081/_emulator/users/1001/press
    curl -d '{"chat_id": 1001, "contains": "Welcome"}' http://127.0.0.1:8081/_emulator/wait
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from .core import DEFAULT_TOKEN
from .server import BotApiEmulator


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--username", default="emulated_test_bot")
    args = parser.parse_args()
    async with BotApiEmulator(args.token, port=args.port, bot_username=args.username) as emu:
        print(f"TELEGRAM_API_BASE_URL={emu.base_url}")
        print(f"TELEGRAM_BOT_TOKEN={emu.token}")
        print(f"control API: {emu.url}/_emulator/ (users/ID/send|press|block, chats/ID/sent, "
              "wait, requests, info)", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())

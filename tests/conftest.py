# Shared pytest configuration. Fixtures of the Bot API emulator (tests/telegram_emulator):
# `bot_api` (HTTP on 127.0.0.1) and `bot_api_core` (in-process, no sockets).
# `bot_api_thread` (an EmulatorThread: serves while the test blocks, e.g. on subprocess.run).
from tests.telegram_emulator.fixtures import bot_api, bot_api_core, bot_api_thread  # noqa: F401

"""A Telegram Bot API emulator for end-to-end tests and benchmarks (see README.md)."""

from . import faults, methods  # noqa: F401  (methods registers the API methods)
from .actors import Channel, Group, ScriptError, User
from .core import DEFAULT_TOKEN, EmulatorCore
from .errors import ApiError
from .registry import api_method
from .server import BotApiEmulator, EmulatorThread
from .state import CallbackAnswer, CallbackRecord, MessageRecord, RequestRecord
from .transport import EmulatorRequest

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "BotApiEmulator",
    "CallbackAnswer",
    "CallbackRecord",
    "Channel",
    "EmulatorCore",
    "EmulatorRequest",
    "EmulatorThread",
    "Group",
    "MessageRecord",
    "RequestRecord",
    "ScriptError",
    "User",
    "api_method",
    "faults",
]

"""Handler groups tried only where they can answer: a button press does not ask twenty command
handlers whether it is their command, nor a message the button handlers whether it is their
button.

python-telegram-bot asks every handler of a group in turn until one takes the update; for a
button press that was about thirty `check_update` calls, most of them command handlers that can
only say no. `route_by_kind` puts one `KindRouter` in a group's place. It asks the same handlers
in the same order, leaving out only those whose own `check_update` returns None or False for an
update of this kind whatever else it holds:

- a `CallbackQueryHandler` for an update without a callback query;
- a `CommandHandler` for an update whose message does not start with a bot command (for a
  button press, the message the button is under);
- a `ChatMemberHandler` for an update without a chat member change.

Subclasses of these, and every other kind of handler, are always asked. A group whose handlers
do not all block (the default) is left as it is: PTB decides that per handler.
"""

from __future__ import annotations

from typing import Any

from telegram import MessageEntity, Update
from telegram._utils.defaultvalue import DEFAULT_TRUE
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
)

_QUERY, _COMMAND, _MEMBER = 1, 2, 4


def _needs(handler: BaseHandler) -> int:
    """What an update must have for this handler to possibly take it (0: anything)."""
    kind = type(handler)
    if kind is CallbackQueryHandler:
        return _QUERY
    if kind is CommandHandler:
        return _COMMAND
    if kind is ChatMemberHandler:
        return _MEMBER
    return 0


def _has(update: object) -> int:
    if not isinstance(update, Update):
        return 0
    found = 0
    if update.callback_query:
        found |= _QUERY
    if update.my_chat_member or update.chat_member:
        found |= _MEMBER
    message = update.effective_message
    if message is not None:
        entities = message.entities
        if entities and entities[0].type == MessageEntity.BOT_COMMAND and entities[0].offset == 0:
            found |= _COMMAND
    return found


async def _never(update: object, context: Any) -> None:  # pragma: no cover - never called
    raise AssertionError("a KindRouter hands updates to its handlers")


class KindRouter(BaseHandler):
    """A group's handlers, asked in order, without those that cannot take this update."""

    __slots__ = ("_for", "handlers")

    def __init__(self, handlers: list[BaseHandler]) -> None:
        super().__init__(_never, block=DEFAULT_TRUE)
        self.handlers = list(handlers)
        needs = [_needs(h) for h in self.handlers]
        self._for = [
            tuple(h for h, need in zip(self.handlers, needs, strict=True) if (need & has) == need)
            for has in range(8)
        ]

    def check_update(self, update: object) -> tuple[BaseHandler, object] | None:
        for handler in self._for[_has(update)]:
            check = handler.check_update(update)
            if check is None or check is False:
                continue
            return handler, check
        return None

    async def handle_update(
        self, update: Any, application: Any, check_result: Any, context: Any
    ) -> Any:
        handler, check = check_result
        return await handler.handle_update(update, application, check, context)


def route_by_kind(application: Application) -> None:
    """Put a `KindRouter` in the place of each group of blocking handlers."""
    for group, handlers in application.handlers.items():
        if len(handlers) > 1 and all(h.block is DEFAULT_TRUE for h in handlers):
            application.handlers[group] = [KindRouter(handlers)]

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
- a `ChatMemberHandler` for an update without a chat member change;
- a `CallbackQueryHandler` whose pattern is `callbacks.pattern(...)`'s (`^(a|b)\\|`) for a press
  of another action (the part of its data before the first `|`);
- a `MessageHandler` for an update without a message (a button press, a member change), when
  its filter is one of python-telegram-bot's, whose `check_update` says no to any such update
  before it looks at anything else.

Subclasses of these, and every other kind of handler, are always asked. A group whose handlers
do not all block (the default) is left as it is: PTB decides that per handler.
"""

from __future__ import annotations

import re
from typing import Any

from telegram import MessageEntity, Update
from telegram._utils.defaultvalue import DEFAULT_TRUE
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

_QUERY, _COMMAND, _MEMBER, _MESSAGE = 1, 2, 4, 8
_KINDS = 16
# The filters' own check: true only for an update that carries a message of some kind.
_MESSAGE_FIRST = {
    filters.BaseFilter.check_update, filters.MessageFilter.check_update,
    filters.UpdateFilter.check_update,
}  # fmt: skip


def _needs(handler: BaseHandler) -> int:
    """What an update must have for this handler to possibly take it (0: anything)."""
    kind = type(handler)
    if kind is CallbackQueryHandler:
        return _QUERY
    if kind is CommandHandler:
        return _COMMAND
    if kind is ChatMemberHandler:
        return _MEMBER
    if kind is MessageHandler and type(handler.filters).check_update in _MESSAGE_FIRST:
        return _MESSAGE
    return 0


# `bot.callbacks.pattern`'s form: the pattern matches exactly the data that starts "action|".
_ACTIONS_PATTERN = re.compile(r"\^\((\w+(?:\|\w+)*)\)\\\|")


def _actions(handler: BaseHandler) -> frozenset[str] | None:
    """The actions a button handler's pattern accepts; None: it is asked about every press."""
    if (
        type(handler) is not CallbackQueryHandler
        or not isinstance(handler.pattern, re.Pattern)
        or handler.game_pattern is not None
    ):
        return None
    found = _ACTIONS_PATTERN.fullmatch(handler.pattern.pattern)
    return frozenset(found.group(1).split("|")) if found else None


def _has(update: object) -> int:
    if not isinstance(update, Update):
        return 0
    found = 0
    if update.callback_query:
        found |= _QUERY
    if update.my_chat_member or update.chat_member:
        found |= _MEMBER
    if (
        update.message or update.edited_message or update.channel_post
        or update.edited_channel_post or update.business_message
        or update.edited_business_message or getattr(update, "guest_message", None)
    ):  # fmt: skip
        found |= _MESSAGE
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

    __slots__ = ("_actions", "_for", "_for_press", "handlers")

    def __init__(self, handlers: list[BaseHandler]) -> None:
        super().__init__(_never, block=DEFAULT_TRUE)
        self.handlers = list(handlers)
        needs = [_needs(h) for h in self.handlers]
        self._for = [
            tuple(h for h, need in zip(self.handlers, needs, strict=True) if (need & has) == need)
            for has in range(_KINDS)
        ]
        self._actions = {h: a for h in self.handlers if (a := _actions(h)) is not None}
        known = set().union(*self._actions.values())
        # (kind, action) -> handlers; an action no pattern names is looked up as None, so
        # forged data cannot grow this table.
        self._for_press = {
            (has, action): tuple(
                h for h in self._for[has] if action in self._actions.get(h, (action,))
            )
            for has in range(_KINDS) if has & _QUERY
            for action in (*known, None)
        }  # fmt: skip

    def _candidates(self, update: Any) -> tuple[BaseHandler, ...]:
        has = _has(update)
        if not has & _QUERY:
            return self._for[has]
        data = update.callback_query.data
        if not data:  # no data (a game's button): every button handler takes it, pattern or not
            return self._for[has]
        action = data.split("|", 1)[0] if isinstance(data, str) and "|" in data else None
        found = self._for_press.get((has, action))
        return found if found is not None else self._for_press[has, None]

    def check_update(self, update: object) -> tuple[BaseHandler, object] | None:
        for handler in self._candidates(update):
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

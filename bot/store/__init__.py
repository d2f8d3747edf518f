"""The project's own durable store: sessions, users' languages and last results.

Why not python-telegram-bot's persistence: it flushes on an interval, so an answer the bot has
already acknowledged could be lost in a crash. Here every update's changes are committed in one
transaction before the bot replies.
"""

from bot.store.base import SessionKey, Store, StoredChat, StoredSession, StoredUser
from bot.store.factory import open_store

__all__ = ["SessionKey", "Store", "StoredChat", "StoredSession", "StoredUser", "open_store"]

"""Runtime configuration, from the environment and `.env` (see `.env.example`).

The names of the contract's variables are fixed; the rest are this project's additions.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from rules.profile import today_in_hong_kong


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    bot_admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    database_url: str = "sqlite:///data/bot.sqlite3"
    bot_mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    bot_today: date | None = None  # BOT_TODAY: the date treated as today (tests, demonstrations)

    # Additions (not in the contract's table).
    session_retention_days: int = Field(default=30, ge=1)
    stale_rules_days: int = Field(default=180, ge=1)
    max_concurrent_updates: int = Field(default=64, ge=1)
    group_messages_per_minute: int = Field(default=20, ge=1)
    group_rate_window_seconds: float = Field(default=60.0, gt=0)
    log_level: str = "INFO"
    # /myanswers (bot/handlers/myanswers.py): how many days a resume code restores the answers
    # (counted from BOT_TODAY when set), and how many wrong codes a person may try in an hour.
    resume_code_days: int = Field(default=60, ge=1)
    resume_attempts_per_hour: int = Field(default=5, ge=1)
    # BOT_CATALOGUE_DIR: evaluate with the scheme catalogue in this directory instead of the
    # shipped rules/catalogue (trying a new catalogue; tests of a catalogue change, issue 14).
    bot_catalogue_dir: Path | None = None

    # Broadcasts (bot/broadcast/). Every request, replies and broadcasts alike, passes the one
    # outbound limiter (bot/pacing.py); the group window is GROUP_MESSAGES_PER_MINUTE's.
    broadcast_rate_per_second: float = Field(default=30.0, gt=0)
    broadcast_reply_reserve: float = Field(default=0.03, ge=0, lt=1)
    broadcast_per_chat_per_second: float = Field(default=1.0, gt=0)
    broadcast_max_in_flight: int = Field(default=32, ge=1)
    broadcast_request_timeout: float = Field(default=15.0, gt=0)
    broadcast_max_attempts: int = Field(default=5, ge=1)
    broadcast_retry_seconds: float = Field(default=1.0, ge=0)
    broadcast_progress_seconds: float = Field(default=3.0, gt=0)

    # Several instances on PostgreSQL (bot/cluster.py): how long an update waits for one of the
    # same user with a lower update_id that may be arriving at another instance, and the
    # broadcast sender's lease (renewed every third of it; a dead holder's is taken over after).
    update_order_window_ms: float = Field(default=50.0, ge=0)
    broadcast_lease_seconds: float = Field(default=15.0, gt=0)

    # Deadline reminders (bot/reminders/): how many days before an apply-by date each one is
    # sent, how often the due ones are looked for, and the Hong Kong hour from which a day's
    # reminders go out (BOT_TODAY set: at once).
    reminder_days: Annotated[tuple[int, ...], NoDecode] = (30, 7, 1)
    reminder_poll_seconds: float = Field(default=60.0, gt=0)
    reminder_hour: int = Field(default=9, ge=0, le=23)

    @field_validator("reminder_days", mode="before")
    @classmethod
    def _split_days(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            try:
                value = [int(p) for p in parts]
            except ValueError as exc:
                raise ValueError("REMINDER_DAYS must be comma-separated whole days") from exc
        if isinstance(value, list | tuple | set | frozenset):
            days = sorted({int(v) for v in value}, reverse=True)
            if any(d < 0 for d in days):
                raise ValueError("REMINDER_DAYS must not be negative")
            return tuple(days)
        return value

    @field_validator("bot_admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError as exc:
                raise ValueError("BOT_ADMIN_IDS must be comma-separated numeric ids") from exc
        return value

    @field_validator(
        "telegram_bot_token", "webhook_secret", "bot_today", "bot_catalogue_dir", mode="before"
    )
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @property
    def telegram_file_base_url(self) -> str:
        """Where files are downloaded from: Telegram's (and a local Bot API server's) file URL
        is the API URL with `/file` before its last part (`…/bot` → `…/file/bot`)."""
        base = self.telegram_api_base_url.rstrip("/")
        head, sep, last = base.rpartition("/")
        return f"{head}/file/{last}" if sep else f"{base}/file"

    def today(self) -> date:
        """The day rules are evaluated on: BOT_TODAY when set, otherwise today in Hong Kong."""
        return self.bot_today or today_in_hong_kong()

    @cached_property
    def token(self) -> str | None:
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None

"""Message catalogue completeness, escaping, language mapping and settings parsing."""

from __future__ import annotations

import pytest

from bot.settings import Settings
from bot.texts import messages, t
from rules.i18n import LANGS, normalise_lang


def test_every_text_exists_in_every_language():
    for key, texts in messages().items():
        for lang in LANGS:
            assert texts.get(lang, "").strip(), f"{key} lacks {lang}"


def test_values_are_escaped():
    text = t("text_too_long", "en", length="<b>5</b>", limit="&")
    assert "&lt;b&gt;5&lt;/b&gt;" in text and "&amp;" in text


@pytest.mark.parametrize(
    ("code", "lang"),
    [
        ("zh-hant", "zh-hant"),
        ("zh_HK", "zh-hant"),
        ("ZH-tw", "zh-hant"),
        ("zh-MO", "zh-hant"),
        ("zh-Hant-HK", "zh-hant"),
        ("zh-hans", "zh-hans"),
        ("zh-cn", "zh-hans"),
        ("zh_SG", "zh-hans"),
        ("zh", "zh-hans"),
        ("en-GB", "en"),
        ("fr", "en"),
        (None, "en"),
        ("", "en"),
    ],
)
def test_telegram_language_codes(code, lang):
    assert normalise_lang(code) == lang


def test_settings_from_environment(monkeypatch):
    monkeypatch.setenv("BOT_ADMIN_IDS", "1, 22,333")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:xyzzy")
    monkeypatch.setenv("BOT_MODE", "webhook")
    s = Settings(_env_file=None)
    assert s.bot_admin_ids == {1, 22, 333}
    assert s.token == "123:xyzzy"
    assert "xyzzy" not in repr(s) and "xyzzy" not in str(s)
    assert s.bot_mode == "webhook"


def test_settings_defaults(monkeypatch):
    for name in ("BOT_ADMIN_IDS", "TELEGRAM_BOT_TOKEN", "DATABASE_URL", "BOT_MODE"):
        monkeypatch.delenv(name, raising=False)
    s = Settings(_env_file=None)
    assert s.token is None
    assert s.database_url == "sqlite:///data/bot.sqlite3"
    assert s.telegram_api_base_url == "https://api.telegram.org/bot"
    assert (s.webhook_listen, s.webhook_port, s.bot_mode) == ("127.0.0.1", 8443, "polling")


def test_bad_admin_ids_are_refused(monkeypatch):
    monkeypatch.setenv("BOT_ADMIN_IDS", "alice")
    with pytest.raises(ValueError, match="BOT_ADMIN_IDS"):
        Settings(_env_file=None)

"""A group's settings, kept as JSON in its `chats` row (the default language is the row's `lang`).

Defaults protect members' privacy: results stay out of the group unless its admins allow them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.store import StoredChat

# Questions whose answers are never given in a group: money and records.
SENSITIVE_FIELDS = frozenset(
    {
        "annual_income_hkd",
        "business_profit_hkd",
        "offer_salary_hkd",
        "net_assets_hkd",
        "investment_hkd",
        "criminal_record",
        "self_supporting",
    }
)


class GroupSettings(BaseModel):
    model_config = ConfigDict(extra="ignore")

    results_in_group: bool = False  # post the names of matching schemes in the group
    quiet: bool = False  # no greetings or chatter in the group; questions and results only


def settings_of(chat: StoredChat | None) -> GroupSettings:
    if chat is None:
        return GroupSettings()
    try:
        return GroupSettings.model_validate_json(chat.settings or "{}")
    except ValidationError:
        return GroupSettings()

"""The emulator's state: users, chats, memberships, messages, callback queries, requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .markup import inline_buttons


def copy_json(value: Any) -> Any:
    """A deep copy of plain JSON data (much faster than copy.deepcopy)."""
    t = type(value)
    if t is dict:
        return {k: copy_json(v) for k, v in value.items()}
    if t is list:
        return [copy_json(v) for v in value]
    return value


@dataclass
class UserState:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    is_premium: bool | None = None
    started: bool = False  # has a private chat with the bot
    blocked: bool = False
    deactivated: bool = False

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            d["last_name"] = self.last_name
        if self.username:
            d["username"] = self.username
        if self.language_code:
            d["language_code"] = self.language_code
        if self.is_premium:
            d["is_premium"] = True
        return d


ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
}


@dataclass
class MemberState:
    status: str  # creator | administrator | member | left | kicked
    rights: dict[str, Any] = field(default_factory=dict)

    @property
    def is_admin(self) -> bool:
        return self.status in ("creator", "administrator")

    @property
    def present(self) -> bool:
        return self.status in ("creator", "administrator", "member")


def member_dict(user: dict[str, Any], member: MemberState, chat_type: str) -> dict[str, Any]:
    d: dict[str, Any] = {"status": member.status, "user": user}
    if member.status == "creator":
        d["is_anonymous"] = False
    elif member.status == "administrator":
        d.update(ADMIN_RIGHTS)
        if chat_type == "channel":
            d.update(can_post_messages=True, can_edit_messages=True)
        else:
            d["can_pin_messages"] = True
        if chat_type == "supergroup":
            d["can_manage_topics"] = True
        d.update(member.rights)
    elif member.status == "kicked":
        d["until_date"] = 0
    return d


@dataclass
class ChatState:
    id: int
    type: str  # private | group | supergroup | channel
    title: str | None = None
    username: str | None = None
    is_forum: bool = False
    user_id: int | None = None  # private chats: the user
    members: dict[int, MemberState] = field(default_factory=dict)
    bot_member: MemberState = field(default_factory=lambda: MemberState("left"))
    migrated_to: int | None = None
    migrated_from: int | None = None
    next_message_id: int = 1
    messages: dict[int, MessageRecord] = field(default_factory=dict)
    topics: dict[int, str] = field(default_factory=dict)
    pinned: list[int] = field(default_factory=list)
    reply_keyboard: dict[str, Any] | None = None
    last_bot_id: int | None = None  # the last bot that sent a message here (privacy mode)

    def to_dict(self, users: dict[int, UserState] | None = None) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private" and users is not None and self.user_id in users:
            u = users[self.user_id]
            d["first_name"] = u.first_name
            if u.last_name:
                d["last_name"] = u.last_name
            if u.username:
                d["username"] = u.username
        else:
            d["title"] = self.title
            if self.username:
                d["username"] = self.username
            if self.is_forum:
                d["is_forum"] = True
        return d

    def take_message_id(self) -> int:
        mid = self.next_message_id
        self.next_message_id += 1
        return mid


class MessageRecord:
    """One message in a chat, as it is now. Bot messages are what ``emu.sent()`` returns.

    ``data`` is the Telegram Message object (a dict); properties give convenient views.
    """

    def __init__(
        self,
        chat_id: int,
        message_id: int,
        data: dict[str, Any],
        *,
        from_bot: bool,
        raw_text: str | None = None,
        parse_mode: str | None = None,
    ):
        self.chat_id = chat_id
        self.message_id = message_id
        self.data = data
        self.from_bot = from_bot
        self.raw_text = raw_text
        self.parse_mode = parse_mode
        self.deleted = False
        self.history: list[dict[str, Any]] = []  # previous versions of `data`
        self.meta: dict[str, Any] = {}
        self.sent_at: float = 0.0  # emulated clock (emu.clock.now()) when it was sent

    # -- views ---------------------------------------------------------------------------
    @property
    def text(self) -> str | None:
        return self.data.get("text", self.data.get("caption"))

    @property
    def caption(self) -> str | None:
        return self.data.get("caption")

    @property
    def html(self) -> str | None:
        """The text (or caption) exactly as the bot sent it (with its markup)."""
        return self.raw_text if self.raw_text is not None else self.text

    @property
    def entities(self) -> list[dict[str, Any]]:
        return self.data.get("entities", self.data.get("caption_entities", []))

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        return self.meta.get("reply_markup") or self.data.get("reply_markup")

    @property
    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """Inline keyboard rows of (text, callback_data or url)."""
        return inline_buttons(self.data.get("reply_markup"))

    @property
    def button_texts(self) -> list[str]:
        return [t for row in self.buttons for t, _ in row]

    @property
    def keyboard(self) -> list[list[str]] | None:
        """Reply keyboard rows (texts), if this message set one."""
        mk = self.meta.get("reply_markup")
        if not mk or "keyboard" not in mk:
            return None
        return [[b if isinstance(b, str) else b["text"] for b in row] for row in mk["keyboard"]]

    @property
    def thread_id(self) -> int | None:
        return self.data.get("message_thread_id")

    @property
    def reply_to(self) -> int | None:
        r = self.data.get("reply_to_message")
        return r["message_id"] if r else None

    @property
    def kind(self) -> str:
        for k in ("text", "photo", "document", "sticker", "voice", "audio", "video",
                  "animation", "contact", "location"):
            if k in self.data:
                return k
        return "service"

    @property
    def edited(self) -> bool:
        return bool(self.history)

    @property
    def sender_id(self) -> int | None:
        f = self.data.get("from")
        return f["id"] if f else None

    def snapshot(self) -> dict[str, Any]:
        """The message as it is now, for `history`. A shallow copy is enough: the emulator
        replaces a message's fields (text, entities, markup) and never changes their insides in
        place (a deep copy of a keyboard of a dozen buttons was most of an edit's cost)."""
        return dict(self.data)

    def to_dict(self) -> dict[str, Any]:
        return self.data

    def __repr__(self) -> str:
        flags = " deleted" if self.deleted else ""
        return (
            f"<Message {self.chat_id}/{self.message_id}{flags} "
            f"{'bot' if self.from_bot else 'user'}: {self.text!r} buttons={self.buttons}>"
        )


@dataclass
class CallbackRecord:
    id: str
    user_id: int
    chat_id: int | None
    message_id: int | None
    data: str | None
    created: float
    answered: bool = False
    answer: dict[str, Any] | None = None


@dataclass
class CallbackAnswer:
    query_id: str
    user_id: int
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None


@dataclass
class RequestRecord:
    method: str
    params: dict[str, Any]
    time: float
    status: int = 0
    description: str | None = None
    result: Any = None
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

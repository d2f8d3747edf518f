"""Scripted users, groups and channels: the test-facing way to produce updates."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

from .formatting import auto_entities
from .state import (
    CallbackRecord,
    ChatState,
    MemberState,
    MessageRecord,
    UserState,
    member_dict,
)

if TYPE_CHECKING:
    from .core import EmulatorCore


class ScriptError(AssertionError):
    """A scripted action that a real user could not do (no such button, not a member, ...)."""


def _msg_chat(core: EmulatorCore, chat: Any) -> ChatState:
    cid = core.chat_id_of(chat)
    if cid not in core.chats:
        raise ScriptError(f"unknown chat {cid}")
    return core.chats[cid]


class User:
    """A scripted Telegram user. Get one with ``emu.user(...)``."""

    def __init__(self, core: EmulatorCore, state: UserState):
        self.core = core
        self.state = state

    # ---------------------------------------------------------------- basics
    @property
    def id(self) -> int:
        return self.state.id

    @property
    def chat_id(self) -> int:
        """The private chat with the bot (same as the user id)."""
        return self.state.id

    @property
    def first_name(self) -> str:
        return self.state.first_name

    @property
    def language_code(self) -> str | None:
        return self.state.language_code

    def to_dict(self) -> dict[str, Any]:
        return self.state.to_dict()

    def __repr__(self) -> str:
        return f"<User {self.id} {self.first_name!r}>"

    def ensure_private_chat(self) -> ChatState:
        chat = self.core.chats.get(self.id)
        if chat is None:
            chat = ChatState(id=self.id, type="private", user_id=self.id)
            chat.members[self.id] = MemberState("member")
            chat.bot_member = MemberState("member")
            self.core.chats[self.id] = chat
        self.state.started = True
        return chat

    @property
    def private_chat(self) -> ChatState:
        return self.ensure_private_chat()

    # ---------------------------------------------------------------- helpers
    def _target(self, chat: Any) -> ChatState:
        if chat is None:
            if self.state.blocked:
                raise ScriptError(f"{self} blocked the bot; call unblock_bot() first")
            return self.ensure_private_chat()
        c = _msg_chat(self.core, chat)
        if c.type == "private":
            if c.user_id != self.id:
                raise ScriptError(f"{self} cannot write in another user's private chat")
            return self._target(None)
        if c.migrated_to is not None:
            raise ScriptError(f"chat {c.id} was migrated to {c.migrated_to}")
        if c.type == "channel":
            raise ScriptError("users cannot write in a channel; use channel.post()")
        m = c.members.get(self.id)
        if m is None or not m.present:
            raise ScriptError(f"{self} is not a member of {c.title!r}; use group.add_member()")
        return c

    def _reply_record(self, chat: ChatState, reply_to: Any) -> MessageRecord | None:
        if reply_to is None:
            return None
        mid = reply_to.message_id if isinstance(reply_to, MessageRecord) else int(reply_to)
        rec = chat.messages.get(mid)
        if rec is None or rec.deleted:
            raise ScriptError(f"message {mid} not found in chat {chat.id}")
        return rec

    def _thread(self, chat: ChatState, thread_id: int | None, reply: MessageRecord | None
                ) -> int | None:
        if thread_id is None and reply is not None and chat.is_forum:
            if reply.thread_id in chat.topics:
                return reply.thread_id
            # the General topic: a reply carries the replied message's thread, and is not a
            # topic message
            return reply.thread_id or reply.message_id
        if thread_id is None and reply is not None and chat.type == "supergroup":
            # replies in ordinary supergroups belong to the replied message's thread
            return reply.thread_id or reply.message_id
        if thread_id is not None:
            if not chat.is_forum:
                raise ScriptError(f"chat {chat.id} is not a forum")
            if thread_id not in chat.topics:
                raise ScriptError(f"no topic {thread_id} in chat {chat.id}")
        return thread_id

    def _bot_sees(self, chat: ChatState, rec: MessageRecord) -> bool:
        core = self.core
        if chat.type == "private":
            return True
        if not chat.bot_member.present:
            return False
        if not core.privacy_mode or chat.bot_member.is_admin:
            return True
        # Privacy mode (Telegram's bot FAQ): commands meant for this bot (/command@this_bot),
        # general commands (/command) only if this bot was the last bot to send a message to
        # the group, replies to its messages, service messages. Plain @mentions are not
        # delivered.
        text = rec.data.get("text") or rec.data.get("caption") or ""
        reply = rec.data.get("reply_to_message")
        if reply and reply.get("from", {}).get("id") == core.bot.id:
            return True
        uname = (core.bot.username or "").lower()
        m = re.match(r"/[A-Za-z0-9_]+(?:@([A-Za-z0-9_]+))?", text)
        if m:
            if m.group(1) is not None:
                return m.group(1).lower() == uname
            return chat.last_bot_id == core.bot.id
        return False

    async def _post(self, chat: ChatState, content: dict[str, Any], reply_to: Any,
                    thread_id: int | None, *, anonymous: bool = False) -> MessageRecord:
        reply = self._reply_record(chat, reply_to)
        thread = self._thread(chat, thread_id, reply)
        sender, sender_chat = self.state, None
        if anonymous:
            # An anonymous administrator posts on behalf of the group: `from` is
            # GroupAnonymousBot, `sender_chat` the group itself (Bot API, Message).
            member = chat.members.get(self.id)
            if chat.type not in ("group", "supergroup") or member is None or not member.is_admin:
                raise ScriptError("only a group's administrators can post anonymously")
            sender, sender_chat = self.core.anonymous_admin_bot(), chat
        rec = self.core.add_message(
            chat, content, sender=sender, sender_chat=sender_chat, reply_to=reply,
            thread_id=thread,
        )
        self.core.mark(chat.id)
        if self._bot_sees(chat, rec):
            self.core.push_update("message", rec.data)
        await asyncio.sleep(0)
        return rec

    # ---------------------------------------------------------------- actions
    async def send(
        self,
        text: str,
        *,
        chat: Any = None,
        reply_to: Any = None,
        thread_id: int | None = None,
        entities: list[dict[str, Any]] | None = None,
        anonymous: bool = False,
    ) -> MessageRecord:
        """Send a text message (private chat by default). Commands get bot_command entities.
        ``anonymous``: an administrator posting as the group (from GroupAnonymousBot)."""
        c = self._target(chat)
        content: dict[str, Any] = {"text": text}
        ents = auto_entities(text) if entities is None else entities
        if ents:
            content["entities"] = ents
        return await self._post(c, content, reply_to, thread_id, anonymous=anonymous)

    async def start(self, payload: str | None = None) -> MessageRecord:
        """Open the bot (``t.me/bot?start=payload``): sends ``/start [payload]``. Telegram only
        passes payloads of 1-64 characters from ``A-Za-z0-9_-``."""
        if payload is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", payload):
            raise ScriptError(f"Telegram would not pass the start payload {payload!r}")
        return await self.send("/start" if payload is None else f"/start {payload}")

    async def ask(self, text: str, pred: Any = None, *, chat: Any = None, reply_to: Any = None,
                  thread_id: int | None = None, timeout: float = 5.0) -> MessageRecord:
        """Send ``text`` and wait for the bot's next new or edited message in that chat
        (matching ``pred``: a callable, a substring or None)."""
        msg = await self.send(text, chat=chat, reply_to=reply_to, thread_id=thread_id)
        return await self.core.wait_for(pred, chat_id=msg.chat_id, timeout=timeout)

    async def press_keyboard(self, text: str, *, chat: Any = None, reply_to: Any = None,
                             thread_id: int | None = None) -> MessageRecord:
        """Tap a button of the reply keyboard the bot shows in this chat (sends its text)."""
        c = self._target(chat)
        rows = self.core.reply_keyboard(c.id)
        if not rows or text not in [t for row in rows for t in row]:
            raise ScriptError(f"no reply-keyboard button {text!r} in chat {c.id}; shown: {rows}")
        if c.reply_keyboard and c.reply_keyboard.get("one_time_keyboard"):
            c.reply_keyboard = None
        return await self.send(text, chat=chat, reply_to=reply_to, thread_id=thread_id)

    async def _send_file(self, kind: str, body: dict[str, Any], chat: Any, reply_to: Any,
                         thread_id: int | None, caption: str | None = None,
                         content: bytes = b"\x00" * 16) -> MessageRecord:
        c = self._target(chat)
        file_id, unique = self.core.new_file_id(kind)
        body = {"file_id": file_id, "file_unique_id": unique, **body}
        self.core.files[file_id] = {"kind": kind, "meta": body, "content": content}
        content: dict[str, Any]
        if kind == "photo":
            small = {**body, "file_id": file_id + "s", "file_unique_id": unique + "s",
                     "width": 90, "height": 67, "file_size": 1200}
            self.core.files[file_id + "s"] = {"kind": kind, "meta": small, "content": b"\x00"}
            content = {"photo": [small, body]}
        else:
            content = {kind: body}
        if caption:
            content["caption"] = caption
            ents = auto_entities(caption)
            if ents:
                content["caption_entities"] = ents
        return await self._post(c, content, reply_to, thread_id)

    async def send_photo(self, caption: str | None = None, *, chat: Any = None,
                         reply_to: Any = None, thread_id: int | None = None) -> MessageRecord:
        return await self._send_file(
            "photo", {"width": 800, "height": 600, "file_size": 48000}, chat, reply_to,
            thread_id, caption,
        )

    async def send_document(self, file_name: str = "file.pdf", caption: str | None = None, *,
                            mime_type: str = "application/pdf", chat: Any = None,
                            reply_to: Any = None, thread_id: int | None = None,
                            content: bytes | None = None,
                            file_size: int | None = None) -> MessageRecord:
        """A file from the user: `content` is what getFile's link serves (16 zero bytes by
        default); `file_size` the size Telegram reports (default: the content's), for a file
        too big to build in a test (getFile refuses over 20 MB, as the Bot API does)."""
        data = b"\x00" * 16 if content is None else content
        size = len(data) if file_size is None else file_size
        return await self._send_file(
            "document", {"file_name": file_name, "mime_type": mime_type, "file_size": size},
            chat, reply_to, thread_id, caption, data,
        )

    async def send_sticker(self, emoji: str = "😀", *, chat: Any = None, reply_to: Any = None,
                           thread_id: int | None = None) -> MessageRecord:
        return await self._send_file(
            "sticker",
            {"type": "regular", "width": 512, "height": 512, "is_animated": False,
             "is_video": False, "emoji": emoji, "file_size": 16},
            chat, reply_to, thread_id,
        )

    async def send_voice(self, duration: int = 3, *, chat: Any = None, reply_to: Any = None,
                         thread_id: int | None = None) -> MessageRecord:
        return await self._send_file(
            "voice", {"duration": duration, "mime_type": "audio/ogg", "file_size": 16},
            chat, reply_to, thread_id,
        )

    async def send_contact(self, phone_number: str = "+85212345678", *, chat: Any = None
                           ) -> MessageRecord:
        c = self._target(chat)
        content = {"contact": {"phone_number": phone_number, "first_name": self.first_name,
                               "user_id": self.id}}
        return await self._post(c, content, None, None)

    async def edit(self, message: MessageRecord, text: str) -> MessageRecord:
        """Edit one of this user's text messages → an edited_message update."""
        chat = self.core.chats[message.chat_id]
        rec = chat.messages.get(message.message_id)
        if rec is None or rec.deleted or rec.sender_id != self.id:
            raise ScriptError("can only edit own existing messages")
        rec.history.append(rec.snapshot())
        rec.data["text"] = text
        ents = auto_entities(text)
        if ents:
            rec.data["entities"] = ents
        else:
            rec.data.pop("entities", None)
        rec.data["edit_date"] = int(self.core.clock.time())
        self.core.mark(chat.id)
        if self._bot_sees(chat, rec):
            self.core.push_update("edited_message", rec.data)
        await asyncio.sleep(0)
        return rec

    async def press(self, message: Any, button: str, *, chat: Any = None) -> CallbackRecord:
        """Press an inline button (by its text or callback_data) → a callback_query update.

        ``message`` is a MessageRecord (e.g. from ``emu.last(u)``) or a message id in ``chat``
        (default: this user's private chat). Raises ScriptError if there is no such button.
        """
        if isinstance(message, MessageRecord):
            chat_state = self.core.chats[message.chat_id]
            mid = message.message_id
        else:
            chat_state = self.ensure_private_chat() if chat is None else _msg_chat(self.core, chat)
            mid = int(message)
        rec = chat_state.messages.get(mid)
        if rec is None or rec.deleted:
            raise ScriptError(f"message {mid} does not exist (deleted?) in chat {chat_state.id}")
        if chat_state.type == "private" and chat_state.user_id != self.id:
            raise ScriptError(f"{self} cannot see chat {chat_state.id}")
        if chat_state.type != "private":
            m = chat_state.members.get(self.id)
            if (m is None or not m.present) and chat_state.type != "channel":
                raise ScriptError(f"{self} is not a member of chat {chat_state.id}")
        found = None
        for row in (rec.data.get("reply_markup") or {}).get("inline_keyboard", []):
            for b in row:
                if b.get("text") == button or b.get("callback_data") == button:
                    found = b
                    break
            if found:
                break
        if found is None:
            raise ScriptError(f"no button {button!r} on {rec!r}; buttons: {rec.buttons}")
        if "callback_data" not in found:
            raise ScriptError(f"button {button!r} is not a callback button: {found}")
        return await self._callback(chat_state, rec, found["callback_data"])

    async def press_data(self, message: MessageRecord, data: str) -> CallbackRecord:
        """A callback query with arbitrary ``data`` on ``message`` (a stale client or a forged
        button), whatever the message's keyboard says."""
        chat_state = self.core.chats[message.chat_id]
        rec = chat_state.messages.get(message.message_id)
        if rec is None or rec.deleted:
            raise ScriptError(f"message {message.message_id} does not exist (deleted?)")
        return await self._callback(chat_state, rec, data)

    async def _callback(self, chat_state: ChatState, rec: MessageRecord, data: str
                        ) -> CallbackRecord:
        mid = rec.message_id
        qid = str(next(self.core._query_ids))
        cb = CallbackRecord(
            id=qid, user_id=self.id, chat_id=chat_state.id, message_id=mid,
            data=data, created=self.core.clock.now(),
        )
        self.core.callbacks[qid] = cb
        payload = {
            "id": qid,
            "from": self.state.to_dict(),
            "message": rec.data,
            "chat_instance": str((abs(chat_state.id) * 7919 + 17) % 10**18),
            "data": data,
        }
        self.core.mark(chat_state.id)
        self.core.push_update("callback_query", payload)
        await asyncio.sleep(0)
        return cb

    def block_bot(self) -> None:
        """The user blocks the bot: sends now fail with 403; a my_chat_member update."""
        chat = self.ensure_private_chat()
        if self.state.blocked:
            return
        self.state.blocked = True
        old, chat.bot_member = chat.bot_member, MemberState("kicked")
        self._my_chat_member(chat, old, chat.bot_member)

    def unblock_bot(self) -> None:
        chat = self.ensure_private_chat()
        if not self.state.blocked:
            return
        self.state.blocked = False
        old, chat.bot_member = chat.bot_member, MemberState("member")
        self._my_chat_member(chat, old, chat.bot_member)

    def deactivate(self) -> None:
        """The account is deleted: sends fail with 403 'user is deactivated'."""
        self.state.deactivated = True

    def _my_chat_member(self, chat: ChatState, old: MemberState, new: MemberState) -> None:
        core = self.core
        bot = core.bot.to_dict()
        core.mark(chat.id)
        core.push_update(
            "my_chat_member",
            {
                "chat": chat.to_dict(core.users),
                "from": self.state.to_dict(),
                "date": int(core.clock.time()),
                "old_chat_member": member_dict(bot, old, chat.type),
                "new_chat_member": member_dict(bot, new, chat.type),
            },
        )


def _bot_member_update(core: EmulatorCore, chat: ChatState, by: UserState | None,
                       old: MemberState, new: MemberState) -> None:
    bot = core.bot.to_dict()
    payload: dict[str, Any] = {
        "chat": chat.to_dict(core.users),
        "from": (by or core.bot).to_dict(),
        "date": int(core.clock.time()),
        "old_chat_member": member_dict(bot, old, chat.type),
        "new_chat_member": member_dict(bot, new, chat.type),
    }
    core.mark(chat.id)
    core.push_update("my_chat_member", payload)


class Group:
    """A basic group or supergroup (``emu.group(title, supergroup=..., forum=...)``)."""

    def __init__(self, core: EmulatorCore, state: ChatState):
        self.core = core
        self.state = state
        self.owner: User | None = None

    @property
    def id(self) -> int:
        return self.state.id

    @property
    def chat_id(self) -> int:
        return self.state.id

    @property
    def title(self) -> str | None:
        return self.state.title

    def __repr__(self) -> str:
        return f"<{self.state.type} {self.id} {self.title!r}>"

    def _owner(self) -> User:
        if self.owner is None:
            for uid, m in self.state.members.items():
                if m.status == "creator":
                    self.owner = self.core._actors[uid]
                    break
        if self.owner is None:
            self.owner = self.core.user(first_name=f"{self.title} owner")
            self.state.members[self.owner.id] = MemberState("creator")
        return self.owner

    def add_member(self, user: User, status: str = "member", *, announce: bool = False
                   ) -> Group:
        """Make ``user`` a member (status: member | administrator | creator).

        ``announce=True`` also produces the new_chat_members service message (and a chat_member
        update when the bot is an administrator), as when someone joins for real.
        """
        if status not in ("member", "administrator", "creator", "left", "kicked"):
            raise ValueError(f"bad status {status!r}")
        old = self.state.members.get(user.id, MemberState("left"))
        new = MemberState(status)
        self.state.members[user.id] = new
        if status == "creator":
            self.owner = user
        if announce:
            self._announce_member(user, old, new)
        return self

    def remove_member(self, user: User, *, announce: bool = False) -> Group:
        old = self.state.members.get(user.id, MemberState("left"))
        new = MemberState("left")
        self.state.members[user.id] = new
        if announce:
            self._announce_member(user, old, new)
        return self

    def _announce_member(self, user: User, old: MemberState, new: MemberState) -> None:
        core = self.core
        chat = self.state
        core.mark(chat.id)
        if chat.bot_member.is_admin:
            core.push_update(
                "chat_member",
                {
                    "chat": chat.to_dict(),
                    "from": user.to_dict(),
                    "date": int(core.clock.time()),
                    "old_chat_member": member_dict(user.to_dict(), old, chat.type),
                    "new_chat_member": member_dict(user.to_dict(), new, chat.type),
                },
            )
        key = "new_chat_members" if new.present else "left_chat_member"
        value: Any = [user.to_dict()] if new.present else user.to_dict()
        extra = {"new_chat_participant": user.to_dict()} if new.present else {
            "left_chat_participant": user.to_dict()}
        rec = core.add_message(chat, {key: value, **extra}, sender=user.state)
        if chat.bot_member.present:
            core.push_update("message", rec.data)

    def add_bot(self, by: User | None = None, *, as_admin: bool = False) -> Group:
        """Someone adds the bot → my_chat_member + a new_chat_members service message."""
        by = by or self._owner()
        if by.id not in self.state.members:
            self.add_member(by, "creator" if not self.state.members else "member")
        old = self.state.bot_member
        new = MemberState("administrator" if as_admin else "member")
        self.state.bot_member = new
        _bot_member_update(self.core, self.state, by.state, old, new)
        rec = self.core.add_message(
            self.state,
            {"new_chat_members": [self.core.bot.to_dict()],
             "new_chat_participant": self.core.bot.to_dict()},
            sender=by.state,
        )
        self.core.push_update("message", rec.data)
        return self

    def set_bot_admin(self, admin: bool = True, by: User | None = None) -> Group:
        """Promote (or demote) the bot → my_chat_member."""
        by = by or self._owner()
        old = self.state.bot_member
        new = MemberState("administrator" if admin else "member")
        self.state.bot_member = new
        _bot_member_update(self.core, self.state, by.state, old, new)
        return self

    def remove_bot(self, by: User | None = None) -> Group:
        """Someone removes the bot → my_chat_member (left in groups, kicked in supergroups)."""
        by = by or self._owner()
        old = self.state.bot_member
        new = MemberState("kicked" if self.state.type == "supergroup" else "left")
        self.state.bot_member = new
        _bot_member_update(self.core, self.state, by.state, old, new)
        return self

    def migrate_to_supergroup(self, by: User | None = None) -> Group:
        """Upgrade a basic group: migrate_to_chat_id in the old chat, migrate_from_chat_id in the
        new one; the old id then answers 400 with parameters.migrate_to_chat_id."""
        if self.state.type != "group":
            raise ScriptError("only basic groups migrate")
        by = by or self._owner()
        core = self.core
        new_actor: Group = core.group(self.title or "", supergroup=True,
                                      username=self.state.username)
        new = new_actor.state
        new.members = {uid: MemberState(m.status, dict(m.rights))
                       for uid, m in self.state.members.items()}
        bm = self.state.bot_member
        new.bot_member = MemberState(bm.status, dict(bm.rights))
        new.migrated_from = self.id
        new_actor.owner = self.owner
        core.mark(self.id)
        core.mark(new.id)
        new.last_bot_id = self.state.last_bot_id  # the history moves with the group
        old_msg = core.add_message(self.state, {"migrate_to_chat_id": new.id}, sender=by.state)
        self.state.migrated_to = new.id
        if self.state.bot_member.present:
            core.push_update("message", old_msg.data)
            # Telegram also tells the bot it "joined" the new supergroup (left → its status)
            _bot_member_update(core, new, by.state, MemberState("left"), new.bot_member)
        new_msg = core.add_message(
            new, {"migrate_from_chat_id": self.id}, sender=None, sender_chat=self.state
        )
        if new.bot_member.present:
            core.push_update("message", new_msg.data)
        return new_actor

    def create_topic(self, name: str, by: User | None = None, icon_color: int = 7322096) -> int:
        """Create a forum topic → its message_thread_id (a forum_topic_created service message)."""
        if not self.state.is_forum:
            raise ScriptError("not a forum")
        by = by or self._owner()
        if self.state.next_message_id == 1:
            self.state.next_message_id = 2  # 1 is the General topic, never another one's id
        mid = self.state.next_message_id
        self.state.topics[mid] = name
        rec = self.core.add_message(
            self.state,
            {"forum_topic_created": {"name": name, "icon_color": icon_color}},
            sender=by.state,
            thread_id=mid,
        )
        if self.state.bot_member.present:
            self.core.mark(self.state.id)
            self.core.push_update("message", rec.data)
        return mid

    def member_status(self, user: User) -> str:
        m = self.state.members.get(user.id)
        return m.status if m else "left"


class Channel:
    """A channel (``emu.channel(title)``); its owner is a scripted user."""

    def __init__(self, core: EmulatorCore, state: ChatState, owner: User):
        self.core = core
        self.state = state
        self.owner = owner

    @property
    def id(self) -> int:
        return self.state.id

    @property
    def chat_id(self) -> int:
        return self.state.id

    @property
    def title(self) -> str | None:
        return self.state.title

    def __repr__(self) -> str:
        return f"<channel {self.id} {self.title!r}>"

    def add_member(self, user: User, status: str = "member") -> Channel:
        self.state.members[user.id] = MemberState(status)
        return self

    def add_bot(self, *, as_admin: bool = True, by: User | None = None) -> Channel:
        by = by or self.owner
        old = self.state.bot_member
        new = MemberState("administrator" if as_admin else "member")
        self.state.bot_member = new
        _bot_member_update(self.core, self.state, by.state, old, new)
        return self

    def remove_bot(self, by: User | None = None) -> Channel:
        by = by or self.owner
        old = self.state.bot_member
        new = MemberState("left")
        self.state.bot_member = new
        _bot_member_update(self.core, self.state, by.state, old, new)
        return self

    async def post(self, text: str) -> MessageRecord:
        """The owner posts in the channel → a channel_post update (if the bot is an admin)."""
        content: dict[str, Any] = {"text": text}
        ents = auto_entities(text)
        if ents:
            content["entities"] = ents
        rec = self.core.add_message(self.state, content, sender=None, sender_chat=self.state)
        self.core.mark(self.state.id)
        if self.state.bot_member.is_admin:
            self.core.push_update("channel_post", rec.data)
        await asyncio.sleep(0)
        return rec

    async def edit_post(self, message: MessageRecord, text: str) -> MessageRecord:
        rec = self.state.messages[message.message_id]
        rec.history.append(rec.snapshot())
        rec.data["text"] = text
        rec.data["edit_date"] = int(self.core.clock.time())
        self.core.mark(self.state.id)
        if self.state.bot_member.is_admin:
            self.core.push_update("edited_channel_post", rec.data)
        await asyncio.sleep(0)
        return rec

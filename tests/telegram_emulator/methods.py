"""Bot API method handlers. Add one with ``@api_method("name")``: ``fn(core, params)``."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from .errors import ApiError, bad_request, not_modified
from .formatting import ParseError, parse_text, strip_text
from .markup import validate_reply_markup
from .params import Params, UploadedFile
from .registry import api_method
from .state import ChatState, MemberState, MessageRecord, member_dict

if TYPE_CHECKING:
    from .core import EmulatorCore

MAX_TEXT = 4096
MAX_CAPTION = 1024
CHAT_ACTIONS = {
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
}


# ---------------------------------------------------------------------------- helpers
def formatted(
    core: EmulatorCore,
    p: Params,
    field: str = "text",
    *,
    mode_field: str = "parse_mode",
    entities_field: str = "entities",
    limit: int = MAX_TEXT,
    required: bool = True,
) -> tuple[str | None, list[dict[str, Any]], str | None]:
    """(plain text, entities, raw text) after parse_mode, trimmed; validated like Telegram."""
    raw = p.str(field)
    if raw is None or raw == "":
        if required:
            raise bad_request("message text is empty")
        return None, [], None
    mode = p.str(mode_field) or None
    try:
        plain, ents = parse_text(
            raw, mode, p.json(entities_field), strict_ampersand=core.strict_ampersand
        )
    except ParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from None
    except ValueError:
        raise bad_request("unsupported parse_mode") from None
    plain, ents = strip_text(plain, ents)
    for e in ents:
        if e.get("type") == "text_mention" and isinstance(e.get("user"), dict):
            known = core.users.get(int(e["user"].get("id", 0)))
            e["user"] = known.to_dict() if known else {
                "id": int(e["user"].get("id", 0)), "is_bot": False, "first_name": "User"}
    if not plain:
        if required:
            raise bad_request("message text is empty")
        return None, [], raw
    if len(plain) > limit:
        too_long = "message is too long" if field == "text" else "message caption is too long"
        raise bad_request(too_long)
    return plain, ents, raw


def reply_markup(p: Params, *, inline_only: bool = False) -> dict[str, Any] | None:
    return validate_reply_markup(
        p.json("reply_markup", error="can't parse reply keyboard markup JSON object"),
        inline_only=inline_only,
    )


def reply_target(core: EmulatorCore, chat: ChatState, p: Params) -> MessageRecord | None:
    rp = p.json("reply_parameters")
    mid: int | None
    allow = p.bool("allow_sending_without_reply")
    if isinstance(rp, dict):
        mid = rp.get("message_id")
        if mid is None:
            raise bad_request("message to be replied not found")
        allow = bool(rp.get("allow_sending_without_reply", allow))
        other = rp.get("chat_id")
        if other is not None and str(other) != str(chat.id):
            other_chat = core.resolve_chat(Params({"chat_id": other}))
            rec = core.get_message(other_chat, int(mid)) if mid is not None else None
            if rec is None and not allow:
                raise bad_request("message to be replied not found")
            return rec
    else:
        mid = p.int("reply_to_message_id")
    if mid is None:
        return None
    rec = core.get_message(chat, int(mid))
    if rec is None and not allow:
        raise bad_request("message to be replied not found")
    return rec


def thread_target(chat: ChatState, p: Params, reply: MessageRecord | None) -> int | None:
    tid = p.int("message_thread_id")
    if tid is None:
        if reply is not None and chat.is_forum:
            return reply.thread_id
        if reply is not None and chat.type == "supergroup":
            # replies in ordinary supergroups belong to a reply thread (no is_topic_message)
            return reply.thread_id or reply.message_id
        return None
    if chat.is_forum:
        # 1 is the General topic: Telegram refuses it as message_thread_id (send without one)
        if tid not in chat.topics:
            raise bad_request("message thread not found")
        return tid
    if chat.type == "supergroup" and tid in chat.messages:
        return tid
    raise bad_request("message thread not found")


def deliver(
    core: EmulatorCore,
    chat: ChatState,
    p: Params,
    content: dict[str, Any],
    *,
    raw_text: str | None,
    markup: dict[str, Any] | None,
) -> dict[str, Any]:
    reply = reply_target(core, chat, p)
    thread = thread_target(chat, p, reply)
    at = core.consume_rate(chat.id)
    if chat.type == "channel":
        rec = core.add_message(
            chat, content, sender=None, sender_chat=chat, reply_to=reply, thread_id=thread,
            raw_text=raw_text, parse_mode=p.str("parse_mode"), reply_markup=markup, sent_at=at,
        )
    else:
        rec = core.add_message(
            chat, content, sender=core.bot, reply_to=reply, thread_id=thread,
            raw_text=raw_text, parse_mode=p.str("parse_mode"), reply_markup=markup, sent_at=at,
        )
    for flag in ("protect_content", "disable_notification"):
        if p.bool(flag):
            rec.meta[flag] = True
    if p.bool("protect_content"):
        rec.data["has_protected_content"] = True
    core.bot_message_added(rec)
    return rec.data


def edit_target(
    core: EmulatorCore, p: Params, what: str = "edit"
) -> tuple[ChatState, MessageRecord]:
    if p.get("inline_message_id") is not None:
        raise bad_request("MESSAGE_ID_INVALID")
    chat = core.resolve_chat(p, send=True)
    mid = p.int("message_id")
    if mid is None:
        raise bad_request(f"message to {what} not found")
    rec = core.get_message(chat, mid)
    if rec is None:
        raise bad_request(f"message to {what} not found")
    if not rec.from_bot:
        raise bad_request("message can't be edited")
    return chat, rec


def apply_edit(core: EmulatorCore, chat: ChatState, rec: MessageRecord, changes: dict[str, Any],
               remove: tuple[str, ...], markup: dict[str, Any] | None, raw: str | None,
               p: Params) -> dict[str, Any]:
    new = {k: v for k, v in rec.data.items() if k not in remove and k != "reply_markup"}
    new.update(changes)
    if markup:
        new["reply_markup"] = markup
    comparable = ("text", "entities", "caption", "caption_entities", "reply_markup")
    if all(new.get(k) == rec.data.get(k) for k in comparable):
        raise not_modified()
    core.consume_rate(chat.id)
    rec.history.append(rec.snapshot())
    new["edit_date"] = int(core.clock.time())
    rec.data = new
    if markup:
        rec.meta["reply_markup"] = markup
    else:
        rec.meta.pop("reply_markup", None)
    if raw is not None:
        rec.raw_text = raw
        rec.parse_mode = p.str("parse_mode")
    core.bot_message_changed(rec)
    return rec.data


# ---------------------------------------------------------------------------- bot & updates
@api_method("getMe")
def get_me(core: EmulatorCore, p: Params) -> dict[str, Any]:
    d = core.bot.to_dict()
    d.update(
        can_join_groups=True,
        can_read_all_group_messages=not core.privacy_mode,
        supports_inline_queries=False,
        can_connect_to_business=False,
        has_main_web_app=False,
    )
    return d


@api_method("logOut", "close")
def log_out(core: EmulatorCore, p: Params) -> bool:
    return True


@api_method("getUpdates")
async def get_updates(core: EmulatorCore, p: Params) -> list[dict[str, Any]]:
    limit = p.int("limit", 100)
    limit = min(max(limit, 1), 100)
    timeout = p.float("timeout", 0.0) or 0.0
    allowed = p.json("allowed_updates")
    if allowed is not None and not isinstance(allowed, list):
        raise bad_request("can't parse allowed_updates JSON array")
    return await core.get_updates(p.int("offset", 0), limit, timeout, allowed)


@api_method("setWebhook")
def set_webhook(core: EmulatorCore, p: Params) -> bool:
    from .core import is_local_url

    url = p.str("url", "")
    drop = p.bool("drop_pending_updates")
    if not url:
        core.set_webhook(None, drop)
        return True
    if not re.match(r"^https?://", url):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if not is_local_url(url):
        raise bad_request("bad webhook: the emulator only delivers to 127.0.0.1 or localhost")
    secret = p.str("secret_token")
    if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
        raise bad_request("secret token contains unallowed characters")
    max_conn = p.int("max_connections", 40)
    if not 1 <= max_conn <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    allowed = p.json("allowed_updates")
    if allowed is not None:
        core.allowed_updates = set(allowed) if allowed else core.allowed_updates
    config = {
        "url": url,
        "secret_token": secret,
        "max_connections": max_conn,
        "allowed_updates": allowed,
        "ip_address": p.str("ip_address"),
    }
    core.set_webhook(config, drop)
    return True


@api_method("deleteWebhook")
def delete_webhook(core: EmulatorCore, p: Params) -> bool:
    core.set_webhook(None, p.bool("drop_pending_updates"))
    return True


@api_method("getWebhookInfo")
def get_webhook_info(core: EmulatorCore, p: Params) -> dict[str, Any]:
    return core.webhook_info()


# ---------------------------------------------------------------------------- commands & menu
def _scope(core: EmulatorCore, p: Params) -> str:
    from .core import scope_key

    scope = p.json("scope") or {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in (
        "default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat",
        "chat_administrators", "chat_member",
    ):
        raise bad_request("can't parse BotCommandScope")
    if scope["type"] in ("chat", "chat_administrators", "chat_member"):
        chat = core.resolve_chat(Params({"chat_id": scope.get("chat_id")}))
        scope = {**scope, "chat_id": chat.id}
    return scope_key(scope)


def _lang(p: Params) -> str:
    lang = p.str("language_code", "") or ""
    if lang and not re.fullmatch(r"[a-z]{2}", lang):
        raise bad_request("invalid language code specified")
    return lang


@api_method("setMyCommands")
def set_my_commands(core: EmulatorCore, p: Params) -> bool:
    commands = p.json("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands")
    clean = []
    for c in commands:
        if not isinstance(c, dict):
            raise bad_request("can't parse BotCommand")
        name, desc = c.get("command"), c.get("description")
        if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(desc, str) or not 1 <= len(desc.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        clean.append({"command": name, "description": desc})
    key = (_scope(core, p), _lang(p))
    if clean:
        core.commands[key] = clean
    else:
        core.commands.pop(key, None)
    return True


@api_method("getMyCommands")
def get_my_commands(core: EmulatorCore, p: Params) -> list[dict[str, str]]:
    return core.commands.get((_scope(core, p), _lang(p)), [])


@api_method("deleteMyCommands")
def delete_my_commands(core: EmulatorCore, p: Params) -> bool:
    core.commands.pop((_scope(core, p), _lang(p)), None)
    return True


@api_method("setChatMenuButton")
def set_chat_menu_button(core: EmulatorCore, p: Params) -> bool:
    chat_id = None
    if p.get("chat_id") is not None:
        chat = core.resolve_chat(p)
        if chat.type != "private":
            raise bad_request("chat must be a private chat")
        chat_id = chat.id
    button = p.json("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in ("commands", "web_app", "default"):
        raise bad_request("can't parse menu button")
    core.menu_buttons[chat_id] = button
    return True


@api_method("getChatMenuButton")
def get_chat_menu_button(core: EmulatorCore, p: Params) -> dict[str, Any]:
    chat_id = core.resolve_chat(p).id if p.get("chat_id") is not None else None
    return core.menu_buttons.get(chat_id) or core.menu_buttons.get(None) or {"type": "commands"}


def _bot_text(kind: str) -> Any:
    def setter(core: EmulatorCore, p: Params) -> bool:
        value = p.str(kind, "") or ""
        limits = {"description": 512, "short_description": 120, "name": 64}
        if len(value) > limits[kind]:
            raise bad_request(f"{kind} is too long")
        core.bot_info.setdefault(kind, {})[_lang(p)] = value
        return True

    def getter(core: EmulatorCore, p: Params) -> dict[str, str]:
        values = core.bot_info.get(kind, {})
        default = core.bot.first_name if kind == "name" else ""
        return {kind: values.get(_lang(p), values.get("", default))}

    return setter, getter


for _kind, _suffix in (("description", "Description"), ("short_description", "ShortDescription"),
                       ("name", "Name")):
    _s, _g = _bot_text(_kind)
    api_method(f"setMy{_suffix}")(_s)
    api_method(f"getMy{_suffix}")(_g)


# ---------------------------------------------------------------------------- messages
@api_method("sendMessage")
def send_message(core: EmulatorCore, p: Params) -> dict[str, Any]:
    chat = core.resolve_chat(p, send=True)
    text, ents, raw = formatted(core, p, "text")
    markup = reply_markup(p)
    content: dict[str, Any] = {"text": text}
    if ents:
        content["entities"] = ents
    lpo = p.json("link_preview_options")
    if isinstance(lpo, dict) and lpo:
        content["link_preview_options"] = lpo
    return deliver(core, chat, p, content, raw_text=raw, markup=markup)


@api_method("editMessageText")
def edit_message_text(core: EmulatorCore, p: Params) -> dict[str, Any]:
    chat, rec = edit_target(core, p)
    if "text" not in rec.data:
        raise bad_request("there is no text in the message to edit")
    text, ents, raw = formatted(core, p, "text")
    markup = reply_markup(p, inline_only=True)
    changes: dict[str, Any] = {"text": text}
    if ents:
        changes["entities"] = ents
    return apply_edit(core, chat, rec, changes, ("entities",), markup, raw, p)


@api_method("editMessageCaption")
def edit_message_caption(core: EmulatorCore, p: Params) -> dict[str, Any]:
    chat, rec = edit_target(core, p)
    if "text" in rec.data:
        raise bad_request("there is no caption in the message to edit")
    caption, ents, raw = formatted(
        core, p, "caption", entities_field="caption_entities", limit=MAX_CAPTION, required=False
    )
    markup = reply_markup(p, inline_only=True)
    changes: dict[str, Any] = {}
    if caption:
        changes["caption"] = caption
    if ents:
        changes["caption_entities"] = ents
    return apply_edit(core, chat, rec, changes, ("caption", "caption_entities"), markup, raw, p)


@api_method("editMessageReplyMarkup")
def edit_message_reply_markup(core: EmulatorCore, p: Params) -> dict[str, Any]:
    chat, rec = edit_target(core, p)
    markup = reply_markup(p, inline_only=True)
    return apply_edit(core, chat, rec, {}, (), markup, None, p)


def _delete(core: EmulatorCore, chat: ChatState, mid: int) -> MessageRecord:
    rec = core.get_message(chat, mid)
    if rec is None:
        raise bad_request("message to delete not found")
    if not rec.from_bot and chat.type != "private" and not chat.bot_member.is_admin:
        raise bad_request("message can't be deleted")
    rec.deleted = True
    if rec.from_bot:
        core.bot_message_changed(rec, "delete")
    return rec


@api_method("deleteMessage")
def delete_message(core: EmulatorCore, p: Params) -> bool:
    chat = core.resolve_chat(p)
    _delete(core, chat, p.int("message_id", required=True))
    return True


@api_method("deleteMessages")
def delete_messages(core: EmulatorCore, p: Params) -> bool:
    chat = core.resolve_chat(p)
    ids = p.json("message_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad_request("message_ids must be a non-empty array of at most 100 ids")
    found = 0
    for mid in ids:
        try:
            _delete(core, chat, int(mid))
            found += 1
        except ApiError:
            pass
    if not found:
        raise bad_request("message to delete not found")
    return True


@api_method("answerCallbackQuery")
def answer_callback_query(core: EmulatorCore, p: Params) -> bool:
    from .state import CallbackAnswer

    qid = p.str("callback_query_id", required=True)
    cb = core.callbacks.get(qid)
    too_old = "query is too old and response timeout expired or query ID is invalid"
    if cb is None or cb.answered or core.clock.now() - cb.created > core.callback_timeout:
        raise bad_request(too_old)
    text = p.str("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    cb.answered = True
    answer = CallbackAnswer(
        query_id=qid,
        user_id=cb.user_id,
        text=text,
        show_alert=p.bool("show_alert"),
        url=p.str("url"),
        cache_time=p.int("cache_time"),
    )
    cb.answer = answer.__dict__
    core.callback_answers.append(answer)
    return True


@api_method("sendChatAction")
def send_chat_action(core: EmulatorCore, p: Params) -> bool:
    chat = core.resolve_chat(p, send=True)
    action = p.str("action", required=True)
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    if p.get("message_thread_id") is not None:
        thread_target(chat, p, None)
    return True


# ---------------------------------------------------------------------------- media
FILE_KINDS = {
    "sendPhoto": "photo",
    "sendDocument": "document",
    "sendSticker": "sticker",
    "sendVoice": "voice",
    "sendAudio": "audio",
    "sendVideo": "video",
    "sendAnimation": "animation",
}


def file_input(core: EmulatorCore, p: Params, name: str) -> tuple[str, dict[str, Any]]:
    value = p.get(name)
    if value is None or value == "":
        raise bad_request(f"there is no {name} in the request")
    if isinstance(value, str) and value.startswith("attach://"):
        value = p.get(value[len("attach://"):])
        if value is None:
            raise bad_request(f"there is no {name} in the request")
    if isinstance(value, UploadedFile):
        file_id, unique = core.new_file_id(name)
        core.files[file_id] = {"kind": name, "content": value.content, "meta": {}}
        return file_id, {
            "file_id": file_id, "file_unique_id": unique, "file_size": len(value.content),
            "file_name": value.filename, "mime_type": value.mime_type,
        }
    value = str(value)
    if value in core.files:
        f = core.files[value]
        meta = dict(f.get("meta") or {})
        meta.setdefault("file_id", value)
        meta.setdefault("file_unique_id", "U" + value[-10:])
        meta.setdefault("file_size", len(f.get("content") or b""))
        return value, meta
    if re.match(r"^https?://\S+$", value):
        file_id, unique = core.new_file_id(name)
        fname = value.rstrip("/").rsplit("/", 1)[-1] or "file"
        core.files[file_id] = {"kind": name, "content": b"", "meta": {}, "url": value}
        return file_id, {"file_id": file_id, "file_unique_id": unique, "file_size": 0,
                         "file_name": fname}
    raise bad_request("wrong file identifier/HTTP URL specified")


def media_content(kind: str, file_id: str, meta: dict[str, Any]) -> dict[str, Any]:
    base = {"file_id": file_id, "file_unique_id": meta.get("file_unique_id", "U" + file_id[-10:])}
    size = meta.get("file_size")
    if size is not None:
        base["file_size"] = size
    if kind == "photo":
        small = {**base, "width": 90, "height": 67}
        big = {**base, "width": meta.get("width", 800), "height": meta.get("height", 600)}
        return {"photo": [small, big] if "width" not in meta else [big]}
    if kind == "document":
        d = {**base, "file_name": meta.get("file_name") or "document"}
        if meta.get("mime_type"):
            d["mime_type"] = meta["mime_type"]
        return {"document": d}
    if kind == "sticker":
        return {"sticker": {**base, "type": "regular", "width": 512, "height": 512,
                            "is_animated": False, "is_video": False}}
    if kind in ("voice", "audio"):
        return {kind: {**base, "duration": meta.get("duration", 1)}}
    return {kind: {**base, "width": 640, "height": 480, "duration": meta.get("duration", 1)}}


def _send_media(kind: str) -> Any:
    def handler(core: EmulatorCore, p: Params) -> dict[str, Any]:
        chat = core.resolve_chat(p, send=True)
        file_id, meta = file_input(core, p, kind)
        core.files[file_id].setdefault("meta", {}).update(
            {k: v for k, v in meta.items() if k != "file_id"}
        )
        content = media_content(kind, file_id, meta)
        raw = None
        if kind != "sticker":
            caption, ents, raw = formatted(
                core, p, "caption", entities_field="caption_entities", limit=MAX_CAPTION,
                required=False,
            )
            if caption:
                content["caption"] = caption
            if ents:
                content["caption_entities"] = ents
        return deliver(core, chat, p, content, raw_text=raw, markup=reply_markup(p))

    return handler


for _method, _kind in FILE_KINDS.items():
    api_method(_method)(_send_media(_kind))


MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # getFile: the Bot API's limit for bots


@api_method("getFile")
def get_file(core: EmulatorCore, p: Params) -> dict[str, Any]:
    file_id = p.str("file_id", required=True)
    f = core.files.get(file_id)
    if f is None:
        raise bad_request("invalid file_id")
    meta = f.get("meta") or {}
    size = meta.get("file_size", len(f.get("content") or b""))
    if size > MAX_DOWNLOAD_BYTES:  # "bots can download files of up to 20MB in size"
        raise bad_request("file is too big")
    # Telegram's paths keep the file's extension: documents/file_12.json
    ext = PurePosixPath(str(meta.get("file_name") or "")).suffix
    path = f.setdefault(
        "path", f"{f.get('kind', 'file')}s/file_{len(core.files)}_{file_id[-6:]}{ext}"
    )
    core.files_by_path[path] = file_id
    return {
        "file_id": file_id,
        "file_unique_id": meta.get("file_unique_id", "U" + file_id[-10:]),
        "file_size": size,
        "file_path": path,
    }


# ---------------------------------------------------------------------------- copy & forward
CONTENT_KEYS = ("text", "entities", "photo", "document", "sticker", "voice", "audio", "video",
                "animation", "caption", "caption_entities", "contact", "location",
                "link_preview_options")


def _source(core: EmulatorCore, p: Params, what: str) -> MessageRecord:
    src_chat = core.resolve_chat(p, "from_chat_id")
    rec = core.get_message(src_chat, p.int("message_id", required=True))
    if rec is None:
        raise bad_request(f"message to {what} not found")
    if rec.kind == "service":
        raise bad_request(f"message can't be {what}ed" if what != "copy" else
                          "message can't be copied")
    if rec.meta.get("protect_content") or rec.data.get("has_protected_content"):
        raise bad_request(f"message can't be {'copied' if what == 'copy' else 'forwarded'}")
    return rec


@api_method("copyMessage")
def copy_message(core: EmulatorCore, p: Params) -> dict[str, Any]:
    chat = core.resolve_chat(p, send=True)
    src = _source(core, p, "copy")
    content = {k: v for k, v in src.data.items() if k in CONTENT_KEYS}
    raw = src.raw_text if src.from_bot else src.text
    if p.get("caption") is not None and "text" not in content:
        caption, ents, raw = formatted(
            core, p, "caption", entities_field="caption_entities", limit=MAX_CAPTION,
            required=False,
        )
        content.pop("caption", None)
        content.pop("caption_entities", None)
        if caption:
            content["caption"] = caption
        if ents:
            content["caption_entities"] = ents
    markup = reply_markup(p)
    data = deliver(core, chat, p, content, raw_text=raw, markup=markup)
    return {"message_id": data["message_id"]}


@api_method("forwardMessage")
def forward_message(core: EmulatorCore, p: Params) -> dict[str, Any]:
    chat = core.resolve_chat(p, send=True)
    src = _source(core, p, "forward")
    content = {k: v for k, v in src.data.items() if k in CONTENT_KEYS}
    src_chat = core.chats[src.chat_id]
    if src_chat.type == "channel":
        origin: dict[str, Any] = {"type": "channel", "chat": src_chat.to_dict(),
                                  "message_id": src.message_id}
    elif "from" in src.data:
        origin = {"type": "user", "sender_user": src.data["from"]}
    else:
        origin = {"type": "chat", "sender_chat": src.data.get("sender_chat", src_chat.to_dict())}
    origin["date"] = src.data.get("date", 0)
    content["forward_origin"] = origin
    return deliver(core, chat, p, content, raw_text=src.html, markup=None)


# ---------------------------------------------------------------------------- chats
@api_method("getChat")
def get_chat(core: EmulatorCore, p: Params) -> dict[str, Any]:
    chat = core.resolve_chat(p)
    d = chat.to_dict(core.users)
    d.update(
        accent_color_id=0,
        max_reaction_count=11,
        accepted_gift_types={"unlimited_gifts": False, "limited_gifts": False,
                             "unique_gifts": False, "premium_subscription": False,
                             "gifts_from_channels": False},
    )
    if chat.type in ("group", "supergroup"):
        d["permissions"] = {"can_send_messages": True, "can_send_polls": True,
                            "can_invite_users": True, "can_pin_messages": False}
    if chat.pinned:
        pinned = core.get_message(chat, chat.pinned[-1])
        if pinned:
            d["pinned_message"] = pinned.data
    return d


def _member(core: EmulatorCore, chat: ChatState, user_id: int) -> dict[str, Any]:
    user = core.users.get(user_id)
    if user is None:
        raise bad_request("user not found")
    if user_id == core.bot.id:
        return member_dict(user.to_dict(), chat.bot_member, chat.type)
    if chat.type == "private":
        if user_id != chat.user_id:
            raise bad_request("user not found")
        return member_dict(user.to_dict(), MemberState("member"), chat.type)
    m = chat.members.get(user_id, MemberState("left"))
    return member_dict(user.to_dict(), m, chat.type)


@api_method("getChatMember")
def get_chat_member(core: EmulatorCore, p: Params) -> dict[str, Any]:
    chat = core.resolve_chat(p)
    return _member(core, chat, p.int("user_id", required=True))


@api_method("getChatAdministrators")
def get_chat_administrators(core: EmulatorCore, p: Params) -> list[dict[str, Any]]:
    chat = core.resolve_chat(p)
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    admins = [_member(core, chat, uid) for uid, m in chat.members.items() if m.is_admin]
    if chat.bot_member.is_admin:
        admins.append(_member(core, chat, core.bot.id))
    return admins


@api_method("getChatMemberCount", "getChatMembersCount")
def get_chat_member_count(core: EmulatorCore, p: Params) -> int:
    chat = core.resolve_chat(p)
    if chat.type == "private":
        return 2
    return sum(1 for m in chat.members.values() if m.present) + int(chat.bot_member.present)


@api_method("leaveChat")
def leave_chat(core: EmulatorCore, p: Params) -> bool:
    chat = core.resolve_chat(p)
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    old = chat.bot_member
    chat.bot_member = MemberState("left")
    bot = core.bot.to_dict()
    core.push_update("my_chat_member", {
        "chat": chat.to_dict(), "from": bot, "date": int(core.clock.time()),
        "old_chat_member": member_dict(bot, old, chat.type),
        "new_chat_member": member_dict(bot, chat.bot_member, chat.type),
    })
    return True


def _pin_rights(chat: ChatState) -> None:
    if chat.type != "private" and not chat.bot_member.is_admin:
        raise bad_request("not enough rights to manage pinned messages in the chat")


@api_method("pinChatMessage")
def pin_chat_message(core: EmulatorCore, p: Params) -> bool:
    chat = core.resolve_chat(p)
    _pin_rights(chat)
    mid = p.int("message_id", required=True)
    if core.get_message(chat, mid) is None:
        raise bad_request("message to pin not found")
    if mid in chat.pinned:
        chat.pinned.remove(mid)
    chat.pinned.append(mid)
    return True


@api_method("unpinChatMessage")
def unpin_chat_message(core: EmulatorCore, p: Params) -> bool:
    chat = core.resolve_chat(p)
    _pin_rights(chat)
    mid = p.int("message_id")
    if mid is None:
        if chat.pinned:
            chat.pinned.pop()
    elif mid in chat.pinned:
        chat.pinned.remove(mid)
    else:
        raise bad_request("message to unpin not found")
    return True


@api_method("unpinAllChatMessages")
def unpin_all_chat_messages(core: EmulatorCore, p: Params) -> bool:
    chat = core.resolve_chat(p)
    _pin_rights(chat)
    chat.pinned.clear()
    return True


@api_method("setMessageReaction")
def set_message_reaction(core: EmulatorCore, p: Params) -> bool:
    chat = core.resolve_chat(p)
    rec = core.get_message(chat, p.int("message_id", required=True))
    if rec is None:
        raise bad_request("message to react not found")
    rec.meta["reaction"] = p.json("reaction")
    return True

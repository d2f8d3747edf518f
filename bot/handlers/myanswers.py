"""/myanswers, an answers file sent back, and /resume CODE: a person takes their answers with them.

`/myanswers` sends the answers as a JSON document in the contract's profile format
(`bot.answers_file`); in a private chat also a resume code (`bot.resume_codes`) that restores
them in another chat of the same person, such as a group. In a group the file goes to the
private chat, never to the group. Sending the file back (a document in the private chat)
restores the answers there. A file or code that cannot be used is refused with the reason and
changes nothing: the answers already given stay as they were.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import ContextTypes

from bot import resume_codes
from bot.answers_file import (
    FILE_NAME,
    MAX_FILE_BYTES,
    AnswersRefused,
    answers_document,
    document_bytes,
    has_answers,
    read_document,
    restore,
)
from bot.handlers.common import (
    is_private,
    load_session,
    save_session,
    send_screen,
    session_key,
    user_lang,
)
from bot.handlers.questionnaire import show_step
from bot.logs import logged
from bot.screens import Screen
from bot.services import services
from bot.texts import t
from dialogs import QuestionFlow, Session
from rules.i18n import Lang

log = logging.getLogger(__name__)

ATTEMPT_WINDOW_SECONDS = 3600


def _last_answers(flow: QuestionFlow, raw: str | None, lang: str) -> Session | None:
    """The answers of the last finished result (kept per user), as a session."""
    if not raw:
        return None
    try:
        answers = json.loads(raw)["answers"]
        return flow.resolve(Session(lang=lang, answers=answers))  # type: ignore[arg-type]
    except (ValueError, KeyError, TypeError):
        return None


def _refusal(refused: AnswersRefused, lang: Lang) -> Screen:
    return Screen(t(refused.key, lang, **refused.values) + "\n" + t("myanswers_kept", lang))


@logged("myanswers")
async def myanswers(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The answers as a file (and, in a private chat, a resume code)."""
    svc = services(context)
    flow = svc.flow
    user = update.effective_user
    chat = update.effective_chat
    assert user is not None and chat is not None
    today = svc.settings.today()
    private = is_private(update)
    code: str | None = None
    async with svc.store.transaction() as tx:
        session, _ = await load_session(tx, flow, session_key(update), update)
        if not has_answers(flow, session):
            stored = await tx.load_user(user.id)
            session = _last_answers(flow, stored.last_result if stored else None,
                                    session.lang) or session  # fmt: skip
        lang = session.lang
        document = answers_document(flow, session, today) if has_answers(flow, session) else None
        if document is not None and private:
            code = resume_codes.new_code()
            expires = resume_codes.last_valid_day(today, svc.settings.resume_code_days)
            await tx.save_resume_code(
                user.id,
                resume_codes.code_hash(user.id, code),
                json.dumps(document, ensure_ascii=False, separators=(",", ":")),
                expires.isoformat(),
            )
    if document is None:
        await send_screen(update, context, Screen(t("myanswers_none", lang)))
        return
    upload = InputFile(document_bytes(document), filename=FILE_NAME)
    if not private:
        try:
            await context.bot.send_document(user.id, upload, caption=t("myanswers_caption", lang))
        except (Forbidden, BadRequest):  # never opened a private chat with the bot
            link = f"https://t.me/{svc.bot_username}?start=myanswers"
            button = InlineKeyboardButton(t("myanswers_btn_private", lang), url=link)
            screen = Screen(t("myanswers_open_private", lang, name=user.first_name),
                            InlineKeyboardMarkup([[button]]))  # fmt: skip
            await send_screen(update, context, screen)
            return
        sent = t("myanswers_sent_privately", lang, name=user.first_name)
        await send_screen(update, context, Screen(sent))
        return
    await context.bot.send_document(chat.id, upload, caption=t("myanswers_caption", lang))
    assert code is not None
    text = t(
        "myanswers_code",
        lang,
        code=resume_codes.shown(code),
        date=expires.isoformat(),
        days=svc.settings.resume_code_days,
    )
    await send_screen(update, context, Screen(text))


async def _restore_here(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: dict[str, Any], lang: Lang
) -> Screen | None:
    """Replace this chat's session by the file's answers; the refusal to show if it cannot."""
    svc = services(context)
    flow = svc.flow
    async with svc.store.transaction() as tx:
        current, _ = await load_session(tx, flow, session_key(update), update)
        try:
            session = restore(flow, current.lang, data)
        except AnswersRefused as refused:
            return _refusal(refused, current.lang)  # type: ignore[arg-type]
        finished = flow.state_of(session) == "result"
        await save_session(tx, session_key(update), session, finished=finished)
    count = len(flow.summary(session))
    await send_screen(update, context, Screen(t("myanswers_restored", session.lang, n=count)))  # type: ignore[arg-type]
    await show_step(update, context, session)
    return None


@logged("answers_file")
async def answers_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A document in a private chat: an answers file to restore (or anything else, refused)."""
    message = update.effective_message
    assert message is not None and message.document is not None
    svc = services(context)
    async with svc.store.transaction() as tx:
        lang = await user_lang(tx, update)
    document = message.document
    try:
        if document.file_size is not None and document.file_size > MAX_FILE_BYTES:
            raise AnswersRefused("myanswers_too_big", size=f"{MAX_FILE_BYTES // 1024} KB")
        file = await document.get_file()
        raw = bytes(await file.download_as_bytearray())
        data = read_document(raw)
    except AnswersRefused as refused:
        await _refuse(update, context, _refusal(refused, lang))
        return
    except BadRequest as exc:  # "file is too big" (over the Bot API's 20 MB)
        log.info("answers file not downloaded", extra={"fields": {"error": str(exc)[:80]}})
        refused = AnswersRefused("myanswers_too_big", size=f"{MAX_FILE_BYTES // 1024} KB")
        await _refuse(update, context, _refusal(refused, lang))
        return
    refusal = await _restore_here(update, context, data, lang)
    if refusal is not None:
        await _refuse(update, context, refusal)


async def _refuse(update: Update, context: ContextTypes.DEFAULT_TYPE, refusal: Screen) -> None:
    """Say why, then show the question (or result) the person was at, unchanged."""
    await send_screen(update, context, refusal)
    svc = services(context)
    async with svc.store.transaction() as tx:
        session, _ = await load_session(tx, svc.flow, session_key(update), update)
    await show_step(update, context, session)


@logged("resume")
async def resume(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/resume CODE`: the answers behind the person's own code, in this chat."""
    svc = services(context)
    user = update.effective_user
    assert user is not None
    typed = " ".join(context.args or [])
    today = svc.settings.today()
    data: dict[str, Any] | None = None
    async with svc.store.transaction() as tx:
        lang = await user_lang(tx, update)
        if not typed.strip():
            outcome = "usage"
        elif (
            await tx.count_resume_attempts(user.id, time.time() - ATTEMPT_WINDOW_SECONDS)
            >= svc.settings.resume_attempts_per_hour
        ):
            outcome = "limited"
        else:
            code = resume_codes.normalise(typed)
            stored = await tx.load_resume_code(user.id)
            if (
                code is not None
                and stored is not None
                and resume_codes.matches(user.id, code, stored[0])
                and resume_codes.still_valid(stored[2], today)
            ):
                data = json.loads(stored[1])
                outcome = "ok"
            else:  # mistyped, expired, someone else's or none at all: one answer for all
                await tx.add_resume_attempt(user.id)
                outcome = "wrong"
    if data is None:
        key = {"usage": "resume_usage", "limited": "resume_limited", "wrong": "resume_wrong"}
        text = t(key[outcome], lang, days=svc.settings.resume_code_days)
        await send_screen(update, context, Screen(text))
        return
    refusal = await _restore_here(update, context, data, lang)
    if refusal is not None:  # answers that no longer fit the questionnaire
        await send_screen(update, context, refusal)


__all__ = ["answers_file", "myanswers", "resume"]

"""The result's buttons: a scheme's details, why the others do not fit, back to the result.

A button carries the fingerprint of the answers its result was drawn from, so a press is shown
against that result — the current session's (finished, or the result so far) or the last
finished one that /result shows — and a press on a result whose answers have changed since, or
on forged data, only gets an alert. In groups the buttons carry their owner.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import callbacks as cb
from bot.handlers.common import (
    edit_screen,
    load_session,
    owner_of,
    refuse_foreign_button,
    send_screen,
    session_key,
)
from bot.handlers.questionnaire import _session_from_last_result
from bot.logs import logged
from bot.screens import result_screens, view_screens
from bot.services import services
from bot.texts import t
from bot.views import View
from bot.views.result import details_view, why_not_view
from bot.views.session import fingerprint, result_input
from dialogs import Session


@logged("result_button")
async def result_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    data = cb.decode(query.data)
    if await refuse_foreign_button(update, context, data):
        return
    svc = services(context)
    flow = svc.flow
    async with svc.store.transaction() as tx:
        session, _ = await load_session(tx, flow, session_key(update), update)
        stored = await tx.load_user(user.id)
        last = _session_from_last_result(flow, stored.last_result if stored else None, session)
    target: Session | None = None
    if data is not None and data.action == cb.RESULT:
        target = next(
            (s for s in (session, last) if s is not None and fingerprint(s) == data.revision),
            None,
        )
    owner = owner_of(update)
    if target is None or data is None:
        await query.answer(t("result_button_expired", session.lang), show_alert=True)
        return
    inp = result_input(
        flow, target, today=svc.settings.today(), stale_days=svc.settings.stale_rules_days
    )
    view: View | None = None
    if data.arg1 == "r":
        screens = result_screens(inp, target, owner)
    else:
        if data.arg1 == "d":
            view = details_view(inp, data.arg2)
        elif data.arg1 == "w":
            view = why_not_view(inp)
        if view is None:
            await query.answer(t("result_button_expired", session.lang), show_alert=True)
            return
        screens = view_screens(view, target, owner)
    await query.answer()
    first, *rest = screens
    await edit_screen(update, context, first)
    for screen in rest:
        await send_screen(update, context, screen)

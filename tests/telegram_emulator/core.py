"""The transport-independent core: state, method dispatch, updates, limits, faults, inspection."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import json
import logging
import math
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from . import faults as _faults
from .clock import Clock
from .errors import ApiError, bad_request, forbidden, too_many_requests
from .params import Params
from .registry import lookup
from .state import (
    CallbackAnswer,
    CallbackRecord,
    ChatState,
    MemberState,
    MessageRecord,
    RequestRecord,
    UserState,
    copy_json,
)

log = logging.getLogger("telegram_emulator")

DEFAULT_TOKEN = "123456789:AAEmulatorTestTokenAAAAAAAAAAAAAAAAAA"
DEFAULT_ALLOWED = {
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
}
RATE_LIMITED_PREFIXES = ("send", "edit", "copyMessage", "forwardMessage")
RATE_EXEMPT = {"sendChatAction"}
# updates Telegram queues per user rather than per chat (WebhookActor's queue id)
USER_QUEUED = {"callback_query", "inline_query", "chosen_inline_result", "shipping_query",
               "pre_checkout_query", "poll_answer"}
ANONYMOUS_ADMIN_ID = 1087968824  # GroupAnonymousBot
TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")


@dataclass
class Injection:
    method: str  # a method name or "*"
    action: Any
    times: int | None = 1  # None: until removed
    when: Callable[[Params], bool] | None = None
    hits: int = 0
    core: Any = field(default=None, repr=False)

    def remove(self) -> None:
        if self.core is not None and self in self.core._injections:
            self.core._injections.remove(self)


@dataclass
class WebhookDelivery:
    update_id: int
    status: int | None
    error: str | None
    time: float
    duration: float = 0.0  # real seconds from the request to its answer (or failure)


@dataclass
class Limits:
    global_per_second: float | None = None
    per_chat_per_second: float | None = None
    per_group_per_minute: float | None = None
    grace: float = 0.0


class EmulatorCore:
    """State and behaviour of one emulated bot. Usable without HTTP (see EmulatorRequest).

    ``async with EmulatorCore() as core`` (or BotApiEmulator for HTTP) — closing wakes pollers,
    stops webhook delivery and releases hanging calls.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "emulated_test_bot",
        bot_name: str = "Test Bot",
        privacy_mode: bool = True,
        time_scale: float = 1.0,
        callback_timeout: float = 15.0,
        strict_ampersand: bool = True,
        webhook_max_attempts: int | None = None,
        webhook_retry_delay: float = 0.05,
        webhook_max_delay: float = 60.0,
        webhook_timeout: float = 60.0,
        webhook_concurrency: int = 1,
        record_requests: bool = True,
    ):
        if not TOKEN_RE.match(token):
            raise ValueError(f"malformed token {token!r}")
        self.token = token
        self.tokens = {token}
        self.clock = Clock(time_scale)
        self.privacy_mode = privacy_mode
        self.callback_timeout = callback_timeout
        self.strict_ampersand = strict_ampersand
        self.webhook_max_attempts = webhook_max_attempts
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_max_delay = webhook_max_delay
        self.webhook_timeout = webhook_timeout
        # how long Telegram keeps resending an update (emulated seconds; Client.cpp)
        self.webhook_expiry = {"callback_query": 150.0, "*": 86400.0}
        self.webhook_concurrency = webhook_concurrency
        self.record_requests = record_requests

        self.bot = UserState(
            id=int(token.split(":", 1)[0]),
            first_name=bot_name,
            username=bot_username,
            is_bot=True,
        )
        self.users: dict[int, UserState] = {self.bot.id: self.bot}
        self.chats: dict[int, ChatState] = {}
        self._actors: dict[int, Any] = {}
        self._user_ids = itertools.count(100000001)
        self._group_ids = itertools.count(400000001)
        self._super_ids = itertools.count(1900000001)
        self._file_ids = itertools.count(1)
        self._query_ids = itertools.count(4000000000000000001)

        # updates
        self._update_ids = itertools.count(1)
        self.pending: deque[dict[str, Any]] = deque()
        self.allowed_updates: set[str] = set(DEFAULT_ALLOWED)
        self.all_updates: list[dict[str, Any]] = []  # every update emitted (even unwanted)
        self._poll_waiters: list[asyncio.Future[str]] = []
        self._update_waiters: list[asyncio.Future[None]] = []

        # webhook
        self.webhook: dict[str, Any] | None = None
        self.webhook_deliveries: list[WebhookDelivery] = []
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_last_error: tuple[int, str] | None = None
        self._webhook_in_flight = 0
        self._update_born: dict[int, float] = {}  # update_id -> emulated time it was created
        self._webhook_wake = asyncio.Event()

        # inspection
        self.requests: list[RequestRecord] = []
        self.callbacks: dict[str, CallbackRecord] = {}
        self.callback_answers: list[CallbackAnswer] = []
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.bot_info: dict[str, dict[str, str]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.files_by_path: dict[str, str] = {}
        self.rate_limited = 0  # number of 429 answers sent (limits + injected)
        self.internal_errors: list[str] = []  # emulator failures (answered with 500)
        self.delivered: dict[int, int] = {}  # chat_id -> messages the bot delivered there
        self._events: list[tuple[str, MessageRecord]] = []
        self._mark = 0  # events before this index are "old" for wait_for
        self._chat_marks: dict[int, int] = {}  # the same, per chat of the last action there
        self._event_waiters: list[tuple[Callable[[MessageRecord], bool], int | None, Any]] = []
        self._request_waiters: list[tuple[Callable[[RequestRecord], bool], Any]] = []

        # limits & faults
        self._limits = Limits()
        self._global_window: deque[float] = deque()
        self._chat_windows: dict[int, deque[float]] = {}
        self._group_windows: dict[int, deque[float]] = {}
        self._injections: list[Injection] = []

        self._closing = asyncio.Event()
        self.closed = False

    # ------------------------------------------------------------------ lifecycle
    async def __aenter__(self) -> EmulatorCore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._closing.set()
        for fut in self._poll_waiters + self._update_waiters:
            if not fut.done():
                fut.set_result("closed")
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._webhook_task
            self._webhook_task = None

    # ------------------------------------------------------------------ dispatch
    def register_token(self, token: str) -> None:
        """Accept another token for the same bot."""
        self.tokens.add(token)

    async def call(
        self, token: str, method: str, params: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """Run one Bot API call; return (HTTP status, JSON body)."""
        params = params or {}
        rec = RequestRecord(method=method, params=params, time=self.clock.now())
        started = time.monotonic()
        try:
            if token not in self.tokens:
                if not TOKEN_RE.match(token):
                    raise ApiError(404, "Not Found")
                raise ApiError(401, "Unauthorized")
            entry = lookup(method)
            if entry is None:
                raise ApiError(404, "Not Found")
            name, fn = entry
            rec.method = name
            p = Params(params)

            async def proceed() -> Any:
                res = fn(self, p)
                if inspect.isawaitable(res):
                    res = await res
                return res

            inj = self._find_injection(name, p)
            if inj is not None:
                action = inj.action
                if callable(action) and not isinstance(action, _faults.Fault):
                    action = action(p)
                    if inspect.isawaitable(action):
                        action = await action
                fault = _faults.to_fault(action)
                result = await (fault.apply(self, proceed) if fault else proceed())
            else:
                result = await proceed()
            status, body = 200, {"ok": True, "result": result}
            rec.result = result
        except ApiError as err:
            status, body = err.code, err.to_json()
            rec.description = err.description
            if err.code == 429:
                self.rate_limited += 1
        except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
            # a bug in the emulator (or a request it cannot make sense of): say so loudly
            log.exception("emulator error in %s", method)
            self.internal_errors.append(f"{method}: {exc!r}")
            err = ApiError(500, f"Internal Server Error: emulator failed on {method}: {exc!r}")
            status, body = err.code, err.to_json()
            rec.description = err.description
        except asyncio.CancelledError:
            # the caller went away (client disconnect or timeout); Telegram would not notice
            rec.status, rec.description = 499, "cancelled: the client went away"
            rec.duration = time.monotonic() - started
            if self.record_requests:
                self.requests.append(rec)
            raise
        rec.status = status
        rec.duration = time.monotonic() - started
        if self.record_requests:
            self.requests.append(rec)
        if self._request_waiters:
            self._notify_request(rec)
        return status, body

    async def call_json(self, token: str, method: str, params: dict[str, Any]) -> tuple[int, bytes]:
        status, body = await self.call(token, method, params)
        return status, json.dumps(body, ensure_ascii=False).encode("utf-8")

    def _find_injection(self, method: str, params: Params) -> Injection | None:
        for inj in self._injections:
            if inj.method not in ("*", method) and inj.method.lower() != method.lower():
                continue
            if inj.when is not None and not inj.when(params):
                continue
            inj.hits += 1
            if inj.times is not None:
                inj.times -= 1
                if inj.times <= 0:
                    self._injections.remove(inj)
            return inj
        return None

    def inject(
        self,
        method: str,
        fault: Any,
        *,
        times: int | None = 1,
        when: Callable[[Params], bool] | None = None,
    ) -> Injection:
        """Make the next ``times`` calls of ``method`` (``"*"`` = any) misbehave.

        ``fault``: a ``faults.*`` object, an int HTTP code, ``(code, description[, params])``,
        an ApiError, or a callable ``fn(params) -> any of those or None`` (None = run normally);
        ``params`` is a Params (``p.int("chat_id")``, ``p.str("text")``, ``p["text"]``).
        ``when(params)`` narrows which calls match. ``times=None`` keeps it until ``.remove()``.
        """
        inj = Injection(method=method, action=fault, times=times, when=when, core=self)
        self._injections.append(inj)
        return inj

    def clear_injections(self) -> None:
        self._injections.clear()

    # ------------------------------------------------------------------ limits
    def limits(
        self,
        global_per_second: float | None = None,
        per_chat_per_second: float | None = None,
        per_group_per_minute: float | None = None,
        *,
        grace: float = 0.0,
    ) -> EmulatorCore:
        """Enforce Telegram's flood limits on send*/edit*/copy/forward (None = unlimited).

        Windows are exact sliding windows on arrival times (emulated seconds). ``grace`` shortens
        each window by that many emulated seconds, to tolerate transport jitter when a bot's own
        limiter uses exactly the same numbers (its clock runs before the request travels)."""
        self._limits = Limits(global_per_second, per_chat_per_second, per_group_per_minute, grace)
        self._global_window.clear()
        self._chat_windows.clear()
        self._group_windows.clear()
        return self

    @staticmethod
    def is_rate_limited_method(method: str) -> bool:
        return method not in RATE_EXEMPT and method.startswith(RATE_LIMITED_PREFIXES)

    def consume_rate(self, chat_id: int) -> float:
        """Called by send/edit handlers right before their effect. Raises 429 when over.
        Returns the emulated time the send counts at."""
        lim = self._limits
        if (
            lim.global_per_second is None
            and lim.per_chat_per_second is None
            and lim.per_group_per_minute is None
        ):
            return self.clock.now()
        now = self.clock.now()
        checks: list[tuple[deque[float], float, float]] = []
        if lim.global_per_second is not None:
            checks.append((self._global_window, 1.0, lim.global_per_second))
        if lim.per_chat_per_second is not None:
            checks.append(
                (self._chat_windows.setdefault(chat_id, deque()), 1.0, lim.per_chat_per_second)
            )
        if lim.per_group_per_minute is not None and chat_id < 0:
            checks.append(
                (self._group_windows.setdefault(chat_id, deque()), 60.0, lim.per_group_per_minute)
            )
        wait = 0.0
        checks = [(w, max(span - lim.grace, 0.0), limit) for w, span, limit in checks]
        for window, span, limit in checks:
            while window and window[0] <= now - span:
                window.popleft()
            if len(window) >= limit:
                idx = int(len(window) - limit)
                wait = max(wait, window[idx] + span - now)
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        for window, _, _ in checks:
            window.append(now)
        return now

    # ------------------------------------------------------------------ updates
    def push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        # a snapshot: later edits of the message must not change an update already queued
        update = {"update_id": next(self._update_ids), kind: copy_json(payload)}
        self.all_updates.append(update)
        if kind not in self.allowed_updates:
            # like Telegram: the allowed_updates in force when the update is created decide
            return update
        self.pending.append(update)
        self._update_born[update["update_id"]] = self.clock.now()
        self._webhook_wake.set()
        for fut in self._update_waiters:
            if not fut.done():
                fut.set_result(None)
        self._update_waiters.clear()
        for fut in self._poll_waiters:
            if not fut.done():
                fut.set_result("update")
        return update

    @staticmethod
    def update_kind(update: dict[str, Any]) -> str:
        return next(k for k in update if k != "update_id")

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            while self.pending and self.pending[0]["update_id"] < offset:
                self.pending.popleft()
        elif offset < 0:
            while len(self.pending) > -offset:
                self.pending.popleft()

    async def get_updates(
        self, offset: int, limit: int, timeout: float, allowed: list[str] | None
    ) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        if allowed is not None:
            self.allowed_updates = set(allowed) if allowed else set(DEFAULT_ALLOWED)
        self._confirm(offset)
        # a new getUpdates terminates the one still waiting
        for fut in self._poll_waiters:
            if not fut.done():
                fut.set_result("conflict")
        self._poll_waiters = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, timeout)
        while True:
            ready = [u for u in self.pending if offset <= 0 or u["update_id"] >= offset]
            if ready or self.closed:
                return ready[:limit]
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            fut: asyncio.Future[str] = loop.create_future()
            self._poll_waiters.append(fut)
            try:
                reason = await asyncio.wait_for(asyncio.shield(fut), remaining)
            except TimeoutError:
                return []
            finally:
                if fut in self._poll_waiters:
                    self._poll_waiters.remove(fut)
            if reason == "conflict":
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                )

    # ------------------------------------------------------------------ webhook
    def set_webhook(self, config: dict[str, Any] | None, drop_pending: bool) -> None:
        if drop_pending:
            self.pending.clear()
        old = self._webhook_task
        self.webhook = config
        self._webhook_last_error = None
        if old is not None:
            old.cancel()
            self._webhook_task = None
        if config is not None and not self.closed:
            self._webhook_task = asyncio.get_running_loop().create_task(self._webhook_loop(config))

    @staticmethod
    def webhook_queue(update: dict[str, Any]) -> tuple[str, int]:
        """The queue an update waits in, as Telegram's server keeps them: one per chat, one per
        user for button presses and other updates without a chat."""
        kind = EmulatorCore.update_kind(update)
        body = update[kind]
        if isinstance(body, dict):
            chat = body.get("chat")
            if kind in USER_QUEUED or chat is None:
                user = body.get("from") or body.get("user")
                if isinstance(user, dict):
                    return ("user", int(user["id"]))
            if isinstance(chat, dict):
                return ("chat", int(chat["id"]))
        return ("other", 0)

    async def _webhook_loop(self, config: dict[str, Any]) -> None:
        """Deliver pending updates as Telegram does (WebhookActor): one queue per chat (per user
        for callback queries), one update of a queue in flight at a time, at most
        ``webhook_concurrency`` requests at once (capped by max_connections). An update that
        fails or gets no answer within ``webhook_timeout`` emulated seconds is resent after a
        delay that doubles from ``webhook_retry_delay`` up to ``webhook_max_delay``, while the
        rest of its queue waits; other queues go on. It is dropped once expired
        (``webhook_expiry``: 24 h, 150 s for callback queries) or after
        ``webhook_max_attempts`` (None: no limit)."""
        import httpx

        headers = {"Content-Type": "application/json"}
        if config.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = config["secret_token"]
        width = max(1, min(self.webhook_concurrency, int(config.get("max_connections") or 40)))
        busy: set[tuple[str, int]] = set()
        retry_at: dict[tuple[str, int], float] = {}
        attempts: dict[int, int] = {}
        tasks: set[asyncio.Task[None]] = set()

        async def deliver(update: dict[str, Any], queue: tuple[str, int], client: Any) -> None:
            uid = update["update_id"]
            status: int | None = None
            error: str | None = None
            started = time.monotonic()
            try:
                resp = await client.post(
                    config["url"],
                    content=json.dumps(update, ensure_ascii=False).encode("utf-8"),
                    headers=headers,
                    timeout=self.clock.real_seconds(self.webhook_timeout),
                )
                status = resp.status_code
                if not 200 <= status < 300:
                    error = f"Wrong response from the webhook: {status} {resp.reason_phrase}"
            except httpx.TimeoutException:
                error = "Read timeout expired"
            except httpx.HTTPError as exc:
                error = f"Connection refused ({exc.__class__.__name__})"
            finally:
                busy.discard(queue)
                self._webhook_in_flight -= 1
                self._webhook_wake.set()
            self.webhook_deliveries.append(WebhookDelivery(
                uid, status, error, self.clock.now(), time.monotonic() - started))
            if error is None:
                self._forget_pending(update)
                attempts.pop(uid, None)
                retry_at.pop(queue, None)
                return
            self._webhook_last_error = (int(self.clock.time()), error)
            n = attempts[uid] = attempts.get(uid, 0) + 1
            kind = self.update_kind(update)
            expiry = self.webhook_expiry.get(kind, self.webhook_expiry["*"])
            age = self.clock.now() - self._update_born.get(uid, self.clock.now())
            delay = min(self.webhook_retry_delay * 2 ** (n - 1), self.webhook_max_delay)
            limit = self.webhook_max_attempts
            if (limit is not None and n >= limit) or age + delay > expiry:
                log.warning("webhook: giving up on update %s", uid)
                self._forget_pending(update)
                attempts.pop(uid, None)
                retry_at.pop(queue, None)
                return
            retry_at[queue] = self.clock.now() + delay

        async with httpx.AsyncClient(trust_env=False) as client:
            try:
                while not self.closed and self.webhook is config:
                    self._webhook_wake.clear()
                    now = self.clock.now()
                    seen: set[tuple[str, int]] = set()
                    wake_in = 0.1  # real seconds; short so clock.advance() is noticed
                    for update in list(self.pending):
                        if len(busy) >= width:
                            break
                        queue = self.webhook_queue(update)
                        if queue in seen:
                            continue  # not the head of its queue
                        seen.add(queue)
                        if queue in busy:
                            continue
                        due = retry_at.get(queue, 0.0)
                        if due > now:
                            wake_in = min(wake_in, self.clock.real_seconds(due - now))
                            continue
                        busy.add(queue)
                        self._webhook_in_flight += 1
                        task = asyncio.ensure_future(deliver(update, queue, client))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._webhook_wake.wait(), max(wake_in, 0.001))
            finally:
                for task in list(tasks):
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    def _forget_pending(self, update: dict[str, Any]) -> None:
        with contextlib.suppress(ValueError):
            self.pending.remove(update)
        self._update_born.pop(update["update_id"], None)

    def webhook_info(self) -> dict[str, Any]:
        cfg = self.webhook or {}
        info: dict[str, Any] = {
            "url": cfg.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending),  # in flight ones included
        }
        if cfg:
            info["max_connections"] = cfg.get("max_connections", 40)
            if cfg.get("ip_address"):
                info["ip_address"] = cfg["ip_address"]
            if cfg.get("allowed_updates"):
                info["allowed_updates"] = cfg["allowed_updates"]
        if self._webhook_last_error:
            info["last_error_date"], info["last_error_message"] = self._webhook_last_error
        return info

    # ------------------------------------------------------------------ chats & messages
    def resolve_chat(self, p: Params, name: str = "chat_id", *, send: bool = False) -> ChatState:
        cid = p.chat_id(name)
        chat: ChatState | None
        if isinstance(cid, str):
            uname = cid[1:].lower()
            chat = next(
                (c for c in self.chats.values() if c.username and c.username.lower() == uname),
                None,
            )
        else:
            chat = self.chats.get(cid)
            if chat is None:
                user = self.users.get(cid)
                if send and user is not None and not user.is_bot:
                    raise forbidden("bot can't initiate conversation with a user")
                if user is not None and user.is_bot and send:
                    raise forbidden("bot can't send messages to bots")
        if chat is None:
            raise bad_request("chat not found")
        return self.check_chat(chat, send=send)

    def check_chat(self, chat: ChatState, *, send: bool = False) -> ChatState:
        if chat.migrated_to is not None:
            raise bad_request(
                "group chat was upgraded to a supergroup chat", migrate_to_chat_id=chat.migrated_to
            )
        if chat.type == "private":
            user = self.users[chat.user_id]  # type: ignore[index]
            if send:
                if user.deactivated:
                    raise forbidden("user is deactivated")
                if user.blocked:
                    raise forbidden("bot was blocked by the user")
            return chat
        kind = {"group": "group chat", "supergroup": "supergroup chat", "channel": "channel chat"}[
            chat.type
        ]
        status = chat.bot_member.status
        if status == "kicked":
            raise forbidden(f"bot was kicked from the {kind}")
        if status == "left":
            raise forbidden(f"bot is not a member of the {kind}")
        if send and chat.type == "channel" and not chat.bot_member.is_admin:
            raise bad_request("need administrator rights in the channel chat")
        return chat

    def get_message(self, chat: ChatState, message_id: int) -> MessageRecord | None:
        rec = chat.messages.get(message_id)
        if rec is None or rec.deleted:
            return None
        return rec

    def add_message(
        self,
        chat: ChatState,
        content: dict[str, Any],
        *,
        sender: UserState | None,
        sender_chat: ChatState | None = None,
        reply_to: MessageRecord | None = None,
        thread_id: int | None = None,
        raw_text: str | None = None,
        parse_mode: str | None = None,
        reply_markup: dict[str, Any] | None = None,
        message_id: int | None = None,
        sent_at: float | None = None,
    ) -> MessageRecord:
        mid = message_id if message_id is not None else chat.take_message_id()
        data: dict[str, Any] = {"message_id": mid}
        if thread_id is not None:
            data["message_thread_id"] = thread_id
        if sender is not None:
            data["from"] = sender.to_dict()
        if sender_chat is not None:
            data["sender_chat"] = sender_chat.to_dict()
        data["date"] = int(self.clock.time())
        data["chat"] = chat.to_dict(self.users)
        if thread_id is not None and chat.is_forum and thread_id in chat.topics:
            # a reply in the General topic has a thread id (the replied message's) but is not
            # a topic message
            data["is_topic_message"] = True
        if reply_to is not None:
            data["reply_to_message"] = {
                k: v for k, v in reply_to.data.items() if k != "reply_to_message"
            }
        data.update(content)
        from_bot = sender is not None and sender.id == self.bot.id
        if sender is not None and sender.is_bot and sender.id != ANONYMOUS_ADMIN_ID:
            chat.last_bot_id = sender.id
        if reply_markup and "inline_keyboard" in reply_markup:
            data["reply_markup"] = reply_markup
        rec = MessageRecord(
            chat.id, mid, data, from_bot=bool(from_bot), raw_text=raw_text, parse_mode=parse_mode
        )
        if reply_markup:
            rec.meta["reply_markup"] = reply_markup
        rec.sent_at = self.clock.now() if sent_at is None else sent_at
        chat.messages[mid] = rec
        return rec

    def bot_message_added(self, rec: MessageRecord) -> None:
        rec.from_bot = True
        chat = self.chats[rec.chat_id]
        mk = rec.meta.get("reply_markup")
        if mk:
            if "keyboard" in mk:
                chat.reply_keyboard = mk
            elif mk.get("remove_keyboard"):
                chat.reply_keyboard = None
        self.delivered[rec.chat_id] = self.delivered.get(rec.chat_id, 0) + 1
        self._event("new", rec)

    def bot_message_changed(self, rec: MessageRecord, kind: str = "edit") -> None:
        self._event(kind, rec)

    # ------------------------------------------------------------------ inspection
    def _event(self, kind: str, rec: MessageRecord) -> None:
        self._events.append((kind, rec))
        if not self._event_waiters:
            return
        for waiter in list(self._event_waiters):
            pred, chat_id, fut = waiter
            if fut.done():
                self._event_waiters.remove(waiter)
                continue
            if kind == "delete" or (chat_id is not None and rec.chat_id != chat_id):
                continue
            try:
                ok = pred(rec)
            except Exception as exc:  # surface predicate errors in the waiting test
                fut.set_exception(exc)
                self._event_waiters.remove(waiter)
                continue
            if ok:
                fut.set_result(rec)
                self._event_waiters.remove(waiter)

    def _notify_request(self, rec: RequestRecord) -> None:
        for waiter in list(self._request_waiters):
            pred, fut = waiter
            if fut.done():
                self._request_waiters.remove(waiter)
            elif pred(rec):
                fut.set_result(rec)
                self._request_waiters.remove(waiter)

    def mark(self, chat_id: int | None = None) -> int:
        """Start a new 'since' point for wait_for (done automatically on every scripted action,
        for that action's chat: concurrent users in different chats do not hide each other's
        replies)."""
        self._mark = len(self._events)
        if chat_id is not None:
            self._chat_marks[chat_id] = self._mark
        else:
            self._chat_marks.clear()
        return self._mark

    @staticmethod
    def chat_id_of(chat: Any) -> int:
        if isinstance(chat, int):
            return chat
        if hasattr(chat, "chat_id"):  # actors and MessageRecord
            return int(chat.chat_id)
        if hasattr(chat, "id"):
            return int(chat.id)
        raise TypeError(f"not a chat: {chat!r}")

    def sent(self, chat: Any = None, *, include_deleted: bool = False) -> list[MessageRecord]:
        """The bot's messages in a chat (or all chats) as they are now."""
        if chat is None:
            chats = list(self.chats.values())
        else:
            cid = self.chat_id_of(chat)
            chats = [self.chats[cid]] if cid in self.chats else []
        return [
            m
            for c in chats
            for m in c.messages.values()
            if m.from_bot and (include_deleted or not m.deleted)
        ]

    def last(self, chat: Any = None) -> MessageRecord | None:
        """The bot's most recent (not deleted) message in a chat."""
        msgs = self.sent(chat)
        if chat is None:
            msgs.sort(key=lambda m: (m.data.get("date", 0), m.message_id))
        return msgs[-1] if msgs else None

    def messages(self, chat: Any) -> list[MessageRecord]:
        """All messages (users' and the bot's) in a chat, deleted ones excluded."""
        c = self.chats.get(self.chat_id_of(chat))
        return [m for m in c.messages.values() if not m.deleted] if c else []

    def unanswered_callbacks(self) -> list[CallbackRecord]:
        """Callback queries the bot never answered (Telegram clients keep spinning)."""
        return [cb for cb in self.callbacks.values() if not cb.answered]

    def delivered_count(self, chat: Any) -> int:
        return self.delivered.get(self.chat_id_of(chat), 0)

    def calls(self, method: str, *, ok: bool | None = None) -> list[RequestRecord]:
        return [
            r for r in self.requests
            if r.method.lower() == method.lower() and (ok is None or r.ok == ok)
        ]

    async def wait_for(
        self,
        pred: Callable[[MessageRecord], bool] | str | None = None,
        *,
        chat_id: Any = None,
        timeout: float = 5.0,
        since: int | None = None,
    ) -> MessageRecord:
        """Wait for a new or edited bot message matching ``pred``.

        ``pred`` may be a callable, a substring of the text, or None (any). Messages sent or
        edited since the last scripted user action (or ``emu.mark()``) count, so no race with
        a bot that answers quickly.
        """
        if pred is None:
            fn: Callable[[MessageRecord], bool] = lambda m: True  # noqa: E731
        elif isinstance(pred, str):
            needle = pred
            fn = lambda m: needle in (m.text or "")  # noqa: E731
        else:
            fn = pred
        cid = self.chat_id_of(chat_id) if chat_id is not None else None
        if since is not None:
            start = since
        elif cid is not None:
            # a chat with no action of its own (e.g. a broadcast recipient): since the latest
            # action anywhere
            start = self._chat_marks.get(cid, self._mark)
        else:
            start = self._mark
        for kind, rec in self._events[start:]:
            if kind == "delete" or rec.deleted or (cid is not None and rec.chat_id != cid):
                continue
            if fn(rec):
                return rec
        fut = asyncio.get_running_loop().create_future()
        waiter = (fn, cid, fut)
        self._event_waiters.append(waiter)
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            recent = [r for _, r in self._events[start:]][-5:]
            raise AssertionError(
                f"no bot message matching {pred!r} in chat {cid} within {timeout}s; "
                f"recent bot messages: {recent}; last requests: "
                f"{[(r.method, r.status, r.description) for r in self.requests[-5:]]}"
            ) from None
        finally:
            if waiter in self._event_waiters:
                self._event_waiters.remove(waiter)

    async def wait_for_call(
        self,
        method: str,
        pred: Callable[[RequestRecord], bool] | None = None,
        *,
        timeout: float = 5.0,
    ) -> RequestRecord:
        """Wait for the next call of ``method`` (completed, any status) matching ``pred``."""
        fut = asyncio.get_running_loop().create_future()

        def match(r: RequestRecord) -> bool:
            return r.method.lower() == method.lower() and (pred is None or pred(r))

        waiter = (match, fut)
        self._request_waiters.append(waiter)
        try:
            return await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            raise AssertionError(f"no {method} call within {timeout}s") from None
        finally:
            if waiter in self._request_waiters:
                self._request_waiters.remove(waiter)

    async def quiet(self, seconds: float = 0.1, *, timeout: float = 5.0) -> None:
        """Wait until the bot has made no API call (other than getUpdates) for ``seconds``."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while loop.time() < end:
            n = sum(1 for r in self.requests if r.method != "getUpdates")
            await asyncio.sleep(seconds)
            if sum(1 for r in self.requests if r.method != "getUpdates") == n:
                return
        raise AssertionError(f"the bot kept calling the API for {timeout}s")

    def commands_for(
        self,
        scope: str = "default",
        language_code: str = "",
        *,
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> list[dict[str, str]]:
        return self.commands.get((scope_key(scope, chat_id, user_id), language_code), [])

    def effective_commands(
        self, chat: Any, user: Any = None, language_code: str | None = None
    ) -> list[dict[str, str]]:
        """The command menu a user sees in a chat, resolved in Telegram's scope order."""
        cid = self.chat_id_of(chat)
        c = self.chats.get(cid)
        if c is None:
            return []
        uid = self.chat_id_of(user) if user is not None else c.user_id
        if language_code is None:
            u = self.users.get(uid) if uid is not None else None
            language_code = (u.language_code or "")[:2] if u else ""
        if c.type == "private":
            scopes = [f"chat:{cid}", "all_private_chats", "default"]
        else:
            m = c.members.get(uid) if uid is not None else None
            admin = bool(m and m.is_admin)
            scopes = [f"chat_member:{cid}:{uid}"]
            if admin:
                scopes.append(f"chat_administrators:{cid}")
            scopes.append(f"chat:{cid}")
            if admin:
                scopes.append("all_chat_administrators")
            scopes += ["all_group_chats", "default"]
        for scope in scopes:
            for lang in ([language_code] if language_code else []) + [""]:
                if (scope, lang) in self.commands:
                    return self.commands[(scope, lang)]
        return []

    def reply_keyboard(self, chat: Any) -> list[list[str]] | None:
        c = self.chats.get(self.chat_id_of(chat))
        if not c or not c.reply_keyboard:
            return None
        return [
            [b if isinstance(b, str) else b["text"] for b in row]
            for row in c.reply_keyboard["keyboard"]
        ]

    # ------------------------------------------------------------------ actors
    def user(
        self,
        id: int | None = None,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        started: bool = False,
        is_premium: bool | None = None,
        is_bot: bool = False,
    ) -> Any:
        """A scripted user (created once per id). ``started=True``: already has a chat with
        the bot, so the bot can message them before they write. ``is_bot``: another bot in a
        group (with privacy mode, a bare /command then no longer reaches ours)."""
        from .actors import User

        if id is None:
            id = next(self._user_ids)
            while id in self.users:
                id = next(self._user_ids)
        if id in self._actors:
            actor = self._actors[id]
            if started:
                actor.ensure_private_chat()
            return actor
        state = UserState(
            id=id,
            first_name=first_name or f"User{id}",
            last_name=last_name,
            username=username,
            language_code=language_code,
            is_premium=is_premium,
            is_bot=is_bot,
        )
        self.users[id] = state
        actor = User(self, state)
        self._actors[id] = actor
        if started:
            actor.ensure_private_chat()
        return actor

    def anonymous_admin_bot(self) -> UserState:
        """GroupAnonymousBot: the `from` of messages anonymous administrators post."""
        state = self.users.get(ANONYMOUS_ADMIN_ID)
        if state is None:
            state = self.users[ANONYMOUS_ADMIN_ID] = UserState(
                id=ANONYMOUS_ADMIN_ID, first_name="Group", username="GroupAnonymousBot",
                is_bot=True,
            )
        return state

    def group(
        self,
        title: str = "Test group",
        *,
        supergroup: bool = False,
        forum: bool = False,
        username: str | None = None,
        id: int | None = None,
    ) -> Any:
        from .actors import Group

        if forum:
            supergroup = True
        if id is None:
            id = -(1000000000000 + next(self._super_ids)) if supergroup else -next(
                self._group_ids
            )
        chat = ChatState(
            id=id,
            type="supergroup" if supergroup else "group",
            title=title,
            username=username,
            is_forum=forum,
        )
        self.chats[id] = chat
        actor = Group(self, chat)
        self._actors[id] = actor
        return actor

    def channel(self, title: str = "Test channel", *, username: str | None = None,
                id: int | None = None) -> Any:
        from .actors import Channel

        if id is None:
            id = -(1000000000000 + next(self._super_ids))
        chat = ChatState(id=id, type="channel", title=title, username=username)
        self.chats[id] = chat
        owner = self.user(first_name=f"{title} owner")
        chat.members[owner.id] = MemberState("creator")
        actor = Channel(self, chat, owner)
        self._actors[id] = actor
        return actor

    def file_content(self, token: str, path: str) -> tuple[int, bytes]:
        """Serve ``/file/bot<token>/<file_path>`` (what getFile returned)."""
        if token not in self.tokens:
            return 401, b'{"ok":false,"error_code":401,"description":"Unauthorized"}'
        file_id = self.files_by_path.get(path)
        if file_id is None:
            return 404, b'{"ok":false,"error_code":404,"description":"Not Found"}'
        return 200, bytes(self.files[file_id].get("content") or b"")

    async def handle_path(
        self, path: str, params: dict[str, Any], http_method: str = "POST"
    ) -> tuple[int, bytes, str]:
        """Route an URL path like the Bot API server: /bot<token>/<method> and
        /file/bot<token>/<path>. Returns (status, body, content type)."""
        if "%" in path:
            path = unquote(path)
        m = _FILE_PATH.match(path) if "/file/bot" in path else None
        if m:
            status, content = self.file_content(m.group(1), m.group(2))
            return status, content, "application/octet-stream" if status == 200 else (
                "application/json")
        m = _METHOD_PATH.match(path)
        if not m:
            return 404, b'{"ok":false,"error_code":404,"description":"Not Found"}', (
                "application/json")
        status, body = await self.call_json(m.group(1), m.group(2), params)
        return status, body, "application/json"

    def make_bot(self, **kwargs: Any) -> Any:
        """A ``telegram.Bot`` using the in-process transport for all calls (incl. getUpdates)."""
        from telegram import Bot

        from .transport import EmulatorRequest

        return Bot(self.token, request=EmulatorRequest(self),
                   get_updates_request=EmulatorRequest(self), **kwargs)

    def new_file_id(self, kind: str) -> tuple[str, str]:
        n = next(self._file_ids)
        return f"EMU{kind.upper()}{n:08d}AgADBAAD", f"EMUU{kind[:3]}{n:06d}"


_FILE_PATH = re.compile(r"^(?:.*)?/file/bot([^/]+)/(.+)$")
_METHOD_PATH = re.compile(r"^(?:.*)?/bot([^/]*)/([^/]+)/?$")


def scope_key(scope: Any, chat_id: Any = None, user_id: Any = None) -> str:
    """'default', 'all_private_chats', 'chat:<id>', 'chat_member:<chat>:<user>', ..."""
    if isinstance(scope, dict):
        typ = scope.get("type", "default")
        chat_id = scope.get("chat_id", chat_id)
        user_id = scope.get("user_id", user_id)
    else:
        typ = scope or "default"
    if typ in ("chat", "chat_administrators"):
        return f"{typ}:{chat_id}"
    if typ == "chat_member":
        return f"{typ}:{chat_id}:{user_id}"
    return str(typ)


def is_local_url(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in ("127.0.0.1", "localhost", "::1")

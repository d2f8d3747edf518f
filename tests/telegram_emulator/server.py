"""The HTTP face of the emulator: a Starlette app served by uvicorn on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .core import EmulatorCore
from .errors import ApiError
from .params import parse_body


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # leave the test runner's signals alone
        yield


async def _wait_disconnect(request: Request) -> None:
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


def build_app(core: EmulatorCore) -> Starlette:
    async def endpoint(request: Request) -> Response:
        try:
            body = await request.body()
            params = parse_body(request.headers.get("content-type"), body, request.url.query)
        except ApiError as err:
            import json

            return Response(json.dumps(err.to_json()), status_code=err.code,
                            media_type="application/json")
        call = asyncio.ensure_future(core.handle_path(request.url.path, params, request.method))
        watch = asyncio.ensure_future(_wait_disconnect(request))
        try:
            await asyncio.wait({call, watch}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            watch.cancel()
        if not call.done():  # the client went away (e.g. a cancelled long poll): stop too
            call.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await call
            return Response(b"", status_code=499)
        status, content, ctype = call.result()
        return Response(content, status_code=status, media_type=ctype)

    return Starlette(
        routes=[
            Route("/_emulator/{action:path}", control_endpoint(core), methods=["GET", "POST"]),
            Route("/{path:path}", endpoint, methods=["GET", "POST"]),
        ]
    )


def _message_json(m: Any) -> dict[str, Any]:
    return {"chat_id": m.chat_id, "message_id": m.message_id, "text": m.text, "html": m.html,
            "buttons": m.buttons, "thread_id": m.thread_id, "reply_to": m.reply_to,
            "edited": m.edited}


def control_endpoint(core: EmulatorCore) -> Any:
    """A small JSON control API for driving the emulator from outside the process (manual
    runs, load tools): scripted users and inspection. Not part of the Bot API."""
    import json

    from starlette.responses import JSONResponse

    from .actors import ScriptError

    async def handle(request: Request) -> Response:
        action = request.path_params["action"].strip("/")
        body: dict[str, Any] = {}
        if request.method == "POST":
            raw = await request.body()
            body = json.loads(raw) if raw else {}
        parts = action.split("/")
        try:
            if action == "info":
                return JSONResponse({"token": core.token, "bot": core.bot.to_dict(),
                                     "pending": len(core.pending),
                                     "webhook": (core.webhook or {}).get("url")})
            if parts[0] == "users" and len(parts) == 3:
                uid = int(parts[1])
                user = core.user(id=uid, first_name=body.get("first_name"),
                                 language_code=body.get("language_code", "en"))
                chat = body.get("chat_id")
                if parts[2] == "send":
                    rec = await user.send(body["text"], chat=chat, reply_to=body.get("reply_to"),
                                          thread_id=body.get("thread_id"))
                elif parts[2] == "press":
                    rec = await user.press(int(body["message_id"]), body["button"], chat=chat)
                    return JSONResponse({"callback_query_id": rec.id})
                elif parts[2] == "block":
                    user.block_bot()
                    return JSONResponse({"ok": True})
                elif parts[2] == "unblock":
                    user.unblock_bot()
                    return JSONResponse({"ok": True})
                else:
                    return JSONResponse({"error": "unknown action"}, status_code=404)
                return JSONResponse(_message_json(rec))
            if parts[0] == "chats" and len(parts) == 3 and parts[2] == "sent":
                return JSONResponse([_message_json(m) for m in core.sent(int(parts[1]))])
            if parts[0] == "wait" and request.method == "POST":
                rec = await core.wait_for(body.get("contains"), chat_id=body.get("chat_id"),
                                          timeout=float(body.get("timeout", 5)))
                return JSONResponse(_message_json(rec))
            if action == "requests":
                limit = int(request.query_params.get("limit", "50"))
                return JSONResponse([
                    {"method": r.method, "status": r.status, "description": r.description,
                     "time": r.time} for r in core.requests[-limit:]])
        except (ScriptError, AssertionError, KeyError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"error": "unknown action"}, status_code=404)

    return handle


class BotApiEmulator(EmulatorCore):
    """The emulator with its HTTP server. ``async with BotApiEmulator() as emu:`` then point
    python-telegram-bot at ``emu.base_url`` (and ``emu.base_file_url``)."""

    def __init__(self, *args: Any, host: str = "127.0.0.1", port: int = 0, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the emulator only listens on loopback")
        self.host = host
        self.port = port
        self._server: _Server | None = None
        self._sock: socket.socket | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    async def start(self) -> BotApiEmulator:
        # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on such sockets (else +40 ms)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(128)
        sock.setblocking(False)
        self._sock = sock
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            build_app(self),
            log_level="warning",
            lifespan="off",
            access_log=False,
            timeout_graceful_shutdown=1,
            timeout_keep_alive=30,
        )
        logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
        config.load()
        server = _Server(config)
        server.lifespan = config.lifespan_class(config)
        # startup()/shutdown are driven directly (no main loop): no 0.1 s ticks on stop
        await server.startup(sockets=[sock])
        self._server = server
        return self

    async def close(self) -> None:
        await super().close()
        server, self._server = self._server, None
        if server is not None:
            for srv in server.servers:
                srv.close()
            for connection in list(server.server_state.connections):
                connection.shutdown()
            await asyncio.sleep(0)
            tasks = list(server.server_state.tasks)
            if tasks:
                _, pending = await asyncio.wait(tasks, timeout=0.5)
                for task in pending:
                    task.cancel()
            for srv in server.servers:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(srv.wait_closed(), 1)
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    async def __aenter__(self) -> BotApiEmulator:
        return await self.start()


class EmulatorThread:
    """A BotApiEmulator running in its own thread and event loop.

    For tests that block (``subprocess.run``, ``proc.wait``, synchronous clients): the emulator
    keeps answering meanwhile. Interact through ``run`` (coroutines, run in the emulator's loop)
    and ``call`` (plain functions, run in the emulator's loop)::

        with EmulatorThread() as t:
            env["TELEGRAM_API_BASE_URL"] = t.emu.base_url
            ann = t.call(t.emu.user, first_name="Ann")
            t.run(ann.send("/start"))
            msg = t.run(t.emu.wait_for("Welcome", chat_id=ann, timeout=10))
    """

    def __init__(self, **kwargs: Any):
        self._kwargs = kwargs
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: Any = None
        self.emu: BotApiEmulator = None  # type: ignore[assignment]

    def __enter__(self) -> EmulatorThread:
        import threading

        ready = threading.Event()
        errors: list[BaseException] = []

        def main() -> None:
            loop = asyncio.new_event_loop()
            self.loop = loop
            asyncio.set_event_loop(loop)
            try:
                self.emu = loop.run_until_complete(BotApiEmulator(**self._kwargs).start())
            except BaseException as exc:  # surface startup errors in the caller
                errors.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self.emu.close())
                loop.close()

        self._thread = threading.Thread(target=main, name="bot-api-emulator", daemon=True)
        self._thread.start()
        ready.wait(10)
        if errors:
            raise errors[0]
        return self

    def __exit__(self, *exc: object) -> None:
        if self.loop is not None and self._thread is not None:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)

    def run(self, coro: Any, timeout: float = 30) -> Any:
        """Run a coroutine in the emulator's loop and return its result."""
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a plain function in the emulator's loop (thread-safe state changes)."""

        async def wrapper() -> Any:
            return fn(*args, **kwargs)

        return self.run(wrapper())

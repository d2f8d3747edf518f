"""An in-process python-telegram-bot transport: calls the emulator core without any network.

    app = (Application.builder().token(emu.token)
           .request(EmulatorRequest(emu)).get_updates_request(EmulatorRequest(emu)).build())

Parameters go through the same encoding as PTB's HTTP requests (strings raw, the rest
JSON-encoded, files as uploads), so the core sees exactly what the HTTP server would.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from telegram._utils.defaultvalue import DefaultValue
from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from .core import EmulatorCore
from .params import UploadedFile


class EmulatorRequest(BaseRequest):
    def __init__(self, core: EmulatorCore, *, read_timeout: float | None = 5.0):
        self.core = core
        self._read_timeout = read_timeout
        self.calls = 0

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        self.calls += 1
        parts = urlsplit(url)
        params: dict[str, Any] = {}
        if request_data is not None:
            params.update(request_data.json_parameters)
            for name, value in request_data.multipart_data.items():
                filename, content, mime = ((*tuple(value), None, None))[:3]
                if hasattr(content, "read"):
                    content = content.read()
                params[name] = UploadedFile(str(filename), bytes(content), mime)
        if parts.query:
            from urllib.parse import parse_qsl

            params.update(parse_qsl(parts.query, keep_blank_values=True))
        timeout = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        coro = self.core.handle_path(parts.path, params, method)
        try:
            if timeout is None:
                status, body, _ = await coro
            else:
                status, body, _ = await asyncio.wait_for(coro, timeout)
        except TimeoutError as exc:
            raise TimedOut from exc
        return status, body

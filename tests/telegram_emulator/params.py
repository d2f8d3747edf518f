"""Request parameters as Telegram reads them: from a query string, a form, multipart or JSON.

Form and multipart values are strings (python-telegram-bot sends strings raw and everything else
JSON-encoded); JSON bodies carry native values. :class:`Params` gives typed access to both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

from .errors import bad_request


@dataclass
class UploadedFile:
    filename: str
    content: bytes
    mime_type: str | None = None


_MISSING = object()


class Params:
    def __init__(self, values: dict[str, Any] | None = None):
        self.values: dict[str, Any] = dict(values or {})

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def get(self, name: str, default: Any = None) -> Any:
        v = self.values.get(name, _MISSING)
        if v is _MISSING or v is None:
            return default
        return v

    def raw(self) -> dict[str, Any]:
        return self.values

    def str(self, name: str, default: str | None = None, *, required: bool = False) -> Any:
        v = self.get(name)
        if v is None:
            if required:
                raise bad_request(f"{name} is empty")
            return default
        if isinstance(v, UploadedFile):
            raise bad_request(f"{name} must be a string")
        if isinstance(v, bool):
            return "true" if v else "false"
        return v if isinstance(v, str) else str(v)

    def int(self, name: str, default: int | None = None, *, required: bool = False) -> Any:
        v = self.get(name)
        if v is None or v == "":
            if required:
                raise bad_request(f"{name} is empty")
            return default
        if isinstance(v, bool):
            raise bad_request(f"invalid {name} specified")
        if isinstance(v, int):
            return v
        if isinstance(v, float) and v.is_integer():
            return int(v)
        try:
            return int(str(v).strip())
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def float(self, name: str, default: float | None = None) -> Any:
        v = self.get(name)
        if v is None or v == "":
            return default
        try:
            return float(v)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def bool(self, name: str, default: bool = False) -> bool:
        v = self.get(name)
        if v is None or v == "":
            return default
        if isinstance(v, bool):
            return v
        if isinstance(v, int | float):
            return bool(v)
        s = str(v).strip().lower()
        if s in ("true", "1", "yes", "on"):
            return True
        if s in ("false", "0", "no", "off"):
            return False
        raise bad_request(f"invalid {name} specified")

    def json(self, name: str, default: Any = None, *, error: str | None = None) -> Any:
        """A JSON-serialized parameter (object or array): accepts the native value too."""
        v = self.get(name)
        if v is None or v == "":
            return default
        if isinstance(v, str):
            try:
                return json.loads(v)
            except ValueError:
                raise bad_request(error or f"can't parse {name} JSON object") from None
        return v

    def chat_id(self, name: str = "chat_id", *, required: bool = True) -> Any:
        """An int, or an ``@username`` string."""
        v = self.get(name)
        if v is None or v == "":
            if required:
                raise bad_request("chat_id is empty" if name == "chat_id" else f"{name} is empty")
            return None
        if isinstance(v, int) and not isinstance(v, bool):
            return v
        s = str(v).strip()
        if s.startswith("@"):
            return s
        try:
            return int(s)
        except ValueError:
            raise bad_request("chat not found") from None


def parse_body(content_type: str | None, body: bytes, query: str = "") -> dict[str, Any]:
    """Parse an HTTP request body the way the Bot API does."""
    values: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True)) if query else {}
    ctype = (content_type or "").split(";")[0].strip().lower()
    if not body:
        return values
    if ctype == "application/json":
        try:
            data = json.loads(body.decode("utf-8"))
        except ValueError:
            raise bad_request("can't parse JSON") from None
        if not isinstance(data, dict):
            raise bad_request("JSON object expected")
        values.update(data)
    elif ctype == "application/x-www-form-urlencoded" or not ctype:
        values.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    elif ctype == "multipart/form-data":
        values.update(parse_multipart(content_type or "", body))
    else:
        raise bad_request(f"unsupported Content-Type {ctype}")
    return values


def parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    msg = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    values: dict[str, Any] = {}
    if not msg.is_multipart():
        raise bad_request("can't parse multipart/form-data")
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            values[str(name)] = UploadedFile(
                filename=filename, content=payload, mime_type=part.get_content_type()
            )
        else:
            charset = part.get_content_charset() or "utf-8"
            values[str(name)] = payload.decode(charset, "replace")
    return values

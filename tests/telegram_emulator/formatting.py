"""Text formatting like the Bot API: parse_mode HTML / MarkdownV2 / Markdown into (text, entities).

Offsets and lengths of entities are in UTF-16 code units, as in Telegram. Parse errors raise
:class:`ParseError`, whose message becomes ``Bad Request: can't parse entities: <message>``. The
wording of the messages follows tdlib (the library behind the real Bot API server).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "ParseError",
    "auto_entities",
    "parse_text",
    "strip_text",
    "utf16_len",
]


class ParseError(ValueError):
    pass


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


HTML_TAGS = {
    "a",
    "b",
    "strong",
    "i",
    "em",
    "s",
    "strike",
    "del",
    "u",
    "ins",
    "tg-spoiler",
    "tg-emoji",
    "tg-time",
    "span",
    "pre",
    "code",
    "blockquote",
}
_SIMPLE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
}
_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_PLAIN_RE = re.compile(r"[^<&]+")
_BARE_TAG_RE = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)>")
_TAGS_WITH_REQUIRED_ATTRS = frozenset({"span", "tg-emoji", "tg-time"})  # their errors: below


def _decode_entity(m: re.Match[str]) -> str:
    if m.group(1):
        return _NAMED[m.group(1)]
    code = int(m.group(2)) if m.group(2) else int(m.group(3), 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    return chr(code)


def _decode_attr(value: str) -> str:
    return _ENTITY_RE.sub(_decode_entity, value)


def parse_html(text: str, *, strict_ampersand: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram's HTML subset. Raises ParseError like the Bot API."""
    out: list[str] = []
    pos16 = 0  # UTF-16 length of what is in `out`
    stack: list[tuple[str, int, dict[str, str], int]] = []  # tag, start16, attrs, begin index
    entities: list[dict[str, Any]] = []
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        if c == "&":
            m = _ENTITY_RE.match(text, i)
            if m:
                ch = _decode_entity(m)
                out.append(ch)
                pos16 += utf16_len(ch)
                i = m.end()
                continue
            if strict_ampersand:
                raise ParseError(
                    "Character '&' must be escaped as \"&amp;\" unless it starts a supported "
                    f"HTML entity, at byte offset {_byte_offset(text, i)}"
                )
            out.append(c)
            pos16 += 1
            i += 1
            continue
        if c != "<":
            # a run of plain text at once (character by character was most of the parse)
            m = _PLAIN_RE.match(text, i)
            run = m.group()  # type: ignore[union-attr]
            out.append(run)
            pos16 += len(run.encode("utf-16-le")) // 2 if not run.isascii() else len(run)
            i = m.end()  # type: ignore[union-attr]
            continue
        begin = i
        bare = _BARE_TAG_RE.match(text, i)
        if bare is not None:  # the common <b>, <i>, <a>: no attributes to read
            tag = bare.group(1).lower()
            if tag in HTML_TAGS and tag not in _TAGS_WITH_REQUIRED_ATTRS:
                stack.append((tag, pos16, {}, begin))
                i = bare.end()
                continue
        i += 1
        if i < n and text[i] != "/":
            j = i
            while j < n and not text[j].isspace() and text[j] != ">":
                j += 1
            if j >= n:
                raise ParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            tag = text[i:j].lower()
            if tag not in HTML_TAGS:
                raise ParseError(
                    f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, begin)}'
                )
            attrs: dict[str, str] = {}
            while True:
                while j < n and text[j].isspace():
                    j += 1
                if j >= n:
                    raise ParseError(
                        f"Unclosed start tag at byte offset {_byte_offset(text, begin)}"
                    )
                if text[j] == ">":
                    break
                k = j
                while k < n and not text[k].isspace() and text[k] not in "=>":
                    k += 1
                name = text[j:k].lower()
                if not name:
                    raise ParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset '
                        f"{_byte_offset(text, begin)}"
                    )
                j = k
                while j < n and text[j].isspace():
                    j += 1
                if j >= n:
                    raise ParseError(
                        f"Unclosed start tag at byte offset {_byte_offset(text, begin)}"
                    )
                if text[j] != "=":
                    # a bare attribute (e.g. <blockquote expandable>)
                    attrs[name] = ""
                    continue
                j += 1
                while j < n and text[j].isspace():
                    j += 1
                if j >= n:
                    raise ParseError(
                        f"Unclosed start tag at byte offset {_byte_offset(text, begin)}"
                    )
                if text[j] in "\"'":
                    q = text[j]
                    end = text.find(q, j + 1)
                    if end < 0:
                        raise ParseError(
                            f"Unclosed start tag at byte offset {_byte_offset(text, begin)}"
                        )
                    value = text[j + 1 : end]
                    j = end + 1
                else:
                    k = j
                    while k < n and not text[k].isspace() and text[k] != ">":
                        k += 1
                    value = text[j:k]
                    j = k
                attrs[name] = _decode_attr(value)
            i = j + 1
            if tag == "span" and attrs.get("class") != "tg-spoiler":
                raise ParseError('Tag "span" must have class "tg-spoiler"')
            if tag == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
                raise ParseError("Custom emoji entity must contain a valid custom emoji identifier")
            if tag == "tg-time":
                # <tg-time unix="1647531900" format="wDT">…</tg-time> (Bot API, formatting
                # options): a Unix time, and an optional format matching r|w?[dD]?[tT]?
                if not re.fullmatch(r"\d{1,12}", attrs.get("unix", "")):
                    raise ParseError("Date-time entity must contain a valid Unix time")
                if not re.fullmatch(r"r|w?[dD]?[tT]?", attrs.get("format", "")):
                    raise ParseError("Invalid date-time entity format specified")
            stack.append((tag, pos16, attrs, begin))
            continue
        # end tag
        end = text.find(">", i)
        if end < 0:
            raise ParseError(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
        tag = text[i + 1 : end].lower()
        if not stack:
            raise ParseError(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
        open_tag, start16, attrs, _ = stack[-1]
        if tag != open_tag:
            raise ParseError(
                f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
                f'expected "</{open_tag}>", found "</{tag}>"'
            )
        stack.pop()
        i = end + 1
        length = pos16 - start16
        if length <= 0:
            continue
        ent: dict[str, Any] = {"offset": start16, "length": length}
        if open_tag == "a":
            href = attrs.get("href", "")
            m = re.fullmatch(r"tg://user\?id=(\d+)", href)
            if m:
                ent.update(type="text_mention", user={"id": int(m.group(1))})
            else:
                if not href:
                    href = "".join(out)[-length:] if length else ""
                ent.update(type="text_link", url=href)
        elif open_tag == "tg-emoji":
            ent.update(type="custom_emoji", custom_emoji_id=attrs["emoji-id"])
        elif open_tag == "tg-time":
            ent.update(type="date_time", unix_time=int(attrs["unix"]))
            if attrs.get("format"):
                ent["date_time_format"] = attrs["format"]
        elif open_tag == "blockquote":
            ent["type"] = "expandable_blockquote" if "expandable" in attrs else "blockquote"
        elif open_tag == "code" and stack and stack[-1][0] == "pre":
            lang = attrs.get("class", "")
            if lang.startswith("language-"):
                # merged into the enclosing pre as its language
                stack[-1][2]["__language"] = lang[len("language-") :]
                continue
            ent["type"] = "code"
        elif open_tag == "pre":
            ent["type"] = "pre"
            if attrs.get("__language"):
                ent["language"] = attrs["__language"]
        else:
            ent["type"] = _SIMPLE[open_tag]
        entities.append(ent)
    if stack:
        raise ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")


def parse_markdown_v2(text: str) -> tuple[str, list[dict[str, Any]]]:
    """A faithful-enough MarkdownV2 parser (tdlib's rules for reserved characters)."""
    out: list[str] = []
    pos16 = 0
    stack: list[tuple[str, int, int]] = []  # marker, start16, begin index
    entities: list[dict[str, Any]] = []
    n = len(text)
    i = 0

    def emit(ch: str) -> None:
        nonlocal pos16
        out.append(ch)
        pos16 += utf16_len(ch)

    def close(marker: str, typ: str, **extra: Any) -> None:
        _, start16, _ = stack.pop()
        if pos16 > start16:
            entities.append({"type": typ, "offset": start16, "length": pos16 - start16, **extra})

    names = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}
    line_start = True
    quote_start: int | None = None
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and 0 < ord(text[i + 1]) < 127:
            emit(text[i + 1])
            i += 2
            line_start = False
            continue
        if c == "`":
            if text.startswith("```", i):
                end = text.find("```", i + 3)
                if end < 0:
                    raise ParseError(
                        f"Can't find end of Pre entity at byte offset {_byte_offset(text, i)}"
                    )
                body = text[i + 3 : end]
                lang = ""
                nl = body.find("\n")
                if nl >= 0 and body[:nl].strip() and " " not in body[:nl].strip():
                    lang, body = body[:nl].strip(), body[nl + 1 :]
                body = re.sub(r"\\([`\\])", r"\1", body)
                start = pos16
                for ch in body:
                    emit(ch)
                ent: dict[str, Any] = {"type": "pre", "offset": start, "length": pos16 - start}
                if lang:
                    ent["language"] = lang
                if pos16 > start:
                    entities.append(ent)
                i = end + 3
                continue
            end = i + 1
            while end < n and text[end] != "`":
                end += 2 if text[end] == "\\" else 1
            if end >= n:
                raise ParseError(
                    f"Can't find end of Code entity at byte offset {_byte_offset(text, i)}"
                )
            body = re.sub(r"\\([`\\])", r"\1", text[i + 1 : end])
            start = pos16
            for ch in body:
                emit(ch)
            if pos16 > start:
                entities.append({"type": "code", "offset": start, "length": pos16 - start})
            i = end + 1
            continue
        if c == ">" and line_start:
            if quote_start is None:
                quote_start = pos16
            i += 1
            line_start = False
            continue
        if c == "\n":
            emit(c)
            i += 1
            line_start = True
            if quote_start is not None and not (i < n and text[i] == ">"):
                length = pos16 - 1 - quote_start
                if length > 0:
                    entities.append({"type": "blockquote", "offset": quote_start, "length": length})
                quote_start = None
            continue
        line_start = False
        marker = None
        if text.startswith("__", i):
            marker = "__"
        elif text.startswith("||", i):
            marker = "||"
        elif c in "*_~":
            marker = c
        if marker:
            if stack and stack[-1][0] == marker:
                close(marker, names[marker])
            elif any(m == marker for m, _, _ in stack):
                raise ParseError(
                    f"Can't find end of {names[marker].capitalize()} entity at byte offset "
                    f"{_byte_offset(text, stack[-1][2])}"
                )
            else:
                stack.append((marker, pos16, i))
            i += len(marker)
            continue
        if c == "!" and i + 1 < n and text[i + 1] == "[":
            # ![👍](tg://emoji?id=…) and ![text](tg://time?unix=…&format=…) (Bot API)
            stack.append(("![", pos16, i))
            i += 2
            continue
        if c == "[":
            stack.append(("[", pos16, i))
            i += 1
            continue
        if c == "]" and stack and stack[-1][0] in ("[", "!["):
            if i + 1 >= n or text[i + 1] != "(":
                raise ParseError(
                    f"Can't find end of a URL at byte offset {_byte_offset(text, i)}"
                )
            end = text.find(")", i + 2)
            while end > 0 and text[end - 1] == "\\":
                end = text.find(")", end + 1)
            if end < 0:
                raise ParseError(
                    f"Can't find end of a URL at byte offset {_byte_offset(text, i)}"
                )
            url = re.sub(r"\\(.)", r"\1", text[i + 2 : end])
            m = re.fullmatch(r"tg://user\?id=(\d+)", url)
            if stack[-1][0] == "![":
                emoji = re.fullmatch(r"tg://emoji\?id=(\d+)", url)
                when = re.fullmatch(r"tg://time\?unix=(\d{1,12})(?:&format=([^&]*))?", url)
                if emoji:
                    close("![", "custom_emoji", custom_emoji_id=emoji.group(1))
                elif when and re.fullmatch(r"r|w?[dD]?[tT]?", when.group(2) or ""):
                    extra: dict[str, Any] = {"unix_time": int(when.group(1))}
                    if when.group(2):
                        extra["date_time_format"] = when.group(2)
                    close("![", "date_time", **extra)
                else:
                    raise ParseError("Invalid custom emoji or date-time URL specified")
            elif m:
                close("[", "text_mention", user={"id": int(m.group(1))})
            else:
                close("[", "text_link", url=url)
            i = end + 1
            continue
        if c in _MDV2_RESERVED:
            raise ParseError(
                f"Character '{c}' is reserved and must be escaped with the preceding '\\'"
            )
        emit(c)
        i += 1
    if quote_start is not None and pos16 > quote_start:
        length = pos16 - quote_start
        entities.append({"type": "blockquote", "offset": quote_start, "length": length})
    if stack:
        marker, _, begin = stack[-1]
        name = "TextUrl" if marker in ("[", "![") else names[marker].capitalize()
        raise ParseError(
            f"Can't find end of {name} entity at byte offset {_byte_offset(text, begin)}"
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def parse_markdown(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Legacy Markdown: *bold* _italic_ `code` ```pre``` [text](url); no nesting."""
    out: list[str] = []
    pos16 = 0
    entities: list[dict[str, Any]] = []
    n = len(text)
    i = 0

    def emit(s: str) -> None:
        nonlocal pos16
        out.append(s)
        pos16 += utf16_len(s)

    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            emit(text[i + 1])
            i += 2
            continue
        if c in "*_`" or (c == "[" and True):
            if text.startswith("```", i):
                end = text.find("```", i + 3)
                if end < 0:
                    raise ParseError(
                        f"Can't find end of the entity starting at byte offset "
                        f"{_byte_offset(text, i)}"
                    )
                start = pos16
                emit(text[i + 3 : end])
                if pos16 > start:
                    entities.append({"type": "pre", "offset": start, "length": pos16 - start})
                i = end + 3
                continue
            if c == "[":
                close_br = text.find("](", i + 1)
                end = text.find(")", close_br + 2) if close_br >= 0 else -1
                if close_br < 0 or end < 0:
                    raise ParseError(
                        f"Can't find end of the entity starting at byte offset "
                        f"{_byte_offset(text, i)}"
                    )
                start = pos16
                emit(text[i + 1 : close_br])
                if pos16 > start:
                    entities.append(
                        {
                            "type": "text_link",
                            "offset": start,
                            "length": pos16 - start,
                            "url": text[close_br + 2 : end],
                        }
                    )
                i = end + 1
                continue
            end = text.find(c, i + 1)
            if end < 0:
                raise ParseError(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            start = pos16
            emit(text[i + 1 : end])
            typ = {"*": "bold", "_": "italic", "`": "code"}[c]
            if pos16 > start:
                entities.append({"type": typ, "offset": start, "length": pos16 - start})
            i = end + 1
            continue
        emit(c)
        i += 1
    return "".join(out), entities


def strip_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Trim leading/trailing whitespace like Telegram, shifting and clipping entities."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    fixed = []
    for e in entities:
        start = max(e["offset"] - lead, 0)
        end = min(e["offset"] + e["length"] - lead, total)
        if end > start:
            fixed.append({**e, "offset": start, "length": end - start})
    return stripped, fixed


def parse_text(
    text: str,
    parse_mode: str | None,
    entities: list[dict[str, Any]] | None = None,
    *,
    strict_ampersand: bool = True,
) -> tuple[str, list[dict[str, Any]]]:
    """Apply parse_mode (or explicit entities) and return (plain text, entities).

    Raises ParseError for malformed markup and ValueError("unsupported parse_mode").
    """
    if parse_mode:
        mode = parse_mode.lower()
        if mode == "html":
            return parse_html(text, strict_ampersand=strict_ampersand)
        if mode == "markdownv2":
            return parse_markdown_v2(text)
        if mode == "markdown":
            return parse_markdown(text)
        raise ValueError("unsupported parse_mode")
    return text, list(entities or [])


_AUTO_RE = re.compile(
    r"(?P<bot_command>(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?)"
    r"|(?P<url>\bhttps?://[^\s]+)"
    r"|(?P<mention>(?<![\w@])@[A-Za-z0-9_]{4,32})"
    r"|(?P<hashtag>(?<![\w#])#\w+)"
)


def auto_entities(text: str) -> list[dict[str, Any]]:
    """Entities Telegram detects in plain text sent by a user (commands, URLs, mentions...)."""
    entities = []
    for m in _AUTO_RE.finditer(text):
        kind = m.lastgroup
        assert kind is not None
        entities.append(
            {
                "type": kind,
                "offset": utf16_len(text[: m.start()]),
                "length": utf16_len(m.group(0)),
            }
        )
    return entities

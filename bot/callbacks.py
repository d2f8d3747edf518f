"""Callback data: what a button press carries, in at most 64 bytes.

`ACTION|OWNER|REVISION|ARG1|ARG2`. OWNER is the user whose session the button belongs to (empty
in private chats, where the chat is the user); REVISION is the session's revision when the button
was drawn, so a press on an older message is recognised as stale rather than applied to whatever
question is current. Anything that does not parse is treated as a stale (or forged) button.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

MAX_BYTES = 64

ANSWER = "a"  # ARG1 = state (question id), ARG2 = button key
CHANGE = "c"  # ARG1 = question id
JUMP = "j"  # ARG1 = question id not yet answered ("see my result now": answer just that)
NAV = "n"  # ARG1 = back | restart | summary | current | now
LANGUAGE = "l"  # ARG1 = language
FORGET = "f"  # ARG1 = yes | no
SCHEME = "s"  # ARG1 = scheme id, "list" or "check"
COMPARE = "m"  # ARG1 = t (toggle) | go | new | c (compare in new messages), ARG2 = hex mask
GROUP_SETTINGS = "g"  # ARG1 = lang | results | quiet, ARG2 = the new value
ACTIONS = {ANSWER, CHANGE, JUMP, NAV, LANGUAGE, FORGET, SCHEME, GROUP_SETTINGS, COMPARE}
BROADCAST = "b"  # REVISION = job id; ARG1 = aud|menu|when|ok|no|pause|resume|cancel|resend
SUBSCRIBE = "u"  # ARG1 = r (after a result), ARG2 = hex mask of scheme ids
RESULT = "r"  # REVISION = fingerprint of the answers; ARG1 = d (details) | w (why not) | r (the
# result again), ARG2 = a result key such as TTPS:C
FOLLOWUP = "k"  # "tell me if my result changes" (issue 14): ARG1 = on (REVISION = the answers'
# fingerprint) | off; an admin's preview: ok | no (REVISION = the re-evaluation run)
ACTIONS |= {BROADCAST, SUBSCRIBE, RESULT, FOLLOWUP}
REMIND = "d"  # deadline reminders: ARG1 = add (REVISION = the answers' fingerprint) | x (cancel
# the scheme key in ARG2) | xa (cancel all)
ACTIONS |= {REMIND}


@dataclass(frozen=True, slots=True)
class Callback:
    action: str
    owner: int | None
    revision: int | None
    arg1: str = ""
    arg2: str = ""

    def encode(self) -> str:
        return encode(self.action, self.owner, self.revision, self.arg1, self.arg2)


def _head(action: str, owner: int | None, revision: int | None, arg1: str) -> str:
    """Every field but the last, with its separators."""
    owner_ = "" if owner is None else str(owner)
    revision_ = "" if revision is None else str(revision)
    return f"{action}|{owner_}|{revision_}|{arg1}|"


def encode(
    action: str, owner: int | None, revision: int | None, arg1: str = "", arg2: str = ""
) -> str:
    """`Callback(...).encode()` without building the Callback (screens draw many buttons)."""
    return encode_all(action, owner, revision, arg1, (arg2,))[0]


def encode_all(
    action: str, owner: int | None, revision: int | None, arg1: str, args: Iterable[str]
) -> list[str]:
    """`Callback(action, owner, revision, arg1, arg2).encode()` for each `arg2` in `args`, the
    part they share built once (a question draws a dozen buttons on every update)."""
    head = _head(action, owner, revision, arg1)
    size = len(head.encode())
    out = []
    for arg2 in args:
        data = head + arg2
        if size + len(arg2.encode()) > MAX_BYTES:
            raise ValueError(f"callback data too long: {data!r}")
        out.append(data)
    return out


def pattern(*actions: str) -> str:
    """The `CallbackQueryHandler` pattern for buttons of these actions: `^(a|b)\\|`. The update
    router (bot/dispatch.py) reads this form back, so a press is offered only to the handlers
    of its own action."""
    return "^(" + "|".join(actions) + r")\|"


def decode(data: str | None) -> Callback | None:
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split("|")
    if len(parts) != 5 or parts[0] not in ACTIONS:
        return None
    action, owner, revision, arg1, arg2 = parts
    try:
        return Callback(
            action,
            int(owner) if owner else None,
            int(revision) if revision else None,
            arg1,
            arg2,
        )
    except ValueError:
        return None

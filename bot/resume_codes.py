"""Resume codes: a short code that brings a person's answers into another chat of theirs.

A code is random (`secrets`), eight characters from an alphabet without look-alikes (no 0/O,
1/I/L), shown as `ABCD-EFGH`: about 40 bits. It belongs to one Telegram user: only they can use
it, so a code seen in a group is of no use to anyone else, and a wrong code answers the same
whether a code exists or not. The store keeps a hash of the user id and the code, never the code.
Guessing is limited per user (wrong tries an hour, `RESUME_ATTEMPTS_PER_HOUR`), and a code lasts
`RESUME_CODE_DAYS` days (counted from BOT_TODAY when set), one code per user: a new one replaces it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, timedelta

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8
MAX_TYPED = 40  # what is read of a typed code


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def shown(code: str) -> str:
    """The code as people read it: ABCD-EFGH."""
    return f"{code[:4]}-{code[4:]}"


def normalise(typed: str) -> str | None:
    """A typed code in its stored form (case, spaces and dashes do not matter), or None."""
    code = "".join(ch for ch in typed[:MAX_TYPED].upper() if ch not in " -_")
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def code_hash(user_id: int, code: str) -> str:
    return hashlib.sha256(f"{user_id}:{code}".encode()).hexdigest()


def matches(user_id: int, code: str, stored_hash: str) -> bool:
    return hmac.compare_digest(code_hash(user_id, code), stored_hash)


def last_valid_day(today: date, days: int) -> date:
    return today + timedelta(days=days)


def still_valid(expires_on: str, today: date) -> bool:
    return today.isoformat() <= expires_on

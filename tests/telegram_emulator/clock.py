"""Emulated time: real monotonic time times a scale, plus manual advances."""

from __future__ import annotations

import asyncio
import time


class Clock:
    """``now()`` is emulated seconds since creation; ``time()`` the emulated Unix time.

    ``scale`` > 1 makes emulated time run faster than real time (rate-limit windows, callback
    query expiry and retry_after are measured in emulated seconds); ``advance(s)`` jumps ahead.
    """

    def __init__(self, scale: float = 1.0):
        if scale <= 0:
            raise ValueError("scale must be positive")
        self._scale = scale
        self._t0 = time.monotonic()
        self._epoch0 = time.time()
        self._offset = 0.0

    @property
    def scale(self) -> float:
        return self._scale

    @scale.setter
    def scale(self, value: float) -> None:
        """Change the speed from now on (emulated time stays continuous)."""
        if value <= 0:
            raise ValueError("scale must be positive")
        self._offset = self.now()
        self._t0 = time.monotonic()
        self._scale = value

    def now(self) -> float:
        return (time.monotonic() - self._t0) * self._scale + self._offset

    def time(self) -> float:
        return self._epoch0 + self.now()

    def advance(self, seconds: float) -> None:
        self._offset += seconds

    def real_seconds(self, emulated: float) -> float:
        return emulated / self._scale

    async def sleep(self, emulated: float) -> None:
        await asyncio.sleep(max(0.0, emulated) / self._scale)

"""Flood control and injected failures: the errors a bot meets only in production.

Reminder bursts and retry paths are where bots break, and the real server
never fails on demand; these two pieces make it fail in tests, on purpose.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from sandbox.errors import ApiError, make_error, too_many_requests

GLOBAL_PER_SECOND = 30
CHAT_PER_SECOND = 1
WINDOW = 1.0


class RateLimiter:
    """Sliding one-second windows: about 30 messages a second overall, 1 per chat."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._overall: deque[float] = deque()
        self._per_chat: dict[int, deque[float]] = {}

    def acquire(self, chat_id: int) -> None:
        """Count one message to ``chat_id`` or raise 429 with the seconds to wait."""
        now = self._clock()
        chat = self._per_chat.setdefault(chat_id, deque())
        waits = [
            self._wait(self._overall, GLOBAL_PER_SECOND, now),
            self._wait(chat, CHAT_PER_SECOND, now),
        ]
        if max(waits) > 0:
            raise too_many_requests(max(1, math.ceil(max(waits))))
        self._overall.append(now)
        chat.append(now)

    @staticmethod
    def _wait(window: deque[float], limit: int, now: float) -> float:
        while window and window[0] <= now - WINDOW:
            window.popleft()
        if len(window) < limit:
            return 0.0
        return window[0] + WINDOW - now


@dataclass
class _Fault:
    method: str
    error: ApiError
    remaining: int
    chat_id: int | None


class FaultInjector:
    """Failures queued by tests: the next N calls of a method (in one chat) fail."""

    def __init__(self) -> None:
        self._faults: list[_Fault] = []

    def add(
        self,
        method: str,
        *,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (to ``chat_id``, if given) fail with this error."""
        error = make_error(error_code, description, retry_after)
        self._faults.append(_Fault(method.lower(), error, times, chat_id))

    def take(self, method: str, chat_id: int | None) -> ApiError | None:
        """The error for this call, if one is queued; consumes one use of it."""
        for fault in self._faults:
            if fault.method == method.lower() and fault.chat_id in (None, chat_id):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault.error
        return None

    def clear(self) -> None:
        self._faults.clear()

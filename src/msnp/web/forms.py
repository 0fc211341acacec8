"""Form posts: bounded `application/x-www-form-urlencoded` parsing, and the per-address
limit on sign-ups."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from urllib.parse import parse_qs

from msnp.web.messages import Request

log = logging.getLogger(__name__)

#: Forms here are a few short fields; anything bigger is not one of ours.
MAX_FORM_BYTES = 16384
MAX_FORM_FIELDS = 16
SIGNUP_WINDOW = 3600.0


class FormError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def parse_form(request: Request) -> dict[str, str]:
    """The fields of a urlencoded body (first value of each). Raises FormError."""
    if len(request.body) > MAX_FORM_BYTES:
        raise FormError(413, "The form is too large.")
    kind = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if kind not in ("", "application/x-www-form-urlencoded"):
        raise FormError(415, "Send the form as application/x-www-form-urlencoded.")
    try:
        text = request.body.decode("utf-8")
        fields = parse_qs(
            text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS,
            encoding="utf-8", errors="strict",
        )
    except ValueError:  # includes UnicodeDecodeError and too many fields
        raise FormError(400, "The form could not be read.") from None
    return {name: values[0] for name, values in fields.items()}


# ---- sign-up rate limit ---------------------------------------------------------------------


class SignupLimiter:
    """At most `limit` sign-ups per client address in any `window` seconds (0: no limit).

    A slot is taken just before the account is created and given back if creation fails,
    so only real sign-ups count and concurrent requests cannot overshoot."""

    def __init__(
        self, limit: int, window: float = SIGNUP_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._events: dict[str, deque[float]] = {}
        self._sweep_at = 1024

    def _recent(self, address: str, now: float) -> deque[float]:
        events = self._events.get(address)
        if events is None:
            return deque()
        while events and events[0] <= now - self.window:
            events.popleft()
        if not events:
            del self._events[address]
        return events

    def _sweep(self, now: float) -> None:
        if len(self._events) < self._sweep_at:
            return
        for address in list(self._events):
            self._recent(address, now)
        self._sweep_at = max(1024, 2 * len(self._events))

    def acquire(self, address: str) -> bool:
        if self.limit <= 0:
            return True
        now = self._clock()
        self._sweep(now)
        events = self._recent(address, now)
        if len(events) >= self.limit:
            return False
        events.append(now)
        self._events[address] = events
        return True

    def release(self, address: str) -> None:
        events = self._events.get(address)
        if events:
            events.pop()
            if not events:
                del self._events[address]

    def retry_after(self, address: str) -> int:
        """Seconds until the next sign-up from `address` would be accepted."""
        now = self._clock()
        events = self._recent(address, now)
        if len(events) < self.limit:
            return 0
        return max(1, int(events[0] + self.window - now + 0.999))

"""Form posts: bounded `application/x-www-form-urlencoded` parsing, and the per-address
limit on sign-ups."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from urllib.parse import parse_qs

from msnp.services.throttle import SlidingWindow
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
        self._recent = SlidingWindow(window, clock)

    def acquire(self, address: str) -> bool:
        if self.limit <= 0:
            return True
        if self._recent.count(address) >= self.limit:
            return False
        self._recent.add(address)
        return True

    def release(self, address: str) -> None:
        self._recent.remove_last(address)

    def retry_after(self, address: str) -> int:
        """Seconds until the next sign-up from `address` would be accepted."""
        return self._recent.retry_after(address, self.limit) if self.limit > 0 else 0

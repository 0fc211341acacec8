"""Sliding-window counters: sign-ups per address, and wrong passwords per address and per
account, so a password cannot be guessed at the speed of the network."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TypeVar

from msnp.config import PassportConfig


class SlidingWindow:
    """Events per key over the last `window` seconds. Keys whose events have all aged out
    are dropped (all of them once the table grows), so memory follows recent activity."""

    def __init__(self, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self._clock = clock
        self._events: dict[str, deque[float]] = {}
        self._sweep_at = 1024

    def count(self, key: str) -> int:
        return len(self._recent(key, self._clock()))

    def add(self, key: str) -> None:
        now = self._clock()
        self._sweep(now)
        events = self._recent(key, now)
        events.append(now)
        self._events[key] = events

    def remove_last(self, key: str) -> None:
        events = self._events.get(key)
        if events:
            events.pop()
            if not events:
                del self._events[key]

    def clear(self, key: str) -> None:
        self._events.pop(key, None)

    def retry_after(self, key: str, limit: int) -> int:
        """Whole seconds until `key` has fewer than `limit` events (0: it has already)."""
        now = self._clock()
        events = self._recent(key, now)
        if len(events) < limit:
            return 0
        oldest_that_counts = events[len(events) - limit]
        return max(1, int(oldest_that_counts + self.window - now + 0.999))

    def __len__(self) -> int:
        return len(self._events)

    def _recent(self, key: str, now: float) -> deque[float]:
        events = self._events.get(key)
        if events is None:
            return deque()
        while events and events[0] <= now - self.window:
            events.popleft()
        if not events:
            del self._events[key]
        return events

    def _sweep(self, now: float) -> None:
        if len(self._events) < self._sweep_at:
            return
        for key in list(self._events):
            self._recent(key, now)
        self._sweep_at = max(1024, 2 * len(self._events))


T = TypeVar("T")


class TooManyFailures(Exception):
    """Refused without checking the password; `retry_after` seconds until it is checked."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many wrong passwords; retry in {retry_after} s")
        self.retry_after = retry_after


class FailedSignIns:
    """Wrong passwords per client address and per account. Once either has reached its
    limit within the window, `retry_after` is non-zero and callers refuse the attempt without
    checking the password. A right password clears the account's count (its owner is back),
    never the address's (one good account must not reset a guesser's budget). A limit of 0
    turns that count off."""

    def __init__(
        self,
        per_address: int,
        per_account: int,
        window: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_address = per_address
        self.per_account = per_account
        self._addresses = SlidingWindow(window, clock)
        self._accounts = SlidingWindow(window, clock)

    async def attempt(
        self, address: str, account: str, check: Callable[[], Awaitable[T | None]]
    ) -> T | None:
        """Run `check` (a password verification: None when wrong) and count its outcome;
        past a limit, raise TooManyFailures without running it."""
        wait = self.retry_after(address, account)
        if wait:
            raise TooManyFailures(wait)
        result = await check()
        if result is None:
            self.failed(address, account)
        else:
            self.succeeded(account)
        return result

    def retry_after(self, address: str, account: str) -> int:
        """Seconds until an attempt from `address` on `account` may be checked (0: now)."""
        wait = 0
        if self.per_address > 0:
            wait = self._addresses.retry_after(address, self.per_address)
        if self.per_account > 0:
            wait = max(wait, self._accounts.retry_after(account, self.per_account))
        return wait

    def failed(self, address: str, account: str) -> None:
        if self.per_address > 0:
            self._addresses.add(address)
        if self.per_account > 0:
            self._accounts.add(account)

    def succeeded(self, account: str) -> None:
        self._accounts.clear(account)

    @classmethod
    def from_config(cls, passport: PassportConfig) -> FailedSignIns:
        return cls(passport.failures_per_address, passport.failures_per_account,
                   passport.failure_window)

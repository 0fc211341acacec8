"""argon2id password hashing on a small dedicated thread pool, never on the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from msnp.config import PasswordConfig

# Hashed once per hasher; logins for unknown accounts verify against it (result discarded) so
# they cost the same as a wrong password.
_DUMMY_PASSWORD = "msnp dummy password for timing equalisation"

T = TypeVar("T")


class PasswordHasher:
    """Hash and verify with argon2id at the cost in `PasswordConfig`.

    Work runs on `hash_threads` threads of its own, so slow hashing can neither stall the
    event loop nor exhaust the loop's default executor. Call `close()` when done."""

    def __init__(self, config: PasswordConfig) -> None:
        self._config = config
        self._argon2 = argon2.PasswordHasher(
            time_cost=max(1, config.time_cost),
            memory_cost=max(8 * max(1, config.parallelism), config.memory_cost),
            parallelism=max(1, config.parallelism),
            type=argon2.Type.ID,
        )
        self._executor = ThreadPoolExecutor(
            max_workers=max(1, config.hash_threads), thread_name_prefix="argon2"
        )
        self._dummy_hash: str | None = None

    @property
    def config(self) -> PasswordConfig:
        return self._config

    async def _run(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    async def hash(self, password: str) -> str:
        """A new argon2id hash (random salt) of `password`."""
        return await self._run(partial(self._argon2.hash, password))

    async def verify(self, stored_hash: str, password: str) -> bool:
        """True when `password` matches `stored_hash`; False for a mismatch or a damaged hash."""
        return await self._run(partial(self._verify_sync, stored_hash, password))

    async def verify_dummy(self, password: str) -> None:
        """Spend the time a real verification takes, for an account that does not exist."""
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash(_DUMMY_PASSWORD)
        await self.verify(self._dummy_hash, password)

    def needs_rehash(self, stored_hash: str) -> bool:
        """True when `stored_hash` was made with other parameters than the configured ones."""
        try:
            return self._argon2.check_needs_rehash(stored_hash)
        except (InvalidHashError, ValueError):
            return True

    def _verify_sync(self, stored_hash: str, password: str) -> bool:
        try:
            return self._argon2.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    async def close(self) -> None:
        """Stop the hashing threads once the work in progress is done."""
        await asyncio.to_thread(self._executor.shutdown, wait=True)

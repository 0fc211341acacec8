"""argon2id hashing: correct, parameterized by config, and never on the event loop."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from typing import Any

import argon2
import pytest

from msnp.config import PasswordConfig
from msnp.services.passwords import PasswordHasher


async def test_hash_and_verify(password_hasher: PasswordHasher) -> None:
    stored = await password_hasher.hash("correct horse")
    assert stored.startswith("$argon2id$")
    assert await password_hasher.verify(stored, "correct horse")
    assert not await password_hasher.verify(stored, "Correct horse")
    assert not await password_hasher.verify(stored, "")
    # Salted: the same password hashes differently each time.
    assert stored != await password_hasher.hash("correct horse")


async def test_a_damaged_hash_never_verifies(password_hasher: PasswordHasher) -> None:
    assert not await password_hasher.verify("not a hash", "x")
    assert not await password_hasher.verify("$argon2id$v=19$m=1024,t=1,p=1$garbage", "x")


async def test_the_configured_cost_is_used(password_config: PasswordConfig) -> None:
    hasher = PasswordHasher(replace(password_config, time_cost=2, memory_cost=2048))
    try:
        params = argon2.extract_parameters(await hasher.hash("pw"))
    finally:
        await hasher.close()
    assert (params.time_cost, params.memory_cost, params.type) == (2, 2048, argon2.Type.ID)


async def test_needs_rehash_when_the_cost_changes(password_config: PasswordConfig) -> None:
    cheap = PasswordHasher(password_config)
    dearer = PasswordHasher(replace(password_config, time_cost=password_config.time_cost + 1))
    try:
        stored = await cheap.hash("pw")
        assert not cheap.needs_rehash(stored)
        assert dearer.needs_rehash(stored)
        assert await dearer.verify(stored, "pw")  # old hashes still verify
    finally:
        await cheap.close()
        await dearer.close()


async def test_hashing_runs_on_its_own_threads(
    password_hasher: PasswordHasher, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    real = password_hasher._argon2

    class Spy:
        def __getattr__(self, name: str) -> Any:
            method = getattr(real, name)

            def call(*args: Any) -> Any:
                seen.append(threading.current_thread().name)
                return method(*args)

            return call

    monkeypatch.setattr(password_hasher, "_argon2", Spy())
    stored = await password_hasher.hash("pw")
    await password_hasher.verify(stored, "pw")
    await password_hasher.verify_dummy("pw")
    assert seen and all(name.startswith("argon2") for name in seen)
    assert threading.main_thread().name not in seen


async def test_the_loop_keeps_running_while_hashing(password_config: PasswordConfig) -> None:
    # A realistic cost (tens of ms a hash): long enough that a loop blocked by hashing would
    # show, whatever else the machine is doing.
    hasher = PasswordHasher(replace(password_config, time_cost=3, memory_cost=32768))
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    try:
        await asyncio.gather(*(hasher.hash("pw") for _ in range(4)))
    finally:
        task.cancel()
        await hasher.close()
    # Hashing on the loop would leave the ticker at most one turn per hash.
    assert ticks > 10

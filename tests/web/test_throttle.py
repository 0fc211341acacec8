"""Wrong passwords are counted per address and per account, for Passport and the account
pages together; past the limit the password is not even checked until the window moves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from msnp.app import RunningService
from msnp.config import ConfigError
from msnp.services.throttle import FailedSignIns, SlidingWindow
from service_helpers import make_config, passport_login, running

from .conftest import FakeClock
from .test_pages import BOB, BOB_PASSWORD, passport_refuses, post

WINDOW = 1.0


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[RunningService]:
    config = make_config(tmp_path, passport={
        "failures_per_address": 5, "failures_per_account": 3, "failure_window": WINDOW})
    async with running(config) as svc:
        await svc.accounts.create(BOB, BOB_PASSWORD, "Bob")
        await svc.accounts.create("carol@example.com", "carol-pw", "Carol")
        yield svc


def test_sliding_window_counts_forgets_and_says_when() -> None:
    clock = FakeClock()
    window = SlidingWindow(10.0, clock)
    for _ in range(3):
        window.add("a")
        clock.now += 1
    assert window.count("a") == 3 and window.count("b") == 0
    assert window.retry_after("a", 3) == 7  # the first (at -3 s) ages out 10 s after it
    assert window.retry_after("a", 4) == 0
    clock.now += 7
    assert window.count("a") == 2
    clock.now += 100
    assert window.count("a") == 0 and len(window) == 0  # nothing left of a stale key


def test_failed_sign_ins_limits_and_success() -> None:
    clock = FakeClock()
    failures = FailedSignIns(per_address=4, per_account=2, window=60, clock=clock)
    failures.failed("1.2.3.4", "bob")
    assert failures.retry_after("1.2.3.4", "bob") == 0
    failures.failed("5.6.7.8", "bob")  # another address, same account
    assert failures.retry_after("9.9.9.9", "bob") == 60  # the account is shielded
    failures.succeeded("bob")  # its owner got in: the account count starts over
    assert failures.retry_after("9.9.9.9", "bob") == 0
    for account in ("c", "d", "e"):
        failures.failed("1.2.3.4", account)
    assert failures.retry_after("1.2.3.4", "f") == 60  # four from one address
    failures.succeeded("f")  # a success does not reset the address
    assert failures.retry_after("1.2.3.4", "f") == 60
    assert FailedSignIns(0, 0, 60, clock).retry_after("x", "y") == 0  # 0: off


async def test_passport_stops_checking_after_too_many_wrong_passwords(
    service: RunningService,
) -> None:
    for _ in range(3):
        assert await passport_refuses(service, BOB, "guess")
    # Now even the right password is refused, looking exactly like a wrong one.
    assert await passport_refuses(service, BOB, BOB_PASSWORD)
    # Another account from the same address still gets in (the address budget is 5).
    await passport_login(service, "carol@example.com", "carol-pw", "lc=1033,id=507")
    await asyncio.sleep(WINDOW + 0.1)
    await passport_login(service, BOB, BOB_PASSWORD, "lc=1033,id=507")


async def test_account_pages_share_the_count_and_answer_429(service: RunningService) -> None:
    for _ in range(3):
        assert await passport_refuses(service, BOB, "guess")
    form = {"email": BOB, "password": BOB_PASSWORD, "new_password": "n2",
            "new_password2": "n2"}
    refused = await post(service, "/account/password", form)
    assert refused.status == 429
    assert refused.header("Retry-After") == "1"
    assert b"Too many wrong passwords" in refused.body
    deleting = await post(service, "/account/delete",
                          {"email": BOB, "password": BOB_PASSWORD, "confirm": "yes"})
    assert deleting.status == 429
    assert await service.accounts.get(BOB) is not None  # nothing happened
    await asyncio.sleep(WINDOW + 0.1)
    changed = await post(service, "/account/password", form)
    assert changed.status == 200


def test_a_window_of_zero_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="failure_window"):
        make_config(tmp_path, passport={"failure_window": 0})


async def test_wrong_passwords_on_the_pages_count_for_passport(service: RunningService) -> None:
    form = {"email": BOB, "password": "guess", "new_password": "n2", "new_password2": "n2"}
    for _ in range(3):
        assert (await post(service, "/account/password", form)).status == 401
    assert (await post(service, "/account/password", form)).status == 429
    assert await passport_refuses(service, BOB, BOB_PASSWORD)

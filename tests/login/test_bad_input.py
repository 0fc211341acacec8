"""Bad input on the DS and NS: each gets the documented reply or disconnect, and other
sessions carry on (issue 3)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from msnp.wire.codec import MAX_LINE_LENGTH
from service_helpers import login_raw, make_config, passport_login, running
from wire_helpers import Wire


@pytest.fixture
async def service(tmp_path: Path):  # type: ignore[no-untyped-def]
    config = make_config(
        tmp_path, notification={"login_timeout": 0.5, "challenge_delay": 3600}
    )
    async with running(config) as svc:
        await svc.accounts.create("alice@example.com", "alice-pw", "Alice")
        await svc.accounts.create("bob@example.com", "bob-pw", "Bob")
        yield svc


async def _bystander(service) -> Wire:  # type: ignore[no-untyped-def]
    """A signed-in session that must be unaffected by someone else's bad input."""
    return await login_raw(service, "bob@example.com", "bob-pw", status="NLN")


async def _still_alive(wire: Wire) -> None:
    await wire.send("PNG")
    await wire.expect("QNG 60")


async def _negotiated(service) -> Wire:  # type: ignore[no-untyped-def]
    wire = await Wire.connect("127.0.0.1", service.ports["notification"])
    await wire.send("VER 1 MSNP9 MSNP8 CVR0")
    await wire.expect("VER 1 MSNP9")
    return wire


@pytest.mark.parametrize("port_name", ["dispatch", "notification"])
async def test_unknown_command_disconnects(service, port_name: str) -> None:  # type: ignore[no-untyped-def]
    bob = await _bystander(service)
    wire = await Wire.connect("127.0.0.1", service.ports[port_name])
    await wire.send("VER 1 MSNP9 MSNP8 CVR0")
    await wire.expect("VER 1 MSNP9")
    await wire.send("XYZ 2 hello")
    await wire.expect_closed()
    await _still_alive(bob)


async def test_command_before_ver_disconnects(service) -> None:  # type: ignore[no-untyped-def]
    wire = await Wire.connect("127.0.0.1", service.ports["notification"])
    await wire.send("USR 1 TWN I alice@example.com")
    await wire.expect_closed()


async def test_command_in_wrong_state_disconnects(service) -> None:  # type: ignore[no-untyped-def]
    bob = await _bystander(service)
    wire = await _negotiated(service)
    await wire.send("SYN 2 0")  # needs a login
    await wire.expect_closed()
    wire = await _negotiated(service)
    await wire.send("USR 2 TWN S t=abc&p=def")  # TWN S before TWN I
    await wire.expect_closed()
    await _still_alive(bob)


async def test_no_common_dialect(service) -> None:  # type: ignore[no-untyped-def]
    wire = await Wire.connect("127.0.0.1", service.ports["dispatch"])
    await wire.send("VER 1 MSNP12 MSNP11 CVR0")
    await wire.expect("VER 1 0")
    await wire.expect_closed()


async def test_second_ver_is_not_expected(service) -> None:  # type: ignore[no-untyped-def]
    wire = await _negotiated(service)
    await wire.send("VER 2 MSNP9")
    await wire.expect("715 2")
    await wire.expect_closed()


async def test_bad_ticket(service) -> None:  # type: ignore[no-untyped-def]
    bob = await _bystander(service)
    wire = await _negotiated(service)
    await wire.send("USR 2 TWN I alice@example.com")
    await wire.expect("USR 2 TWN S {challenge}")
    await wire.send("USR 3 TWN S t=forged-ticket-value&p=whatever")
    await wire.expect("911 3")
    await wire.expect_closed()
    await _still_alive(bob)


async def test_reused_ticket(service) -> None:  # type: ignore[no-untyped-def]
    first = await _negotiated(service)
    await first.send("USR 2 TWN I alice@example.com")
    challenge = (await first.expect("USR 2 TWN S {challenge}"))["challenge"]
    from_pp = await passport_login(service, "alice@example.com", "alice-pw", challenge)
    await first.send(f"USR 3 TWN S {from_pp}")
    await first.expect("USR 3 OK alice@example.com Alice 1 0")

    second = await _negotiated(service)
    await second.send("USR 2 TWN I alice@example.com")
    await second.expect("USR 2 TWN S {challenge}")
    await second.send(f"USR 3 TWN S {from_pp}")
    await second.expect("911 3")
    await second.expect_closed()


async def test_ticket_of_another_account(service) -> None:  # type: ignore[no-untyped-def]
    wire = await _negotiated(service)
    await wire.send("USR 2 TWN I alice@example.com")
    challenge = (await wire.expect("USR 2 TWN S {challenge}"))["challenge"]
    bobs = await passport_login(service, "bob@example.com", "bob-pw", challenge)
    await wire.send(f"USR 3 TWN S {bobs}")
    await wire.expect("911 3")
    await wire.expect_closed()


@pytest.mark.parametrize(
    "line",
    [
        "USR 2",  # too few parameters
        "USR 2 MD5 I alice@example.com",  # MD5 was removed in MSNP8
        "USR 2 TWN X alice@example.com",  # unknown stage
        "USR TWN I alice@example.com",  # no transaction id
    ],
)
async def test_malformed_usr_disconnects(service, line: str) -> None:  # type: ignore[no-untyped-def]
    wire = await _negotiated(service)
    await wire.send(line)
    await wire.expect_closed()


async def test_handle_without_domain(service) -> None:  # type: ignore[no-untyped-def]
    wire = await _negotiated(service)
    await wire.send("USR 2 TWN I alice")
    await wire.expect("911 2")
    await wire.expect_closed()


async def test_usr_after_login_is_207(service) -> None:  # type: ignore[no-untyped-def]
    wire = await login_raw(service, "alice@example.com", "alice-pw")
    await wire.send("USR 4 TWN I alice@example.com")
    await wire.expect("207 4")
    await _still_alive(wire)


async def test_overlong_line(service) -> None:  # type: ignore[no-untyped-def]
    bob = await _bystander(service)
    wire = await _negotiated(service)
    await wire.send_raw(b"CVR 2 " + b"x" * (MAX_LINE_LENGTH + 10))  # no newline needed
    await wire.expect_closed()
    await _still_alive(bob)


async def test_line_that_is_not_utf8(service) -> None:  # type: ignore[no-untyped-def]
    bob = await _bystander(service)
    wire = await _negotiated(service)
    await wire.send_raw(b"CVR 2 0x0409 \xff\xfe\xfd winnt\r\n")
    await wire.expect_closed()
    await _still_alive(bob)


async def test_client_that_says_nothing_is_closed(service) -> None:  # type: ignore[no-untyped-def]
    bob = await _bystander(service)
    wire = await Wire.connect("127.0.0.1", service.ports["notification"])
    await wire.expect_closed(timeout=3.0)  # login_timeout is 0.5 s in this test
    dispatch = await Wire.connect("127.0.0.1", service.ports["dispatch"])
    await dispatch.expect_closed(timeout=3.0)
    await _still_alive(bob)


async def test_silent_after_login_is_closed(tmp_path: Path) -> None:
    config = make_config(
        tmp_path, notification={"idle_timeout": 0.5, "challenge_delay": 3600}
    )
    async with running(config) as service:
        await service.accounts.create("alice@example.com", "alice-pw", "Alice")
        wire = await login_raw(service, "alice@example.com", "alice-pw")
        await wire.expect_closed(timeout=3.0)


async def test_client_msg_to_ns_disconnects(service) -> None:  # type: ignore[no-untyped-def]
    wire = await login_raw(service, "alice@example.com", "alice-pw")
    await wire.send("MSG 4 N 5", b"hello")
    await wire.expect_closed()


async def test_server_error_is_500_and_session_continues(service, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    wire = await login_raw(service, "alice@example.com", "alice-pw")

    async def broken(*args: object) -> int:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(service.lists, "set_gtc", broken)
    await wire.send("GTC 4 N")
    await wire.expect("500 4")
    await _still_alive(wire)


async def test_many_bad_clients_do_not_disturb(service) -> None:  # type: ignore[no-untyped-def]
    bob = await _bystander(service)

    async def junk(i: int) -> None:
        wire = await Wire.connect("127.0.0.1", service.ports["notification"])
        await wire.send_raw(bytes([i % 256]) * 300 + b"\r\n\x00\xff\r\n")
        await wire.expect_closed()

    await asyncio.gather(*(junk(i) for i in range(50)))
    await _still_alive(bob)


async def test_connections_per_address_are_bounded(tmp_path: Path) -> None:
    config = make_config(
        tmp_path, notification={"max_connections_per_ip": 3, "challenge_delay": 3600}
    )
    async with running(config) as svc:
        await svc.accounts.create("alice@example.com", "alice-pw", "Alice")
        held = [await Wire.connect("127.0.0.1", svc.ports["notification"]) for _ in range(3)]
        for wire in held:  # each is served
            await wire.send("VER 1 MSNP9")
            await wire.expect("VER 1 MSNP9")
        extra = await Wire.connect("127.0.0.1", svc.ports["dispatch"])
        await extra.send("VER 1 MSNP9")
        with pytest.raises((EOFError, ConnectionError)):
            await extra.read()
        await held[0].close()
        await asyncio.sleep(0.1)
        again = await login_raw(svc, "alice@example.com", "alice-pw")  # a slot is free again
        await again.send("PNG")
        await again.expect("QNG 60")

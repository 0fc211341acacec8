"""The HTTP polling gateway over real HTTP against a real service: NS login, presence, a
switchboard chat, polling, expiry and bad input."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from msnp.services.models import ListBits
from service_helpers import login_raw, make_config, passport_login, running
from wire_helpers import Wire

from .tunnel import Tunnel, post

CVR = "CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 6.0.0602 MSMSGS alice@example.com"


async def _accounts(svc: Any) -> None:
    await svc.accounts.create("alice@example.com", "alice-pw", "Alice")
    await svc.accounts.create("bob@example.com", "bob-pw", "Bob")
    for owner, other, name in (
        ("alice@example.com", "bob@example.com", "Bob"),
        ("bob@example.com", "alice@example.com", "Alice"),
    ):
        await svc.lists.add_contact(owner, ListBits.FL, other, name, None)
        await svc.lists.add_contact(owner, ListBits.AL, other, name, None)


@pytest.fixture
async def service(tmp_path: Path):  # type: ignore[no-untyped-def]
    config = make_config(tmp_path, notification={"challenge_delay": 3600})
    async with running(config) as svc:
        await _accounts(svc)
        yield svc


async def gateway_login(svc: Any, email: str, password: str, *, absolute: bool = False,
                        status: str | None = "NLN") -> tuple[Tunnel, dict[str, str]]:
    """MSNP9 sign-in through the gateway; returns the tunnel and the profile's fields."""
    tunnel = Tunnel(svc.ports["http"], absolute=absolute)
    reply = await tunnel.open("NS", "messenger.hotmail.com", "VER 1 MSNP9 MSNP8 CVR0")
    assert reply.body == b"VER 1 MSNP9\r\n"  # the reply rides on the same POST's answer
    assert tunnel.gw_ip == "messenger.hotmail.com"
    await tunnel.expect("VER 1 MSNP9")
    await tunnel.send(CVR.replace("alice@example.com", email))
    assert (await tunnel.read()).name == "CVR"
    await tunnel.send(f"USR 3 TWN I {email}")
    challenge = (await tunnel.expect("USR 3 TWN S {challenge}"))["challenge"]
    from_pp = await passport_login(svc, email, password, challenge)
    await tunnel.send(f"USR 4 TWN S {from_pp}")
    await tunnel.expect(f"USR 4 OK {email} {{name}} 1 0")
    message = await tunnel.read()
    assert message.name == "MSG" and message.payload is not None
    fields = message.payload.decode().split("\r\n")
    profile = dict(line.split(": ", 1) for line in fields if ": " in line)
    assert profile["Content-Type"].startswith("text/x-msmsgsprofile")
    await tunnel.expect("MSG Hotmail Hotmail {n}")  # initial mail notice
    await tunnel.send("SYN 5 0")
    await tunnel.expect("SYN 5 {version} 1 1")  # one contact, one group
    while True:  # the list dump, up to the last LST
        command = await tunnel.read()
        if command.name == "LST":
            break
    if status is not None:
        await tunnel.send(f"CHG 6 {status} 0")
        await tunnel.expect(f"CHG 6 {status} 0")
    return tunnel, profile


async def test_msnp9_login_through_gateway(service: Any) -> None:
    tunnel, profile = await gateway_login(service, "alice@example.com", "alice-pw",
                                          absolute=True)
    assert profile["ClientIP"] == "127.0.0.1"
    assert profile["ClientPort"] == "0"
    assert "." in (tunnel.session_id or "")
    assert service.presence.get("alice@example.com") is not None
    await tunnel.send("PNG")
    await tunnel.expect("QNG 60")
    await tunnel.send("OUT")
    await tunnel.expect("OUT")
    assert tunnel.closed  # Session=close on the answer that carried OUT
    assert service.presence.get("alice@example.com") is None
    gone = await post(service.ports["http"],
                      f"/gateway/gateway.dll?Action=poll&SessionID={tunnel.session_id}")
    assert gone.status == 400


async def test_presence_between_gateway_and_tcp(service: Any) -> None:
    bob = await login_raw(service, "bob@example.com", "bob-pw", status="NLN")
    alice, _ = await gateway_login(service, "alice@example.com", "alice-pw", status=None)
    await alice.send("CHG 6 NLN 0")
    await alice.expect("CHG 6 NLN 0")
    await alice.expect("ILN 6 NLN bob@example.com Bob 0")
    await bob.expect("NLN NLN alice@example.com Alice 0")
    # Bob's change reaches alice only when she polls.
    await bob.send("CHG 6 BSY 0")
    await bob.expect("CHG 6 BSY 0")
    await asyncio.sleep(0.1)
    reply = await alice.poll()
    assert reply.body == b"NLN BSY bob@example.com Bob 0\r\n"
    await alice.expect("NLN BSY bob@example.com Bob 0")
    empty = await alice.poll()
    assert empty.body == b"" and empty.headers["content-length"] == "0"
    await alice.send("CHG 7 AWY 0")
    await alice.expect("CHG 7 AWY 0")
    await bob.expect("NLN AWY alice@example.com Alice 0")


async def test_switchboard_chat_through_gateway(service: Any) -> None:
    bob = await login_raw(service, "bob@example.com", "bob-pw", status="NLN")
    alice, _ = await gateway_login(service, "alice@example.com", "alice-pw")
    await alice.expect("ILN 6 NLN bob@example.com Bob 0")
    await bob.expect("NLN NLN alice@example.com Alice 0")
    await alice.send("XFR 10 SB")
    xfr = await alice.expect("XFR 10 SB {address} CKI {cookie}")
    host = xfr["address"].rsplit(":", 1)[0]

    sb = Tunnel(service.ports["http"], absolute=True)
    reply = await sb.open("SB", host, f"USR 1 alice@example.com {xfr['cookie']}")
    assert sb.gw_ip == host
    assert reply.body == b"USR 1 OK alice@example.com Alice\r\n"
    await sb.expect("USR 1 OK alice@example.com Alice")
    await sb.send("CAL 2 bob@example.com")
    session_id = (await sb.expect("CAL 2 RINGING {sid}"))["sid"]

    ring = await bob.expect("RNG {sid} {address} CKI {cookie} alice@example.com Alice")
    assert ring["sid"] == session_id
    sb_host, sb_port = ring["address"].rsplit(":", 1)
    bob_sb = await Wire.connect(sb_host, int(sb_port))
    await bob_sb.send(f"ANS 1 bob@example.com {ring['cookie']} {ring['sid']}")
    await bob_sb.expect("IRO 1 1 1 alice@example.com Alice")
    await bob_sb.expect("ANS 1 OK")
    await sb.expect("JOI bob@example.com Bob")

    text = b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nhello bob"
    await sb.send(f"MSG 3 A {len(text)}", text)
    await bob_sb.expect(f"MSG alice@example.com Alice {len(text)}",
                        payload=text.decode())
    await sb.expect("ACK 3")
    answer = b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nhi alice"
    await bob_sb.send(f"MSG 2 N {len(answer)}", answer)
    await sb.expect(f"MSG bob@example.com Bob {len(answer)}", payload=answer.decode())

    await sb.send("OUT")
    assert sb.closed
    await bob_sb.expect("BYE alice@example.com")


async def test_idle_tunnel_expires_like_a_closed_socket(tmp_path: Path) -> None:
    config = make_config(tmp_path, notification={"challenge_delay": 3600},
                         gateway={"idle_timeout": 0.5})
    async with running(config) as svc:
        await _accounts(svc)
        bob = await login_raw(svc, "bob@example.com", "bob-pw", status="NLN")
        alice, _ = await gateway_login(svc, "alice@example.com", "alice-pw")
        await bob.expect("NLN NLN alice@example.com Alice 0")
        # alice stops polling: she is signed out as if her socket had closed.
        await bob.expect("FLN alice@example.com")
        assert svc.presence.get("alice@example.com") is None
        gone = await post(svc.ports["http"],
                          f"/gateway/gateway.dll?Action=poll&SessionID={alice.session_id}")
        assert gone.status == 400


async def test_bad_session_and_bad_requests(service: Any) -> None:
    port = service.ports["http"]
    for target in (
        "/gateway/gateway.dll?Action=poll&SessionID=123.456",
        "/gateway/gateway.dll?SessionID=123.456",
        "/gateway/gateway.dll?Action=poll",
        "/gateway/gateway.dll",
        "/gateway/gateway.dll?Action=open&Server=XX&IP=1.2.3.4",
    ):
        reply = await post(port, target, b"PNG\r\n")
        assert reply.status == 400, (target, reply)


async def test_open_without_body_and_origin_form(service: Any) -> None:
    """aMSN: origin-form target, empty open body, a text/xml Content-Type."""
    reply = await post(service.ports["http"],
                       "/Gateway/Gateway.dll?Action=open&Server=NS&IP=messenger.hotmail.com",
                       content_type="text/xml; charset=utf-8")
    assert reply.status_line == "HTTP/1.1 200 OK"
    assert reply.body == b""
    session_id = reply.headers["x-msn-messenger"].split(";")[0].split("=")[1]
    answer = await post(service.ports["http"], f"/gateway/gateway.dll?SessionID={session_id}",
                        b"VER 1 MSNP8 CVR0\r\n", content_type=None)
    assert answer.body == b"VER 1 MSNP8\r\n"


async def test_garbage_closes_only_that_session(service: Any) -> None:
    alice, _ = await gateway_login(service, "alice@example.com", "alice-pw")
    other = Tunnel(service.ports["http"])
    await other.open("NS", "messenger.hotmail.com", "VER 1 MSNP9 CVR0")
    await other.expect("VER 1 MSNP9")
    await other.send_raw(b"MSG 1 N notanumber\r\n")  # bad framing: a protocol error
    assert other.closed
    gone = await post(service.ports["http"],
                      f"/gateway/gateway.dll?Action=poll&SessionID={other.session_id}")
    assert gone.status == 400
    await alice.send("PNG")
    await alice.expect("QNG 60")


async def test_session_limit(tmp_path: Path) -> None:
    config = make_config(tmp_path, gateway={"max_sessions": 1})
    async with running(config) as svc:
        first = Tunnel(svc.ports["http"])
        await first.open("NS", "messenger.hotmail.com")
        reply = await post(svc.ports["http"],
                           "/gateway/gateway.dll?Action=open&Server=NS&IP=x")
        assert reply.status == 503


async def test_gateway_rings_into_sessions_on_switchboard_workers(tmp_path: Path) -> None:
    """With switchboard worker processes, a gateway tunnel that answers a ring into a session
    held by a worker is carried there (the tunnel names a host only, not a process)."""
    config = make_config(tmp_path, notification={"challenge_delay": 3600},
                         switchboard={"workers": 2})
    async with running(config) as service:
        await _accounts(service)
        assert service.switchboard_workers is not None
        (worker,) = service.switchboard_workers.addresses
        alice = await login_raw(service, "alice@example.com", "alice-pw", status="NLN")
        bob, _ = await gateway_login(service, "bob@example.com", "bob-pw")
        await bob.expect("ILN 6 NLN alice@example.com Alice 0")
        await alice.expect("NLN NLN bob@example.com Bob 0")
        await alice.send("XFR 10 SB")
        xfr = await alice.expect("XFR 10 SB {address} CKI {cookie}")
        assert xfr["address"] == str(worker)  # the first XFR goes to the next in turn
        alice_sb = await Wire.connect(worker.host, worker.port)
        await alice_sb.send(f"USR 1 alice@example.com {xfr['cookie']}")
        await alice_sb.expect("USR 1 OK alice@example.com Alice")
        await alice_sb.send("CAL 2 bob@example.com")
        session_id = (await alice_sb.expect("CAL 2 RINGING {sid}"))["sid"]
        assert int(session_id) % 2 == 1  # the id names the worker that holds it

        ring = await bob.expect("RNG {sid} {address} CKI {cookie} alice@example.com Alice")
        assert (ring["sid"], ring["address"]) == (session_id, str(worker))
        bob_sb = Tunnel(service.ports["http"])
        await bob_sb.open("SB", worker.host,
                          f"ANS 1 bob@example.com {ring['cookie']} {session_id}")
        await bob_sb.expect("IRO 1 1 1 alice@example.com Alice")
        await bob_sb.expect("ANS 1 OK")
        await alice_sb.expect("JOI bob@example.com Bob")
        assert len(service.switchboard.rooms) == 0  # not here: on the worker

        text = b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nhi bob"
        await alice_sb.send(f"MSG 3 A {len(text)}", text)
        await bob_sb.expect(f"MSG alice@example.com Alice {len(text)}", payload=text.decode())
        await alice_sb.expect("ACK 3")
        await bob_sb.send(f"MSG 2 A {len(text)}", text)
        await alice_sb.expect(f"MSG bob@example.com Bob {len(text)}", payload=text.decode())
        await bob_sb.expect("ACK 2")
        await bob_sb.send("OUT")
        await alice_sb.expect("BYE bob@example.com")
        await alice_sb.close()
        await alice.close()

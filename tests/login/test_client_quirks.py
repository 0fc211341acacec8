"""How real clients of the era behave on the DS/NS (protocol/clients.md, "Notification
server"), replayed byte for byte."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from msnp.services.models import ListBits
from service_helpers import login_raw, make_config, passport_login, running
from wire_helpers import Wire


@pytest.fixture
async def service(tmp_path: Path):  # type: ignore[no-untyped-def]
    config = make_config(tmp_path, notification={"challenge_delay": 0.05})
    async with running(config) as svc:
        await svc.accounts.create("alice@example.com", "alice-pw", "Alice")
        await svc.accounts.create("bob@example.com", "bob-pw", "Bob")
        for owner, other, name in (
            ("alice@example.com", "bob@example.com", "Bob"),
            ("bob@example.com", "alice@example.com", "Alice"),
        ):
            await svc.lists.add_contact(owner, ListBits.FL, other, name, None)
        yield svc


@pytest.mark.parametrize(
    ("offer", "chosen"),
    [
        ("MSNP9 MSNP8 CVR0", "MSNP9"),  # Messenger 6.0
        ("MSNP10 MSNP9 CVR0", "MSNP9"),  # Messenger 6.1 / 6.2
        ("MSNP8 CVR0", "MSNP8"),  # Messenger 5.0 and MSNP8-only clients
        ("MSNP8", "MSNP8"),  # no CVR0 at all
    ],
)
async def test_ver_offers(service, offer: str, chosen: str) -> None:  # type: ignore[no-untyped-def]
    for port in ("dispatch", "notification"):
        wire = await Wire.connect("127.0.0.1", service.ports[port])
        await wire.send(f"VER 1 {offer}")
        await wire.expect(f"VER 1 {chosen}")
        await wire.close()


async def test_tab_separated_parameters(service) -> None:  # type: ignore[no-untyped-def]
    wire = await Wire.connect("127.0.0.1", service.ports["dispatch"])
    await wire.send("VER 1 MSNP8 CVR0")
    await wire.expect("VER 1 MSNP8")
    await wire.send("CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 5.0.0540 MSMSGS\talice@example.com")
    await wire.expect("CVR 2 5.0.0540 5.0.0540 5.0.0540 {download} {info}")
    await wire.send("USR\t3  TWN\tI alice@example.com")
    await wire.expect("XFR 3 NS {ns} 0 {ds}")


async def test_cvr_never_forces_an_old_client_to_upgrade(service) -> None:  # type: ignore[no-untyped-def]
    wire = await Wire.connect("127.0.0.1", service.ports["notification"])
    await wire.send("VER 1 MSNP8 CVR0")
    await wire.expect("VER 1 MSNP8")
    await wire.send("CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 5.0.0540 MSMSGS alice@example.com")
    # recommended, again, minimum: the client's own version, never above it
    await wire.expect("CVR 2 5.0.0540 5.0.0540 5.0.0540 {download} {info}")


@pytest.mark.parametrize("trids", [(1, 2, 3), (7, 8, 9), (100, 5, 42)])
async def test_any_transaction_id_sequence(service, trids: tuple[int, int, int]) -> None:  # type: ignore[no-untyped-def]
    a, b, c = trids
    wire = await Wire.connect("127.0.0.1", service.ports["notification"])
    await wire.send(f"VER {a} MSNP9 MSNP8 CVR0")
    await wire.expect(f"VER {a} MSNP9")
    await wire.send(f"USR {b} TWN I alice@example.com")
    challenge = (await wire.expect(f"USR {b} TWN S {{challenge}}"))["challenge"]
    from_pp = await passport_login(service, "alice@example.com", "alice-pw", challenge)
    await wire.send(f"USR {c} TWN S {from_pp}")
    await wire.expect(f"USR {c} OK alice@example.com Alice 1 0")


@pytest.mark.parametrize(
    ("dialect", "request_args", "echo"),
    [
        ("MSNP9", "NLN", "NLN"),  # the seed: bare request, bare echo
        ("MSNP8", "NLN", "NLN 0"),  # one MSNP8 client needs three parameters
        ("MSNP9", "NLN 0", "NLN 0"),
        ("MSNP8", "NLN 0", "NLN 0"),
        ("MSNP9", "NLN 1073741856", "NLN 1073741856"),
        ("MSNP8", "BSY 1073741856", "BSY 1073741856"),
    ],
)
async def test_chg_echo_per_dialect(  # type: ignore[no-untyped-def]
    service, dialect: str, request_args: str, echo: str
) -> None:
    wire = await login_raw(service, "alice@example.com", "alice-pw", dialect=dialect)
    await wire.send(f"CHG 4 {request_args}")
    await wire.expect(f"CHG 4 {echo}")


@pytest.mark.parametrize(
    ("product_id", "key"),
    [("msmsgs@msnmsgr.com", "Q1P7W2E4J9R8U3S5"), ("PROD0038W!61ZTF9", "VT6PX?UQTM4WM%YR")],
)
async def test_qry_product_ids(service, product_id: str, key: str) -> None:  # type: ignore[no-untyped-def]
    wire = await login_raw(service, "alice@example.com", "alice-pw", status="NLN")
    challenge = (await wire.expect("CHL 0 {challenge}"))["challenge"]
    assert challenge.isdigit() and len(challenge) == 20
    digest = hashlib.md5((challenge + key).encode()).hexdigest().encode()
    await wire.send(f"QRY 6 {product_id} 32", digest)
    await wire.expect("QRY 6")
    await wire.send("PNG")  # the next command starts right after the 32nd byte
    await wire.expect("QNG 60")


async def test_closed_socket_counts_as_out(service) -> None:  # type: ignore[no-untyped-def]
    bob = await login_raw(service, "bob@example.com", "bob-pw", status="NLN")
    bob.skip.add("CHL")  # this fixture challenges 50 ms after the first CHG
    alice = await login_raw(service, "alice@example.com", "alice-pw", status="AWY")
    await bob.expect("NLN AWY alice@example.com Alice 0")
    alice.writer.transport.abort()  # no OUT: the socket just goes away
    await bob.expect("FLN alice@example.com")


async def test_pipelined_commands_are_answered_in_order(service) -> None:  # type: ignore[no-untyped-def]
    """Commands sent together, including ones that wait on the database (USR S, and a SYN
    and CHG queued behind it), are answered strictly in the order they were sent."""
    wire = await Wire.connect("127.0.0.1", service.ports["notification"])
    wire.skip.add("CHL")
    await wire.send_raw(
        b"VER 1 MSNP9 MSNP8 CVR0\r\n"
        b"CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 6.0.0602 MSMSGS alice@example.com\r\n"
        b"USR 3 TWN I alice@example.com\r\n"
    )
    await wire.expect("VER 1 MSNP9")
    await wire.expect("CVR 2 {recommended} {current} {minimum} {download} {info}")
    challenge = (await wire.expect("USR 3 TWN S {challenge}"))["challenge"]
    from_pp = await passport_login(service, "alice@example.com", "alice-pw", challenge)
    await wire.send_raw(
        f"USR 4 TWN S {from_pp}\r\nSYN 5 0\r\nCHG 6 NLN 0\r\nPNG\r\n".encode()
    )
    await wire.expect("USR 4 OK alice@example.com Alice 1 0")
    await wire.expect("MSG Hotmail Hotmail {n}")
    await wire.expect("MSG Hotmail Hotmail {n}")
    await wire.expect("SYN 5 {version} 1 1")
    for _ in range(3):  # GTC, BLP, LSG (LST follows)
        await wire.read()
    await wire.expect("LST bob@example.com Bob {lists} 0")
    await wire.expect("CHG 6 NLN 0")
    await wire.expect("QNG {seconds}")

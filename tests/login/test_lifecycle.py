"""Keep-alive, challenges, sign-out, replaced sessions, shutdown and the SYN dump."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from msnp.services.models import ListBits
from service_helpers import login_raw, make_config, running
from wire_helpers import Wire


async def _accounts(svc) -> None:  # type: ignore[no-untyped-def]
    await svc.accounts.create("alice@example.com", "alice-pw", "Alice A.")
    await svc.accounts.create("bob@example.com", "bob-pw", "Bob")


@pytest.fixture
async def service(tmp_path: Path):  # type: ignore[no-untyped-def]
    config = make_config(
        tmp_path, notification={"challenge_delay": 0.05, "challenge_timeout": 0.5}
    )
    async with running(config) as svc:
        await _accounts(svc)
        yield svc


async def test_png_qng_per_dialect(service) -> None:  # type: ignore[no-untyped-def]
    msnp9 = await login_raw(service, "alice@example.com", "alice-pw", dialect="MSNP9")
    await msnp9.send("PNG")
    await msnp9.expect("QNG 60")  # MSNP9: seconds until the next ping
    msnp8 = await login_raw(service, "bob@example.com", "bob-pw", dialect="MSNP8")
    await msnp8.send("PNG")
    await msnp8.expect("QNG")  # MSNP8: no parameter


async def test_wrong_challenge_answer_is_540_and_disconnect(service) -> None:  # type: ignore[no-untyped-def]
    wire = await login_raw(service, "alice@example.com", "alice-pw", status="NLN")
    await wire.expect("CHL 0 {challenge}")
    await wire.send("QRY 6 msmsgs@msnmsgr.com 32", b"0" * 32)
    await wire.expect("540 6")
    await wire.expect_closed()


async def test_unknown_product_id_is_540(service) -> None:  # type: ignore[no-untyped-def]
    wire = await login_raw(service, "alice@example.com", "alice-pw", status="NLN")
    challenge = (await wire.expect("CHL 0 {challenge}"))["challenge"]
    digest = hashlib.md5((challenge + "Q1P7W2E4J9R8U3S5").encode()).hexdigest().encode()
    await wire.send("QRY 6 PROD9999XXXXXXXX 32", digest)
    await wire.expect("540 6")
    await wire.expect_closed()


async def test_unanswered_challenge_disconnects(service) -> None:  # type: ignore[no-untyped-def]
    wire = await login_raw(service, "alice@example.com", "alice-pw", status="NLN")
    await wire.expect("CHL 0 {challenge}")
    await wire.expect_closed(timeout=3.0)  # challenge_timeout is 0.5 s here


async def test_unenforced_challenge_only_logs(tmp_path: Path) -> None:
    config = make_config(
        tmp_path,
        notification={
            "challenge_delay": 0.05, "challenge_timeout": 0.2, "enforce_challenge": False,
        },
    )
    async with running(config) as svc:
        await _accounts(svc)
        wire = await login_raw(svc, "alice@example.com", "alice-pw", status="NLN")
        await wire.expect("CHL 0 {challenge}")
        await wire.send("QRY 6 msmsgs@msnmsgr.com 32", b"f" * 32)
        await wire.expect("QRY 6")
        await wire.send("PNG")
        await wire.expect("QNG 60")


async def test_out_is_echoed_and_closes(service) -> None:  # type: ignore[no-untyped-def]
    wire = await login_raw(service, "alice@example.com", "alice-pw")
    await wire.send("OUT")
    await wire.expect("OUT")
    await wire.expect_closed()


async def test_second_login_sends_out_oth_to_the_first(service) -> None:  # type: ignore[no-untyped-def]
    await service.lists.add_contact("bob@example.com", ListBits.FL, "alice@example.com", "A", None)
    bob = await login_raw(service, "bob@example.com", "bob-pw", status="NLN")
    bob.skip.add("CHL")
    first = await login_raw(service, "alice@example.com", "alice-pw", status="NLN")
    first.skip.add("CHL")
    await bob.expect("NLN NLN alice@example.com Alice%20A. 0")
    second = await login_raw(service, "alice@example.com", "alice-pw")
    second.skip.add("CHL")
    await first.expect("OUT OTH")
    await first.expect_closed()
    await bob.expect("FLN alice@example.com")  # offline until the new session sets a status
    await second.send("CHG 9 BSY 0")
    await second.expect("CHG 9 BSY 0")
    await bob.expect("NLN BSY alice@example.com Alice%20A. 0")
    await second.send("PNG")
    await second.expect("QNG 60")


async def test_shutdown_sends_out_ssd(tmp_path: Path) -> None:
    config = make_config(tmp_path, notification={"challenge_delay": 3600})
    async with running(config) as svc:
        await _accounts(svc)
        alice = await login_raw(svc, "alice@example.com", "alice-pw", status="NLN")
        bob = await login_raw(svc, "bob@example.com", "bob-pw", dialect="MSNP8")
    await alice.expect("OUT SSD")
    await alice.expect_closed()
    await bob.expect("OUT SSD")
    await bob.expect_closed()


async def test_shutdown_closes_connections_that_have_not_signed_in(tmp_path: Path) -> None:
    """Half-way logins on the NS and the DS are closed too, not left open by the stopped
    listeners."""
    config = make_config(tmp_path, notification={"challenge_delay": 3600})
    async with running(config) as svc:
        ns = await Wire.connect("127.0.0.1", svc.ports["notification"])
        await ns.send("VER 1 MSNP9 CVR0")
        await ns.expect("VER 1 MSNP9")
        ds = await Wire.connect("127.0.0.1", svc.ports["dispatch"])
    await ns.expect_closed()
    await ds.expect_closed()


async def test_syn_full_dump_and_up_to_date(service) -> None:  # type: ignore[no-untyped-def]
    lists = service.lists
    await lists.add_contact("alice@example.com", ListBits.FL, "bob@example.com", "Bobby B", None)
    await lists.add_contact("alice@example.com", ListBits.AL, "bob@example.com", "Bobby B", None)
    await lists.add_group("alice@example.com", "Friends")
    await lists.set_property("alice@example.com", "PHH", "555 1234")
    await lists.set_property("bob@example.com", "PHM", "555 9876")
    version = await lists.set_blp("alice@example.com", "BL")
    wire = await login_raw(service, "alice@example.com", "alice-pw")
    await wire.send("SYN 4 0")
    await wire.expect(f"SYN 4 {version} 1 2")
    await wire.expect("GTC A")
    await wire.expect("BLP BL")
    await wire.expect("PRP PHH 555%201234")
    await wire.expect("LSG 0 Other%20Contacts 0")
    await wire.expect("LSG 1 Friends 0")
    await wire.expect("LST bob@example.com Bobby%20B 3 0")
    await wire.expect("BPR PHM 555%209876")
    # bob has alice only on his RL: the bits say so and no group field follows
    bob = await login_raw(service, "bob@example.com", "bob-pw")
    await bob.send("SYN 4 0")
    await bob.expect("SYN 4 {version} 1 1")
    await bob.expect("GTC A")
    await bob.expect("BLP AL")
    await bob.expect("PRP PHM 555%209876")
    await bob.expect("LSG 0 Other%20Contacts 0")
    await bob.expect("LST alice@example.com Alice%20A. 8")
    # up to date: the version alone
    await wire.send(f"SYN 5 {version}")
    await wire.expect(f"SYN 5 {version}")


async def test_msnp8_login_through_dispatch(service) -> None:  # type: ignore[no-untyped-def]
    ds = await Wire.connect("127.0.0.1", service.ports["dispatch"])
    await ds.send("VER 1 MSNP8 CVR0")
    await ds.expect("VER 1 MSNP8")
    await ds.send("CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 5.0.0540 MSMSGS bob@example.com")
    await ds.expect("CVR 2 5.0.0540 5.0.0540 5.0.0540 {dl} {info}")
    await ds.send("USR 3 TWN I bob@example.com")
    xfr = await ds.expect("XFR 3 NS 127.0.0.1:{port} 0 {ds}")
    assert int(xfr["port"]) == service.ports["notification"]
    wire = await login_raw(service, "bob@example.com", "bob-pw", dialect="MSNP8")
    await wire.send("CHG 4 NLN")
    await wire.expect("CHG 4 NLN 0")
    await wire.send("OUT")
    await wire.expect("OUT")
    await wire.expect_closed()


async def test_demo_accounts_can_sign_in(tmp_path: Path) -> None:
    from msnp.app import DEMO_ACCOUNTS, create_demo_accounts

    config = make_config(tmp_path, notification={"challenge_delay": 3600})
    async with running(config) as svc:
        await create_demo_accounts(svc)
        await create_demo_accounts(svc)  # idempotent
        (a, a_pw, _), (b, b_pw, _) = DEMO_ACCOUNTS
        alice = await login_raw(svc, a, a_pw, status="NLN")
        bob = await login_raw(svc, b, b_pw)
        await bob.send("CHG 9 NLN 0")
        await bob.expect("CHG 9 NLN 0")
        await bob.expect(f"ILN 9 NLN {a} Alice 0")
        await alice.expect(f"NLN NLN {b} Bob 0")

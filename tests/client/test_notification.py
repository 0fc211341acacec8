"""The notification session against a scripted server: challenges, errors as exceptions,
list management, presence, keep-alive and being signed out by the server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from client.conftest import ALICE, ALICE_PASSWORD
from client.fakes import FakePassport, Peer, Script, ScriptedServer
from client.scripts import config_for, go_online, log_in
from msnp.client import (
    AddedBy,
    AuthenticationError,
    Client,
    ClientError,
    ConnectionClosed,
    ContactOffline,
    ContactPropertyChanged,
    Group,
    Invitation,
    ListBits,
    Notification,
    PresenceChanged,
    RemovedBy,
    RequestTimeout,
    ServerError,
    ServerMessage,
    SignedOut,
    StatusForced,
)
from msnp.client.contacts import load_cache
from msnp.wire.msnobject import MSNObject

CVR = f"0x0409 winnt 5.1 i386 MSNMSGR 6.0.0602 MSMSGS {ALICE}"


async def test_challenge_is_answered_with_qry(passport: FakePassport, cert_file: Path) -> None:
    async def script(peer: Peer) -> None:
        trid = await log_in(peer, passport)
        trid = await go_online(peer, trid)
        peer.send("CHL 0 38192744918265013377")
        await peer.expect(
            f"QRY {trid} msmsgs@msnmsgr.com 32", payload=b"ad2cdeb66673185d8ef64b70da162db1"
        )
        peer.send(f"QRY {trid}")
        await peer.expect("OUT")

    async with ScriptedServer(script) as ns:
        client = Client(ALICE, ALICE_PASSWORD, config_for(ns.address, passport, cert_file))
        await client.sign_in()
        await asyncio.wait_for(_until(lambda: len(ns.peers[0].lines) >= 7), 3)
        await client.sign_out()
    # Exactly the reference's bytes: no CRLF after the 32-byte digest.
    assert ns.peers[0].lines[-2] == "QRY 7 msmsgs@msnmsgr.com 32"


async def test_other_product_key(passport: FakePassport, cert_file: Path) -> None:
    async def script(peer: Peer) -> None:
        trid = await log_in(peer, passport)
        trid = await go_online(peer, trid)
        peer.send("CHL 0 38192744918265013377")
        await peer.expect(
            f"QRY {trid} PROD0061VRRZH@4F 32", payload=b"5c6213cd3b7ec60891fba7faca753b84"
        )
        peer.send(f"QRY {trid}")
        await peer.expect("OUT")

    async with ScriptedServer(script) as ns:
        config = config_for(
            ns.address,
            passport,
            cert_file,
            product_id="PROD0061VRRZH@4F",
            product_key="JXQ6J@TUOGYV@N0M",
        )
        async with Client(ALICE, ALICE_PASSWORD, config):
            await asyncio.wait_for(_until(lambda: len(ns.peers[0].lines) >= 7), 3)


async def test_server_error_carries_code_and_meaning(
    passport: FakePassport, cert_file: Path
) -> None:
    async def script(peer: Peer) -> None:
        trid = await log_in(peer, passport)
        trid = await go_online(peer, trid)
        await peer.expect(f"ADD {trid} FL bob@example.com Bob%20B.")
        peer.send(f"215 {trid}")
        await peer.expect(f"REM {trid + 1} BL zed@example.com")
        peer.send(f"216 {trid + 1}")
        await peer.expect(f"ADG {trid + 2} Work 0")
        peer.send(f"999 {trid + 2}")
        await peer.expect("OUT")

    async with ScriptedServer(script) as ns, Client(
        ALICE, ALICE_PASSWORD, config_for(ns.address, passport, cert_file)
    ) as client:
        with pytest.raises(ServerError) as caught:
            await client.add_to_list("FL", "bob@example.com", "Bob B.")
        assert caught.value.code == 215
        assert caught.value.meaning == "already on that list or in that group"
        assert caught.value.command == "ADD"
        assert "215" in str(caught.value)
        with pytest.raises(ServerError) as caught:
            await client.remove_from_list(ListBits.BL, "zed@example.com")
        assert (caught.value.code, caught.value.meaning) == (216, "not on that list")
        with pytest.raises(ServerError) as caught:
            await client.add_group("Work")
        assert caught.value.meaning == "unknown error 999"
        # The session goes on after an error.
        assert client.signed_in


async def test_wrong_ticket_is_an_authentication_error(
    passport: FakePassport, cert_file: Path
) -> None:
    async def script(peer: Peer) -> None:
        await peer.expect("VER 1 MSNP9 MSNP8 CVR0")
        peer.send("VER 1 MSNP9")
        await peer.expect(f"CVR 2 {CVR}")
        peer.send("CVR 2 6.0.0602 6.0.0602 6.0.0602 http://x.invalid/ http://y.invalid/")
        await peer.expect(f"USR 3 TWN I {ALICE}")
        peer.send("USR 3 TWN S lc=1033,id=507")
        await peer.expect(f"USR 4 TWN S {passport.ticket}")
        peer.send("911 4")

    async with ScriptedServer(script) as ns:
        client = Client(ALICE, ALICE_PASSWORD, config_for(ns.address, passport, cert_file))
        with pytest.raises(AuthenticationError) as caught:
            await client.sign_in()
        assert caught.value.code == 911
        assert not client.signed_in


async def test_wrong_password_stops_before_usr_twn_s(
    passport: FakePassport, cert_file: Path
) -> None:
    async def script(peer: Peer) -> None:
        await peer.expect("VER 1 MSNP9 MSNP8 CVR0")
        peer.send("VER 1 MSNP9")
        await peer.line()
        peer.send("CVR 2 6.0.0602 6.0.0602 6.0.0602 http://x.invalid/ http://y.invalid/")
        await peer.expect(f"USR 3 TWN I {ALICE}")
        peer.send("USR 3 TWN S lc=1033,id=507")
        await peer.expect_closed()

    async def retry(peer: Peer) -> None:
        trid = await log_in(peer, passport, first=4)
        await go_online(peer, trid)
        await peer.expect("OUT")

    async with ScriptedServer(script, retry) as ns:
        client = Client(ALICE, "not the password", config_for(ns.address, passport, cert_file))
        with pytest.raises(AuthenticationError):
            await client.sign_in()
        assert not client.signed_in
        # The same object may try again; trids go on counting.
        client.password = ALICE_PASSWORD
        await client.sign_in()
        assert client.signed_in
        with pytest.raises(ClientError, match="already signed in"):
            await client.sign_in()
        await client.sign_out()
        with pytest.raises(ClientError, match="make a new one"):
            await client.sign_in()


async def test_server_without_our_dialect(passport: FakePassport, cert_file: Path) -> None:
    async def script(peer: Peer) -> None:
        await peer.expect("VER 1 MSNP8 CVR0")
        peer.send("VER 1 0")
        await peer.expect_closed()

    async with ScriptedServer(script) as ns:
        config = config_for(ns.address, passport, cert_file, dialect="MSNP8")
        with pytest.raises(ClientError, match="speaks none of MSNP8"):
            await Client(ALICE, ALICE_PASSWORD, config).sign_in()


async def test_list_changes_update_model_and_cache(
    tmp_path: Path, passport: FakePassport, cert_file: Path
) -> None:
    cache = tmp_path / "c.json"

    async def script(peer: Peer) -> None:
        t = await log_in(peer, passport, server_version=10, dump=())
        t = await go_online(peer, t)
        await peer.expect(f"ADG {t} Work%20Mates 0")
        peer.send(f"ADG {t} 11 Work%20Mates 3 0")
        await peer.expect(f"ADD {t + 1} FL bob@example.com Bob 3")
        peer.send(f"ADD {t + 1} FL 12 bob@example.com Bob 3", f"ILN {t + 1} BSY bob@example.com "
                  "Bobby 268435500")
        await peer.expect(f"ADD {t + 2} AL bob@example.com Bob")
        peer.send(f"ADD {t + 2} AL 13 bob@example.com Bob")
        await peer.expect(f"REA {t + 3} bob@example.com Robert")
        peer.send(f"REA {t + 3} 14 bob@example.com Robert")
        await peer.expect(f"REA {t + 4} {ALICE} Alice%20%25%20Co")
        peer.send(f"REA {t + 4} 15 {ALICE} Alice%20%25%20Co")
        await peer.expect(f"REG {t + 5} 3 Colleagues 0")
        peer.send(f"REG {t + 5} 16 3 Colleagues 0")
        await peer.expect(f"BLP {t + 6} BL")
        peer.send(f"BLP {t + 6} 17 BL")
        await peer.expect(f"GTC {t + 7} N")
        peer.send(f"GTC {t + 7} 18 N")
        await peer.expect(f"PRP {t + 8} PHM 555%201")
        peer.send(f"PRP {t + 8} 19 PHM 555%201")
        # block: off AL, onto BL
        await peer.expect(f"REM {t + 9} AL bob@example.com")
        peer.send(f"REM {t + 9} AL 20 bob@example.com")
        await peer.expect(f"ADD {t + 10} BL bob@example.com Robert")
        peer.send(f"ADD {t + 10} BL 21 bob@example.com Robert")
        await peer.expect(f"RMG {t + 11} 3")
        peer.send(f"RMG {t + 11} 22 3")
        await peer.expect(f"REM {t + 12} FL bob@example.com")
        peer.send(f"REM {t + 12} FL 23 bob@example.com")
        await peer.expect("OUT")

    async with ScriptedServer(script) as ns:
        config = config_for(ns.address, passport, cert_file, cache_path=cache)
        async with Client(ALICE, ALICE_PASSWORD, config) as client:
            presence = client.events.stream(PresenceChanged)
            group = await client.add_group("Work Mates")
            assert group == Group(3, "Work Mates")
            assert client.contacts.groups[3] == group
            await client.add_contact("bob@example.com", "Bob", group=3)
            bob = client.contacts.get("bob@example.com")
            assert bob is not None
            assert bob.lists == ListBits.FL | ListBits.AL and bob.groups == [3]
            seen = await presence.get(timeout=3)
            assert (seen.email, seen.status, seen.initial) == ("bob@example.com", "BSY", True)
            assert bob.online and bob.display_name == "Bobby"
            await client.rename_contact("bob@example.com", "Robert")
            assert bob.stored_name == "Robert"
            await client.set_display_name("Alice % Co")
            assert client.display_name == "Alice % Co"
            await client.rename_group(3, "Colleagues")
            assert client.contacts.groups[3].name == "Colleagues"
            await client.set_privacy("BL")
            await client.set_add_prompt(False)
            await client.set_property("PHM", "555 1")
            assert (client.contacts.blp, client.contacts.gtc) == ("BL", "N")
            assert client.contacts.properties == {"PHM": "555 1"}
            await client.block("bob@example.com")
            assert bob.lists == ListBits.FL | ListBits.BL
            await client.remove_group(3)
            assert 3 not in client.contacts.groups and bob.groups == []
            await client.remove_contact("bob@example.com")
            assert bob.lists == ListBits.BL
            assert client.contacts.version == 23
            saved = load_cache(cache, ALICE)
            assert saved is not None and saved.version == 23
            saved_bob = saved.get("bob@example.com")
            assert saved_bob is not None and saved_bob.lists == ListBits.BL
            assert saved_bob.stored_name == "Robert"


async def test_presence_and_reverse_list_events(passport: FakePassport, cert_file: Path) -> None:
    msnobj = MSNObject.create("bob@example.com", b"picture").to_wire()

    async def script(peer: Peer) -> None:
        t = await log_in(
            peer,
            passport,
            dump=("GTC A", "BLP AL", "LSG 0 Other%20Contacts 0", "LST bob@example.com Bob 3 0"),
            server_version=7,
        )
        await go_online(peer, t, "AWY bob@example.com Bob 0")
        peer.send(
            f"NLN NLN bob@example.com Bob%20Online 268435500 {msnobj}",
            "FLN bob@example.com",
            "ADD 0 RL 8 carol@example.com Carol%20C.",
            "REM 0 RL 9 carol@example.com",
            "BPR 10 bob@example.com PHH 555%202",
            "CHG 0 BSY",
            "RNG 11752013 127.0.0.1:1864 CKI 849102291.520491113 carol@example.com Carol%20C.",
        )
        peer.send_payload("NOT", b"<NOTIFICATION ver=\"1\"/>")
        peer.send_payload(
            "MSG Hotmail Hotmail",
            b"MIME-Version: 1.0\r\nContent-Type: application/x-msmsgssystemmessage\r\n\r\n"
            b"Type: 1\r\nArg1: 5\r\n",
        )
        await peer.expect("OUT")

    async with ScriptedServer(script) as ns:
        config = config_for(ns.address, passport, cert_file)
        client = Client(ALICE, ALICE_PASSWORD, config)
        events = client.events.stream()
        await client.sign_in()
        got = [await events.get(timeout=3) for _ in range(11)]
        kinds = [type(e) for e in got]
        assert kinds == [
            ServerMessage,  # the profile
            PresenceChanged,
            PresenceChanged,
            ContactOffline,
            AddedBy,
            RemovedBy,
            ContactPropertyChanged,
            StatusForced,
            Invitation,
            Notification,
            ServerMessage,
        ]
        assert got[1] == PresenceChanged("bob@example.com", "AWY", "Bob", 0, None, initial=True)
        assert got[2] == PresenceChanged(
            "bob@example.com", "NLN", "Bob Online", 268435500, msnobj, initial=False
        )
        assert got[4] == AddedBy("carol@example.com", "Carol C.", 8)
        assert got[5] == RemovedBy("carol@example.com", 9)
        assert got[6] == ContactPropertyChanged("bob@example.com", "PHH", "555 2", 10)
        assert got[7] == StatusForced("BSY") and client.status == "BSY"
        assert got[8] == Invitation(
            "11752013", "127.0.0.1", 1864, "849102291.520491113", "carol@example.com", "Carol C."
        )
        assert isinstance(got[9], Notification) and got[9].kind == "NOT"
        assert isinstance(got[10], ServerMessage)
        assert got[10].message.content_type == "application/x-msmsgssystemmessage"
        bob = client.contacts.get("bob@example.com")
        assert bob is not None and not bob.online and bob.properties == {"PHH": "555 2"}
        assert client.contacts.get("carol@example.com") is None  # on RL, then off again
        assert client.contacts.version == 10
        await client.sign_out()
        assert isinstance(await events.get(timeout=3), SignedOut)


@pytest.mark.parametrize("reason", ["OTH", "SSD"])
async def test_signed_out_by_the_server(
    reason: str, passport: FakePassport, cert_file: Path
) -> None:
    async def script(peer: Peer) -> None:
        t = await log_in(peer, passport)
        t = await go_online(peer, t)
        await peer.expect(f"ADD {t} FL bob@example.com bob@example.com")
        peer.send(f"OUT {reason}")

    async with ScriptedServer(script) as ns:
        client = Client(ALICE, ALICE_PASSWORD, config_for(ns.address, passport, cert_file))
        await client.sign_in()
        with pytest.raises(ConnectionClosed):
            await client.add_contact("bob@example.com")
        assert await asyncio.wait_for(client.wait_closed(), 3) == reason
        assert not client.signed_in
        with pytest.raises(ConnectionClosed):
            await client.set_status("BSY")
        await client.sign_out()  # harmless once closed


async def test_request_timeout(passport: FakePassport, cert_file: Path) -> None:
    async def script(peer: Peer) -> None:
        t = await log_in(peer, passport)
        t = await go_online(peer, t)
        await peer.expect(f"BLP {t} BL")  # and never answer
        await peer.expect("OUT")

    async with ScriptedServer(script) as ns:
        config = config_for(ns.address, passport, cert_file, timeout=0.3)
        async with Client(ALICE, ALICE_PASSWORD, config) as client:
            with pytest.raises(RequestTimeout, match="BLP"):
                await client.set_privacy("BL")
            assert client.signed_in


async def test_msnp9_qng_sets_the_ping_interval(passport: FakePassport, cert_file: Path) -> None:
    gaps: list[float] = []

    async def script(peer: Peer) -> None:
        t = await log_in(peer, passport)
        await go_online(peer, t)
        await peer.expect("PNG")
        peer.send("QNG 1")
        start = time.monotonic()
        await peer.expect("PNG")
        gaps.append(time.monotonic() - start)
        peer.send("QNG 50")
        await peer.expect("OUT", timeout=3)

    async with ScriptedServer(script) as ns:
        config = config_for(ns.address, passport, cert_file, ping_interval=0.1)
        async with Client(ALICE, ALICE_PASSWORD, config):
            await asyncio.wait_for(_until(lambda: bool(gaps)), 3)
            await asyncio.sleep(0.3)  # with QNG 50 no PNG comes now, whatever ping_interval says
    assert 0.8 <= gaps[0] <= 2.0
    assert ns.peers[0].lines.count("PNG") == 2


async def test_msnp8_dialect(passport: FakePassport, cert_file: Path) -> None:
    obj = MSNObject.create(ALICE, b"png bytes")

    async def script(peer: Peer) -> None:
        t = await log_in(peer, passport, dialect="MSNP8")
        # MSNP8 has no MSNObject: only status and capabilities go out.
        await peer.expect(f"CHG {t} NLN 268435500")
        peer.send(f"CHG {t} NLN 268435500")
        await peer.expect("PNG")
        peer.send("QNG")
        await peer.expect("PNG")  # a bare QNG leaves the configured interval alone
        peer.send("QNG")
        await peer.expect("OUT")

    async with ScriptedServer(script) as ns:
        config = config_for(ns.address, passport, cert_file, dialect="MSNP8", ping_interval=0.2)
        client = Client(ALICE, ALICE_PASSWORD, config)
        await client.sign_in(status=None)
        assert client.dialect is not None and client.dialect.name == "MSNP8"
        await client.set_status("online", capabilities=268435500, msnobject=obj)
        assert client.msnobject is None
        await asyncio.wait_for(_until(lambda: ns.peers[0].lines.count("PNG") >= 2), 3)
        await client.sign_out()


async def test_msnp9_status_with_msnobject(passport: FakePassport, cert_file: Path) -> None:
    obj = MSNObject.create(ALICE, b"png bytes")

    async def script(peer: Peer) -> None:
        t = await log_in(peer, passport)
        await peer.expect(f"CHG {t} AWY 0 {obj.to_wire()}")
        peer.send(f"CHG {t} AWY 0 {obj.to_wire()}")
        await peer.expect(f"CHG {t + 1} HDN 268435500")
        peer.send(f"CHG {t + 1} HDN 268435500")
        await peer.expect("OUT")

    async with ScriptedServer(script) as ns:
        config = config_for(ns.address, passport, cert_file, capabilities=268435500)
        client = Client(ALICE, ALICE_PASSWORD, config)
        await client.sign_in(status=None)
        await client.set_status("away", capabilities=0, msnobject=obj)
        assert (client.status, client.msnobject) == ("AWY", obj.to_wire())
        await client.set_status("invisible")
        assert client.status == "HDN"
        with pytest.raises(ValueError):
            await client.set_status("FLN")
        with pytest.raises(ValueError):
            await client.set_status("sleeping")
        await client.sign_out()


async def test_dispatch_referral_keeps_counting_trids(
    passport: FakePassport, cert_file: Path
) -> None:
    """DS -> XFR -> NS -> XFR -> NS: every hop starts at VER and the trids keep counting."""

    def refer_to(target: ScriptedServer, first: int) -> Script:
        async def run(peer: Peer) -> None:
            await peer.expect(f"VER {first} MSNP9 MSNP8 CVR0")
            peer.send(f"VER {first} MSNP9")
            await peer.expect(f"CVR {first + 1} {CVR}")
            peer.send(f"CVR {first + 1} 6.0.0602 6.0.0602 6.0.0602 http://x.invalid/ http://y.invalid/")
            await peer.expect(f"USR {first + 2} TWN I {ALICE}")
            peer.send(f"XFR {first + 2} NS {target.address} 0 127.0.0.1:1863")
            await peer.expect_closed()

        return run

    async def last(peer: Peer) -> None:
        await peer.expect("VER 7 MSNP9 MSNP8 CVR0")
        peer.send("VER 7 MSNP9")
        await peer.expect(f"CVR 8 {CVR}")
        peer.send("CVR 8 6.0.0602 6.0.0602 6.0.0602 http://x.invalid/ http://y.invalid/")
        await peer.expect(f"USR 9 TWN I {ALICE}")
        peer.send("USR 9 TWN S lc=1033,id=507")
        await peer.expect(f"USR 10 TWN S {passport.ticket}")
        peer.send(f"USR 10 OK {ALICE} Alice 1 0")
        await peer.expect("SYN 11 0")
        peer.send("SYN 11 1 0 1", "GTC A", "BLP AL", "LSG 0 Other%20Contacts 0")
        await peer.expect("CHG 12 NLN")
        peer.send("CHG 12 NLN")
        await peer.expect("OUT")

    async with ScriptedServer(last) as final, ScriptedServer() as ns, ScriptedServer() as ds:
        ns.scripts.append(refer_to(final, 4))
        ds.scripts.append(refer_to(ns, 1))
        config = config_for(ds.address, passport, cert_file, via_dispatch=True)
        async with Client(ALICE, ALICE_PASSWORD, config) as client:
            assert client.contacts.version == 1


async def _until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.01)

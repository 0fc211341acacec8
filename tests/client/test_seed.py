"""The seed dialogue (/work/shared/seeds), replayed by a scripted server line by line: the
client must send exactly the seed's client lines, in order, and understand every reply."""

from __future__ import annotations

import asyncio
from pathlib import Path

from client.fakes import FakePassport, Peer, ScriptedServer
from msnp.client import (
    Client,
    ClientConfig,
    ContactList,
    ListBits,
    PresenceChanged,
    SignedOut,
)
from msnp.client.contacts import Contact, save_cache
from msnp.wire.msnobject import MSNObject

EMAIL = "example@hotmail.com"
CHALLENGE = "passport=parameters,neat=huh,lc=1033,id=507"
CVR_REPLY = (
    "6.0.0602 6.0.0602 6.0.0268 http://download.microsoft.com/download/8/a/4/"
    "8a42bcae-f533-4468-b871-d2bc8dd32e9e/SetupDl.exe http://messenger.msn.com"
)
MSNOBJ = (
    "%3Cmsnobj%20Creator%3D%22anotherdude%40hotmail.com%22"
    "%20Size%3D%2225235%22%20Type%3D%223%22"
    "%20Location%3D%22uexA4DE.dat%22%20Friendly%3D%22AAA%3D%22"
    "%20SHA1D%3D%22vP1ppB+xiFQ8ceZivRe0uCaYLIU%3D%22"
    "%20SHA1C%3D%22PApbbjkbDSGrt3ybGHRKNaZ8s%2Fw%3D%22%2F%3E"
)
PROFILE = (
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/x-msmsgsprofile; charset=UTF-8\r\n"
    b"LoginTime: 1726321960\r\nEmailEnabled: 1\r\nMemberIdHigh: 1\r\nMemberIdLow: 2\r\n"
    b"lang_preference: 1033\r\nPreferredEmail: example@hotmail.com\r\ncountry: US\r\n"
    b"PostalCode:\r\nGender:\r\nKid: 0\r\nAge:\r\nBDayPre:\r\nBirthday:\r\nWallet:\r\n"
    b"Flags: 1027\r\nsid: 507\r\nkv: 11\r\n"
    b"MSPAuth: whatever+t+is+in+your+passport+login+ticket+that+you+sent+for+USR+TWN+S$\r\n"
    b"ClientIP: 192.168.1.111\r\nClientPort: 18183\r\n\r\n"
)
PRESENCE = f"NLN anotheruser@hotmail.com another%20user 268435500 {MSNOBJ}"


async def test_seed_dialogue(tmp_path: Path, tls_files: tuple[Path, Path]) -> None:
    cache = tmp_path / "contacts.json"
    cached = ContactList(version=15)
    cached.contacts["anotheruser@hotmail.com"] = Contact(
        "anotheruser@hotmail.com", "another user", ListBits.FL | ListBits.AL, [0]
    )
    save_cache(cache, EMAIL, cached)
    signed_out = asyncio.Event()

    async with FakePassport(*tls_files, accounts={EMAIL: "secret"}) as passport:

        async def notification(peer: Peer) -> None:
            await peer.expect("VER 4 MSNP9 MSNP8 CVR0")
            peer.send("VER 4 MSNP9")
            await peer.expect(
                "CVR 5 0x0409 winnt 5.1 i386 MSNMSGR 6.0.0602 MSMSGS example@hotmail.com"
            )
            peer.send(f"CVR 5 {CVR_REPLY}")
            await peer.expect("USR 6 TWN I example@hotmail.com")
            peer.send(f"USR 6 TWN S {CHALLENGE}")
            await peer.expect(f"USR 7 TWN S {passport.ticket}")
            peer.send("USR 7 OK example@hotmail.com example%20user 1 0")
            peer.send_payload("MSG Hotmail Hotmail", PROFILE)
            await peer.expect("SYN 8 15")
            peer.send("SYN 8 15")
            await peer.expect("CHG 9 NLN")
            peer.send("CHG 9 NLN", f"ILN 9 {PRESENCE}")
            await peer.expect("PNG")
            peer.send(PRESENCE, "QNG 60")
            await peer.expect("OUT")
            peer.send("OUT")

        async with ScriptedServer(notification) as ns:

            async def dispatch(peer: Peer) -> None:
                await peer.expect("VER 1 MSNP9 MSNP8 CVR0")
                peer.send("VER 1 MSNP9")
                await peer.expect(
                    "CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 6.0.0602 MSMSGS example@hotmail.com"
                )
                peer.send(f"CVR 2 {CVR_REPLY}")
                await peer.expect("USR 3 TWN I example@hotmail.com")
                peer.send(f"XFR 3 NS {ns.address} 0 127.0.0.1:1863")
                await peer.expect_closed()

            async with ScriptedServer(dispatch) as ds:
                config = ClientConfig(
                    server=ds.address,
                    nexus_url=passport.nexus_url,
                    ca_file=tls_files[0],
                    cache_path=cache,
                    ping_interval=0.2,
                    timeout=3,
                )
                client = Client(EMAIL, "secret", config)
                presence = client.events.stream(PresenceChanged)
                client.events.subscribe(lambda e: signed_out.set(), SignedOut)
                await client.sign_in()

                assert client.dialect is not None and client.dialect.name == "MSNP9"
                assert client.display_name == "example user"
                assert client.profile is not None
                assert client.profile.header("MSPAuth", "").startswith("whatever+t+is")
                assert client.status == "NLN"
                # SYN 8 15 answered with 15: the cached list is used as it is.
                assert client.contacts.version == 15
                assert [c.email for c in client.contacts.forward] == ["anotheruser@hotmail.com"]

                initial = await presence.get(timeout=3)
                assert initial.initial and initial.status == "NLN"
                assert initial.display_name == "another user"
                assert initial.capabilities == 268435500
                assert initial.msnobject is not None
                picture = MSNObject.from_wire(initial.msnobject)
                assert (picture.creator, picture.size, picture.type) == (
                    "anotherdude@hotmail.com",
                    25235,
                    3,
                )
                later = await presence.get(timeout=3)
                assert not later.initial
                contact = client.contacts.get("anotheruser@hotmail.com")
                assert contact is not None and contact.online and contact.msnobject == MSNOBJ

                await client.sign_out()
                assert await client.wait_closed() == "OUT"
                assert signed_out.is_set()
                await ds.done()
            await ns.done()
            # The QNG 60 rescheduled the keep-alive: no second PNG before OUT.
            assert ns.peers[0].lines.count("PNG") == 1

    # The DALogin request carried the seed's challenge verbatim after the credentials.
    login = [r for r in passport.requests if r.target == "/login2.srf"]
    assert len(login) == 1
    assert login[0].headers["Authorization"] == (
        "Passport1.4 OrgVerb=GET,OrgURL=http%3A%2F%2Fmessenger%2Emsn%2Ecom,"
        f"sign-in=example%40hotmail.com,pwd=secret,{CHALLENGE}"
    )

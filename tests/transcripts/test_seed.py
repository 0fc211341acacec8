"""The seed documents' MSNP9 wire example, replayed line for line against a real service.

Every client line is the seed's. Every server line is checked exactly; `{placeholders}` stand
only for values that legitimately vary: the addresses (ephemeral ports), the Passport
challenge and ticket, the login time, the member id, the client's address and port, and the
lengths that follow from them.

Two documented choices:
- The seed shows no CHL in this short exchange; the real service sent it "shortly after" the
  first CHG, so the test configures a long `challenge_delay` (CHL/QRY have their own tests).
- Issue 3 asks for the initial e-mail notification after the profile message
  (reference §4.24, "after the profile, only when the account has a mailbox"; the seed's
  profile says EmailEnabled: 1). It is checked here, between the profile and SYN.
"""

from __future__ import annotations

from pathlib import Path

from msnp.services.models import ListBits
from service_helpers import make_config, passport_login, running
from wire_helpers import Wire

CVR_REPLY_TAIL = (
    "6.0.0602 6.0.0602 6.0.0268 "
    "http://download.microsoft.com/download/8/a/4/8a42bcae-f533-4468-b871-d2bc8dd32e9e/SetupDl.exe "
    "http://messenger.msn.com"
)
CVR_REQUEST_TAIL = "0x0409 winnt 5.1 i386 MSNMSGR 6.0.0602 MSMSGS example@hotmail.com"
# The seed's MSNObject token, its continuation lines joined (a token has no spaces).
MSNOBJ = (
    "%3Cmsnobj%20Creator%3D%22anotherdude%40hotmail.com%22"
    "%20Size%3D%2225235%22%20Type%3D%223%22"
    "%20Location%3D%22uexA4DE.dat%22%20Friendly%3D%22AAA%3D%22"
    "%20SHA1D%3D%22vP1ppB+xiFQ8ceZivRe0uCaYLIU%3D%22"
    "%20SHA1C%3D%22PApbbjkbDSGrt3ybGHRKNaZ8s%2Fw%3D%22%2F%3E"
)
PROFILE = (
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/x-msmsgsprofile; charset=UTF-8\r\n"
    "LoginTime: {login_time}\r\n"
    "EmailEnabled: 1\r\n"
    "MemberIdHigh: {member_high}\r\n"
    "MemberIdLow: {member_low}\r\n"
    "lang_preference: 1033\r\n"
    "PreferredEmail: example@hotmail.com\r\n"
    "country: US\r\n"
    "PostalCode: \r\n"
    "Gender: \r\n"
    "Kid: 0\r\n"
    "Age: \r\n"
    "BDayPre: \r\n"
    "Birthday: \r\n"
    "Wallet: \r\n"
    "Flags: 1027\r\n"
    "sid: 507\r\n"
    "kv: 11\r\n"
    "MSPAuth: {mspauth}\r\n"
    "ClientIP: {client_ip}\r\n"
    "ClientPort: {client_port}\r\n"
    "\r\n"
)
INITIAL_MAIL = (
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/x-msmsgsinitialemailnotification; charset=UTF-8\r\n"
    "\r\n"
    "Inbox-Unread: 0\r\n"
    "Folders-Unread: 0\r\n"
    "Inbox-URL: /cgi-bin/HoTMaiL\r\n"
    "Folders-URL: /cgi-bin/folders\r\n"
    "Post-URL: {post_url}\r\n"
    "\r\n"
)


async def _setup_accounts(service) -> None:  # type: ignore[no-untyped-def]
    await service.accounts.create("example@hotmail.com", "example-pw", "example user")
    await service.accounts.create("anotheruser@hotmail.com", "another-pw", "another user")
    lists = service.lists
    for owner, other, name in (
        ("example@hotmail.com", "anotheruser@hotmail.com", "another user"),
        ("anotheruser@hotmail.com", "example@hotmail.com", "example user"),
    ):
        await lists.add_contact(owner, ListBits.FL, other, name, None)
        await lists.add_contact(owner, ListBits.AL, other, name, None)
    # The seed's client has list version 15 cached and is up to date.
    snapshot = await lists.snapshot("example@hotmail.com")
    version = snapshot.account.list_version
    gtc = snapshot.account.gtc
    while version < 15:
        gtc = "N" if gtc == "A" else "A"
        version = await lists.set_gtc("example@hotmail.com", gtc)
    assert version == 15


async def _sign_in_other(service) -> Wire:  # type: ignore[no-untyped-def]
    """anotheruser is online with the seed's capabilities and display picture."""
    wire = await Wire.connect("127.0.0.1", service.ports["notification"])
    await wire.send("VER 1 MSNP9 MSNP8 CVR0")
    await wire.expect("VER 1 MSNP9")
    await wire.send("USR 2 TWN I anotheruser@hotmail.com")
    challenge = (await wire.expect("USR 2 TWN S {challenge}"))["challenge"]
    from_pp = await passport_login(service, "anotheruser@hotmail.com", "another-pw", challenge)
    await wire.send(f"USR 3 TWN S {from_pp}")
    await wire.expect("USR 3 OK anotheruser@hotmail.com another%20user 1 0")
    await wire.expect("MSG Hotmail Hotmail {n}")
    await wire.expect("MSG Hotmail Hotmail {n}")
    await wire.send(f"CHG 4 NLN 268435500 {MSNOBJ}")
    await wire.expect(f"CHG 4 NLN 268435500 {MSNOBJ}")
    return wire


async def test_seed_msnp9_example(tmp_path: Path) -> None:
    config = make_config(tmp_path, notification={"challenge_delay": 3600})
    async with running(config) as service:
        await _setup_accounts(service)
        other = await _sign_in_other(service)

        # ---- dispatch server --------------------------------------------------------------
        ds = await Wire.connect("127.0.0.1", service.ports["dispatch"])
        await ds.send("VER 1 MSNP9 MSNP8 CVR0")
        await ds.expect("VER 1 MSNP9")
        await ds.send(f"CVR 2 {CVR_REQUEST_TAIL}")
        await ds.expect(f"CVR 2 {CVR_REPLY_TAIL}")
        await ds.send("USR 3 TWN I example@hotmail.com")
        xfr = await ds.expect("XFR 3 NS {ns_host}:{ns_port} 0 {ds_host}:{ds_port}")
        assert (xfr["ns_host"], int(xfr["ns_port"])) == ("127.0.0.1", service.ports["notification"])
        assert (xfr["ds_host"], int(xfr["ds_port"])) == ("127.0.0.1", service.ports["dispatch"])
        await ds.close()  # client disconnects from server

        # ---- notification server ----------------------------------------------------------
        ns = await Wire.connect(xfr["ns_host"], int(xfr["ns_port"]))
        await ns.send("VER 4 MSNP9 MSNP8 CVR0")
        await ns.expect("VER 4 MSNP9")
        await ns.send(f"CVR 5 {CVR_REQUEST_TAIL}")
        await ns.expect(f"CVR 5 {CVR_REPLY_TAIL}")
        await ns.send("USR 6 TWN I example@hotmail.com")
        challenge = (await ns.expect("USR 6 TWN S {challenge}"))["challenge"]
        assert "lc=1033" in challenge and "id=507" in challenge and " " not in challenge

        # The HTTPS interlude (Passport 1.4), done for real.
        from_pp = await passport_login(service, "example@hotmail.com", "example-pw", challenge)
        assert from_pp.startswith("t=") and "&p=" in from_pp

        await ns.send(f"USR 7 TWN S {from_pp}")
        await ns.expect("USR 7 OK example@hotmail.com example%20user 1 0")
        profile = await ns.expect("MSG Hotmail Hotmail {length}", payload=PROFILE)
        account = await service.accounts.get("example@hotmail.com")
        assert account is not None
        local_port = ns.writer.get_extra_info("sockname")[1]
        assert profile["member_high"] == str(account.member_id >> 32)
        assert profile["member_low"] == str(account.member_id & 0xFFFFFFFF)
        assert profile["mspauth"] == from_pp.split("&")[0][2:]
        assert profile["client_ip"] == "127.0.0.1"
        assert int(profile["client_port"]) == ((local_port & 0xFF) << 8) | (local_port >> 8)
        await ns.expect("MSG Hotmail Hotmail {length}", payload=INITIAL_MAIL)

        await ns.send("SYN 8 15")
        await ns.expect("SYN 8 15")
        await ns.send("CHG 9 NLN")
        await ns.expect("CHG 9 NLN")
        await ns.expect(
            f"ILN 9 NLN anotheruser@hotmail.com another%20user 268435500 {MSNOBJ}"
        )

        # anotheruser saw example come online.
        await other.expect("NLN NLN example@hotmail.com example%20user 0")
        # anotheruser sends its status again; the watcher gets NLN (before our PNG's QNG).
        await other.send(f"CHG 5 NLN 268435500 {MSNOBJ}")
        await other.expect(f"CHG 5 NLN 268435500 {MSNOBJ}")
        await ns.send("PNG")
        await ns.expect(f"NLN NLN anotheruser@hotmail.com another%20user 268435500 {MSNOBJ}")
        await ns.expect("QNG 60")

        await ns.send("OUT")
        await ns.expect("OUT")
        await ns.expect_closed()  # server disconnects client

        # ... and go offline.
        await other.expect("FLN example@hotmail.com")
        await other.close()

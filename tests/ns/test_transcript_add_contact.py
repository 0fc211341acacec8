"""Golden transcript: two Messenger 6 users, both online, add each other (reference §4.14,
§4.21, §4.22, §5 RL handling), seen from both connections.

Every server line is checked exactly. `{placeholders}` stand only for what varies between
runs: the Passport challenge and ticket, and the length of the profile message (it holds
the login time, member id and client port). List versions are exact: both accounts are new
(version 1) and every change adds one.

What the official client does, and so what this replays: the adder sends `ADD FL` and
then `ADD AL`; the added user's client (GTC A: it asks first) answers the `ADD 0 RL` by
putting the adder on AL and FL in turn. The ILN each one gets carries the ADD's TrID.
"""

from __future__ import annotations

from pathlib import Path

from service_helpers import make_config, passport_login, running
from wire_helpers import Wire

from .conftest import NS_SETTINGS

ALICE, ALICE_PW = "alice@example.com", "alice-pw"
BOB, BOB_PW = "bob@example.com", "bob-pw"
ALICE_CAPS, BOB_CAPS = "268435500", "268435492"
ALICE_PICTURE = (
    "%3Cmsnobj%20Creator%3D%22alice%40example.com%22%20Size%3D%2219%22%20Type%3D%223%22"
    "%20Location%3D%22TFR2C.dat%22%20Friendly%3D%22AAA%3D%22"
    "%20SHA1D%3D%223GaDnyT3wOFpJ8tCYiImJgQ5Ca8%3D%22"
    "%20SHA1C%3D%22Khzu0XF559GVJcZS7LL%2BLuX2UIU%3D%22%2F%3E"
)


async def sign_in(service, email: str, password: str, name: str) -> Wire:  # type: ignore[no-untyped-def]
    """VER, USR TWN I, Passport 1.4 over HTTPS for real, USR TWN S, profile, mail, SYN."""
    ns = await Wire.connect("127.0.0.1", service.ports["notification"])
    await ns.send("VER 1 MSNP9 MSNP8 CVR0")
    await ns.expect("VER 1 MSNP9")
    await ns.send(f"USR 2 TWN I {email}")
    challenge = (await ns.expect("USR 2 TWN S {challenge}"))["challenge"]
    from_pp = await passport_login(service, email, password, challenge)
    await ns.send(f"USR 3 TWN S {from_pp}")
    await ns.expect(f"USR 3 OK {email} {name} 1 0")
    await ns.expect("MSG Hotmail Hotmail {profile_length}")
    await ns.expect("MSG Hotmail Hotmail {mail_length}")
    await ns.send("SYN 4 0")
    await ns.expect("SYN 4 1 0 1")
    await ns.expect("GTC A")
    await ns.expect("BLP AL")
    await ns.expect("LSG 0 Other%20Contacts 0")
    return ns


async def test_add_contact_while_both_online(tmp_path: Path) -> None:
    async with running(make_config(tmp_path, notification=NS_SETTINGS)) as service:
        await service.accounts.create(ALICE, ALICE_PW, "Alice")
        await service.accounts.create(BOB, BOB_PW, "Bob")

        alice = await sign_in(service, ALICE, ALICE_PW, "Alice")
        await alice.send(f"CHG 5 NLN {ALICE_CAPS} {ALICE_PICTURE}")
        await alice.expect(f"CHG 5 NLN {ALICE_CAPS} {ALICE_PICTURE}")

        bob = await sign_in(service, BOB, BOB_PW, "Bob")
        await bob.send(f"CHG 5 BSY {BOB_CAPS}")
        await bob.expect(f"CHG 5 BSY {BOB_CAPS}")  # nobody to tell yet: no ILN

        # ---- Alice adds Bob ---------------------------------------------------------------
        await alice.send(f"ADD 6 FL {BOB} {BOB} 0")
        await alice.expect(f"ADD 6 FL 2 {BOB} {BOB} 0")
        await alice.expect(f"ILN 6 BSY {BOB} Bob {BOB_CAPS}")
        await bob.expect(f"ADD 0 RL 2 {ALICE} Alice")
        await alice.send(f"ADD 7 AL {BOB} {BOB}")
        await alice.expect(f"ADD 7 AL 3 {BOB} {BOB}")

        # ---- Bob accepts: AL, then FL -------------------------------------------------------
        await bob.send(f"ADD 6 AL {ALICE} Alice")
        await bob.expect(f"ADD 6 AL 3 {ALICE} Alice")
        await bob.send(f"ADD 7 FL {ALICE} Alice 0")
        await bob.expect(f"ADD 7 FL 4 {ALICE} Alice 0")
        await bob.expect(f"ILN 7 NLN {ALICE} Alice {ALICE_CAPS} {ALICE_PICTURE}")
        await alice.expect(f"ADD 0 RL 4 {BOB} Bob")

        # ---- presence flows both ways -------------------------------------------------------
        await bob.send(f"CHG 8 NLN {BOB_CAPS}")
        await bob.expect(f"CHG 8 NLN {BOB_CAPS}")
        await alice.expect(f"NLN NLN {BOB} Bob {BOB_CAPS}")
        await alice.send(f"CHG 8 AWY {ALICE_CAPS} {ALICE_PICTURE}")
        await alice.expect(f"CHG 8 AWY {ALICE_CAPS} {ALICE_PICTURE}")
        await bob.expect(f"NLN AWY {ALICE} Alice {ALICE_CAPS} {ALICE_PICTURE}")
        await alice.send(f"REA 9 {ALICE} Alice%20A.")
        await alice.expect(f"REA 9 5 {ALICE} Alice%20A.")
        await bob.expect(f"NLN AWY {ALICE} Alice%20A. {ALICE_CAPS} {ALICE_PICTURE}")

        # ---- nothing else was sent to either side ----------------------------------------
        await bob.send("PNG")
        await bob.expect("QNG 60")
        await alice.send("PNG")
        await alice.expect("QNG 60")

        # ---- Alice leaves; Bob's next SYN shows the finished list ---------------------------
        await alice.send("OUT")
        await alice.expect("OUT")
        await alice.expect_closed()
        await bob.expect(f"FLN {ALICE}")

        await bob.send("SYN 9 0")
        await bob.expect("SYN 9 4 1 1")
        await bob.expect("GTC A")
        await bob.expect("BLP AL")
        await bob.expect("LSG 0 Other%20Contacts 0")
        await bob.expect(f"LST {ALICE} Alice 11 0")
        await bob.send("OUT")
        await bob.expect("OUT")
        await bob.expect_closed()

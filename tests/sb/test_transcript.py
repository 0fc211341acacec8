"""A golden two-party dialogue, byte for byte (reference §1.1)."""

from __future__ import annotations

from msnp.services.invitations import Ring

from .harness import Rig

TEXT = (
    b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
    b"X-MMS-IM-Format: FN=Arial; EF=; CO=0; CS=0; PF=22\r\n\r\nHello Bob!"
)
REPLY = b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nHi Alice \xc3\xa9"
TYPING = (
    b"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\n"
    b"TypingUser: bob@example.com\r\n\r\n\r\n"
)


async def test_two_party_chat(rig: Rig) -> None:
    server = rig.server
    cookie = await server.issue_creator("alice@example.com", "Alice Liddell", "MSNP9")
    alice = await rig.connect()
    alice.line(f"USR 1 alice@example.com {cookie}")
    await alice.expect(b"USR 1 OK alice@example.com Alice%20Liddell\r\n")

    alice.line("CAL 2 bob@example.com")
    ringing = await alice.read()
    session_id = ringing.tokens[-1]
    assert session_id.isdigit()
    assert ringing.raw == f"CAL 2 RINGING {session_id}\r\n".encode()
    assert len(rig.ringer.rings) == 1
    invitee, ring = rig.ringer.rings[0]
    assert invitee == "bob@example.com"
    assert ring == Ring(session_id, server.address, ring.cookie, "alice@example.com",
                        "Alice Liddell")
    assert ring.cookie != cookie
    assert server.address.port != 0

    bob = await rig.connect()
    bob.line(f"ANS 1 bob@example.com {ring.cookie} {session_id}")
    await bob.expect(b"IRO 1 1 1 alice@example.com Alice%20Liddell\r\n")
    await bob.expect(b"ANS 1 OK\r\n")
    await alice.expect(b"JOI bob@example.com Bob\r\n")

    alice.msg(3, "A", TEXT)
    await bob.expect(b"MSG alice@example.com Alice%20Liddell 123\r\n" + TEXT)
    await alice.expect(b"ACK 3\r\n")

    bob.msg(2, "U", TYPING)
    await alice.expect(b"MSG bob@example.com Bob %d\r\n" % len(TYPING) + TYPING)
    bob.msg(3, "N", REPLY)
    await alice.expect(b"MSG bob@example.com Bob %d\r\n" % len(REPLY) + REPLY)
    await bob.expect_silence()  # U and N: no reply on success

    bob.line("OUT")
    assert await bob.expect_closed() == []
    await alice.expect(b"BYE bob@example.com\r\n")

    # Alone now: A and N are NAKed, U is dropped silently; the session stays usable.
    alice.msg(4, "A", TEXT)
    await alice.expect(b"NAK 4\r\n")
    alice.msg(5, "N", TEXT)
    await alice.expect(b"NAK 5\r\n")
    alice.msg(6, "U", TYPING)
    await alice.expect_silence()
    alice.line("CAL 7 bob@example.com")
    await alice.expect(f"CAL 7 RINGING {session_id}\r\n".encode())

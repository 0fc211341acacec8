"""Multi-party sessions: IRO lists, JOI and BYE ordering, ways of leaving, the end of a
session (reference §1.5, §1.7, §1.8, §1.11)."""

from __future__ import annotations

import pytest

from .conftest import RigFactory
from .harness import Client, Rig, eventually

TEXT = b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nhello"
FROM_ALICE = b"MSG alice@example.com Alice%%20Liddell %d\r\n" % len(TEXT) + TEXT


async def test_three_party_session(rig: Rig) -> None:
    alice = await rig.create("alice@example.com")
    session_id = await rig.call(alice, "bob@example.com", 2)
    bob, iros = await rig.answer("bob@example.com", trid=11)
    assert [line.raw for line in iros] == [b"IRO 11 1 1 alice@example.com Alice%20Liddell\r\n"]
    await alice.expect(b"JOI bob@example.com Bob\r\n")
    # Bob invites Carol: she is listed both present participants, in join order.
    assert await rig.call(bob, "carol@example.com", 2) == session_id
    carol, iros = await rig.answer("carol@example.com", trid=5)
    assert [line.raw for line in iros] == [
        b"IRO 5 1 2 alice@example.com Alice%20Liddell\r\n",
        b"IRO 5 2 2 bob@example.com Bob\r\n",
    ]
    await alice.expect(b"JOI carol@example.com Carol\r\n")
    await bob.expect(b"JOI carol@example.com Carol\r\n")
    await carol.expect_silence()  # no JOI for those already present

    # Every message reaches every other participant, never its sender.
    carol.msg(6, "A", TEXT)
    for member in (alice, bob):
        await member.expect(b"MSG carol@example.com Carol %d\r\n" % len(TEXT) + TEXT)
    await carol.expect(b"ACK 6\r\n")

    bob.line("OUT")
    assert await bob.expect_closed() == []
    await alice.expect(b"BYE bob@example.com\r\n")
    await carol.expect(b"BYE bob@example.com\r\n")
    alice.msg(3, "A", TEXT)
    await carol.expect(FROM_ALICE)
    await alice.expect(b"ACK 3\r\n")

    # Bob comes back: the IRO list reflects who is there now.
    await rig.call(carol, "bob@example.com", 7)
    bob, iros = await rig.answer("bob@example.com")
    assert [line.tokens[1:5] for line in iros] == [
        ["1", "1", "2", "alice@example.com"],
        ["1", "2", "2", "carol@example.com"],
    ]
    await alice.expect(b"JOI bob@example.com Bob\r\n")
    await carol.expect(b"JOI bob@example.com Bob\r\n")


async def test_ten_participants(make_rig: RigFactory) -> None:
    rig: Rig = await make_rig(max_participants=12)
    emails = [f"user{i}@example.com" for i in range(12)]
    for email in emails:
        rig.user(email)
    members = [await rig.create(emails[0])]
    for i, email in enumerate(emails[1:], 1):
        await rig.call(members[i - 1], email, 2 + i)
        client, iros = await rig.answer(email)
        assert [line.tokens[4] for line in iros] == emails[:i]
        assert all(line.tokens[3] == str(i) for line in iros)
        joi = f"JOI {email} {email.split('@')[0].title()}\r\n".encode()
        for member in members:
            await member.expect(joi)
        members.append(client)
    session = rig.server.rooms.get(rig.ringer.rings[0][1].session_id)
    assert session is not None and len(session.participants) == 12
    members[5].msg(9, "A", TEXT)
    for i, member in enumerate(members):
        if i != 5:
            await member.expect(b"MSG user5@example.com User5 %d\r\n" % len(TEXT) + TEXT)
    await members[5].expect(b"ACK 9\r\n")
    members[3].line("OUT")
    for i, member in enumerate(members):
        if i != 3:
            await member.expect(b"BYE user3@example.com\r\n")


async def three(rig: Rig) -> tuple[Client, Client, Client]:
    alice = await rig.create("alice@example.com")
    bob = await rig.invite(alice, "bob@example.com", 2)
    carol = await rig.invite(alice, "carol@example.com", 3, others=(bob,))
    return alice, bob, carol


async def leave_by_out(client: Client) -> None:
    client.line("OUT")


async def leave_by_closing(client: Client) -> None:
    await client.close()


async def leave_by_client_bye(client: Client) -> None:
    client.line("BYE 9 bob@example.com")


@pytest.mark.parametrize("leave", [leave_by_out, leave_by_closing, leave_by_client_bye])
async def test_ways_of_leaving(rig: Rig, leave: object) -> None:
    alice, bob, carol = await three(rig)
    await leave(bob)  # type: ignore[operator]
    if leave is not leave_by_closing:
        assert await bob.expect_closed() == []  # nothing sent back, no error
    for other in (alice, carol):
        await other.expect(b"BYE bob@example.com\r\n")
        await other.expect_silence()


async def test_last_one_leaving_ends_the_session(rig: Rig) -> None:
    alice = await rig.create("alice@example.com")
    bob = await rig.invite(alice, "bob@example.com", 2)
    session_id = await rig.call(bob, "carol@example.com", 2)  # Carol is still ringing
    ring = rig.ringer.last("carol@example.com")
    alice.line("OUT")
    await bob.expect(b"BYE alice@example.com\r\n")
    assert rig.server.rooms.get(session_id) is not None
    await bob.close()
    await eventually(lambda: rig.server.rooms.get(session_id) is None)
    assert len(rig.store) == 0  # the outstanding invitation was revoked
    carol = await rig.connect()
    carol.line(f"ANS 1 carol@example.com {ring.cookie} {session_id}")
    assert [line.raw for line in await carol.expect_closed()] == [b"911 1\r\n"]


async def test_session_with_one_left_stays_usable(rig: Rig) -> None:
    alice = await rig.create("alice@example.com")
    bob = await rig.invite(alice, "bob@example.com", 2)
    await bob.close()
    await alice.expect(b"BYE bob@example.com\r\n")
    await rig.invite(alice, "carol@example.com", 3)
    alice.msg(4, "A", TEXT)
    await alice.expect(b"ACK 4\r\n")


async def test_same_pair_in_two_sessions(rig: Rig) -> None:
    chat = await rig.create("alice@example.com")
    chat_bob = await rig.invite(chat, "bob@example.com", 2)
    transfer = await rig.create("alice@example.com")
    transfer_bob = await rig.invite(transfer, "bob@example.com", 2)
    assert len({ring.session_id for _, ring in rig.ringer.rings}) == 2
    chat.msg(3, "N", TEXT)
    await chat_bob.expect(FROM_ALICE)
    await transfer_bob.expect_silence()


async def test_server_close_disconnects_everyone(rig: Rig) -> None:
    alice = await rig.create("alice@example.com")
    bob = await rig.invite(alice, "bob@example.com", 2)
    waiting = await rig.connect()
    await eventually(lambda: len(rig.server.hub.connections) == 3)
    await rig.server.close()
    for client in (alice, bob, waiting):
        await client.expect_closed()
    assert len(rig.server.rooms) == 0
    assert not rig.server.hub.connections


async def test_a_reader_that_cannot_keep_up_is_dropped(rig: Rig) -> None:
    alice = await rig.create("alice@example.com")
    await rig.invite(alice, "bob@example.com", 2)  # Bob never reads again
    payload = TEXT + b"x" * (1664 - len(TEXT))
    batch = b"MSG 3 U 1664\r\n" + payload
    for _ in range(200):  # at most ~33 MB: far beyond the write limit plus socket buffers
        alice.send(batch * 100)
        await alice.writer.drain()
        try:
            line = await alice.read(timeout=0.02)
        except TimeoutError:
            continue
        assert line.raw == b"BYE bob@example.com\r\n"
        break
    else:
        raise AssertionError("the slow reader was never dropped")
    alice.msg(4, "A", TEXT)
    await alice.expect(b"NAK 4\r\n")

"""MSG: relay, acknowledgements, data messages and 282, the size limit (reference §1.9)."""

from __future__ import annotations

import pytest

from msnp.wire.codec import MAX_SB_MESSAGE

from .harness import Client, Rig, p2p_message

TEXT = b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nhi"
ALICE = b"MSG alice@example.com Alice%20Liddell "
BOB = b"MSG bob@example.com Bob "


async def pair(rig: Rig) -> tuple[Client, Client]:
    alice = await rig.create("alice@example.com")
    bob = await rig.invite(alice, "bob@example.com", 2)
    return alice, bob


def relayed(prefix: bytes, payload: bytes) -> bytes:
    return prefix + b"%d\r\n" % len(payload) + payload


@pytest.mark.parametrize(
    ("ack", "reply"), [("U", None), ("N", None), ("A", b"ACK 9\r\n"), ("S", b"ACK 9\r\n")]
)
async def test_ack_on_success(rig: Rig, ack: str, reply: bytes | None) -> None:
    alice, bob = await pair(rig)
    alice.msg(9, ack, TEXT)
    await bob.expect(relayed(ALICE, TEXT))
    if reply is None:
        await alice.expect_silence()
    else:
        await alice.expect(reply)


@pytest.mark.parametrize(
    ("ack", "reply"), [("U", None), ("N", b"NAK 9\r\n"), ("A", b"NAK 9\r\n"), ("S", None)]
)
async def test_ack_when_alone(rig: Rig, ack: str, reply: bytes | None) -> None:
    alice = await rig.create("alice@example.com")
    alice.msg(9, ack, TEXT)
    if reply is None:
        await alice.expect_silence()
    else:
        await alice.expect(reply)


async def test_data_message_acked_and_relayed(rig: Rig) -> None:
    alice, bob = await pair(rig)
    payload = p2p_message("bob@example.com", b"\x00" * 100)
    alice.msg(5, "D", payload)
    await bob.expect(relayed(ALICE, payload))
    await alice.expect(b"ACK 5\r\n")


async def test_data_message_alone_is_nak(rig: Rig) -> None:
    alice = await rig.create("alice@example.com")
    alice.msg(5, "D", p2p_message("bob@example.com", b"data"))
    await alice.expect(b"NAK 5\r\n")


GOOD = p2p_message("bob@example.com", b"abc")
MALFORMED_DATA = {
    "not p2p": p2p_message("bob@example.com", b"abc", content_type="text/plain"),
    "no P2P-Dest": GOOD.replace(b"P2P-Dest: bob@example.com\r\n", b""),
    "empty P2P-Dest": GOOD.replace(b"P2P-Dest: bob@example.com", b"P2P-Dest: "),
    "no header block": GOOD.replace(b"\r\n\r\n", b"\r\n"),
    "binary part too short": GOOD[: GOOD.index(b"\r\n\r\n") + 4 + 51],
    "length field too big": p2p_message("bob@example.com", b"abc", chunk_length=4),
    "length field too small": p2p_message("bob@example.com", b"abc", chunk_length=2),
}


@pytest.mark.parametrize("payload", MALFORMED_DATA.values(), ids=MALFORMED_DATA.keys())
async def test_malformed_data_message_is_282_not_relayed(rig: Rig, payload: bytes) -> None:
    alice, bob = await pair(rig)
    alice.msg(6, "D", payload)
    await alice.expect(b"282 6\r\n")
    await bob.expect_silence()
    # The connection stays usable.
    alice.msg(7, "D", GOOD)
    await bob.expect(relayed(ALICE, GOOD))
    await alice.expect(b"ACK 7\r\n")


async def test_data_message_checks_are_lenient_where_harmless(rig: Rig) -> None:
    alice, bob = await pair(rig)
    # Header names and the media type in any case, parameters after the type, empty data.
    payload = p2p_message("bob@example.com", content_type="Application/X-MsnMsgrP2P; x=1")
    payload = payload.replace(b"P2P-Dest:", b"p2p-dest:")
    alice.msg(8, "D", payload)
    await bob.expect(relayed(ALICE, payload))
    await alice.expect(b"ACK 8\r\n")


async def test_data_message_from_msnp8_closes(rig: Rig) -> None:
    rig.user("alice@example.com", "Alice", "MSNP8")
    alice = await rig.create("alice@example.com")
    bob = await rig.invite(alice, "bob@example.com", 2)
    alice.msg(3, "D", GOOD)
    assert await alice.expect_closed() == []
    await bob.expect(b"BYE alice@example.com\r\n")


@pytest.mark.parametrize("ack", ["X", "a", "AA", "D2", "0"])
async def test_unknown_ack_type_closes(rig: Rig, ack: str) -> None:
    alice, bob = await pair(rig)
    alice.msg(3, ack, TEXT)
    assert await alice.expect_closed() == []
    await bob.expect(b"BYE alice@example.com\r\n")


@pytest.mark.parametrize(
    "raw",
    [b"MSG U 2\r\nhi", b"MSG 3 2\r\nhi", b"MSG 3 A A 2\r\nhi", b"MSG 3 A x\r\n", b"ACK 3\r\n",
     b"NAK 3\r\n", b"PNG\r\n", b"JOI bob@example.com Bob\r\n"],
)
async def test_malformed_or_unexpected_commands_close(rig: Rig, raw: bytes) -> None:
    alice, bob = await pair(rig)
    alice.send(raw)
    assert await alice.expect_closed() == []
    await bob.expect(b"BYE alice@example.com\r\n")


async def test_largest_message_is_relayed(rig: Rig) -> None:
    alice, bob = await pair(rig)
    payload = TEXT + b"x" * (MAX_SB_MESSAGE - len(TEXT))
    assert len(payload) == 1664
    alice.msg(3, "A", payload)
    await bob.expect(relayed(ALICE, payload))
    await alice.expect(b"ACK 3\r\n")


async def test_oversized_message_closes_sender_without_relaying(rig: Rig) -> None:
    alice = await rig.create("alice@example.com")
    bob = await rig.invite(alice, "bob@example.com", 2)
    carol = await rig.invite(alice, "carol@example.com", 3, others=(bob,))
    payload = TEXT + b"x" * (MAX_SB_MESSAGE + 1 - len(TEXT))
    alice.msg(4, "A", payload)
    assert await alice.expect_closed() == []
    for other in (bob, carol):
        await other.expect(b"BYE alice@example.com\r\n")  # and no MSG before it
    bob.msg(2, "A", TEXT)
    await carol.expect(relayed(BOB, TEXT))
    await bob.expect(b"ACK 2\r\n")


async def test_binary_payload_is_byte_exact(rig: Rig) -> None:
    alice, bob = await pair(rig)
    payload = (
        b"MIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n\r\n"
        + bytes(range(256))
        + b"\r\n\r\nMSG 1 A 5\r\n\x00\x00\r\r\n\n\xff"
    )
    alice.msg(3, "N", payload)
    await bob.expect(relayed(ALICE, payload))
    bob.msg(4, "N", b"")  # even an empty payload
    await alice.expect(b"MSG bob@example.com Bob 0\r\n")


async def test_clientcaps_with_u(rig: Rig) -> None:
    alice, bob = await pair(rig)
    caps = (
        b"MIME-Version: 1.0\r\nContent-Type: text/x-clientcaps\r\n\r\n"
        b"Client-Name: Gaim/0.79\r\nChat-Logging: Y\r\n"
    )
    bob.msg(2, "U", caps)
    await alice.expect(relayed(BOB, caps))
    await bob.expect_silence()


async def test_messages_keep_their_order(rig: Rig) -> None:
    alice, bob = await pair(rig)
    payloads = [TEXT + b" %d" % i for i in range(200)]
    alice.send(b"".join(b"MSG %d N %d\r\n" % (i, len(p)) + p for i, p in enumerate(payloads)))
    for payload in payloads:
        await bob.expect(relayed(ALICE, payload))
    await alice.expect_silence()


async def test_p2p_goes_only_to_its_destination(rig: Rig) -> None:
    alice = await rig.create("alice@example.com")
    bob = await rig.invite(alice, "bob@example.com", 2)
    carol = await rig.invite(alice, "carol@example.com", 3, others=(bob,))
    to_bob = p2p_message("Bob@Example.com", b"picture")
    alice.msg(4, "D", to_bob)
    await bob.expect(relayed(ALICE, to_bob))
    await alice.expect(b"ACK 4\r\n")
    await carol.expect_silence()
    # An unknown destination (or the sender itself) is broadcast to the others.
    for dest in ("zed@example.com", "alice@example.com"):
        payload = p2p_message(dest, b"x")
        alice.msg(5, "D", payload)
        await bob.expect(relayed(ALICE, payload))
        await carol.expect(relayed(ALICE, payload))
        await alice.expect(b"ACK 5\r\n")
    # P2P with a plain ack type is routed the same way; other types ignore P2P-Dest.
    alice.msg(6, "N", to_bob)
    await bob.expect(relayed(ALICE, to_bob))
    await carol.expect_silence()
    text = TEXT.replace(b"\r\n\r\n", b"\r\nP2P-Dest: bob@example.com\r\n\r\n")
    alice.msg(7, "N", text)
    await bob.expect(relayed(ALICE, text))
    await carol.expect(relayed(ALICE, text))


async def test_a_burst_in_one_read_is_relayed_and_answered_in_order(rig: Rig) -> None:
    """Messages that arrive together take the batch path: each still gets its own relay
    and its own answer, a malformed data message included."""
    alice, bob = await pair(rig)
    bad = MALFORMED_DATA["not p2p"]
    burst = [(1, "N", TEXT), (2, "A", TEXT + b"2"), (3, "D", bad), (4, "D", GOOD),
             (5, "U", TEXT + b"5"), (6, "S", TEXT + b"6")]
    alice.send(b"".join(b"MSG %d %s %d\r\n" % (t, a.encode(), len(p)) + p for t, a, p in burst))
    for _, _, payload in (burst[0], burst[1], burst[3], burst[4], burst[5]):
        await bob.expect(relayed(ALICE, payload))
    for answer in (b"ACK 2\r\n", b"282 3\r\n", b"ACK 4\r\n", b"ACK 6\r\n"):
        await alice.expect(answer)
    await alice.expect_silence()
    await bob.expect_silence()


async def test_a_violation_inside_a_burst_ends_it_after_what_came_before(rig: Rig) -> None:
    rig.user("alice@example.com", "Alice", "MSNP8")
    alice = await rig.create("alice@example.com")
    bob = await rig.invite(alice, "bob@example.com", 2)
    first = b"MSG 3 A %d\r\n" % len(TEXT) + TEXT
    alice.send(first + b"MSG 4 D %d\r\n" % len(GOOD) + GOOD + first)  # D: not in MSNP8
    await bob.expect(b"MSG alice@example.com Alice %d\r\n" % len(TEXT) + TEXT)
    assert [line.raw for line in await alice.expect_closed()] == [b"ACK 3\r\n"]
    await bob.expect(b"BYE alice@example.com\r\n")


async def test_a_read_of_plain_messages_is_relayed_in_one_piece_and_answered(
    rig: Rig,
) -> None:
    """A two-party read of plain messages only (the run path): relayed whole and in order,
    an ACK for each A and S and nothing for U and N, and a leave in the same read still
    counts."""
    alice, bob = await pair(rig)
    burst = [(10 + i, "UNAS"[i % 4], TEXT + b" %d" % i) for i in range(12)]
    alice.send(b"".join(b"MSG %d %s %d\r\n" % (t, a.encode(), len(p)) + p for t, a, p in burst)
               + b"OUT\r\n")
    for _, _, payload in burst:
        await bob.expect(relayed(ALICE, payload))
    for trid, ack, _ in burst:
        if ack in "AS":
            await alice.expect(b"ACK %d\r\n" % trid)
    await bob.expect(b"BYE alice@example.com\r\n")
    await alice.expect_closed()


async def test_a_read_of_a_messages_is_answered_with_an_ack_each(rig: Rig) -> None:
    """Most clients send text with ack type A: a read of them is one run, one ACK each."""
    alice, bob = await pair(rig)
    trids = [7, 80, 900, 1000, 4294967295]
    alice.send(b"".join(b"MSG %d A %d\r\n" % (t, len(TEXT)) + TEXT for t in trids))
    for _ in trids:
        await bob.expect(relayed(ALICE, TEXT))
    for trid in trids:
        await alice.expect(b"ACK %d\r\n" % trid)
    await alice.expect_silence()

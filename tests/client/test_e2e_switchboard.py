"""The switchboard end to end through the whole service with the SDK: DS -> NS -> XFR SB ->
CAL -> RNG -> ANS, then a display picture in P2P chunks and every acknowledgement type."""

from __future__ import annotations

import hashlib
import struct

import pytest

from client.live import Live
from msnp.client import (
    Client,
    DeliveryFailed,
    Invitation,
    Message,
    MessageNotDelivered,
    MessageReceived,
    ParticipantLeft,
    ServerError,
    TextReceived,
)
from msnp.wire.msnobject import MSNObject

ALICE, BOB = "alice@example.com", "bob@example.com"
CHUNK = 1202  # data bytes per P2P message, as Messenger and Pidgin send them
P2P_HEADER = struct.Struct("<IIQQIIIIQ")  # session, id, offset, total, length, flags, acks


async def _chat(alice: Client, bob: Client):  # type: ignore[no-untyped-def]
    await alice.add_contact(BOB, "Bob")
    await bob.add_contact(ALICE, "Alice")
    bob.events.subscribe(bob.accept, Invitation)
    return await alice.start_chat(BOB)


def _p2p_chunks(data: bytes, session_id: int, dest: str) -> list[Message]:
    """The picture as MSNC P2P data messages: 48-byte header, <= 1202 bytes, AppID footer."""
    out = []
    for number, offset in enumerate(range(0, len(data), CHUNK)):
        piece = data[offset : offset + CHUNK]
        header = P2P_HEADER.pack(
            session_id, 1000 + number, offset, len(data), len(piece), 0x20, 0, 0, 0
        )
        body = header + piece + struct.pack(">I", 1)
        out.append(Message.build("application/x-msnmsgrp2p", body, P2P_Dest=dest))
    return out


async def test_display_picture_in_p2p_chunks_arrives_intact(live: Live) -> None:
    picture = hashlib.sha256(b"seed").digest() * 3200  # 102,400 bytes
    msnobj = MSNObject.create(ALICE, picture)
    async with live.client(ALICE) as alice, live.client(BOB) as bob:
        received = bob.events.stream(MessageReceived)
        chat = await _chat(alice, bob)
        chunks = _p2p_chunks(picture, session_id=7, dest=BOB)
        assert len(chunks) == 86
        for chunk in chunks:
            await chat.send_message(chunk, ack="D")  # waits for each ACK
        assembled = bytearray(len(picture))
        seen = 0
        while seen < len(picture):
            event = await received.get(timeout=10)
            message = event.message
            assert message.header("Content-Type") == "application/x-msnmsgrp2p"
            assert message.header("P2P-Dest") == BOB
            fields = P2P_HEADER.unpack_from(message.body)
            offset, length = fields[2], fields[4]
            assembled[offset : offset + length] = message.body[48 : 48 + length]
            assert message.body[48 + length :] == b"\x00\x00\x00\x01"
            seen += length
        assert bytes(assembled) == picture
        assert msnobj.verify(bytes(assembled))  # SHA1D and Size match the object


async def test_every_ack_type(live: Live) -> None:
    async with live.client(ALICE) as alice, live.client(BOB) as bob:
        received = bob.events.stream(MessageReceived, TextReceived)
        chat = await _chat(alice, bob)
        bodies = {}
        for ack in ("U", "N", "A", "S"):
            body = f"sent with {ack}".encode()
            bodies[ack] = body
            await chat.send_message(Message.build("application/x-test", body), ack=ack)
        caps = Message.build("text/x-clientcaps", b"Client-Name: msnp-tests\r\n")
        await chat.send_message(caps, ack="U")
        got = [(await received.get(timeout=5)).message for _ in range(5)]
        assert [m.body for m in got[:4]] == list(bodies.values())
        assert got[4].header("Content-Type") == "text/x-clientcaps"

        # D with a payload that is not a well-formed P2P message: 282, nothing relayed.
        bad = Message.build("text/plain; charset=UTF-8", b"not p2p")
        try:
            await chat.send_message(bad, ack="D")
        except ServerError as exc:
            assert exc.code == 282
        else:
            raise AssertionError("MSG D with a text payload was not refused")

        # Alone in the session: A raises on NAK, N reports it as an event, U stays silent.
        left = chat.events.stream(ParticipantLeft)
        bob_chat = next(iter(bob.chats))
        await bob_chat.leave()
        await left.get(timeout=5)
        failures = chat.events.stream(MessageNotDelivered)
        try:
            await chat.send_text("anyone?", ack="A")
        except DeliveryFailed:
            pass
        else:
            raise AssertionError("a message to nobody was acknowledged")
        trid = await chat.send_text("hello?", ack="N")
        assert (await failures.get(timeout=5)).trid == trid
        await chat.send_message(Message.build("application/x-test", b"x"), ack="U")
        # U is never answered, not even with a NAK when nobody is left to receive it.
        with pytest.raises(TimeoutError):
            await failures.get(timeout=0.3)

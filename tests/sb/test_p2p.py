"""A display-picture transfer as MSNC P2P chunks over the switchboard (reference §5.2)."""

from __future__ import annotations

import base64
import hashlib
import random
import struct

from .harness import P2P_BINARY_HEADER, Client, Rig, p2p_message

CHUNK = 1202


def binary_part(payload: bytes) -> tuple[tuple[int, ...], bytes, int]:
    """(header fields, data, footer) of a relayed P2P payload."""
    body = payload[payload.index(b"\r\n\r\n") + 4 :]
    fields = P2P_BINARY_HEADER.unpack_from(body)
    data = body[48:-4]
    (footer,) = struct.unpack(">I", body[-4:])
    return fields, data, footer


async def receive_d(receiver: Client, sender_prefix: bytes) -> bytes:
    line = await receiver.read()
    assert line.payload is not None
    assert line.raw.startswith(sender_prefix), line.raw[:80]
    return line.payload


async def test_100kb_display_picture(rig: Rig) -> None:
    picture = random.Random(7).randbytes(100 * 1024)
    sha1d = base64.b64encode(hashlib.sha1(picture).digest()).decode()
    alice = await rig.create("alice@example.com")  # the owner (SC)
    bob = await rig.invite(alice, "bob@example.com", 2)  # wants the picture (RC)
    alice_prefix = b"MSG alice@example.com Alice%20Liddell "
    bob_prefix = b"MSG bob@example.com Bob "
    trid = {"alice": 10, "bob": 10}

    async def send(who: Client, name: str, payload: bytes, peer: Client, prefix: bytes) -> None:
        trid[name] += 1
        who.msg(trid[name], "D", payload)
        assert await receive_d(peer, prefix) == payload  # byte for byte
        await who.expect(b"ACK %d\r\n" % trid[name])

    # 1. Bob's SLP INVITE, longer than one chunk: split 1202 + rest.
    context = base64.b64encode(f'<msnobj Creator="alice@example.com" SHA1D="{sha1d}"/>'.encode())
    slp = (
        "INVITE MSNMSGR:alice@example.com MSNSLP/1.0\r\nTo: <msnmsgr:alice@example.com>\r\n"
        "From: <msnmsgr:bob@example.com>\r\n"
        "Via: MSNSLP/1.0/TLP ;branch={A0D624A6-6C0C-4283-A9E0-BC97B4B46D32}\r\n"
        "CSeq: 0\r\nCall-ID: {7B6E0B9B-5A20-4E4C-B7B2-F2D8C17A9F8A}\r\nMax-Forwards: 0\r\n"
        "Content-Type: application/x-msnmsgr-sessionreqbody\r\n\r\n"
        "EUF-GUID: {A4268EEC-FEC5-49E5-95C3-F126696BDBF6}\r\nSessionID: 77\r\nAppID: 1\r\n"
        f"Context: {context.decode()}{'=' * 1000}\r\n\r\n\x00"
    ).encode()
    assert len(slp) > CHUNK
    for offset in range(0, len(slp), CHUNK):
        piece = slp[offset : offset + CHUNK]
        message = p2p_message("alice@example.com", piece, offset=offset, total=len(slp),
                              identifier=1000, footer=0)
        await send(bob, "bob", message, alice, bob_prefix)
    # 2. Alice acks it and sends the data-preparation message.
    await send(alice, "alice", p2p_message("bob@example.com", flags=0x2, identifier=2000,
                                           footer=0), bob, alice_prefix)
    await send(alice, "alice", p2p_message("bob@example.com", b"\x00" * 4, session_id=77,
                                           identifier=2001), bob, alice_prefix)
    # 3. The picture in 1202-byte chunks, all sent at once (the relay must keep them in order
    #    and intact); Bob reassembles by offset.
    chunks = []
    for offset in range(0, len(picture), CHUNK):
        piece = picture[offset : offset + CHUNK]
        chunks.append(p2p_message("bob@example.com", piece, offset=offset, total=len(picture),
                                  flags=0x20, session_id=77, identifier=2002))
    assert all(len(chunk) <= 1664 for chunk in chunks)
    alice.send(b"".join(b"MSG %d D %d\r\n" % (100 + i, len(c)) + c for i, c in enumerate(chunks)))
    # Chat keeps flowing while the transfer runs through the same pipe.
    bob.msg(50, "N", b"MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nnice picture")
    received = bytearray(len(picture))
    for chunk in chunks:
        payload = await receive_d(bob, alice_prefix)
        assert payload == chunk
        (session_id, _, offset, total, length, flags, *_), data, footer = binary_part(payload)
        assert (session_id, total, flags, footer, length) == (77, len(picture), 0x20, 1, len(data))
        received[offset : offset + length] = data
    acks: list[bytes] = []
    texts: list[bytes] = []
    while len(acks) < len(chunks) or not texts:
        line = await alice.read()  # Bob's text may arrive anywhere among the ACKs
        (texts if line.name == "MSG" else acks).append(line.raw)
    assert acks == [b"ACK %d\r\n" % (100 + i) for i in range(len(chunks))]
    assert len(texts) == 1 and texts[0].endswith(b"nice picture")
    assert base64.b64encode(hashlib.sha1(bytes(received)).digest()).decode() == sha1d
    # 4. Bob acks the data and says BYE over SLP; then leaves.
    await send(bob, "bob", p2p_message("alice@example.com", flags=0x2, session_id=77,
                                       total=len(picture), identifier=1001), alice, bob_prefix)
    bye = b"BYE MSNMSGR:alice@example.com MSNSLP/1.0\r\n\r\n\x00"
    await send(bob, "bob", p2p_message("alice@example.com", bye, identifier=1002, footer=0),
               alice, bob_prefix)

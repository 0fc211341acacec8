"""`MSG trid ack length` + payload, relayed byte for byte as `MSG handle name length` +
the same payload to every other participant (reference §1.9, §1.10).

Acks: U never a reply; N a NAK on failure; A an ACK or a NAK; S an ACK on success only;
D (MSNP9) an ACK or a NAK, or 282 without relaying for a malformed data message. Failure
means nobody to deliver to, or a recipient's connection gone. Unknown ack types, and D from
an MSNP8 client, close the connection.
"""

from __future__ import annotations

import re
import struct
from typing import TYPE_CHECKING

from msnp.services.rooms import Participant, Session
from msnp.wire.codec import Command, MsgRun, RawMsg, error
from msnp.wire.errors import ErrorCode, ProtocolError
from msnp.wire.names import normalize_email

if TYPE_CHECKING:
    from msnp.sb.controller import SwitchboardController

P2P_CONTENT_TYPE = "application/x-msnmsgrp2p"
P2P_HEADER = 48  # binary header before the data
P2P_FOOTER = 4  # big-endian AppID after the data
_CHUNK_LENGTH = struct.Struct("<I")  # at offset 24 of the binary header

_PLAIN_ACKS = frozenset({"U", "N", "A", "S"})
_ERROR_282 = int(ErrorCode.P2P_ERROR)


def split_headers(payload: bytes) -> tuple[dict[str, str], int] | None:
    """The MIME header block (names lower-cased) and the offset of the body, or None when
    there is no blank line. Only the header block is decoded; the body is never touched."""
    end = payload.find(b"\r\n\r\n")
    if end < 0:
        return None
    headers: dict[str, str] = {}
    for line in payload[:end].decode("latin-1").split("\r\n"):
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    return headers, end + 4


def _is_p2p(headers: dict[str, str]) -> bool:
    return headers.get("content-type", "").partition(";")[0].strip().lower() == P2P_CONTENT_TYPE


def data_message_dest(payload: bytes) -> str | None:
    """The `P2P-Dest` of a well-formed `MSG D` payload, or None if it deserves 282: not P2P,
    no P2P-Dest, or a binary part whose length disagrees with its header (§1.9 [rec])."""
    parsed = split_headers(payload)
    if parsed is None:
        return None
    headers, body = parsed
    dest = headers.get("p2p-dest", "")
    if not dest or not _is_p2p(headers):
        return None
    binary = len(payload) - body
    if binary < P2P_HEADER + P2P_FOOTER:
        return None
    (chunk,) = _CHUNK_LENGTH.unpack_from(payload, body + 24)
    if chunk != binary - P2P_HEADER - P2P_FOOTER:
        return None
    return dest


def p2p_dest(payload: bytes) -> str | None:
    """`P2P-Dest` of a P2P message sent with a plain ack type, else None."""
    end = payload.find(b"\r\n\r\n")
    if end < 0 or b"p2p-dest" not in payload[:end].lower():
        return None
    parsed = split_headers(payload)
    if parsed is None or not _is_p2p(parsed[0]):
        return None
    return parsed[0].get("p2p-dest") or None


def relay(session: Session, sender: Participant, tail: bytes, dest: str | None) -> bool:
    """Deliver `MSG handle name ` + `tail` (the length line and the payload, as received) to
    the others, or only to `dest` if that is another participant. True when there was
    someone to deliver to and none of them was gone. (A recipient too slow to take the
    message is dropped when its output is flushed, and the others then get its BYE.)"""
    recipients = sender.peers
    if dest is not None and len(recipients) > 1:
        target = session.participants.get(normalize_email(dest))
        if target is not None and target is not sender:
            recipients = (target,)
    if not recipients:
        return False
    data = sender.msg_prefix + tail
    delivered = True
    for recipient in recipients:
        endpoint = recipient.endpoint
        if endpoint.closed:
            delivered = False
        else:
            endpoint.send(data)
    return delivered


def handle_msg(conn: SwitchboardController, session: Session, command: Command) -> None:
    """A MSG parsed the general way (split across reads, say)."""
    trid = command.trid
    args = command.args
    payload = command.payload
    if trid is None or len(args) != 1 or payload is None:
        raise ProtocolError("malformed MSG")
    length = b"%d\r\n" % len(payload)
    deliver(conn, session, RawMsg(b"%d" % trid, args[0], length + payload, len(length)))


def _answer(ack: str, trid: bytes, delivered: bool) -> bytes | None:
    """What the ack type asks for (see the module notes)."""
    if ack == "U":
        return None
    if delivered:
        return None if ack == "N" else b"ACK " + trid + b"\r\n"
    return None if ack == "S" else b"NAK " + trid + b"\r\n"


def _data_dest(sender: Participant, msg: RawMsg) -> str | None:
    """The P2P-Dest of a MSG D, or None when it deserves 282. MSNP8 has no MSG D."""
    if not sender.dialect.data_ack:
        raise ProtocolError("MSG D from a client without data messages")
    return data_message_dest(msg.payload)


def deliver(conn: SwitchboardController, session: Session, msg: RawMsg) -> None:
    """Check the ack type, relay, and answer as the ack type asks."""
    ack = msg.ack
    sender = conn.participant
    assert sender is not None
    if ack == "D":
        dest = _data_dest(sender, msg)
        if dest is None:
            conn.sink.send(error(_ERROR_282, int(msg.trid)))
            return
    elif ack in _PLAIN_ACKS:
        # Routing by P2P-Dest matters only with more than one other participant.
        dest = p2p_dest(msg.payload) if len(sender.peers) > 1 else None
    else:
        raise ProtocolError(f"unknown MSG ack type {ack!r}")
    answer = _answer(ack, msg.trid, relay(session, sender, msg.tail, dest))
    if answer is not None:
        conn.sink.send(answer)


def deliver_all(conn: SwitchboardController, session: Session, taken: list[RawMsg]) -> None:
    """`deliver` for a batch taken from one read (ack types U/N/A/S/D only). In a two-party
    session (the common case) the recipient and its state are looked up once and the batch
    goes out as one send; otherwise each message is delivered on its own. Same answers,
    same order."""
    sender = conn.participant
    assert sender is not None
    if len(sender.peers) != 1:
        for msg in taken:
            deliver(conn, session, msg)
        return
    recipient = sender.peers[0].endpoint
    reachable = not recipient.closed
    prefix = sender.msg_prefix
    relayed: list[bytes] = []
    replies: list[bytes] = []
    try:
        for msg in taken:
            ack = msg.ack
            if ack == "D" and _data_dest(sender, msg) is None:
                replies.append(error(_ERROR_282, int(msg.trid)))
                continue
            if reachable:
                relayed.append(prefix)
                relayed.append(msg.tail)
            if ack != "U" and (answer := _answer(ack, msg.trid, reachable)) is not None:
                replies.append(answer)
    finally:  # what came before a violation is still delivered and answered
        if relayed:
            recipient.send(b"".join(relayed))
        if replies:
            conn.sink.send(b"".join(replies))


def deliver_run(conn: SwitchboardController, recipient: Participant, run: MsgRun) -> None:
    """Send a run taken by `Parser.take_run` to the one other participant, who is reachable,
    and answer as `deliver` would: an ACK for each A and S, nothing for U and N."""
    recipient.endpoint.send(run.relayed)
    answers = run_answers(run.heads)
    if answers:
        conn.sink.send(answers)


_ANSWERED = re.compile(rb"([0-9]+) [AS]")


def run_answers(heads: bytes) -> bytes:
    """The ACK lines for a run's `heads` (b"1 A2 N3 S" -> b"ACK 1\r\nACK 3\r\n"). Trids are
    digits, so a letter in `heads` is always an ack type."""
    if b"A" not in heads and b"S" not in heads:
        return b""
    if b"N" not in heads and b"U" not in heads:  # every message is answered (A mostly)
        return b"ACK " + heads.replace(b" A", b"\r\nACK ").replace(b" S", b"\r\nACK ")[:-4]
    return b"ACK " + b"\r\nACK ".join(_ANSWERED.findall(heads)) + b"\r\n"

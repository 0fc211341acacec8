"""Parser.take_msgs, the switchboard's raw relay path: whatever it takes, and whatever it
leaves to iter_feed, adds up to exactly what iter_feed alone yields, errors included."""

from __future__ import annotations

import random
from collections.abc import Callable

from msnp.wire.codec import Command, Parser, RawMsg
from msnp.wire.errors import PayloadTooLarge, ProtocolError

from .test_codec_fuzz import SEED, mutate, random_chunks, random_input

CASES = 20_000
Outcome = tuple[list[Command], type[ProtocolError] | None]


def as_command(msg: RawMsg) -> Command:
    return Command("MSG", int(msg.trid), (msg.ack,), msg.payload)


def through_take(chunks: list[bytes]) -> tuple[Outcome, int]:
    """The switchboard's way: append, take the plain MSGs, parse the rest."""
    parser = Parser.for_server()
    out: list[Command] = []
    taken = 0
    try:
        for chunk in chunks:
            msgs = parser.take_msgs(chunk)
            taken += len(msgs)
            # The relay forwards `tail` as is: it must be what the general path would write.
            assert all(m.tail == b"%d\r\n" % len(m.payload) + m.payload for m in msgs)
            assert all(m.trid == b"%d" % int(m.trid) for m in msgs)
            out.extend(as_command(m) for m in msgs)
            out.extend(parser.iter_feed(b""))
    except ProtocolError as exc:
        return (out, type(exc)), taken
    return (out, None), taken


def plain(chunks: list[bytes]) -> Outcome:
    parser = Parser.for_server()
    out: list[Command] = []
    try:
        for chunk in chunks:
            out.extend(parser.iter_feed(chunk))
    except ProtocolError as exc:
        return out, type(exc)
    return out, None


def message_burst(r: random.Random) -> bytes:
    """Switchboard traffic: plain MSGs (payloads that may hold CRLFs and "MSG" themselves),
    now and then another command, then maybe a few mutations."""
    parts = []
    for _ in range(r.randrange(1, 8)):
        if r.random() < 0.1:
            parts.append(r.choice([b"CAL 5 bob@example.com\r\n", b"OUT\r\n", b"PNG\r\n"]))
            continue
        payload = r.choice([b"", b"hi", b"MSG 9 N 2\r\nxx", r.randbytes(r.randrange(60))])
        parts.append(b"MSG %d %s %d\r\n" % (r.randrange(1 << 32), r.choice(b"UNASDX").to_bytes(),
                                            len(payload)) + payload)
    data = b"".join(parts)
    for _ in range(r.randrange(3) if r.random() < 0.5 else 0):
        data = mutate(r, data)
    return data


def messages_taken_on_streams(
    through: Callable[[list[bytes]], tuple[Outcome, int]], seed: int
) -> int:
    """Run CASES random streams (message bursts and anything at all, randomly chunked)
    through a fast path and through iter_feed alone; the outcomes must be equal. Returns how
    many messages the fast path took, so a test can tell it was really exercised."""
    r = random.Random(seed)
    taken_total = 0
    for case in range(CASES):
        data = message_burst(r) if case % 2 else random_input(r)
        chunks = random_chunks(r, data)
        outcome, taken = through(chunks)
        taken_total += taken
        assert outcome == plain(chunks), f"case {case}: data={data!r}"
    return taken_total


def test_take_path_equals_iter_feed_on_random_and_mutated_streams() -> None:
    assert messages_taken_on_streams(through_take, SEED ^ 0x7A4E) > CASES // 2


def test_a_burst_of_messages_is_taken_whole_with_the_wire_tail() -> None:
    parser = Parser.for_server()
    msgs = parser.take_msgs(b"MSG 1 N 5\r\nhello" b"MSG 2 A 0\r\n" b"MSG 3 D 3\r\n\x00\x01\x02")
    assert [(m.trid, m.ack, m.tail, m.payload) for m in msgs] == [
        (b"1", "N", b"5\r\nhello", b"hello"),
        (b"2", "A", b"0\r\n", b""),
        (b"3", "D", b"3\r\n\x00\x01\x02", b"\x00\x01\x02"),
    ]
    assert parser.buffered == 0


def test_anything_unusual_is_left_to_iter_feed() -> None:
    for stream in (
        b"MSG 1 N 05\r\nhello",  # a length with a leading zero
        b"MSG 01 N 5\r\nhello",  # a trid with one
        b"MSG 1  N 5\r\nhello",  # two spaces
        b"MSG\t1 N 5\r\nhello",  # a tab
        b"MSG 1 N 5\nhello",  # a bare LF
        b"MSG 1 X 5\r\nhello",  # an ack type the switchboard refuses
        b"MSG 1 N 5\r\nhell",  # the payload not all here yet
        b"PNG\r\nMSG 1 N 5\r\nhello",  # another command first
    ):
        parser = Parser.for_server()
        assert parser.take_msgs(stream) == [], stream
        assert parser.buffered == len(stream)


def test_an_oversized_message_is_refused_by_iter_feed() -> None:
    parser = Parser.for_server()
    assert len(parser.take_msgs(b"MSG 1 N 1664\r\n" + bytes(1664) + b"MSG 2 N 1665\r\n"
                                + bytes(1665))) == 1
    try:
        list(parser.iter_feed(b""))
    except PayloadTooLarge:
        return
    raise AssertionError("a 1665-byte MSG was accepted")

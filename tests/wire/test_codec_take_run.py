"""Parser.take_run, the two-party relay path: whatever it takes, plus whatever take_msgs and
iter_feed take after it, adds up to exactly what iter_feed alone yields, errors included;
and what it relays is the general path's relayed form, byte for byte."""

from __future__ import annotations

import re

from msnp.wire.codec import Command, MsgRun, Parser
from msnp.wire.errors import ProtocolError

from .test_codec_fuzz import SEED
from .test_codec_take_msgs import CASES, messages_taken_on_streams

PREFIX = b"MSG alice@example.com Alice "
Outcome = tuple[list[Command], type[ProtocolError] | None]


def run_commands(run: MsgRun) -> list[Command]:
    """The run's messages back as Commands: its relayed bytes parsed as a client parses the
    server's MSGs, with the trid and ack type the sender gave."""
    relayed = Parser.for_client().feed(run.relayed)
    heads = re.findall(rb"([0-9]+) ([UNAS])", run.heads)
    assert len(relayed) == len(heads) == run.messages
    out = []
    for msg, (trid, ack) in zip(relayed, heads, strict=True):
        assert msg.name == "MSG" and msg.args == ("alice@example.com", "Alice")
        assert msg.payload is not None
        out.append(Command("MSG", int(trid), (ack.decode(),), msg.payload))
    return out


def through_run(chunks: list[bytes]) -> tuple[Outcome, int]:
    """The switchboard's way: a run if the read allows one, else take_msgs; then iter_feed
    whenever the parser says something may be left to parse."""
    parser = Parser.for_server()
    out: list[Command] = []
    taken = 0
    try:
        for chunk in chunks:
            run = parser.take_run(chunk, PREFIX)
            if run is not None:
                taken += run.messages
                out.extend(run_commands(run))
            else:
                msgs = parser.take_msgs(chunk)
                out.extend(Command("MSG", int(m.trid), (m.ack,), m.payload) for m in msgs)
            if parser.unparsed:
                out.extend(parser.iter_feed(b""))
        # At the end of the stream, whatever is still held must parse the same way.
        out.extend(parser.iter_feed(b""))
    except ProtocolError as exc:
        return (out, type(exc)), taken
    return (out, None), taken


def test_run_path_equals_iter_feed_on_random_and_mutated_streams() -> None:
    assert messages_taken_on_streams(through_run, SEED ^ 0x52554E) > CASES // 4


def test_a_read_of_messages_is_relayed_whole() -> None:
    parser = Parser.for_server()
    run = parser.take_run(b"MSG 1 N 5\r\nhello" b"MSG 2 A 0\r\n" b"MSG 3 U 2\r\n\x00\r", PREFIX)
    assert run is not None
    assert run.relayed == (PREFIX + b"5\r\nhello" + PREFIX + b"0\r\n" + PREFIX + b"2\r\n\x00\r")
    assert (run.messages, run.heads) == (3, b"1 N2 A3 U")
    assert not parser.unparsed and parser.buffered == 0


def test_an_unfinished_last_message_is_held_for_the_next_read() -> None:
    parser = Parser.for_server()
    run = parser.take_run(b"MSG 1 N 5\r\nhelloMSG 2 N 5\r\nwo", PREFIX)
    assert run is not None and run.heads == b"1 N"
    assert parser.buffered == len(b"MSG 2 N 5\r\nwo") and not parser.unparsed
    run = parser.take_run(b"rldMSG 3 N 1\r\n!", PREFIX)
    assert run is not None and run.relayed == PREFIX + b"5\r\nworld" + PREFIX + b"1\r\n!"
    assert parser.buffered == 0


def test_a_command_after_the_messages_is_left_to_iter_feed() -> None:
    parser = Parser.for_server()
    run = parser.take_run(b"MSG 1 N 5\r\nhelloOUT\r\n", PREFIX)
    assert run is not None and run.heads == b"1 N"
    assert parser.unparsed
    assert list(parser.iter_feed(b"")) == [Command("OUT")]


def test_anything_unusual_is_left_untouched() -> None:
    for stream in (
        b"MSG 1 N 5\r\nhelloCAL 2 bob@example.com\r\nMSG 3 N 1\r\nx",  # a command between
        b"MSG 1 N 9\r\nMSG 2 N 0\r\nMSG 3 N 1\r\nx",  # a header inside a payload
        b"MSG 1 D 5\r\nhello",  # a data message: checked one by one
        b"MSG 1 N 1665\r\n" + bytes(1665),  # over the limit
        b"MSG 1 N 05\r\nhello",  # a length with a leading zero
        b"PNG\r\nMSG 1 N 5\r\nhello",  # another command first
        b"MSG 1 N 5\r\nhello\r\nMSG 2 N 1\r\nx",  # a stray CRLF after a payload
    ):
        parser = Parser.for_server()
        assert parser.take_run(stream, PREFIX) is None, stream
        assert parser.buffered == 0

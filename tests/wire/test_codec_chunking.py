"""Chunk-split invariance: however a stream of valid commands is cut into reads, the parser
yields the same commands as for the whole stream."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from msnp.wire.codec import Command, Parser, encode

from . import samples
from .shapes import any_client_command, any_server_command


def split(stream: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(c, len(stream)) for c in cuts})
    edges = [0, *points, len(stream)]
    return [stream[a:b] for a, b in itertools.pairwise(edges)]


def feed_all(parser: Parser, chunks: list[bytes]) -> list[Command]:
    out: list[Command] = []
    for chunk in chunks:
        out.extend(parser.feed(chunk))
    return out


@st.composite
def streams_and_cuts(
    draw: st.DrawFn, commands: st.SearchStrategy[Command]
) -> tuple[list[Command], bytes, list[int]]:
    cmds = draw(st.lists(commands, min_size=1, max_size=12))
    stream = b"".join(encode(c) for c in cmds)
    cuts = draw(st.lists(st.integers(0, len(stream)), max_size=40))
    return cmds, stream, cuts


@given(streams_and_cuts(any_client_command))
def test_client_stream_any_split(case: tuple[list[Command], bytes, list[int]]) -> None:
    commands, stream, cuts = case
    parser = Parser.for_server()
    assert feed_all(parser, split(stream, cuts)) == commands
    assert parser.buffered == 0


@given(streams_and_cuts(any_server_command))
def test_server_stream_any_split(case: tuple[list[Command], bytes, list[int]]) -> None:
    commands, stream, cuts = case
    parser = Parser.for_client()
    assert feed_all(parser, split(stream, cuts)) == commands
    assert parser.buffered == 0


@given(st.lists(any_client_command, min_size=1, max_size=6))
def test_client_stream_one_byte_at_a_time(commands: list[Command]) -> None:
    wires = [encode(c) for c in commands]
    ends = list(itertools.accumulate(len(w) for w in wires))
    stream = b"".join(wires)
    parser = Parser.for_server()
    out: list[Command] = []
    for i in range(len(stream)):
        out.extend(parser.feed(stream[i : i + 1]))
        # a command comes out exactly when its last byte arrives, never earlier or later
        assert len(out) == sum(1 for end in ends if end <= i + 1)
        assert out == commands[: len(out)]
    assert out == commands


ALL_SAMPLES = [
    *((s, c, Parser.for_server) for s, c in samples.CLIENT_STREAMS),
    *((s, c, Parser.for_client) for s, c in samples.SERVER_STREAMS),
]


@pytest.mark.parametrize(("stream", "commands", "factory"), ALL_SAMPLES)
def test_reference_streams_one_byte_at_a_time(
    stream: bytes, commands: list[Command], factory: Callable[[], Parser]
) -> None:
    parser = factory()
    out: list[Command] = []
    for i in range(len(stream)):
        out.extend(parser.feed(stream[i : i + 1]))
    assert out == commands
    assert parser.buffered == 0


@pytest.mark.parametrize(("stream", "commands", "factory"), ALL_SAMPLES)
def test_reference_streams_every_single_cut(
    stream: bytes, commands: list[Command], factory: Callable[[], Parser]
) -> None:
    for cut in range(len(stream) + 1):
        parser = factory()
        assert parser.feed(stream[:cut]) + parser.feed(stream[cut:]) == commands, cut


def test_iter_feed_matches_feed() -> None:
    stream = samples.NS_SERVER_STREAM
    assert list(Parser.for_client().iter_feed(stream)) == Parser.for_client().feed(stream)


def test_empty_feed_is_harmless() -> None:
    parser = Parser.for_server()
    assert parser.feed(b"") == []
    assert parser.feed(b"PN") == []
    assert parser.feed(b"") == []
    assert parser.buffered == 2
    assert parser.feed(b"G\r\n") == [Command("PNG")]
    assert parser.buffered == 0

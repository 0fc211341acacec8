"""Fuzzing both parsers: random and mutated byte streams in random chunkings raise nothing but
the codec's own ProtocolError, cut the stream the same way however it is chunked, and leave
the parser dead after an error."""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from msnp.wire.codec import MAX_LINE_LENGTH, Command, Parser, encode
from msnp.wire.errors import ProtocolError

from . import samples
from .shapes import any_client_command, any_server_command

Factory = Callable[[], Parser]
FACTORIES: tuple[Factory, Factory] = (Parser.for_server, Parser.for_client)
Outcome = tuple[list[Command], type[ProtocolError] | None, str]

FUZZ_CASES = 100_000
SEED = 0x4D534E50  # "MSNP"


def run(factory: Factory, chunks: list[bytes]) -> tuple[Outcome, Parser]:
    """Feed the chunks; any exception that is not a ProtocolError escapes (and fails the test)."""
    parser = factory()
    out: list[Command] = []
    try:
        for chunk in chunks:
            out.extend(parser.iter_feed(chunk))
    except ProtocolError as exc:
        return (out, type(exc), str(exc)), parser
    return (out, None, ""), parser


def assert_dead(parser: Parser) -> None:
    for data in (b"PNG\r\n", b""):
        try:
            parser.feed(data)
        except ProtocolError:
            continue
        raise AssertionError("parser accepted input after a ProtocolError")


# ---- the corpus ---------------------------------------------------------------------------
def _corpus() -> list[bytes]:
    corpus: list[bytes] = []
    for stream, commands in (*samples.CLIENT_STREAMS, *samples.SERVER_STREAMS):
        corpus.append(stream)
        corpus.extend(encode(c) for c in commands)
    corpus += [
        b"MSG Hotmail Hotmail 448\r\n" + samples.PROFILE_448,
        b"NOT 338\r\n" + samples.NOT_338,
        b"PGD 40 bob@example.com 1 48\r\n" + samples.PGD_48,
        b"IPG 5\r\nhello",
        b"SDC 11 bob@example.com 0x0409 MSMSGS WindowsMessenger X X Alice 0\r\nPNG\r\n",
        b"PAG 12 bob@example.com 2\r\nhi",
        b"MSG 1 U 1664\r\n" + bytes(1664),
        b"\r\n\r\n  \t\r\nPNG\nOUT\r\n",
        b"CHG\t9  NLN\t 268435500\r\n",
    ]
    return corpus


CORPUS = _corpus()

INTERESTING = [
    b"\r\n",
    b"\n",
    b"\r",
    b"\t",
    b" ",
    b"  ",
    b"\x00",
    b"\x0b",
    b"\x0c",
    b"\xff",
    b"\xc3",
    b"\xc3\x28",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\xe2\x80\xa8",
    b"\xc2\xa0",
    b"0",
    b"9",
    b"-1",
    b"1664",
    b"1665",
    b"65536",
    b"65537",
    b"999999999",
    b"9999999999",
    b"MSG 1 U ",
    b"MSG Hotmail Hotmail ",
    b"QRY 10 x ",
    b"NOT ",
    b"IPG ",
    b"SDC 1 a ",
    b"PGD 1 a 1 ",
    b"PAG 1 a ",
    b"PNG\r\n",
    b"911 6\r\n",
]
HUGE_NUMBERS = [
    b"0",
    b"1",
    b"32",
    b"33",
    b"64",
    b"65",
    b"1664",
    b"1665",
    b"2048",
    b"2049",
    b"4096",
    b"4097",
    b"65536",
    b"65537",
    b"999999999",
    b"1000000000",
    b"99999999999999999999",
    b"-1",
    b"+5",
    b"0x10",
    b"1e3",
    b"\xd9\xa1",
    b"\xef\xbc\x93",
    b"",
    b"007",
]
_LENGTH = re.compile(rb" (\d+)(\r?\n)")


def mutate(r: random.Random, data: bytes) -> bytes:
    op = r.randrange(14)
    if op == 11 and r.random() < 0.8:  # long runs are slow to feed: keep them rare
        op = 1
    n = len(data)
    pos = r.randrange(n + 1)
    if op == 0 and n:  # bit flip
        i = r.randrange(n)
        return data[:i] + bytes([data[i] ^ (1 << r.randrange(8))]) + data[i + 1 :]
    if op == 1:  # insert something interesting
        return data[:pos] + r.choice(INTERESTING) + data[pos:]
    if op == 2:  # insert random bytes
        return data[:pos] + r.randbytes(r.randrange(1, 16)) + data[pos:]
    if op == 3:  # delete a range
        return data[:pos] + data[pos + r.randrange(1, 32) :]
    if op == 4:  # truncate
        return data[:pos]
    if op == 5:  # splice with another corpus entry
        other = r.choice(CORPUS)
        return data[:pos] + other[r.randrange(len(other) + 1) :]
    if op == 6:  # replace one length field (or any trailing number) with a weird one
        matches = list(_LENGTH.finditer(data))
        if matches:
            m = r.choice(matches)
            return data[: m.start(1)] + r.choice(HUGE_NUMBERS) + data[m.end(1) :]
        return data + b"MSG 1 U " + r.choice(HUGE_NUMBERS) + b"\r\n"
    if op == 7:  # bare LF instead of CRLF
        return data.replace(b"\r\n", b"\n", r.randrange(1, 4) if r.random() < 0.5 else -1)
    if op == 8:  # other separators: tabs, runs of spaces, vertical tab
        return data.replace(b" ", r.choice([b"\t", b"   ", b" \t ", b"\x0b"]), r.randrange(1, 4))
    if op == 9:  # duplicate a segment
        end = min(n, pos + r.randrange(1, 64))
        return data[:end] + data[pos:end] + data[end:]
    if op == 10:  # non-UTF-8 bytes inside a line
        return data[:pos] + r.choice([b"\xff", b"\x80", b"\xc3\x28", b"\xed\xb0\x80"]) + data[pos:]
    if op == 11:  # very long run (line limits)
        size = r.choice(
            [MAX_LINE_LENGTH - 1, MAX_LINE_LENGTH, MAX_LINE_LENGTH + 1, MAX_LINE_LENGTH + 2, 20_000]
        )
        return data[:pos] + r.choice([b"A", b" ", b"\r", b"\x00"]) * size + data[pos:]
    if op == 12:  # swap CRLF for NUL or CR
        return data.replace(b"\r\n", r.choice([b"\x00", b"\r", b"\r\r\n", b"\n\r"]), 1)
    # op 13: prepend a stray command fragment
    return r.choice(INTERESTING) + data


def random_input(r: random.Random) -> bytes:
    kind = r.random()
    if kind < 0.08:
        return r.randbytes(r.randrange(0, 200))
    if kind < 0.16:
        alphabet = b"MSGQRYNOTIPG 0123456789\r\n\t\x00\xff"
        return bytes(r.choices(alphabet, k=r.randrange(0, 120)))
    data = r.choice(CORPUS)
    if r.random() < 0.3:
        data += r.choice(CORPUS)
    for _ in range(r.randrange(1, 5)):
        data = mutate(r, data)
    return data


def random_chunks(r: random.Random, data: bytes) -> list[bytes]:
    n = len(data)
    if n < 2:
        return [data]
    if n <= 200 and r.random() < 0.05:  # one byte at a time
        return [data[i : i + 1] for i in range(n)]
    # up to 10 random cut points: reads of any size, some of them empty
    cuts = sorted(r.choices(range(1, n), k=r.randrange(11)))
    edges = [0, *cuts, n]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


def test_fuzz_100k_random_and_mutated_streams() -> None:
    r = random.Random(SEED)
    errors = 0
    for case in range(FUZZ_CASES):
        data = random_input(r)
        chunks = random_chunks(r, data)
        factory = FACTORIES[case & 1]
        try:
            outcome, parser = run(factory, chunks)
            if outcome[1] is not None:
                errors += 1
                assert_dead(parser)
            if case % 4 < 2:  # half the cases: the whole stream gives the same result
                assert run(factory, [data])[0] == outcome
        except Exception as exc:
            raise AssertionError(
                f"case {case} ({factory.__name__}): {type(exc).__name__}: {exc}\n"
                f"data={data!r}\nchunk sizes={[len(c) for c in chunks]}"
            ) from exc
    # the corpus and mutations must exercise both the happy path and the error paths
    assert FUZZ_CASES // 10 < errors < FUZZ_CASES * 9 // 10, errors


# ---- hypothesis, for shrinking -------------------------------------------------------------
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.binary(max_size=400),
    st.lists(st.integers(1, 64), max_size=30),
    st.sampled_from(FACTORIES),
)
def test_hypothesis_random_bytes(data: bytes, sizes: list[int], factory: Factory) -> None:
    chunks: list[bytes] = []
    i = 0
    for size in sizes:
        chunks.append(data[i : i + size])
        i += size
    chunks.append(data[i:])
    outcome, parser = run(factory, chunks)
    assert run(factory, [data])[0] == outcome
    if outcome[1] is not None:
        assert_dead(parser)


@st.composite
def mutated_streams(draw: st.DrawFn) -> tuple[bytes, Factory]:
    client = draw(st.booleans())
    commands = draw(st.lists(any_client_command if client else any_server_command, max_size=5))
    data = b"".join(encode(c) for c in commands)
    for _ in range(draw(st.integers(0, 4))):
        pos = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "flip"]))
        if action == "insert":
            data = data[:pos] + draw(st.sampled_from(INTERESTING)) + data[pos:]
        elif action == "delete":
            data = data[:pos] + data[pos + draw(st.integers(1, 16)) :]
        elif data:
            i = min(pos, len(data) - 1)
            data = data[:i] + bytes([data[i] ^ (1 << draw(st.integers(0, 7)))]) + data[i + 1 :]
    return data, (Parser.for_server if client else Parser.for_client)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_streams(), st.integers(1, 32))
def test_hypothesis_mutated_commands(case: tuple[bytes, Factory], step: int) -> None:
    data, factory = case
    chunks = [data[i : i + step] for i in range(0, len(data), step)]
    outcome, parser = run(factory, chunks)
    assert run(factory, [data])[0] == outcome
    if outcome[1] is not None:
        assert_dead(parser)


# ---- the dead parser -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("factory", "bad"),
    [
        (Parser.for_server, b"MSG 1 U 1665\r\n"),
        (Parser.for_server, b"QRY 10 msmsgs@msnmsgr.com\r\n"),
        (Parser.for_server, b"CHG 9 \xff\r\n"),
        (Parser.for_server, b"A" * (MAX_LINE_LENGTH + 2)),
        (Parser.for_client, b"NOT x\r\n"),
        (Parser.for_client, b"MSG Hotmail Hotmail 65537\r\n"),
    ],
)
def test_parser_is_dead_after_an_error(factory: Factory, bad: bytes) -> None:
    parser = factory()
    assert parser.feed(b"PNG\r\n") == [Command("PNG")]
    with pytest.raises(ProtocolError) as first:
        parser.feed(bad)
    assert parser.buffered == 0
    for follow_up in (b"PNG\r\n", b"", b"OUT\r\n"):
        with pytest.raises(type(first.value)):
            parser.feed(follow_up)
        with pytest.raises(type(first.value)):
            list(parser.iter_feed(follow_up))
    assert parser.buffered == 0

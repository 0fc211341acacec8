"""Framing limits and the lenient parts of the line syntax."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from msnp.wire.codec import (
    CLIENT_NO_TRID,
    CLIENT_PAYLOAD_LIMITS,
    MAX_LINE_LENGTH,
    MAX_SB_MESSAGE,
    SERVER_NO_TRID,
    SERVER_PAYLOAD_LIMITS,
    Command,
    Parser,
)
from msnp.wire.errors import (
    BadPayloadLength,
    InvalidEncoding,
    LineTooLong,
    PayloadTooLarge,
    ProtocolError,
)

Factory = Callable[[], Parser]


def test_limit_values() -> None:
    assert MAX_SB_MESSAGE == 1664
    assert CLIENT_PAYLOAD_LIMITS["MSG"] == 1664
    assert CLIENT_PAYLOAD_LIMITS["QRY"] >= 32
    assert set(CLIENT_PAYLOAD_LIMITS) == {"MSG", "QRY", "PGD", "PAG", "SDC"}
    assert set(SERVER_PAYLOAD_LIMITS) == {"MSG", "NOT", "IPG"}
    assert {"PNG", "OUT"} <= CLIENT_NO_TRID
    assert {"NLN", "FLN", "BPR", "MSG", "NOT", "IPG", "RNG", "QNG", "OUT"} <= SERVER_NO_TRID
    assert {"LST", "LSG", "JOI", "BYE"} <= SERVER_NO_TRID


# ---- line length ----------------------------------------------------------------------------
def long_line(length: int) -> bytes:
    """A line of exactly `length` bytes (without its CRLF): `CHG 9 NLN AAAA...`."""
    head = b"CHG 9 NLN "
    return head + b"A" * (length - len(head))


@pytest.mark.parametrize("terminator", [b"\r\n", b"\n"])
def test_line_at_the_limit_is_accepted(terminator: bytes) -> None:
    line = long_line(MAX_LINE_LENGTH)
    assert len(line) == MAX_LINE_LENGTH
    (command,) = Parser.for_server().feed(line + terminator)
    assert command.name == "CHG" and len(command.args[1]) == MAX_LINE_LENGTH - 10


@pytest.mark.parametrize("terminator", [b"\r\n", b"\n"])
def test_line_over_the_limit_is_refused(terminator: bytes) -> None:
    with pytest.raises(LineTooLong):
        Parser.for_server().feed(long_line(MAX_LINE_LENGTH + 1) + terminator)


def test_unterminated_long_line_is_refused_without_waiting_for_its_end() -> None:
    parser = Parser.for_server()
    # the limit plus a CR could still be a legal line: keep waiting
    assert parser.feed(long_line(MAX_LINE_LENGTH) + b"\r") == []
    with pytest.raises(LineTooLong):
        parser.feed(b"A")


def test_unterminated_long_line_fed_bytewise() -> None:
    parser = Parser.for_client()
    data = b"X" * (MAX_LINE_LENGTH + 1)
    for i in range(len(data)):
        assert parser.feed(data[i : i + 1]) == []
    with pytest.raises(LineTooLong):
        parser.feed(b"X")


def test_long_payload_is_not_a_long_line() -> None:
    body = b"A" * (MAX_LINE_LENGTH * 2)
    (command,) = Parser.for_client().feed(b"MSG Hotmail Hotmail %d\r\n" % len(body) + body)
    assert command.payload == body


def test_custom_max_line() -> None:
    parser = Parser(CLIENT_PAYLOAD_LIMITS, CLIENT_NO_TRID, max_line=8)
    assert parser.feed(b"CHG 9 AB\r\n") == [Command("CHG", 9, ("AB",))]
    with pytest.raises(LineTooLong):
        parser.feed(b"CHG 9 ABC\r\n")


# ---- payload limits -------------------------------------------------------------------------
def _limit_cases() -> list[tuple[Factory, str, str, int]]:
    heads = {
        "MSG": "MSG 1 U",
        "QRY": "QRY 10 msmsgs@msnmsgr.com",
        "PGD": "PGD 2 a@b.com 1",
        "PAG": "PAG 3 a@b.com",
        "SDC": "SDC 4 a@b.com 0x0409 MSMSGS WindowsMessenger X X A",
    }
    server_heads = {"MSG": "MSG Hotmail Hotmail", "NOT": "NOT", "IPG": "IPG"}
    cases: list[tuple[Factory, str, str, int]] = []
    for name, limit in CLIENT_PAYLOAD_LIMITS.items():
        cases.append((Parser.for_server, name, heads[name], limit))
    for name, limit in SERVER_PAYLOAD_LIMITS.items():
        cases.append((Parser.for_client, name, server_heads[name], limit))
    return cases


LIMIT_CASES = _limit_cases()


@pytest.mark.parametrize(("factory", "name", "head", "limit"), LIMIT_CASES)
def test_payload_at_the_limit(factory: Factory, name: str, head: str, limit: int) -> None:
    parser = factory()
    assert parser.feed(f"{head} {limit}\r\n".encode()) == []
    body = bytes(range(256)) * (limit // 256) + b"\r" * (limit % 256)
    (command,) = parser.feed(body)
    assert command.name == name and command.payload == body
    assert parser.buffered == 0


@pytest.mark.parametrize(("factory", "name", "head", "limit"), LIMIT_CASES)
def test_payload_over_the_limit_fails_before_any_payload_byte(
    factory: Factory, name: str, head: str, limit: int
) -> None:
    parser = factory()
    with pytest.raises(PayloadTooLarge) as info:
        parser.feed(f"{head} {limit + 1}\r\n".encode())  # no payload byte sent at all
    assert (info.value.command, info.value.length, info.value.limit) == (name, limit + 1, limit)
    assert isinstance(info.value, ProtocolError)


def test_sb_msg_1665_is_refused_at_the_line() -> None:
    parser = Parser.for_server()
    with pytest.raises(PayloadTooLarge) as info:
        parser.feed(b"MSG 7 N 1665\r\n")
    assert str(info.value) == "MSG payload of 1665 bytes exceeds the limit of 1664"


def test_server_msg_may_exceed_the_client_limit() -> None:
    body = b"x" * (MAX_SB_MESSAGE + 1)
    (command,) = Parser.for_client().feed(b"MSG bob@example.com Bob 1665\r\n" + body)
    assert command.payload == body


@pytest.mark.parametrize(
    "line",
    [
        b"QRY 10 msmsgs@msnmsgr.com\r\n",  # length missing
        b"QRY 10\r\n",  # nothing but the trid
        b"QRY\r\n",
        b"MSG 1 U\r\n",
        b"MSG 1 U -5\r\n",
        b"MSG 1 U +5\r\n",
        b"MSG 1 U 0x10\r\n",
        b"MSG 1 U 1e3\r\n",
        b"MSG 1 U 5.0\r\n",
        b"MSG 1 U 1_0\r\n",
        b"MSG 1 U 1234567890\r\n",  # ten digits: never a sane length
        b"MSG 1 U 99999999999999999999999\r\n",
        "MSG 1 U \uff15\r\n".encode(),  # fullwidth digit: not ASCII
        "MSG 1 U \u0661\r\n".encode(),  # Arabic-Indic digit
        b"PGD 2 a@b.com 1 x\r\n",
        b"SDC 3 a@b.com\r\n",
    ],
)
def test_bad_payload_length_from_client(line: bytes) -> None:
    with pytest.raises(BadPayloadLength):
        Parser.for_server().feed(line)


@pytest.mark.parametrize(
    "line", [b"NOT\r\n", b"NOT x\r\n", b"IPG -1\r\n", b"MSG Hotmail Hotmail\r\n"]
)
def test_bad_payload_length_from_server(line: bytes) -> None:
    with pytest.raises(BadPayloadLength):
        Parser.for_client().feed(line)


def test_payload_commands_depend_on_direction() -> None:
    # NOT and IPG carry bodies only from the server; QRY/PGD/PAG/SDC only from the client
    assert Parser.for_server().feed(b"NOT 5\r\nIPG 3\r\n") == [
        Command("NOT", 5),
        Command("IPG", 3),
    ]
    assert Parser.for_client().feed(b"QRY 10\r\nSDC 11 OK\r\n") == [
        Command("QRY", 10),
        Command("SDC", 11, ("OK",)),
    ]


def test_zero_length_payload() -> None:
    assert Parser.for_server().feed(b"MSG 1 U 0\r\nPNG\r\n") == [
        Command("MSG", 1, ("U",), b""),
        Command("PNG"),
    ]
    assert Parser.for_client().feed(b"NOT 0\r\n") == [Command("NOT", None, (), b"")]


def test_leading_zeros_in_length() -> None:
    assert Parser.for_server().feed(b"MSG 1 U 003\r\nabc") == [Command("MSG", 1, ("U",), b"abc")]


# ---- encoding -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "line",
    [
        b"CHG 9 NLN \xff\r\n",
        b"REA 5 a@b.com Caf\xe9\r\n",  # Latin-1, not UTF-8
        b"\xc3\x28 1\r\n",
        b"ADD 1 FL a@b.com \xed\xa0\x80\r\n",  # an encoded surrogate
        b"ADD 1 FL a@b.com \xf4\x90\x80\x80\r\n",  # beyond U+10FFFF
        b"USR 1 TWN I a@b.com\xc3\r\n",  # truncated sequence
    ],
)
def test_non_utf8_line(line: bytes) -> None:
    with pytest.raises(InvalidEncoding):
        Parser.for_server().feed(line)


def test_utf8_line_and_non_utf8_payload() -> None:
    parser = Parser.for_server()
    commands = parser.feed("REA 5 a@b.com Café\r\n".encode() + b"MSG 6 U 3\r\n\xff\xfe\x00")
    assert commands == [
        Command("REA", 5, ("a@b.com", "Café")),
        Command("MSG", 6, ("U",), b"\xff\xfe\x00"),
    ]
    assert Parser.for_server().feed(b"MSG 6 U 1\r\n\xffPNG\r\n") == [
        Command("MSG", 6, ("U",), b"\xff"),
        Command("PNG"),
    ]


def test_non_ascii_whitespace_is_not_a_separator() -> None:
    line = "REA 5 a@b.com A\u00a0B\u2028C\u3000D\r\n".encode()
    assert Parser.for_server().feed(line) == [
        Command("REA", 5, ("a@b.com", "A\u00a0B\u2028C\u3000D")),
    ]


# ---- separators, blank lines, LF ------------------------------------------------------------
def test_tabs_and_runs_of_spaces_split_parameters() -> None:
    parser = Parser.for_server()
    assert parser.feed(b"CHG\t9  NLN \t 268435500\r\n") == [Command("CHG", 9, ("NLN", "268435500"))]
    assert parser.feed(b"  ADD   12\tFL\t\ta@b.com  A  \r\n") == [
        Command("ADD", 12, ("FL", "a@b.com", "A"))
    ]
    assert parser.feed(b"MSG\t1\tU\t\t3 \r\nabc") == [Command("MSG", 1, ("U",), b"abc")]


def test_blank_lines_are_skipped() -> None:
    parser = Parser.for_server()
    stream = b"\r\n\r\n \r\n\t\r\nPNG\r\n\r\n\n\nOUT\r\n"
    assert parser.feed(stream) == [Command("PNG"), Command("OUT")]
    assert parser.buffered == 0


def test_stray_crlf_after_a_payload_is_skipped() -> None:
    stream = b"QRY 10 msmsgs@msnmsgr.com 32\r\n" + b"0" * 32 + b"\r\nPNG\r\n"
    assert Parser.for_server().feed(stream) == [
        Command("QRY", 10, ("msmsgs@msnmsgr.com",), b"0" * 32),
        Command("PNG"),
    ]


def test_bare_lf_is_accepted() -> None:
    stream = b"VER 1 MSNP9 MSNP8 CVR0\nPNG\nMSG 2 U 2\nhiOUT\n"
    assert Parser.for_server().feed(stream) == [
        Command("VER", 1, ("MSNP9", "MSNP8", "CVR0")),
        Command("PNG"),
        Command("MSG", 2, ("U",), b"hi"),
        Command("OUT"),
    ]


def test_payload_bytes_are_counted_exactly() -> None:
    body = b"a\r\nb\nc\rd\x00"
    assert len(body) == 9
    assert Parser.for_server().feed(b"MSG 3 A 9\r\n" + body + b"PNG\r\n") == [
        Command("MSG", 3, ("A",), body),
        Command("PNG"),
    ]


# ---- transaction ids ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "command"),
    [
        (b"SYN 8 0\r\n", Command("SYN", 8, ("0",))),
        (b"SYN 0\r\n", Command("SYN", 0)),
        (b"CHG x NLN\r\n", Command("CHG", None, ("x", "NLN"))),
        (b"CHG -1 NLN\r\n", Command("CHG", None, ("-1", "NLN"))),
        (b"CHG 4294967295 NLN\r\n", Command("CHG", 4294967295, ("NLN",))),
        (b"CHG 12345678901 NLN\r\n", Command("CHG", None, ("12345678901", "NLN"))),
        (b"CHG 007 NLN\r\n", Command("CHG", 7, ("NLN",))),
        ("CHG \uff15 NLN\r\n".encode(), Command("CHG", None, ("\uff15", "NLN"))),
        (b"PNG 5\r\n", Command("PNG", None, ("5",))),
        (b"OUT 5\r\n", Command("OUT", None, ("5",))),
        (b"pNG\r\n", Command("pNG")),  # names are case-sensitive and not validated here
    ],
)
def test_trid_recognition_from_client(line: bytes, command: Command) -> None:
    assert Parser.for_server().feed(line) == [command]


@pytest.mark.parametrize(
    ("line", "command"),
    [
        (b"QNG 60\r\n", Command("QNG", None, ("60",))),
        (b"LSG 0 Other%20Contacts 0\r\n", Command("LSG", None, ("0", "Other%20Contacts", "0"))),
        (b"NOT 3\r\nabc", Command("NOT", None, (), b"abc")),
        (
            b"RNG 11752013 h:1 CKI c a@b.com A\r\n",
            Command("RNG", None, ("11752013", "h:1", "CKI", "c", "a@b.com", "A")),
        ),
        (b"CHL 0 123\r\n", Command("CHL", 0, ("123",))),
        (b"ACK 17\r\n", Command("ACK", 17)),
    ],
)
def test_trid_recognition_from_server(line: bytes, command: Command) -> None:
    assert Parser.for_client().feed(line) == [command]

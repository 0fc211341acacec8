"""Round trips over every command shape of the reference, in both directions, and the exact
bytes of the reference's and the seed capture's concrete examples."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msnp.wire.codec import (
    CLIENT_PAYLOAD_LIMITS,
    SERVER_PAYLOAD_LIMITS,
    Command,
    Parser,
    cmd,
    encode,
    encode_line,
    error,
)
from msnp.wire.msnobject import MSNObject

from . import samples
from .shapes import CLIENT_SHAPES, SERVER_SHAPES, any_client_command, any_server_command


def parse_one(parser: Parser, data: bytes) -> Command:
    commands = parser.feed(data)
    assert len(commands) == 1, commands
    assert parser.buffered == 0
    return commands[0]


def check_wire_form(command: Command, wire: bytes, payload_limits: dict[str, int]) -> None:
    """The bytes are `line CRLF payload`, with the length as the line's last token."""
    line, sep, rest = wire.partition(b"\r\n")
    assert sep == b"\r\n"
    assert b"\n" not in line and b"\r" not in line
    assert b"  " not in line and not line.startswith(b" ") and not line.endswith(b" ")
    tokens = line.split(b" ")
    assert tokens[0] == command.name.encode()
    if command.name in payload_limits:
        assert command.payload is not None
        assert rest == command.payload
        assert tokens[-1] == str(len(command.payload)).encode()
    else:
        assert command.payload is None
        assert rest == b""
    assert encode_line(command) == line + b"\r\n"


@pytest.mark.parametrize("label", sorted(CLIENT_SHAPES))
@settings(max_examples=25)
@given(data=st.data())
def test_client_shape_round_trip(label: str, data: st.DataObject) -> None:
    command = data.draw(CLIENT_SHAPES[label])
    wire = encode(command)
    check_wire_form(command, wire, dict(CLIENT_PAYLOAD_LIMITS))
    assert parse_one(Parser.for_server(), wire) == command


@pytest.mark.parametrize("label", sorted(SERVER_SHAPES))
@settings(max_examples=25)
@given(data=st.data())
def test_server_shape_round_trip(label: str, data: st.DataObject) -> None:
    command = data.draw(SERVER_SHAPES[label])
    wire = encode(command)
    check_wire_form(command, wire, dict(SERVER_PAYLOAD_LIMITS))
    assert parse_one(Parser.for_client(), wire) == command


@given(st.lists(any_client_command, max_size=20))
def test_client_stream_round_trip(commands: list[Command]) -> None:
    stream = b"".join(encode(c) for c in commands)
    parser = Parser.for_server()
    assert parser.feed(stream) == commands
    assert parser.buffered == 0


@given(st.lists(any_server_command, max_size=20))
def test_server_stream_round_trip(commands: list[Command]) -> None:
    stream = b"".join(encode(c) for c in commands)
    parser = Parser.for_client()
    assert parser.feed(stream) == commands
    assert parser.buffered == 0


@given(
    st.one_of(
        st.sampled_from(list(CLIENT_SHAPES.values())).flatmap(lambda s: s),
        st.sampled_from(list(SERVER_SHAPES.values())).flatmap(lambda s: s),
    )
)
def test_cmd_is_encode(command: Command) -> None:
    assert cmd(command.name, command.trid, *command.args, payload=command.payload) == encode(
        command
    )


# ---- the reference's streams, byte for byte ---------------------------------------------
STREAMS = [
    pytest.param(
        samples.NS_CLIENT_STREAM, samples.NS_CLIENT_COMMANDS, Parser.for_server, id="ns-c"
    ),
    pytest.param(
        samples.NS_SERVER_STREAM, samples.NS_SERVER_COMMANDS, Parser.for_client, id="ns-s"
    ),
    pytest.param(
        samples.SB_CLIENT_STREAM, samples.SB_CLIENT_COMMANDS, Parser.for_server, id="sb-c"
    ),
    pytest.param(
        samples.SB_SERVER_STREAM, samples.SB_SERVER_COMMANDS, Parser.for_client, id="sb-s"
    ),
]


@pytest.mark.parametrize(("stream", "commands", "factory"), STREAMS)
def test_reference_stream(stream: bytes, commands: list[Command], factory: type[Parser]) -> None:
    assert b"".join(encode(c) for c in commands) == stream
    assert factory().feed(stream) == commands


def test_ver_bytes() -> None:
    assert encode(Command("VER", 1, ("MSNP9", "MSNP8", "CVR0"))) == b"VER 1 MSNP9 MSNP8 CVR0\r\n"
    assert cmd("VER", 1, "MSNP9") == b"VER 1 MSNP9\r\n"


def test_qry_payload_has_no_crlf_and_next_command_follows() -> None:
    qry = Command("QRY", 10, ("msmsgs@msnmsgr.com",), samples.QRY_DIGEST)
    wire = encode(qry)
    assert wire == b"QRY 10 msmsgs@msnmsgr.com 32\r\nad2cdeb66673185d8ef64b70da162db1"
    parser = Parser.for_server()
    assert parser.feed(wire + b"PNG\r\n") == [qry, Command("PNG")]
    # the digest may not be complete yet: nothing comes out until its 32nd byte
    parser = Parser.for_server()
    assert parser.feed(wire[:-1]) == []
    assert parser.feed(wire[-1:] + b"PN") == [qry]
    assert parser.feed(b"G\r\n") == [Command("PNG")]


def test_hotmail_profile_448_from_seed() -> None:
    assert len(samples.PROFILE_448) == 448
    profile = Command("MSG", None, ("Hotmail", "Hotmail"), samples.PROFILE_448)
    wire = encode(profile)
    assert wire == b"MSG Hotmail Hotmail 448\r\n" + samples.PROFILE_448
    stream = b"USR 7 OK example@hotmail.com example%20user 1 0\r\n" + wire + b"SYN 8 15\r\n"
    assert Parser.for_client().feed(stream) == [
        Command("USR", 7, ("OK", "example@hotmail.com", "example%20user", "1", "0")),
        profile,
        Command("SYN", 8, ("15",)),
    ]


@pytest.mark.parametrize(
    ("line", "body", "length"),
    [
        (b"MSG Hotmail Hotmail 397\r\n", samples.PROFILE_397, 397),
        (b"MSG Hotmail Hotmail 221\r\n", samples.INITIAL_EMAIL_221, 221),
        (b"MSG Hotmail Hotmail 90\r\n", samples.SYSTEM_90, 90),
        (b"NOT 338\r\n", samples.NOT_338, 338),
    ],
)
def test_reference_server_bodies(line: bytes, body: bytes, length: int) -> None:
    assert len(body) == length
    name, *args = line.split()[:-1]
    command = Command(name.decode(), None, tuple(a.decode() for a in args), body)
    assert encode(command) == line + body
    assert Parser.for_client().feed(line + body) == [command]


def test_pgd_example() -> None:
    command = Command("PGD", 40, ("bob@example.com", "1"), samples.PGD_48)
    assert encode(command) == b"PGD 40 bob@example.com 1 48\r\n" + samples.PGD_48
    assert Parser.for_server().feed(encode(command)) == [command]


def test_sdc_with_empty_payload() -> None:
    line = b"SDC 11 bob@example.com 0x0409 MSMSGS WindowsMessenger X X Alice%20A. 0\r\n"
    command = Command(
        "SDC",
        11,
        ("bob@example.com", "0x0409", "MSMSGS", "WindowsMessenger", "X", "X", "Alice%20A."),
        b"",
    )
    assert encode(command) == line
    assert Parser.for_server().feed(line + b"PNG\r\n") == [command, Command("PNG")]


def test_seed_iln_and_nln_with_msnobj() -> None:
    token = samples.SEED_MSNOBJ_TOKEN
    iln = f"ILN 9 NLN anotheruser@hotmail.com another%20user 268435500 {token}\r\n".encode()
    nln = f"NLN NLN anotheruser@hotmail.com another%20user 268435500 {token}\r\n".encode()
    parsed = Parser.for_client().feed(iln + nln + b"QNG 60\r\n")
    fields = ("NLN", "anotheruser@hotmail.com", "another%20user", "268435500", token)
    assert parsed == [
        Command("ILN", 9, fields),
        Command("NLN", None, fields),
        Command("QNG", None, ("60",)),
    ]
    assert encode(parsed[0]) == iln and encode(parsed[1]) == nln
    obj = MSNObject.from_wire(parsed[0].args[-1])
    assert obj.creator == "anotherdude@hotmail.com" and obj.size == 25235


@pytest.mark.parametrize(
    ("line", "command"),
    [
        (
            b"ADD 0 RL 43 dave@example.com Dave\r\n",
            Command("ADD", 0, ("RL", "43", "dave@example.com", "Dave")),
        ),
        (b"REM 0 RL 44 dave@example.com\r\n", Command("REM", 0, ("RL", "44", "dave@example.com"))),
        (
            b"XFR 15 SB 192.0.2.20:1863 CKI 17262163.1050932145.4352\r\n",
            Command("XFR", 15, ("SB", "192.0.2.20:1863", "CKI", "17262163.1050932145.4352")),
        ),
        (b"XFR 0 NS 0\r\n", Command("XFR", 0, ("NS", "0"))),
        (b"OUT OTH\r\n", Command("OUT", None, ("OTH",))),
        (b"OUT SSD\r\n", Command("OUT", None, ("SSD",))),
        (b"QNG\r\n", Command("QNG")),
        (b"FLN bob@example.com\r\n", Command("FLN", None, ("bob@example.com",))),
        (
            b"RNG 11752013 192.0.2.20:1863 CKI 849102291.520491113 bob@example.com Bob\r\n",
            Command(
                "RNG",
                None,
                (
                    "11752013",
                    "192.0.2.20:1863",
                    "CKI",
                    "849102291.520491113",
                    "bob@example.com",
                    "Bob",
                ),
            ),
        ),
        (
            b"BPR 45 bob@example.com PHH 555%201234\r\n",
            Command("BPR", None, ("45", "bob@example.com", "PHH", "555%201234")),
        ),
        (b"LSG 0 Other%20Contacts 0\r\n", Command("LSG", None, ("0", "Other%20Contacts", "0"))),
        (
            b"LST bob@example.com Bob 11 0,1\r\n",
            Command("LST", None, ("bob@example.com", "Bob", "11", "0,1")),
        ),
        (b"BLP 5 43 BL\r\n", Command("BLP", 5, ("43", "BL"))),
        (b"ADG 6 44 Work 2 0\r\n", Command("ADG", 6, ("44", "Work", "2", "0"))),
        (b"IMS 7 0 OFF\r\n", Command("IMS", 7, ("0", "OFF"))),
        (b"911 6\r\n", Command("911", 6)),
        (b"540 10\r\n", Command("540", 10)),
    ],
)
def test_server_lines(line: bytes, command: Command) -> None:
    assert encode(command) == line
    assert Parser.for_client().feed(line) == [command]


@pytest.mark.parametrize(
    ("line", "command"),
    [
        (
            b"ADD 21 FL dave@example.com dave@example.com 1\r\n",
            Command("ADD", 21, ("FL", "dave@example.com", "dave@example.com", "1")),
        ),
        (b"CHG 9 NLN 268435500\r\n", Command("CHG", 9, ("NLN", "268435500"))),
        (b"CHG 9 NLN\r\n", Command("CHG", 9, ("NLN",))),
        (b"XFR 15 SB\r\n", Command("XFR", 15, ("SB",))),
        (b"URL 30 INBOX\r\n", Command("URL", 30, ("INBOX",))),
        (b"REG 12 1 New%20Name 0\r\n", Command("REG", 12, ("1", "New%20Name", "0"))),
        (b"PNG\r\n", Command("PNG")),
        (b"OUT\r\n", Command("OUT")),
        (b"LSG 13\r\n", Command("LSG", 13)),
        (b"LST 14 FL\r\n", Command("LST", 14, ("FL",))),
        (
            b"FND 15 fname=Bob lname=B city=* state=* country=*\r\n",
            Command("FND", 15, ("fname=Bob", "lname=B", "city=*", "state=*", "country=*")),
        ),
    ],
)
def test_client_lines(line: bytes, command: Command) -> None:
    assert encode(command) == line
    assert Parser.for_server().feed(line) == [command]


@pytest.mark.parametrize("ack", ["U", "N", "A", "D", "S"])
def test_sb_msg_binary_payload(ack: str) -> None:
    body = b"MIME-Version: 1.0\r\n\r\n\x00\r\n\r\nMSG 2 U 3\r\n\x00\xff" + bytes(range(256))
    command = Command("MSG", 1, (ack,), body)
    assert encode(command) == f"MSG 1 {ack} {len(body)}\r\n".encode() + body
    assert Parser.for_server().feed(encode(command) + b"OUT\r\n") == [command, Command("OUT")]


def test_error_helper() -> None:
    assert error(911, 6) == b"911 6\r\n"
    assert error(540, None) == b"540 0\r\n"
    assert error(200, 0) == b"200 0\r\n"
    assert Parser.for_client().feed(error(911, 6)) == [Command("911", 6)]


def test_command_helpers() -> None:
    assert Command("911", 6).is_error
    assert Command("282", 5).is_error
    assert not Command("MSG", 1, ("U",), b"x").is_error
    assert not Command("9111", 6).is_error
    assert not Command("ABC").is_error
    command = Command("ILN", 9, ("NLN", "bob@example.com"))
    assert command.arg(0) == "NLN"
    assert command.arg(1) == "bob@example.com"
    assert command.arg(2) is None
    assert command.arg(2, "0") == "0"
    assert str(command) == "ILN 9 NLN bob@example.com"
    big = Command("MSG", 3, ("D",), b"\x00secret" * 100)
    assert str(big) == "MSG 3 D 700 <700 bytes>"
    assert "secret" not in str(big)

"""MSG payloads: parsing keeps binary bodies exact; building gives what clients send."""

from __future__ import annotations

import pytest

from msnp.client import Message, MessageTooLarge
from msnp.client.message import check_size


def test_parse_text() -> None:
    message = Message.parse(
        b"MIME-Version: 1.0\r\nContent-Type: Text/Plain; charset=UTF-8\r\n"
        b"X-MMS-IM-Format: FN=MS%20Sans%20Serif; EF=B; CO=ff; CS=0; PF=0\r\n\r\nhi\r\nthere"
    )
    assert message.content_type == "text/plain" and message.is_text
    assert message.header("x-mms-im-format") == "FN=MS%20Sans%20Serif; EF=B; CO=ff; CS=0; PF=0"
    assert message.text_body == "hi\r\nthere"
    assert message.header("Missing") is None and message.header("Missing", "d") == "d"


def test_binary_body_survives_untouched() -> None:
    body = b"\x00\r\n\r\n\xff\xfe" + bytes(range(256))
    payload = b"MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\n\r\n" + body
    message = Message.parse(payload)
    assert message.body == body
    assert message.to_bytes() == payload


def test_headers_only_and_bare_newlines() -> None:
    assert Message.parse(b"Content-Type: text/x-msmsgscontrol\r\nTypingUser: a@b.c").header(
        "TypingUser"
    ) == "a@b.c"
    bare = Message.parse(b"Content-Type: text/plain\nX: y\n\nbody")
    assert (bare.header("X"), bare.body) == ("y", b"body")


def test_charset_fallbacks() -> None:
    latin = Message.parse(b"Content-Type: text/plain; charset=\"ISO-8859-1\"\r\n\r\ncaf\xe9")
    assert latin.text_body == "café"
    unknown = Message.parse(b"Content-Type: text/plain; charset=x-nonsense\r\n\r\ncaf\xc3\xa9")
    assert unknown.text_body == "café"


def test_builders() -> None:
    assert Message.text("hé", format=None).to_bytes() == (
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nh\xc3\xa9"
    )
    assert Message.typing("a@b.c").to_bytes() == (
        b"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: a@b.c\r\n\r\n\r\n"
    )
    p2p = Message.build("application/x-msnmsgrp2p", b"\x00", P2P_Dest="b@c.d")
    assert p2p.header("P2P-Dest") == "b@c.d" and p2p.body == b"\x00"


def test_size_limit() -> None:
    check_size(b"x" * 1664)
    with pytest.raises(MessageTooLarge):
        check_size(b"x" * 1665)

"""Names on the wire: URL-encoding, e-mail handles and the reference's size limits (§7)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from msnp.wire import names
from msnp.wire.names import (
    InvalidName,
    has_domain,
    is_valid_email,
    normalize_email,
    url_quote,
    url_unquote,
)

FORBIDDEN = "\x00\r\n"


def test_limits_match_the_reference() -> None:
    assert names.MAX_DISPLAY_NAME_ENCODED == 387
    assert names.MAX_STORED_NAME_ENCODED == 387
    assert names.MAX_GROUP_NAME_ENCODED == 61
    assert names.MAX_GROUP_RENAME_ENCODED == 127
    assert names.MAX_PHONE_ENCODED == 95
    assert names.MAX_EMAIL_LENGTH == 129
    assert names.MAX_DISPLAY_NAME_CHARS == 129


# ---- url_quote / url_unquote ----------------------------------------------------------------
@given(st.text().filter(lambda t: not any(c in t for c in FORBIDDEN)))
def test_quote_round_trip(text: str) -> None:
    encoded = url_quote(text)
    assert encoded.isascii()
    assert not any(c in encoded for c in " \t\r\n\x0b\x0c")  # one wire token
    assert url_unquote(encoded) == text


@given(st.text())
def test_quote_is_ascii_and_has_no_whitespace(text: str) -> None:
    encoded = url_quote(text)
    assert encoded.isascii() and encoded.isprintable()
    assert " " not in encoded
    assert (encoded == "") == (text == "")


def test_quote_examples() -> None:
    assert url_quote("Alice A.") == "Alice%20A."
    assert url_quote("100%") == "100%25"
    assert url_quote("a\tb") == "a%09b"
    assert url_quote("Zoë") == "Zo%C3%AB"
    assert url_quote("Other Contacts") == "Other%20Contacts"


@pytest.mark.parametrize("byte", range(0x80))
def test_every_ascii_escape_is_accepted(byte: int) -> None:
    for token in (f"%{byte:02X}", f"%{byte:02x}", f"a%{byte:02X}b"):
        if chr(byte) in FORBIDDEN:
            with pytest.raises(InvalidName):
                url_unquote(token)
        else:
            escape = token[token.index("%") : token.index("%") + 3]
            assert url_unquote(token) == token.replace(escape, chr(byte))


def _utf8_sequence_with(byte: int) -> bytes | None:
    """A valid UTF-8 sequence containing `byte`, or None if no valid UTF-8 contains it."""
    if 0x80 <= byte <= 0xBF:
        return bytes([0xC2, byte])
    if 0xC2 <= byte <= 0xDF:
        return bytes([byte, 0x80])
    if 0xE0 <= byte <= 0xEF:
        return bytes([byte, 0xA0 if byte == 0xE0 else 0x80, 0x80])
    if 0xF0 <= byte <= 0xF4:
        return bytes([byte, 0x90 if byte == 0xF0 else 0x80, 0x80, 0x80])
    return None  # C0, C1, F5-FF


@pytest.mark.parametrize("byte", range(0x80, 0x100))
def test_every_high_escape(byte: int) -> None:
    # alone, a byte >= 0x80 is never UTF-8 ...
    with pytest.raises(InvalidName):
        url_unquote(f"%{byte:02X}")
    # ... but within a valid sequence every byte that UTF-8 uses is accepted, in either case
    sequence = _utf8_sequence_with(byte)
    if sequence is None:
        with pytest.raises(InvalidName):
            url_unquote(f"%{byte:02X}%80%80%80")
        return
    text = sequence.decode("utf-8")
    for token in ("".join(f"%{b:02X}" for b in sequence), "".join(f"%{b:02x}" for b in sequence)):
        assert url_unquote(token) == text
        assert url_unquote("x" + token + "y") == "x" + text + "y"


@given(st.text(max_size=20))
def test_fully_encoded_text(text: str) -> None:
    if any(c in text for c in FORBIDDEN):
        return
    every_byte = "".join(f"%{b:02X}" for b in text.encode())
    assert url_unquote(every_byte) == text


def test_fully_encoded_nick() -> None:
    assert url_unquote("%64%61%76%65") == "dave"
    assert url_unquote("%44ave%20%44") == "Dave D"
    assert url_unquote("Zo%C3%AB") == "Zoë"
    assert url_unquote("Zoë") == "Zoë"  # raw UTF-8 (Escargot leaves it raw) is fine too


@pytest.mark.parametrize(
    "token",
    [
        "%FF",
        "%C3",
        "%C3%28",
        "%ED%A0%80",
        "%F4%90%80%80",
        "%C0%AF",
        "abc%E2%82",
        "%00",
        "a%00b",
        "%0D",
        "%0A",
        "a%0D%0Ab",
        "a%0a",
        "raw\x00nul",
        "raw\nlf",
        "raw\rcr",
    ],
)
def test_invalid_names(token: str) -> None:
    with pytest.raises(InvalidName):
        url_unquote(token)
    assert issubclass(InvalidName, ValueError)


@pytest.mark.parametrize(
    ("token", "text"), [("%", "%"), ("%2", "%2"), ("%zz", "%zz"), ("100%", "100%")]
)
def test_incomplete_escapes_are_kept(token: str, text: str) -> None:
    assert url_unquote(token) == text


@given(st.text())
def test_unquote_never_raises_anything_else(token: str) -> None:
    try:
        text = url_unquote(token)
    except InvalidName:
        return
    assert not any(c in text for c in FORBIDDEN)


# ---- e-mail handles ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "email",
    [
        "alice@example.com",
        "Bob.Smith@Example.COM",
        "a@b.co",
        "first.last+tag@sub.domain.example",
        "o'neil@example.ie",
        "under_score-dash@my-host.example.net",
        "x@" + "a" * 63 + ".com",
        "a" * (129 - len("@example.com")) + "@example.com",  # exactly 129 bytes
    ],
)
def test_valid_emails(email: str) -> None:
    assert is_valid_email(email)


@pytest.mark.parametrize(
    "email",
    [
        "",
        "alice",
        "alice@",
        "@example.com",
        "alice@example",  # no dot in the domain
        "alice@@example.com",
        "al ice@example.com",
        "alice@exa mple.com",
        "alice@example.com ",
        " alice@example.com",
        "alice@example.com\n",
        "alice@example.com\r\n",
        "\nalice@example.com",
        "alice@example.com\x00",
        "ali\tce@example.com",
        ".alice@example.com",
        "alice.@example.com",
        "al..ice@example.com",
        "alice@.example.com",
        "alice@example..com",
        "alice@-example.com",
        "alice@example-.com",
        "alice@exam_ple.com",
        "x@" + "a" * 64 + ".com",  # label of 64
        "zoë@example.com",
        "alice@exämple.com",
        "a" * (130 - len("@example.com")) + "@example.com",  # 130 bytes
        "alice@example.com%00",
    ],
)
def test_invalid_emails(email: str) -> None:
    assert not is_valid_email(email)


@given(st.text(max_size=200))
def test_valid_emails_are_single_tokens(email: str) -> None:
    if is_valid_email(email):
        assert len(email.encode()) <= 129
        assert email.isascii() and email.isprintable()
        assert " " not in email and email.count("@") == 1


@given(
    st.from_regex(
        r"[a-z0-9]{1,20}(\.[a-z0-9]{1,10})?@[a-z0-9]{1,20}\.(com|net|co\.uk)", fullmatch=True
    ),
    st.sampled_from(["\n", "\r\n", "\r", "\t", " ", "\x00", "\x0b", "\u00a0", "\u2028"]),
)
def test_whitespace_or_control_anywhere_is_rejected(email: str, junk: str) -> None:
    assert is_valid_email(email)
    assert not is_valid_email(email + junk)
    assert not is_valid_email(junk + email)
    at = email.index("@")
    assert not is_valid_email(email[:at] + junk + email[at:])


def test_normalize_and_has_domain() -> None:
    assert normalize_email("  Alice@Example.COM ") == "alice@example.com"
    assert has_domain("a@b")
    assert not has_domain("alice")
    assert not has_domain("alice@")
    assert not has_domain("@example.com")

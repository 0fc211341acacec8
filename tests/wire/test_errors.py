"""Numeric error codes (notification.md §9, switchboard §1.13) and the codec's exceptions."""

from __future__ import annotations

import pytest

from msnp.wire.errors import (
    BadPayloadLength,
    ErrorCode,
    InvalidEncoding,
    LineTooLong,
    PayloadTooLarge,
    ProtocolError,
    describe_error,
)

#: Every code the reference's §9 table lists for MSNP8/9 (402/403 belong to later versions,
#: 912-922 are "busy/unavailable variants" without their own row).
REFERENCE_CODES = {
    200,
    201,
    205,
    206,
    207,
    208,
    209,
    210,
    213,
    215,
    216,
    217,
    218,
    219,
    220,
    223,
    224,
    225,
    227,
    228,
    229,
    230,
    231,
    280,
    281,
    282,
    300,
    301,
    302,
    500,
    501,
    502,
    503,
    510,
    511,
    520,
    540,
    600,
    601,
    602,
    603,
    604,
    605,
    707,
    710,
    711,
    712,
    713,
    714,
    715,
    717,
    731,
    800,
    910,
    911,
    913,
    917,
    920,
    923,
    924,
    927,
    928,
    931,
}


def test_registry_covers_the_reference() -> None:
    assert {int(code) for code in ErrorCode} >= REFERENCE_CODES


@pytest.mark.parametrize("code", list(ErrorCode))
def test_every_code_has_a_meaning(code: ErrorCode) -> None:
    assert 200 <= code <= 999
    assert isinstance(code.meaning, str) and code.meaning.strip() == code.meaning
    assert code.meaning
    assert describe_error(int(code)) == code.meaning


@pytest.mark.parametrize(
    ("code", "meaning"),
    [
        (911, "authentication failed"),
        (217, "user is offline or not accepting messages"),
        (282, "malformed data (P2P) message"),
        (715, "command not expected now"),
        (540, "challenge response failed"),
        (913, "not allowed while appearing offline"),
    ],
)
def test_known_meanings(code: int, meaning: str) -> None:
    assert describe_error(code) == meaning


@pytest.mark.parametrize("code", [0, 1, 199, 204, 240, 241, 402, 403, 933, 999, 1000, -1])
def test_unknown_codes(code: int) -> None:
    assert describe_error(code) == f"unknown error {code}"


def test_codes_are_ints_for_the_wire() -> None:
    assert ErrorCode.AUTHENTICATION_FAILED == 911
    assert f"{int(ErrorCode.NOT_ON_LIST)} 5" == "216 5"


@pytest.mark.parametrize("cls", [LineTooLong, InvalidEncoding, BadPayloadLength, PayloadTooLarge])
def test_protocol_error_hierarchy(cls: type[ProtocolError]) -> None:
    assert issubclass(cls, ProtocolError)
    assert issubclass(ProtocolError, Exception)
    assert not issubclass(ProtocolError, ValueError)


def test_payload_too_large_fields() -> None:
    exc = PayloadTooLarge("MSG", 2000, 1664)
    assert (exc.command, exc.length, exc.limit) == ("MSG", 2000, 1664)
    assert str(exc) == "MSG payload of 2000 bytes exceeds the limit of 1664"

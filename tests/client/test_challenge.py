"""CHL -> QRY: MD5(challenge + product key), worked examples from the reference (§4.7)."""

from __future__ import annotations

import pytest

from msnp.client import DEFAULT_PRODUCT_ID, DEFAULT_PRODUCT_KEY, challenge_response


@pytest.mark.parametrize(
    ("challenge", "key", "digest"),
    [
        ("38192744918265013377", "Q1P7W2E4J9R8U3S5", "ad2cdeb66673185d8ef64b70da162db1"),
        ("15570131571988941333", "Q1P7W2E4J9R8U3S5", "8f2f5a91b72102cd28355e9fc9000d6e"),
        ("12345678901234567890", "Q1P7W2E4J9R8U3S5", "8ba1bb9d6dbf624fee31a2053af5fdd0"),
        ("38192744918265013377", "JXQ6J@TUOGYV@N0M", "5c6213cd3b7ec60891fba7faca753b84"),
    ],
)
def test_reference_examples(challenge: str, key: str, digest: str) -> None:
    assert challenge_response(challenge, key) == digest


def test_defaults_are_messengers_pair() -> None:
    assert DEFAULT_PRODUCT_ID == "msmsgs@msnmsgr.com"
    assert DEFAULT_PRODUCT_KEY == "Q1P7W2E4J9R8U3S5"
    assert challenge_response("38192744918265013377") == "ad2cdeb66673185d8ef64b70da162db1"

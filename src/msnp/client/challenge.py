"""The answer to `CHL`: MD5 over challenge + product key, the MSNP6-MSNP10 algorithm."""

from __future__ import annotations

import hashlib

#: The product id / key pair of MSN Messenger (reference §4.7), our default.
DEFAULT_PRODUCT_ID = "msmsgs@msnmsgr.com"
DEFAULT_PRODUCT_KEY = "Q1P7W2E4J9R8U3S5"


def challenge_response(challenge: str, product_key: str = DEFAULT_PRODUCT_KEY) -> str:
    """`lowercase_hex(MD5(challenge + key))`, the 32-byte body of `QRY`."""
    return hashlib.md5((challenge + product_key).encode("ascii")).hexdigest()

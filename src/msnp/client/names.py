"""Reading names off the wire leniently: a client shows what it got rather than failing."""

from __future__ import annotations

from msnp.wire.names import url_unquote


def decode_name(token: str) -> str:
    """A URL-encoded display, stored or group name as text; a token that does not decode
    (bad escapes, invalid UTF-8, control characters) is shown as it came."""
    try:
        return url_unquote(token)
    except ValueError:
        return token

"""Names on the wire: e-mail handles, URL-encoded display/stored/group names, and their limits
(reference §7)."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote_to_bytes

MAX_EMAIL_LENGTH = 129  # bytes in a Passport handle
MAX_DISPLAY_NAME_ENCODED = 387  # REA of one's own name: longer is refused
MAX_DISPLAY_NAME_CHARS = 129  # what the official client lets a user type
MAX_STORED_NAME_ENCODED = 387  # a contact's stored name (ADD / REA)
MAX_GROUP_NAME_ENCODED = 61  # ADG: longer gets 229
MAX_GROUP_RENAME_ENCODED = 127  # REG: longer is a disconnect
MAX_GROUP_NAME_ABSURD = 1024  # ADG: longer than this is a disconnect, not 229
MAX_PHONE_ENCODED = 95  # PRP PHH/PHW/PHM: longer is a disconnect

# Characters that travel unencoded. Everything else (space, %, control characters, and the
# bytes of non-ASCII text) is written as %XX, which every client decodes.
_SAFE = "!$&'()*,-./:;=?@_~[]^{}|`"  # no '+': some clients form-decode it as a space

_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


class InvalidName(ValueError):
    """A name could not be decoded (bad %-escape producing invalid UTF-8, control bytes)."""


def url_quote(text: str) -> str:
    """Encode a display, stored or group name for the wire (`Alice A.` -> `Alice%20A.`)."""
    return quote(text, safe=_SAFE)


def url_unquote(token: str) -> str:
    """Decode a %-encoded token to text. Raises InvalidName for bytes that are not UTF-8
    or for NUL, CR and LF, which no name may contain."""
    raw = unquote_to_bytes(token)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidName("name is not valid UTF-8") from None
    if "\x00" in text or "\r" in text or "\n" in text:
        raise InvalidName("name contains NUL, CR or LF")
    return text


def normalize_email(email: str) -> str:
    """The canonical form used for comparisons and keys: e-mail handles are case-insensitive."""
    return email.strip().lower()


def is_valid_email(email: str) -> bool:
    """A Passport handle: local@domain.tld, at most 129 bytes, no spaces or control bytes."""
    if not email or len(email.encode("utf-8")) > MAX_EMAIL_LENGTH:
        return False
    return _EMAIL.fullmatch(email) is not None  # `$` alone would accept a trailing "\n"


def has_domain(email: str) -> bool:
    """`@` present with something after it: a handle without one gets 206, not 201."""
    local, at, domain = email.partition("@")
    return bool(at and local and domain)

"""The MSNP wire format, sans-IO: framing, names, MSNObject and error codes."""

from msnp.wire.codec import (
    CLIENT_PAYLOAD_LIMITS,
    MAX_LINE_LENGTH,
    MAX_SB_MESSAGE,
    SERVER_PAYLOAD_LIMITS,
    Command,
    Parser,
    cmd,
    encode,
    error,
)
from msnp.wire.errors import (
    BadPayloadLength,
    ErrorCode,
    InvalidEncoding,
    LineTooLong,
    PayloadTooLarge,
    ProtocolError,
    describe_error,
)
from msnp.wire.msnobject import InvalidMSNObject, MSNObject
from msnp.wire.names import (
    InvalidName,
    is_valid_email,
    normalize_email,
    url_quote,
    url_unquote,
)

__all__ = [
    "CLIENT_PAYLOAD_LIMITS",
    "MAX_LINE_LENGTH",
    "MAX_SB_MESSAGE",
    "SERVER_PAYLOAD_LIMITS",
    "BadPayloadLength",
    "Command",
    "ErrorCode",
    "InvalidEncoding",
    "InvalidMSNObject",
    "InvalidName",
    "LineTooLong",
    "MSNObject",
    "Parser",
    "PayloadTooLarge",
    "ProtocolError",
    "cmd",
    "describe_error",
    "encode",
    "error",
    "is_valid_email",
    "normalize_email",
    "url_quote",
    "url_unquote",
]

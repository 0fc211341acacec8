"""Numeric error codes (reference §9) and the codec's own protocol errors."""

from __future__ import annotations

from enum import IntEnum


class ErrorCode(IntEnum):
    """Every numeric reply an MSNP8/9 server may send. `meaning` gives the reference's text."""

    SYNTAX_ERROR = 200
    INVALID_PARAMETER = 201
    INVALID_USER = 205
    FQDN_MISSING = 206
    ALREADY_LOGGED_IN = 207
    INVALID_USERNAME = 208
    INVALID_FRIENDLY_NAME = 209
    LIST_FULL = 210
    INVALID_RENAME_REQUEST = 213
    ALREADY_THERE = 215
    NOT_ON_LIST = 216
    NOT_ONLINE = 217
    ALREADY_IN_THE_MODE = 218
    ALREADY_IN_OPPOSITE_LIST = 219
    NOT_ACCEPTING_PAGES = 220
    TOO_MANY_GROUPS = 223
    INVALID_GROUP = 224
    PRINCIPAL_NOT_IN_GROUP = 225
    GROUP_NOT_EMPTY = 227
    GROUP_ALREADY_EXISTS = 228
    GROUP_NAME_TOO_LONG = 229
    CANNOT_REMOVE_GROUP_ZERO = 230
    INVALID_GROUP_ADD = 231
    SWITCHBOARD_FAILED = 280
    NOTIFY_XFR_FAILED = 281
    P2P_ERROR = 282
    REQUIRED_FIELDS_MISSING = 300
    TOO_MANY_FND_RESULTS = 301
    NOT_LOGGED_IN = 302
    INTERNAL_SERVER_ERROR = 500
    DB_SERVER_ERROR = 501
    COMMAND_DISABLED = 502
    FAIL = 503
    FILE_OPERATION_FAILED = 510
    BANNED = 511
    MEMORY_ALLOC_FAILED = 520
    CHALLENGE_RESPONSE_FAILED = 540
    SERVER_BUSY = 600
    SERVER_UNAVAILABLE = 601
    PEER_NS_DOWN = 602
    DB_CONNECT_FAILED = 603
    SERVER_GOING_DOWN = 604
    SERVER_UNAVAILABLE_2 = 605
    CREATE_CONNECTION_FAILED = 707
    INVALID_LOCALE = 710
    BLOCKING_WRITE = 711
    SESSION_OVERLOAD = 712
    USER_TOO_ACTIVE = 713
    TOO_MANY_SESSIONS = 714
    NOT_EXPECTED = 715
    BAD_FRIEND_FILE = 717
    NOT_EXPECTED_CVR = 731
    RATE_LIMIT_EXCEEDED = 800
    SERVER_TOO_BUSY = 910
    AUTHENTICATION_FAILED = 911
    NOT_ALLOWED_WHEN_OFFLINE = 913
    INVALID_DOMAIN = 917
    NOT_ACCEPTING_NEW_USERS = 920
    KIDS_PASSPORT_NO_CONSENT = 923
    EMAIL_NOT_VERIFIED = 924
    RESTRICTED_USER = 927
    BAD_TICKET = 928
    ACCOUNT_NOT_ON_THIS_SERVER = 931

    @property
    def meaning(self) -> str:
        return _MEANINGS[self]


_MEANINGS: dict[ErrorCode, str] = {
    ErrorCode.SYNTAX_ERROR: "syntax error",
    ErrorCode.INVALID_PARAMETER: "invalid parameter",
    ErrorCode.INVALID_USER: "no such account",
    ErrorCode.FQDN_MISSING: "domain name missing from the handle",
    ErrorCode.ALREADY_LOGGED_IN: "already logged in",
    ErrorCode.INVALID_USERNAME: "invalid handle",
    ErrorCode.INVALID_FRIENDLY_NAME: "display name rejected",
    ErrorCode.LIST_FULL: "list is full",
    ErrorCode.INVALID_RENAME_REQUEST: "invalid rename request",
    ErrorCode.ALREADY_THERE: "already on that list or in that group",
    ErrorCode.NOT_ON_LIST: "not on that list",
    ErrorCode.NOT_ONLINE: "user is offline or not accepting messages",
    ErrorCode.ALREADY_IN_THE_MODE: "already in that mode",
    ErrorCode.ALREADY_IN_OPPOSITE_LIST: "already on the opposite list (allow/block)",
    ErrorCode.NOT_ACCEPTING_PAGES: "user does not accept pages",
    ErrorCode.TOO_MANY_GROUPS: "too many groups",
    ErrorCode.INVALID_GROUP: "no such group",
    ErrorCode.PRINCIPAL_NOT_IN_GROUP: "contact is not in that group",
    ErrorCode.GROUP_NOT_EMPTY: "group is not empty",
    ErrorCode.GROUP_ALREADY_EXISTS: "a group with that name exists",
    ErrorCode.GROUP_NAME_TOO_LONG: "group name too long",
    ErrorCode.CANNOT_REMOVE_GROUP_ZERO: "group 0 cannot be removed",
    ErrorCode.INVALID_GROUP_ADD: "added to a group that does not exist",
    ErrorCode.SWITCHBOARD_FAILED: "switchboard failed",
    ErrorCode.NOTIFY_XFR_FAILED: "transfer to switchboard failed",
    ErrorCode.P2P_ERROR: "malformed data (P2P) message",
    ErrorCode.REQUIRED_FIELDS_MISSING: "required fields missing",
    ErrorCode.TOO_MANY_FND_RESULTS: "too many search results",
    ErrorCode.NOT_LOGGED_IN: "not logged in",
    ErrorCode.INTERNAL_SERVER_ERROR: "internal server error",
    ErrorCode.DB_SERVER_ERROR: "database server error",
    ErrorCode.COMMAND_DISABLED: "command disabled",
    ErrorCode.FAIL: "request failed (bad parameters)",
    ErrorCode.FILE_OPERATION_FAILED: "file operation failed",
    ErrorCode.BANNED: "account banned",
    ErrorCode.MEMORY_ALLOC_FAILED: "memory allocation failed",
    ErrorCode.CHALLENGE_RESPONSE_FAILED: "challenge response failed",
    ErrorCode.SERVER_BUSY: "server busy",
    ErrorCode.SERVER_UNAVAILABLE: "server unavailable",
    ErrorCode.PEER_NS_DOWN: "peer notification server down",
    ErrorCode.DB_CONNECT_FAILED: "database connect failed",
    ErrorCode.SERVER_GOING_DOWN: "server going down",
    ErrorCode.SERVER_UNAVAILABLE_2: "server unavailable",
    ErrorCode.CREATE_CONNECTION_FAILED: "could not create connection",
    ErrorCode.INVALID_LOCALE: "bad CVR parameters",
    ErrorCode.BLOCKING_WRITE: "write is blocking",
    ErrorCode.SESSION_OVERLOAD: "session overload",
    ErrorCode.USER_TOO_ACTIVE: "too many requests",
    ErrorCode.TOO_MANY_SESSIONS: "too many sessions",
    ErrorCode.NOT_EXPECTED: "command not expected now",
    ErrorCode.BAD_FRIEND_FILE: "contact list is corrupt",
    ErrorCode.NOT_EXPECTED_CVR: "unexpected CVR",
    ErrorCode.RATE_LIMIT_EXCEEDED: "changing too rapidly",
    ErrorCode.SERVER_TOO_BUSY: "server too busy",
    ErrorCode.AUTHENTICATION_FAILED: "authentication failed",
    ErrorCode.NOT_ALLOWED_WHEN_OFFLINE: "not allowed while appearing offline",
    ErrorCode.INVALID_DOMAIN: "authentication failed (bad domain)",
    ErrorCode.NOT_ACCEPTING_NEW_USERS: "not accepting new users",
    ErrorCode.KIDS_PASSPORT_NO_CONSENT: "kids account without parental consent",
    ErrorCode.EMAIL_NOT_VERIFIED: "e-mail address not verified",
    ErrorCode.RESTRICTED_USER: "account restricted",
    ErrorCode.BAD_TICKET: "invalid ticket",
    ErrorCode.ACCOUNT_NOT_ON_THIS_SERVER: "account is not on this server",
}


def describe_error(code: int) -> str:
    """The meaning of a numeric reply, or 'unknown error N' for one not in the registry."""
    try:
        return ErrorCode(code).meaning
    except ValueError:
        return f"unknown error {code}"


class ProtocolError(Exception):
    """The peer broke the framing; the connection cannot continue. Never raised for a
    well-formed command with bad values: those get numeric replies from the controllers."""


class LineTooLong(ProtocolError):
    pass


class InvalidEncoding(ProtocolError):
    pass


class BadPayloadLength(ProtocolError):
    pass


class PayloadTooLarge(ProtocolError):
    def __init__(self, command: str, length: int, limit: int) -> None:
        super().__init__(f"{command} payload of {length} bytes exceeds the limit of {limit}")
        self.command = command
        self.length = length
        self.limit = limit

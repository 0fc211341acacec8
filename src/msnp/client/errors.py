"""Exceptions the client SDK raises. Every one derives from `ClientError`."""

from __future__ import annotations

from msnp.wire.errors import describe_error


class ClientError(Exception):
    """Base class of every error the SDK raises on purpose."""


class ServerError(ClientError):
    """The server refused a request with a numeric error (`215 12`)."""

    def __init__(self, code: int, command: str = "") -> None:
        self.code = code
        self.meaning = describe_error(code)
        self.command = command  # the request that failed, e.g. "ADD"
        where = f" ({command})" if command else ""
        super().__init__(f"error {code}: {self.meaning}{where}")

    def __repr__(self) -> str:
        return f"ServerError(code={self.code}, meaning={self.meaning!r})"


class AuthenticationError(ClientError):
    """Wrong e-mail or password (Passport answered 401), or the NS refused the ticket (911)."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class PassportError(ClientError):
    """The Passport nexus or login server answered something we cannot use."""


class RequestTimeout(ClientError, TimeoutError):
    """No reply to a request within the configured time."""


class ConnectionClosed(ClientError, ConnectionError):
    """The connection is gone (closed by the server, signed out, or never opened)."""


class DeliveryFailed(ClientError):
    """The switchboard answered NAK: the message reached nobody (or not everybody)."""


class MessageTooLarge(ClientError, ValueError):
    """A switchboard message over the 1664-byte limit (the server would disconnect us)."""

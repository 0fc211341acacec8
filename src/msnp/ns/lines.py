"""Presence lines as each recipient's dialect wants them (reference §4.21-4.23)."""

from __future__ import annotations

from msnp.services.presence import OnlineUser
from msnp.wire.dialects import Dialect
from msnp.wire.names import url_quote


def _presence_fields(user: OnlineUser, dialect: Dialect) -> str:
    # Capabilities are always sent (0 when the client never gave any); the MSNObject only to
    # MSNP9 recipients and only when the user has one.
    fields = f"{user.status} {user.email} {url_quote(user.display_name)} {user.capabilities or 0}"
    if dialect.msnobject and user.msnobject:
        fields += " " + user.msnobject
    return fields


def nln(user: OnlineUser, dialect: Dialect) -> bytes:
    return f"NLN {_presence_fields(user, dialect)}\r\n".encode()


def iln(trid: int, user: OnlineUser, dialect: Dialect) -> bytes:
    return f"ILN {trid} {_presence_fields(user, dialect)}\r\n".encode()


def fln(email: str) -> bytes:
    return f"FLN {email}\r\n".encode()


def send_presence(user: OnlineUser, watchers: list[OnlineUser]) -> None:
    """NLN (or FLN when hidden) to each watcher, formatted once per dialect."""
    if not watchers:
        return
    if not user.visible:
        line = fln(user.email)
        for watcher in watchers:
            watcher.session.send(line)
        return
    cache: dict[str, bytes] = {}
    for watcher in watchers:
        dialect = watcher.dialect
        line_for = cache.get(dialect.name)
        if line_for is None:
            line_for = cache[dialect.name] = nln(user, dialect)
        watcher.session.send(line_for)

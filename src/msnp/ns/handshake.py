"""VER and CVR: the same on the dispatch and the notification server (§4.1, §4.2)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from msnp.config import ClientVersionConfig
from msnp.ns.context import Disconnect, State
from msnp.services.models import ServiceError
from msnp.wire.codec import Command
from msnp.wire.dialects import negotiate
from msnp.wire.errors import ErrorCode

if TYPE_CHECKING:
    from msnp.ns.session import NotificationSession


def ver(s: NotificationSession, c: Command) -> None:
    if s.state != State.CONNECTED:
        s.reply_error(ErrorCode.NOT_EXPECTED, c.trid)  # a second VER (Escargot: 715, close)
        raise Disconnect
    dialect = negotiate(c.args)
    if dialect is None:
        s.send(f"VER {c.trid} 0\r\n".encode())
        raise Disconnect
    s.dialect = dialect
    s.state = State.NEGOTIATED
    s.send(f"VER {c.trid} {dialect.name}\r\n".encode())


def _version_key(version: str) -> tuple[int, ...]:
    parts = []
    for part in version.split("."):
        parts.append(int(part) if part.isdigit() else 0)
    return tuple(parts)


def client_versions(config: ClientVersionConfig, client_version: str) -> tuple[str, str]:
    """(recommended, minimum) for a client. Unset values echo the client's own version, and
    the minimum never exceeds the client's version unless the operator forces upgrades, so
    no era client is told to download a build that no longer exists."""
    recommended = config.recommended or client_version
    minimum = config.minimum or client_version
    if not config.force_upgrade and _version_key(minimum) > _version_key(client_version):
        minimum = client_version
    return recommended, minimum


def cvr(s: NotificationSession, c: Command) -> None:
    # locale os-type os-ver arch library client-ver client-id [user]
    if len(c.args) < 7:
        raise ServiceError(ErrorCode.INVALID_LOCALE, "CVR needs at least seven parameters")
    config = s.ctx.config.client_version
    recommended, minimum = client_versions(config, c.args[5])
    s.send(
        f"CVR {c.trid} {recommended} {recommended} {minimum} "
        f"{config.download_url} {config.info_url}\r\n".encode()
    )

from __future__ import annotations

import itertools
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from msnp.config import Config, PassportConfig, ServerConfig, WebConfig
from msnp.services.models import Account
from msnp.services.tickets import MemoryTicketStore, PassportTickets
from msnp.web.passport import build_http_app
from msnp.web.server import HttpServer
from msnp.web.tls import ensure_self_signed, server_ssl_context

ALICE = "alice@example.com"
ALICE_PASSWORD = "s3cr,t"  # the comma arrives %-encoded as %2C


@dataclass
class FakeAuthenticator:
    """Accounts by canonical e-mail -> password; records every call."""

    passwords: dict[str, str] = field(default_factory=lambda: {ALICE: ALICE_PASSWORD})
    calls: list[tuple[str, str]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def authenticate(self, email: str, password: str) -> Account | None:
        self.calls.append((email, password))
        canonical = email.strip().lower()
        if self.passwords.get(canonical) != password:
            return None
        return Account(
            id=next(self._ids), email=canonical, display_name=canonical, member_id=0x1234
        )


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One self-signed pair for the whole session (key generation costs ~50 ms)."""
    return ensure_self_signed(tmp_path_factory.mktemp("tls"), ["localhost", "127.0.0.1"])


@pytest.fixture
def server_context(tls_files: tuple[Path, Path]) -> ssl.SSLContext:
    return server_ssl_context(*tls_files)


@pytest.fixture
def web_config(tmp_path: Path) -> Config:
    return Config(
        server=ServerConfig(data_dir=tmp_path),
        web=WebConfig(base_url="http://web.example.test:8080/"),
        passport=PassportConfig(dalogin="login.example.test:8443/login2.srf"),
    )


@dataclass
class PassportRig:
    http_port: int
    https_port: int
    auth: FakeAuthenticator
    tickets: PassportTickets
    clock: FakeClock
    config: Config
    server_context: ssl.SSLContext


@pytest.fixture
async def passport_rig(
    web_config: Config, server_context: ssl.SSLContext
) -> AsyncIterator[PassportRig]:
    clock = FakeClock()
    auth = FakeAuthenticator()
    tickets = PassportTickets(MemoryTicketStore(clock=clock), lifetime=300.0)
    server = HttpServer(build_http_app(web_config, auth, tickets))
    http_port = await server.start("127.0.0.1", 0)
    https_port = await server.start("127.0.0.1", 0, ssl_context=server_context)
    try:
        yield PassportRig(http_port, https_port, auth, tickets, clock, web_config, server_context)
    finally:
        await server.close()

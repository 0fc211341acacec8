"""The real service (msnp.app.start_service) on ephemeral ports, with three accounts, and
client configs pointing at it through the dispatch server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from msnp.app import RunningService
from msnp.client import Client, ClientConfig
from service_helpers import make_config, running

ACCOUNTS = {
    "alice@example.com": ("alice-pw", "Alice"),
    "bob@example.com": ("bob-pw", "Bob"),
    "carol@example.com": ("carol-pw", "Carol"),
}


@dataclass
class Live:
    service: RunningService
    tmp_path: Path

    @property
    def dispatch(self) -> str:
        return f"127.0.0.1:{self.service.ports['dispatch']}"

    @property
    def nexus_url(self) -> str:
        return f"https://127.0.0.1:{self.service.ports['https']}/rdr/pprdr.asp"

    @property
    def cert_file(self) -> Path:
        assert self.service.cert_file is not None
        return self.service.cert_file

    def config(self, **options: Any) -> ClientConfig:
        values: dict[str, Any] = {
            "server": self.dispatch,
            "nexus_url": self.nexus_url,
            "ca_file": self.cert_file,
            "timeout": 5.0,
            "join_timeout": 5.0,
        }
        values.update(options)
        return ClientConfig(**values)

    def client(self, email: str, **options: Any) -> Client:
        return Client(email, ACCOUNTS[email][0], self.config(**options))

    def cli_options(self) -> list[str]:
        """The connection options of `msnp chat` / `msnp send` for this service."""
        return [
            "--server",
            self.dispatch,
            "--nexus",
            self.nexus_url,
            "--ca-file",
            str(self.cert_file),
            "--timeout",
            "5",
        ]


@asynccontextmanager
async def live_service(tmp_path: Path, **sections: dict[str, Any]) -> AsyncIterator[Live]:
    async with running(make_config(tmp_path, **sections)) as service:
        for email, (password, name) in ACCOUNTS.items():
            await service.accounts.create(email, password, name)
        yield Live(service, tmp_path)

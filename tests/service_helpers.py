"""Start a real service for a test: every listener on an ephemeral 127.0.0.1 port, data in a
temporary directory, cheap password hashing."""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from msnp.app import RunningService, start_service
from msnp.config import Config, config_from_dict

TIMEOUT = 5.0


def make_config(tmp_path: Path, **sections: dict[str, Any]) -> Config:
    data: dict[str, dict[str, Any]] = {
        "server": {"data_dir": str(tmp_path / "data")},
        "dispatch": {"listen": "127.0.0.1:0"},
        "notification": {"listen": "127.0.0.1:0"},
        "switchboard": {"listen": "127.0.0.1:0"},
        "http": {"listen": "127.0.0.1:0"},
        "https": {"listen": "127.0.0.1:0"},
        "passwords": {"time_cost": 1, "memory_cost": 1024, "hash_threads": 2},
    }
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return config_from_dict(data)


@asynccontextmanager
async def running(config: Config) -> AsyncIterator[RunningService]:
    service = await start_service(config)
    try:
        yield service
    finally:
        await service.stop()


def client_tls(cafile: Path | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(cafile) if cafile else None)
    if cafile is None:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


async def https_get(
    port: int, target: str, headers: dict[str, str], cafile: Path | None = None
) -> tuple[str, dict[str, str]]:
    """One raw HTTPS GET; returns the status line and the headers (names as sent)."""
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, ssl=client_tls(cafile), server_hostname="localhost"
    )
    head = f"GET {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write((head + "\r\n").encode())
    await writer.drain()
    raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
    writer.close()
    lines = raw.decode("latin-1").split("\r\n")
    parsed = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            parsed[name] = value.strip()
    return lines[0], parsed


async def passport_login(
    service: RunningService, email: str, password: str, challenge: str
) -> str:
    """The Passport 1.4 interlude: nexus, then DALogin; returns the from-PP value."""
    port = service.ports["https"]
    status, headers = await https_get(port, "/rdr/pprdr.asp", {"Host": "127.0.0.1"},
                                      service.cert_file)
    assert status == "HTTP/1.1 200 OK", status
    urls = dict(item.split("=", 1) for item in headers["PassportURLs"].split(","))
    dalogin = urls["DALogin"]
    assert "://" not in dalogin
    path = "/" + dalogin.split("/", 1)[1]
    auth = (
        "Passport1.4 OrgVerb=GET,OrgURL=http%3A%2F%2Fmessenger%2Emsn%2Ecom,"
        f"sign-in={quote(email, safe='')},pwd={quote(password, safe='')},{challenge}"
    )
    status, headers = await https_get(port, path, {"Authorization": auth, "Host": "127.0.0.1"},
                                      service.cert_file)
    assert status == "HTTP/1.1 200 OK", status
    match = re.search(r"from-PP='([^']*)'", headers["Authentication-Info"])
    assert match is not None
    return match.group(1)


async def login_raw(
    service: RunningService,
    email: str,
    password: str,
    *,
    dialect: str = "MSNP9",
    status: str | None = None,
) -> Any:
    """A signed-in raw `Wire` on the NS (trids 1..3; `CHG 5 status 0` when asked)."""
    from wire_helpers import Wire

    wire = await Wire.connect("127.0.0.1", service.ports["notification"])
    offer = "MSNP9 MSNP8 CVR0" if dialect == "MSNP9" else "MSNP8 CVR0"
    await wire.send(f"VER 1 {offer}")
    await wire.expect(f"VER 1 {dialect}")
    await wire.send(f"USR 2 TWN I {email}")
    challenge = (await wire.expect("USR 2 TWN S {challenge}"))["challenge"]
    from_pp = await passport_login(service, email, password, challenge)
    await wire.send(f"USR 3 TWN S {from_pp}")
    await wire.expect("USR 3 OK {email} {name} 1 0")
    await wire.expect("MSG Hotmail Hotmail {n}")
    await wire.expect("MSG Hotmail Hotmail {n}")
    if status is not None:
        await wire.send(f"CHG 5 {status} 0")
        await wire.expect(f"CHG 5 {status} 0")
    return wire

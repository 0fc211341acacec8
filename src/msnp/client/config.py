"""How a client reaches the service and presents itself."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

from msnp.client.challenge import DEFAULT_PRODUCT_ID, DEFAULT_PRODUCT_KEY
from msnp.client.passport import make_ssl_context

#: What `VER` offers for each dialect choice; CVR0 as official clients send it.
OFFERS: dict[str, tuple[str, ...]] = {
    "MSNP9": ("MSNP9", "MSNP8", "CVR0"),
    "MSNP8": ("MSNP8", "CVR0"),
}
#: The client version `CVR` reports for each dialect (Messenger 6.0 and 5.0).
CLIENT_VERSIONS = {"MSNP9": "6.0.0602", "MSNP8": "5.0.0544"}


def parse_address(text: str, default_port: int = 1863) -> tuple[str, int]:
    """`host:port`, `host` or `[v6]:port` -> (host, port)."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
    else:
        host, port_text = text, ""
    if not host:
        raise ValueError(f"no host in address {text!r}")
    if not port_text:
        return host, default_port
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"bad port in address {text!r}")
    return host, int(port_text)


@dataclass(frozen=True)
class ClientConfig:
    #: The dispatch server (or, with `via_dispatch=False`, a notification server).
    server: str = "127.0.0.1:1863"
    via_dispatch: bool = True
    #: Passport nexus; its `PassportURLs` header names the login server.
    nexus_url: str = "https://127.0.0.1:8443/rdr/pprdr.asp"
    #: Certificate(s) to trust for Passport HTTPS, e.g. the service's self-signed cert.
    #: None: the system store. `insecure=True` skips verification entirely.
    ca_file: Path | None = None
    insecure: bool = False
    #: "MSNP9" offers MSNP9 and MSNP8; "MSNP8" offers only MSNP8.
    dialect: str = "MSNP9"
    product_id: str = DEFAULT_PRODUCT_ID
    product_key: str = DEFAULT_PRODUCT_KEY
    #: Seconds to wait for any single reply.
    timeout: float = 10.0
    #: Seconds `start_chat` / `invite` wait for an invitee to join.
    join_timeout: float = 30.0
    #: JSON file keeping the contact list between runs (SYN sends its version).
    cache_path: Path | None = None
    #: Capabilities sent with CHG; None sends a bare `CHG trid status` (as in the seed).
    capabilities: int | None = None
    #: Seconds between PNGs (MSNP8; MSNP9 until a `QNG n` says otherwise).
    ping_interval: float = 45.0
    locale: str = "0x0409"
    client_version: str | None = None

    def __post_init__(self) -> None:
        if self.dialect not in OFFERS:
            raise ValueError(f"dialect must be one of {', '.join(OFFERS)}, not {self.dialect!r}")
        parse_address(self.server)

    @property
    def address(self) -> tuple[str, int]:
        return parse_address(self.server)

    @property
    def offered(self) -> tuple[str, ...]:
        return OFFERS[self.dialect]

    @property
    def cvr_version(self) -> str:
        return self.client_version or CLIENT_VERSIONS[self.dialect]

    def ssl_context(self) -> ssl.SSLContext:
        return make_ssl_context(self.ca_file, self.insecure)

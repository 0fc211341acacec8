"""Reusable pieces of scripted server dialogue, and the client config that points at them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from client.conftest import ALICE
from client.fakes import FakePassport, Peer
from msnp.client import ClientConfig

PROFILE = (
    b"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\n"
    b"LoginTime: 1072915200\r\nMemberIdHigh: 393216\r\nMemberIdLow: 1234567\r\n"
    b"MSPAuth: 7Qx3AbCdEfGh$$\r\nClientIP: 127.0.0.1\r\nClientPort: 18183\r\n\r\n"
)
EMPTY_LIST = ("GTC A", "BLP AL", "LSG 0 Other%20Contacts 0")


def config_for(
    server: str, passport: FakePassport, cert_file: Path, **options: Any
) -> ClientConfig:
    """Straight to a (scripted) notification server, trusting the test certificate."""
    values: dict[str, Any] = {
        "server": server,
        "via_dispatch": False,
        "nexus_url": passport.nexus_url,
        "ca_file": cert_file,
        "timeout": 3.0,
        "join_timeout": 3.0,
        "ping_interval": 60.0,
    }
    values.update(options)
    return ClientConfig(**values)


async def log_in(
    peer: Peer,
    passport: FakePassport,
    *,
    email: str = ALICE,
    name: str = "Alice",
    dialect: str = "MSNP9",
    syn_version: int = 0,
    dump: tuple[str, ...] | None = None,
    contact_count: int = 0,
    server_version: int = 1,
    first: int = 1,
) -> int:
    """VER, CVR, USR TWN I/S, profile, SYN, with trids from `first`; `dump` lines follow a
    SYN reply with counts (an empty list by default; None: answer `SYN t version` alone).
    Returns the next trid."""
    offers = "MSNP9 MSNP8 CVR0" if dialect == "MSNP9" else "MSNP8 CVR0"
    version = "6.0.0602" if dialect == "MSNP9" else "5.0.0544"
    t = first
    await peer.expect(f"VER {t} {offers}")
    peer.send(f"VER {t} {dialect}")
    await peer.expect(f"CVR {t + 1} 0x0409 winnt 5.1 i386 MSNMSGR {version} MSMSGS {email}")
    peer.send(f"CVR {t + 1} {version} {version} {version} http://x.invalid/ http://y.invalid/")
    await peer.expect(f"USR {t + 2} TWN I {email}")
    peer.send(f"USR {t + 2} TWN S lc=1033,id=507,tw=40,ct=1")
    await peer.expect(f"USR {t + 3} TWN S {passport.ticket}")
    peer.send(f"USR {t + 3} OK {email} {name.replace(' ', '%20')} 1 0")
    peer.send_payload("MSG Hotmail Hotmail", PROFILE)
    await peer.expect(f"SYN {t + 4} {syn_version}")
    if dump is None:
        peer.send(f"SYN {t + 4} {server_version}")
    else:
        lines = dump if dump else EMPTY_LIST
        groups = sum(1 for line in lines if line.startswith("LSG "))
        contacts = contact_count or sum(1 for line in lines if line.startswith("LST "))
        peer.send(f"SYN {t + 4} {server_version} {contacts} {groups}", *lines)
    return t + 5


async def go_online(peer: Peer, trid: int = 6, *presence: str) -> int:
    """The first `CHG t NLN`, echoed, then ILN lines for `presence` (`NLN bob Bob 0`)."""
    await peer.expect(f"CHG {trid} NLN")
    peer.send(f"CHG {trid} NLN", *(f"ILN {trid} {p}" for p in presence))
    return trid + 1

"""SYN: the list version, or the whole MSNP8/9 dump in the reference's order (§4.8)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING

from msnp.ns.context import Disconnect
from msnp.services.models import CONTACT_PROPERTIES, USER_PROPERTIES, ListBits, ListSnapshot
from msnp.wire.codec import Command
from msnp.wire.names import url_quote

if TYPE_CHECKING:
    from msnp.ns.session import NotificationSession


def sync_dump(trid: int, snapshot: ListSnapshot) -> bytes:
    account = snapshot.account
    out = [
        f"SYN {trid} {account.list_version} {len(snapshot.contacts)} {len(snapshot.groups)}",
        f"GTC {account.gtc}",
        f"BLP {account.blp}",
    ]
    for prop in USER_PROPERTIES:
        value = account.properties.get(prop)
        if value:
            out.append(f"PRP {prop} {url_quote(value)}")
    for group in snapshot.groups:
        out.append(f"LSG {group.id} {url_quote(group.name)} 0")
    for contact in snapshot.contacts:
        line = f"LST {contact.email} {url_quote(contact.stored_name)} {int(contact.lists)}"
        if contact.lists & ListBits.FL:
            # Groups only with the FL bit (msnp-wiki); an FL contact in no group is in 0.
            line += " " + ",".join(str(g) for g in (contact.groups or (0,)))
        out.append(line)
        for prop in CONTACT_PROPERTIES:
            value = contact.properties.get(prop)
            if value:
                out.append(f"BPR {prop} {url_quote(value)}")
    return ("\r\n".join(out) + "\r\n").encode("utf-8")


def syn(s: NotificationSession, c: Command) -> Awaitable[None] | None:
    user = s.user
    assert user is not None
    cached = c.arg(0)
    if cached is None or not cached.isdigit():
        raise Disconnect
    # The version is kept current by every committed change this node makes, so an up-to-date
    # client is answered without a read; the login's snapshot serves the first full dump.
    snapshot, s.login_snapshot = s.login_snapshot, None
    if int(cached) == user.list_version:
        s.send(f"SYN {c.trid} {user.list_version}\r\n".encode())
        return None
    if snapshot is None or snapshot.account.list_version != user.list_version:
        return _read_and_send(s, c)
    s.send(sync_dump(c.trid or 0, snapshot))
    return None


async def _read_and_send(s: NotificationSession, c: Command) -> None:
    user = s.user
    assert user is not None
    snapshot = await s.ctx.lists.snapshot(user.email)
    user.list_version = snapshot.account.list_version
    s.send(sync_dump(c.trid or 0, snapshot))

"""Contact lists, groups and settings: ADD REM ADG RMG REG REA GTC BLP PRP (§4.9-4.19).

Every change is committed by the list service first; only then is it acknowledged, and only
then are the other people it concerns told (RL notices, NLN/FLN for visibility flips).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from msnp.ns import lines
from msnp.ns.context import Disconnect
from msnp.ns.misc import decode_name
from msnp.services.models import (
    CLIENT_SETTABLE_PROPERTIES,
    CONTACT_PROPERTIES,
    ListBits,
    ListChange,
    ServiceError,
)
from msnp.services.presence import OnlineUser, VisibilityChange
from msnp.wire.codec import Command
from msnp.wire.errors import ErrorCode
from msnp.wire.names import (
    MAX_DISPLAY_NAME_ENCODED,
    MAX_GROUP_NAME_ABSURD,
    MAX_GROUP_NAME_ENCODED,
    MAX_GROUP_RENAME_ENCODED,
    MAX_PHONE_ENCODED,
    MAX_STORED_NAME_ENCODED,
    normalize_email,
    url_quote,
)

if TYPE_CHECKING:
    from msnp.ns.session import NotificationSession

MAX_GROUP_ID = 29
RENAME_BURST = 5  # own-name changes allowed within RENAME_WINDOW; the next gets 800
RENAME_WINDOW = 30.0


def _list_name(token: str | None) -> ListBits:
    if token not in ("FL", "AL", "BL"):
        raise Disconnect  # RL (server-maintained) or garbage
    return ListBits.from_name(token)


def _group_id(token: str) -> int:
    if not token.isdigit() or int(token) > MAX_GROUP_ID:
        raise Disconnect
    return int(token)


def _name(token: str, limit: int) -> str:
    if len(token.encode("utf-8")) > limit:
        raise ServiceError(ErrorCode.INVALID_FRIENDLY_NAME, "name too long")
    return decode_name(token)


def _tell_visibility(owner: OnlineUser, changes: list[VisibilityChange]) -> None:
    for change in changes:
        watcher = change.watcher
        if change.now_visible:
            watcher.session.send(lines.nln(owner, watcher.dialect))
        else:
            watcher.session.send(lines.fln(owner.email))


def _reverse_notice(s: NotificationSession, change: ListChange, added: bool) -> None:
    reverse = change.reverse
    if reverse is None:
        return
    target = s.ctx.presence.set_reverse(reverse.owner, reverse.member, added)
    if target is None:
        return  # offline: they see it at their next SYN
    target.list_version = reverse.version
    if added:
        line = f"ADD 0 RL {reverse.version} {reverse.member} {url_quote(reverse.member_name)}"
    else:
        line = f"REM 0 RL {reverse.version} {reverse.member}"
    target.session.send(line.encode() + b"\r\n")


async def add(s: NotificationSession, c: Command) -> None:
    user = s.user
    assert user is not None and s.dialect is not None
    if len(c.args) < 3:
        raise Disconnect
    bit = _list_name(c.args[0])
    contact = c.args[1]
    stored_name = _name(c.args[2], MAX_STORED_NAME_ENCODED)
    group: int | None = None
    if bit is ListBits.FL and len(c.args) >= 4:
        if not c.args[3].isdigit():
            raise ServiceError(ErrorCode.INVALID_GROUP)
        group = int(c.args[3])
    change = await s.ctx.lists.add_contact(user.email, bit, contact, stored_name, group)
    user.list_version = change.version
    name = url_quote(change.stored_name)
    reply = f"ADD {c.trid} {c.args[0]} {change.version} {change.contact} {name}"
    if bit is ListBits.FL:
        reply += f" {change.group_id if change.group_id is not None else 0}"
    s.send(reply.encode() + b"\r\n")
    # The new contact's phone numbers (when they allow us), as Escargot does after ADD FL,
    # so a client caching this list version has them.
    for prop in CONTACT_PROPERTIES:
        value = change.properties.get(prop)
        if value:
            line = f"BPR {change.version} {change.contact} {prop} {url_quote(value)}\r\n"
            s.send(line.encode())

    presence = s.ctx.presence
    before = user.lists.get(change.contact, ListBits.NONE)
    _tell_visibility(user, presence.set_membership(user, change.contact, before | bit))
    _reverse_notice(s, change, added=True)
    # ILN only when the contact is new on FL: adding a watched contact to one more group
    # changes nothing the client does not already know.
    if bit is ListBits.FL and not before & ListBits.FL and user.status is not None:
        other = presence.get(change.contact)
        if other is not None and other.shown_to(user.email):
            s.send(lines.iln(c.trid or 0, other, s.dialect))


async def rem(s: NotificationSession, c: Command) -> None:
    user = s.user
    assert user is not None
    if len(c.args) < 2:
        raise Disconnect
    bit = _list_name(c.args[0])
    contact = normalize_email(c.args[1])
    group: int | None = None
    if len(c.args) >= 3:
        if bit is not ListBits.FL:
            raise Disconnect
        if not c.args[2].isdigit():
            raise ServiceError(ErrorCode.INVALID_GROUP)
        group = int(c.args[2])
    change = await s.ctx.lists.remove_contact(user.email, bit, contact, group)
    user.list_version = change.version
    reply = f"REM {c.trid} {c.args[0]} {change.version} {change.contact}"
    if group is not None:
        reply += f" {group}"
    s.send(reply.encode() + b"\r\n")
    if group is None:
        bits = user.lists.get(change.contact, ListBits.NONE) & ~bit
        _tell_visibility(user, s.ctx.presence.set_membership(user, change.contact, bits))
        _reverse_notice(s, change, added=False)


async def adg(s: NotificationSession, c: Command) -> None:
    assert s.user is not None
    if not c.args:
        raise Disconnect
    token = c.args[0]
    size = len(token.encode("utf-8"))
    if size > MAX_GROUP_NAME_ABSURD:
        raise Disconnect
    if size > MAX_GROUP_NAME_ENCODED:
        raise ServiceError(ErrorCode.GROUP_NAME_TOO_LONG)
    name = decode_name(token)
    version, group_id = await s.ctx.lists.add_group(s.email, name)
    s.user.list_version = version
    s.send(f"ADG {c.trid} {version} {url_quote(name)} {group_id} 0\r\n".encode())


async def rmg(s: NotificationSession, c: Command) -> None:
    assert s.user is not None
    if not c.args:
        raise Disconnect
    group_id = _group_id(c.args[0])
    version = await s.ctx.lists.remove_group(s.email, group_id)
    s.user.list_version = version
    s.send(f"RMG {c.trid} {version} {group_id}\r\n".encode())


async def reg(s: NotificationSession, c: Command) -> None:
    assert s.user is not None
    if len(c.args) < 2:
        raise Disconnect
    group_id = _group_id(c.args[0])
    if len(c.args[1].encode("utf-8")) > MAX_GROUP_RENAME_ENCODED:
        raise Disconnect
    name = decode_name(c.args[1])
    version = await s.ctx.lists.rename_group(s.email, group_id, name)
    s.user.list_version = version
    s.send(f"REG {c.trid} {version} {group_id} {url_quote(name)} 0\r\n".encode())


async def rea(s: NotificationSession, c: Command) -> None:
    user = s.user
    assert user is not None
    if len(c.args) < 2:
        raise Disconnect
    target = normalize_email(c.args[0])
    if target == user.email:
        name = _name(c.args[1], MAX_DISPLAY_NAME_ENCODED)
        if not name.strip():
            raise ServiceError(ErrorCode.INVALID_FRIENDLY_NAME, "empty name")
        now = time.monotonic()
        recent = [t for t in s.rename_times if now - t < RENAME_WINDOW]
        if len(recent) >= RENAME_BURST:
            raise ServiceError(ErrorCode.RATE_LIMIT_EXCEEDED, "renaming too quickly")
        version = await s.ctx.lists.set_display_name(user.email, name)
        s.rename_times.append(now)
        user.display_name = name
        user.list_version = version
        s.send(f"REA {c.trid} {version} {user.email} {url_quote(name)}\r\n".encode())
        if user.visible:
            lines.send_presence(user, s.ctx.presence.watchers(user))
        return
    name = _name(c.args[1], MAX_STORED_NAME_ENCODED)
    version = await s.ctx.lists.rename_contact(user.email, target, name)
    user.list_version = version
    s.send(f"REA {c.trid} {version} {target} {url_quote(name)}\r\n".encode())


async def gtc(s: NotificationSession, c: Command) -> None:
    assert s.user is not None
    value = c.arg(0)
    if value not in ("A", "N"):
        raise Disconnect
    version = await s.ctx.lists.set_gtc(s.email, value)
    s.user.list_version = version
    s.send(f"GTC {c.trid} {version} {value}\r\n".encode())


async def blp(s: NotificationSession, c: Command) -> None:
    user = s.user
    assert user is not None
    value = c.arg(0)
    if value not in ("AL", "BL"):
        raise Disconnect
    version = await s.ctx.lists.set_blp(user.email, value)
    user.list_version = version
    s.send(f"BLP {c.trid} {version} {value}\r\n".encode())
    _tell_visibility(user, s.ctx.presence.set_blp(user, value))


async def prp(s: NotificationSession, c: Command) -> None:
    user = s.user
    assert user is not None
    prop = c.arg(0)
    if prop is None or len(prop) > 3:
        raise Disconnect
    if prop not in CLIENT_SETTABLE_PROPERTIES:
        raise ServiceError(ErrorCode.NOT_EXPECTED, f"property {prop} cannot be set")
    token = c.arg(1)
    value: str | None = None
    if token is not None:
        if len(token.encode("utf-8")) > MAX_PHONE_ENCODED:
            raise Disconnect
        value = decode_name(token)
        if prop == "MOB" and value not in ("Y", "N"):
            raise ServiceError(ErrorCode.INVALID_PARAMETER, "MOB is Y or N")
    version = await s.ctx.lists.set_property(user.email, prop, value or None)
    user.list_version = version
    shown = url_quote(value) if value else ""
    s.send(f"PRP {c.trid} {version} {prop} {shown}".rstrip().encode() + b"\r\n")
    # Contacts who may see this user learn the change at once with BPR. The change bumped
    # the list version of everyone listing the user (their SYN dump holds these values), so
    # each BPR carries the watcher's next version (reference §6).
    for watcher in s.ctx.presence.watchers(user) if user.visible else []:
        watcher.list_version += 1
        watcher.session.send(
            f"BPR {watcher.list_version} {user.email} {prop} {shown}".rstrip().encode() + b"\r\n"
        )

"""The smaller NS commands: PNG, OUT, URL, SND/SDC, PGD/PAG, FND, IMS, XFR, and the retired
client-initiated LST/LSG (§4.5, §4.6, §4.13, §4.26-4.31)."""

from __future__ import annotations

import logging
import re
from html import escape, unescape
from typing import TYPE_CHECKING
from urllib.parse import quote

from msnp.ns.context import Disconnect
from msnp.services.models import ServiceError
from msnp.wire.codec import Command
from msnp.wire.errors import ErrorCode
from msnp.wire.names import (
    InvalidName,
    has_domain,
    is_valid_email,
    normalize_email,
    url_unquote,
)

if TYPE_CHECKING:
    from msnp.ns.session import NotificationSession

log = logging.getLogger(__name__)

#: URL services -> path on the service's own web site, and the Passport site id to log into.
URL_SERVICES: dict[str, tuple[str, int]] = {
    "INBOX": ("/mail/inbox", 2),
    "COMPOSE": ("/mail/compose", 2),
    "FOLDERS": ("/mail/folders", 2),
    "MESSAGE": ("/mail/message", 2),
    "PASSWORD": ("/account/password", 507),
    "PERSON": ("/account", 507),
    "PROFILE": ("/profile", 507),
    "MOBILE": ("/mobile", 507),
    "CHGMOB": ("/mobile/settings", 507),
    "CHAT": ("/chat", 507),
    "N2PACCOUNT": ("/account", 507),
    "N2PFUND": ("/account", 507),
    "ADDRBOOK": ("/addressbook", 507),
    "ADVSEARCH": ("/search", 507),
    "INTSEARCH": ("/search", 507),
}

_PAGE_TEXT = re.compile(rb"<TEXT[^>]*>(.*?)</TEXT>", re.S)


def png(s: NotificationSession, c: Command) -> None:
    assert s.dialect is not None
    if s.dialect.qng_interval:
        s.send(f"QNG {s.ctx.config.notification.ping_interval}\r\n".encode())
    else:
        s.send(b"QNG\r\n")


def out(s: NotificationSession, c: Command) -> None:
    s.send(b"OUT\r\n")
    raise Disconnect  # on_disconnect signs the user out (FLN to watchers)


def url(s: NotificationSession, c: Command) -> None:
    service = c.arg(0)
    target = URL_SERVICES.get(service or "")
    if target is None:
        raise ServiceError(ErrorCode.INVALID_PARAMETER, f"unknown URL service {service!r}")
    path, site = target
    base = s.ctx.config.web_base_url
    param = c.arg(1)
    if param:
        path += "?arg=" + quote(param, safe="")
    s.send(f"URL {c.trid} {path} {base}/login?lc=1033 {site}\r\n".encode())


async def _invite_by_mail(s: NotificationSession, recipient: str) -> None:
    assert s.user is not None
    mailer = s.ctx.mailer
    if mailer is None:
        log.info("e-mail invitation from %s to %s (no SMTP configured)", s.email, recipient)
        return
    await mailer.send_invitation(s.email, s.user.display_name, recipient)


async def snd(s: NotificationSession, c: Command) -> None:
    recipient = c.arg(0)
    if recipient is None or not is_valid_email(recipient):
        s.reply_error(ErrorCode.FAIL, c.trid)
        raise Disconnect
    await _invite_by_mail(s, normalize_email(recipient))
    s.send(f"SND {c.trid} OK\r\n".encode())


async def sdc(s: NotificationSession, c: Command) -> None:
    # SDC trid address lcid library client-id X X own-name length + payload
    if len(c.args) < 7 or not is_valid_email(c.args[0]):
        s.reply_error(ErrorCode.FAIL, c.trid)
        raise Disconnect
    await _invite_by_mail(s, normalize_email(c.args[0]))
    s.send(f"SDC {c.trid} OK\r\n".encode())


def _page_text(payload: bytes) -> str:
    """The text of a page, as plain text (the client writes `& ; < > ^` as references)."""
    match = _PAGE_TEXT.search(payload)
    return unescape(match.group(1).decode("utf-8", "replace")) if match else ""


def _ipg(sender: str, recipient: str, text: str, trid: int) -> bytes:
    # TO names the recipient and FROM the sender; the text is re-escaped, so whatever markup
    # a client put inside its TEXT element cannot reach the recipient as XML.
    body = (
        f'<NOTIFICATION ver="2" id="{trid}" siteid="111100400" siteurl="http://mobile.msn.com/">'
        f'<TO name="{escape(recipient)}"><VIA agent="mobile"/></TO>'
        f'<FROM name="{escape(sender)}" pid="0"/>'
        '<MSG pri="1" id="1"><ACTION url="2wayIM.asp"/><SUBSCR url="2wayIM.asp"/>'
        '<CAT id="110110001"/><BODY lang="1033">'
        f"<TEXT>{escape(text, quote=False)}</TEXT></BODY></MSG></NOTIFICATION>"
    ).encode()
    return b"IPG %d\r\n" % len(body) + body


async def _page(s: NotificationSession, c: Command, target: str, device: str) -> None:
    """A page to a contact's mobile device. With no SMS gateway it is delivered as an IPG
    to the recipient when online and allowing the sender; otherwise the documented failure
    800 is returned. There is no positive acknowledgement."""
    assert s.user is not None
    if not device.isdigit():
        raise Disconnect
    if device not in ("1", "2") or not has_domain(target):
        raise ServiceError(ErrorCode.INVALID_PARAMETER)
    recipient = s.ctx.presence.get(normalize_email(target))
    if recipient is None or not recipient.allows(s.email):
        raise ServiceError(ErrorCode.RATE_LIMIT_EXCEEDED, "page could not be delivered")
    recipient.session.send(
        _ipg(s.email, recipient.email, _page_text(c.payload or b""), c.trid or 0)
    )


async def pgd(s: NotificationSession, c: Command) -> None:
    """PGD email device length (MSNP9 only: an MSNP8 client never sends it, so it is treated
    as any unknown command)."""
    assert s.dialect is not None
    if not s.dialect.pgd or len(c.args) < 2:
        raise Disconnect
    await _page(s, c, c.args[0], c.args[1])


async def pag(s: NotificationSession, c: Command) -> None:
    """PAG email length (MSNP8); removed in MSNP9, which answers 715."""
    assert s.dialect is not None
    if not s.dialect.pag:
        raise ServiceError(ErrorCode.NOT_EXPECTED, "PAG was removed in MSNP9")
    if not c.args:
        raise Disconnect
    await _page(s, c, c.args[0], "1")


def fnd(s: NotificationSession, c: Command) -> None:
    raise ServiceError(ErrorCode.COMMAND_DISABLED, "directory search is disabled")


def ims(s: NotificationSession, c: Command) -> None:
    assert s.user is not None
    mode = c.arg(0)
    if mode not in ("ON", "OFF"):
        raise Disconnect
    s.user.accepts_invitations = mode == "ON"
    s.send(f"IMS {c.trid} 0 {mode}\r\n".encode())


async def xfr(s: NotificationSession, c: Command) -> None:
    assert s.user is not None and s.dialect is not None
    if c.arg(0) != "SB":
        raise ServiceError(ErrorCode.INVALID_PARAMETER, "only XFR SB")
    if not s.user.visible or not s.user.accepts_invitations:
        raise ServiceError(ErrorCode.NOT_ALLOWED_WHEN_OFFLINE)
    switchboard = s.ctx.switchboard
    if switchboard is None:
        raise ServiceError(ErrorCode.NOTIFY_XFR_FAILED, "no switchboard")
    cookie = await switchboard.issue_creator(s.email, s.user.display_name, s.dialect.name)
    s.send(f"XFR {c.trid} SB {switchboard.next_address()} CKI {cookie}\r\n".encode())


def retired(s: NotificationSession, c: Command) -> None:
    """Client-initiated LST/LSG: removed in November 2003 by disconnecting (§4.13)."""
    raise Disconnect


def decode_name(token: str) -> str:
    """A %-encoded name from the client; undecodable -> 201."""
    try:
        return url_unquote(token)
    except InvalidName:
        raise ServiceError(ErrorCode.INVALID_PARAMETER, "undecodable name") from None

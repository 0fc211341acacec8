"""USR (TWN I / TWN S), the profile message and the initial e-mail notice (§4.3, §4.24)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable
from typing import TYPE_CHECKING

from msnp.ns import lines
from msnp.ns.context import Disconnect, State
from msnp.services.models import Account, ServiceError
from msnp.services.presence import OnlineUser
from msnp.wire.codec import Command
from msnp.wire.errors import ErrorCode
from msnp.wire.names import MAX_EMAIL_LENGTH, has_domain, normalize_email, url_quote

if TYPE_CHECKING:
    from msnp.ns.session import NotificationSession

log = logging.getLogger(__name__)


def passport_challenge(now: int) -> str:
    """The opaque string clients copy into their Passport request. Our login checks only
    sign-in and password (clients alter `ct`), so `tpf` is just a fresh nonce."""
    tpf = secrets.token_hex(16)
    return (
        "lc=1033,id=507,tw=40,fs=1,ru=http%3A%2F%2Fmessenger%2Emsn%2Ecom,"
        f"ct={now},kpp=1,kv=5,ver=2.1.0173.1,tpf={tpf}"
    )


def swap_port(port: int) -> int:
    """ClientPort is sent with its two bytes swapped (msnp-wiki; Messenger 6 compares it
    with its own port to name the connection type)."""
    return ((port & 0xFF) << 8) | (port >> 8)


def profile_message(
    account: Account,
    *,
    login_time: int,
    mspauth: str,
    client_ip: str,
    client_port: int,
    email_enabled: bool,
) -> bytes:
    headers = [
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/x-msmsgsprofile; charset=UTF-8"),
        ("LoginTime", str(login_time)),
        ("EmailEnabled", "1" if email_enabled else "0"),
        ("MemberIdHigh", str(account.member_id_high)),
        ("MemberIdLow", str(account.member_id_low)),
        ("lang_preference", "1033"),
        ("PreferredEmail", account.email),
        ("country", "US"),
        ("PostalCode", ""),
        ("Gender", ""),
        ("Kid", "0"),
        ("Age", ""),
        ("BDayPre", ""),
        ("Birthday", ""),
        ("Wallet", ""),
        ("Flags", "1027"),
        ("sid", "507"),
        ("kv", "11"),
        ("MSPAuth", mspauth),
        ("ClientIP", client_ip),
        ("ClientPort", str(client_port)),
    ]
    body = "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\n"
    return _hotmail(body)


def initial_mail_notice(post_url: str) -> bytes:
    body = (
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/x-msmsgsinitialemailnotification; charset=UTF-8\r\n"
        "\r\n"
        "Inbox-Unread: 0\r\n"
        "Folders-Unread: 0\r\n"
        "Inbox-URL: /cgi-bin/HoTMaiL\r\n"
        "Folders-URL: /cgi-bin/folders\r\n"
        f"Post-URL: {post_url}\r\n"
        "\r\n"
    )
    return _hotmail(body)


def _hotmail(body: str) -> bytes:
    payload = body.encode("utf-8")
    return b"MSG Hotmail Hotmail %d\r\n" % len(payload) + payload


def usr(s: NotificationSession, c: Command) -> Awaitable[None] | None:
    if s.state >= State.AUTHENTICATED:
        raise ServiceError(ErrorCode.ALREADY_LOGGED_IN)
    if len(c.args) < 3 or c.args[0] != "TWN":
        raise Disconnect  # unknown security package (MD5 was removed in MSNP8)
    stage, value = c.args[1], c.args[2]
    if stage == "I" and s.state == State.NEGOTIATED:
        if not has_domain(value) or len(value) > MAX_EMAIL_LENGTH:
            s.reply_error(ErrorCode.AUTHENTICATION_FAILED, c.trid)
            raise Disconnect
        s.login_email = normalize_email(value)
        s.state = State.CHALLENGED
        challenge = passport_challenge(int(s.ctx.clock()))
        s.send(f"USR {c.trid} TWN S {challenge}\r\n".encode())
        return None
    if stage == "S" and s.state == State.CHALLENGED:
        return _complete_login(s, c, value)  # redeems the ticket and reads the lists
    raise Disconnect


async def _complete_login(s: NotificationSession, c: Command, from_pp: str) -> None:
    email = s.login_email
    assert email is not None and s.dialect is not None
    ctx = s.ctx
    if not await ctx.passport.redeem(from_pp, email):
        s.reply_error(ErrorCode.AUTHENTICATION_FAILED, c.trid)
        raise Disconnect
    try:
        snapshot = await ctx.lists.snapshot(email)
    except ServiceError:  # the account was deleted after the ticket was issued
        s.reply_error(ErrorCode.AUTHENTICATION_FAILED, c.trid)
        raise Disconnect from None
    if s.sink.closed:
        return
    account = snapshot.account
    s.account = account
    s.mspauth = from_pp.split("&", 1)[0].removeprefix("t=")
    user = OnlineUser(
        email=account.email,
        display_name=account.display_name,
        dialect=s.dialect,
        session=s,
        member_id=account.member_id,
    )
    # One NS session per account: the older one is told OUT OTH and its contacts see it
    # go offline until the new session sets a status.
    previous = ctx.presence.get(account.email)
    if previous is not None:
        line = lines.fln(previous.email)
        for watcher in ctx.presence.sign_out(previous):
            watcher.session.send(line)
        previous.session.kick("OTH")
    ctx.presence.sign_in(user, snapshot)
    s.user = user
    s.login_snapshot = snapshot
    s.state = State.AUTHENTICATED

    host, port = s.sink.peer
    notify_mail = ctx.config.notification.mail_notifications
    out = [
        f"USR {c.trid} OK {account.email} {url_quote(account.display_name)} "
        f"{1 if account.verified else 0} 0\r\n".encode(),
        profile_message(
            account,
            login_time=int(ctx.clock()),
            mspauth=s.mspauth,
            client_ip=host,
            client_port=swap_port(port),
            email_enabled=notify_mail,
        ),
    ]
    if notify_mail:
        out.append(initial_mail_notice(ctx.config.web_base_url + "/mail"))
    s.send(b"".join(out))
    log.info("%s signed in from %s:%d (%s)", account.email, host, port, s.dialect.name)


def usr_dispatch(s: NotificationSession, c: Command) -> None:
    """On the dispatch server USR TWN I is answered with a referral to a notification
    server, exactly as the seed shows: `XFR trid NS ns-address 0 ds-address`."""
    if len(c.args) < 3 or c.args[0] != "TWN" or c.args[1] != "I":
        raise Disconnect
    if not has_domain(c.args[2]):
        s.reply_error(ErrorCode.AUTHENTICATION_FAILED, c.trid)
        raise Disconnect
    addresses = s.ctx.addresses
    s.send(f"XFR {c.trid} NS {addresses.notification} 0 {addresses.dispatch}\r\n".encode())

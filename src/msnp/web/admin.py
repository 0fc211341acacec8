"""Operator endpoints on the HTTP listener. So far one: `POST /admin/notify`, which sends an
MSN Alert (`NOT`, reference §4.25) to one signed-in user or to everyone signed in on this
node. `msnp notify` is its command-line client.

Access needs both a loopback peer address and the bearer token the service writes to
`<data_dir>/admin.token` (mode 0600) each time it starts: whoever can read the data
directory on this machine may send alerts, nobody else.

Request body (JSON): `{"to": "user@example.com"}` or `{"all": true}`, plus `"text"`
(required), optional `"url"` (opened when the alert is clicked) and `"rich"` (HTML shown
by MSNP9 clients as TEXTX). Answers: 200 `{"sent": n, "recipients": [...]}`; 400 for a
bad body, 401 without the token, 403 from another machine, 404 when `to` is not online.
"""

from __future__ import annotations

import hmac
import ipaddress
import itertools
import json
import logging
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from msnp.config import Config
from msnp.services.presence import OnlineUser, PresenceService
from msnp.services.tickets import PassportTickets
from msnp.web.messages import Request, Response
from msnp.web.router import Router
from msnp.wire.names import is_valid_email, normalize_email

log = logging.getLogger(__name__)

TOKEN_FILE = "admin.token"
NOTIFY_PATH = "/admin/notify"
#: After `msnp user del`: sign the user out and bring contacts' cached lists up to date.
ACCOUNT_DELETED_PATH = "/admin/account-deleted"
SIGN_OUT_PATH = "/admin/sign-out"
# Why a deleted account, or one whose password changed, is signed out: clients do not sign in
# again by themselves after OTH (with the old password, that would only fail).
SIGNED_OUT_REASON = "OTH"
#: The reference gives ~1024 bytes for the BODY element (unconfirmed); longer is refused
#: rather than cut, so an operator never sends half a sentence.
MAX_BODY_BYTES = 1024
MAX_REQUEST_BYTES = 16384
#: `NOTIFICATION id`: the number of the alert sender, constant for this service.
SENDER_ID = 1


# ---- the token ------------------------------------------------------------------------------


def token_path(config: Config) -> Path:
    return config.server.data_dir / TOKEN_FILE


def write_admin_token(config: Config) -> str:
    """A fresh token in `<data_dir>/admin.token`, readable by the service's user only.
    Written to a temporary file created 0600 and renamed over the old one, so the token is
    never readable by others, not even for a moment."""
    path = token_path(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    temporary = path.with_name(f".{TOKEN_FILE}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # O_CREAT's mode is filtered by the umask; this is not
        os.write(fd, (token + "\n").encode("ascii"))
    finally:
        os.close(fd)
    os.replace(temporary, path)
    return token


def read_admin_token(config: Config) -> str:
    """The token of the running service (raises OSError when it has never started)."""
    return token_path(config).read_text("ascii").strip()


# ---- the NOT document -----------------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    text: str
    url: str | None = None
    rich: str | None = None


def _site_and_action(alert: Alert, base_url: str) -> tuple[str, str]:
    """`siteurl` and the ACTION url relative to it: an absolute --url is split after its
    host; without one the alert points at the service's own site."""
    if not alert.url:
        return base_url.rstrip("/") + "/", ""
    parts = urlsplit(alert.url)
    site = f"{parts.scheme}://{parts.netloc}/"
    action = alert.url[len(site) :] if alert.url.startswith(site) else parts.path.lstrip("/")
    return site, action


def notification_body(
    alert: Alert, *, email: str, member_id: int, message_id: int, base_url: str, rich: bool
) -> bytes:
    """The `<NOTIFICATION>` document for one recipient. `rich` adds TEXTX (MSNP9 only):
    the operator's HTML, or the plain text when none was given."""
    site, action = _site_and_action(alert, base_url)
    high, low = member_id >> 32, member_id & 0xFFFFFFFF
    body = f"<TEXT>{escape(alert.text, quote=False)}</TEXT>"
    if rich:
        body += f"<TEXTX>{escape(alert.rich if alert.rich is not None else alert.text)}</TEXTX>"
    return (
        f'<NOTIFICATION ver="1" id="{SENDER_ID}" siteid="0" siteurl="{escape(site)}">'
        f'<TO pid="0x{high:08X}:0x{low:08X}" name="{escape(email)}"/>'
        f'<MSG id="{message_id}"><ACTION url="{escape(action)}"/>'
        f'<SUBSCR url="{escape(action)}"/>'
        f'<BODY lang="1033">{body}</BODY></MSG></NOTIFICATION>'
    ).encode()


def not_command(body: bytes) -> bytes:
    return b"NOT %d\r\n" % len(body) + body


def check_alert(alert: Alert) -> None:
    """Raises ValueError when the alert cannot be sent as one NOT to every dialect."""
    if not alert.text.strip():
        raise ValueError("the text must not be empty")
    if any(ch in alert.text for ch in "\x00"):
        raise ValueError("the text must not contain NUL")
    if alert.url is not None:
        parts = urlsplit(alert.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("the url must be an absolute http(s) URL")
    rich = f"<TEXTX>{escape(alert.rich if alert.rich is not None else alert.text)}</TEXTX>"
    size = len(f"<TEXT>{escape(alert.text, quote=False)}</TEXT>{rich}".encode())
    if size > MAX_BODY_BYTES:
        raise ValueError(f"the alert is {size} bytes; at most {MAX_BODY_BYTES} fit in one NOT")


# ---- sending --------------------------------------------------------------------------------


class AlertSender:
    """Formats and writes NOT lines to signed-in users of this node."""

    def __init__(self, config: Config, presence: PresenceService) -> None:
        self._config = config
        self._presence = presence
        self._message_ids = itertools.count(1)

    async def send(self, alert: Alert, users: Iterable[OnlineUser]) -> list[str]:
        """NOT to each user (TEXTX only to dialects that show it); returns who got it."""
        check_alert(alert)
        message_id = next(self._message_ids)
        base = self._config.web_base_url
        sent = []
        for user in users:
            body = notification_body(
                alert, email=user.email, member_id=user.member_id, message_id=message_id,
                base_url=base, rich=user.dialect.textx_alerts,
            )
            user.session.send(not_command(body))
            sent.append(user.email)
        log.info("alert %d sent to %d user(s)", message_id, len(sent))
        return sent


# ---- HTTP -----------------------------------------------------------------------------------


def _json(status: int, data: dict[str, Any]) -> Response:
    return Response(
        status,
        [("Content-Type", "application/json")],
        (json.dumps(data) + "\n").encode("utf-8"),
    )


def _is_loopback(request: Request) -> bool:
    if request.client is None:
        return False
    try:
        address = ipaddress.ip_address(request.client[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _optional_text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{key} must be a string")
    return value


def sign_out(presence: PresenceService, email: str) -> bool:
    """Sign `email` out of Messenger (OUT OTH); whether it was signed in."""
    user = presence.get(normalize_email(email))
    if user is not None:
        user.session.kick(SIGNED_OUT_REASON)
    return user is not None


def end_old_password_sign_ins(presence: PresenceService, passport: PassportTickets | None,
                              email: str) -> bool:
    """After a password change: void the login tickets issued until now and sign out whoever
    is signed in (with the old password, perhaps the reason for the change). Whether someone
    was signed in."""
    if passport is not None:
        passport.void_issued(email)
    return sign_out(presence, email)


class AdminEndpoints:
    def __init__(self, token: str, sender: AlertSender, presence: PresenceService,
                 passport: PassportTickets | None = None) -> None:
        self._token = token.encode("ascii")
        self._sender = sender
        self._presence = presence
        self._passport = passport

    def mount(self, router: Router) -> None:
        router.add("POST", NOTIFY_PATH, self.notify)
        router.add("POST", ACCOUNT_DELETED_PATH, self.account_deleted)
        router.add("POST", SIGN_OUT_PATH, self.sign_out)

    async def sign_out(self, request: Request) -> Response:
        """`{"email": ...}` from `msnp user passwd`: whoever is signed in with the old
        password is signed out (OUT OTH), and login tickets issued until now are void."""
        data = self._json_request(request)
        if isinstance(data, Response):
            return data
        email = data.get("email")
        if not isinstance(email, str) or not is_valid_email(email.strip()):
            return _json(400, {"error": "email must be an e-mail address"})
        signed_out = end_old_password_sign_ins(self._presence, self._passport, email)
        return _json(200, {"signed_out": signed_out})

    async def account_deleted(self, request: Request) -> Response:
        """`{"email": ..., "versions": {owner: new list version, ...}}` from `msnp user del`
        (another process changed the store; this one holds the sessions)."""
        data = self._json_request(request)
        if isinstance(data, Response):
            return data
        try:
            email = data.get("email")
            versions = data.get("versions", {})
            if not isinstance(email, str) or not is_valid_email(email.strip()):
                raise ValueError("email must be an e-mail address")
            if not isinstance(versions, dict) or not all(
                isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
                for k, v in versions.items()
            ):
                raise ValueError("versions must map e-mail addresses to list versions")
        except ValueError as exc:
            return _json(400, {"error": str(exc)})
        key = normalize_email(email)
        owners = {normalize_email(k): v for k, v in versions.items()}
        user = self._presence.forget_account(key, owners)
        if user is not None:
            user.session.kick(SIGNED_OUT_REASON)
        return _json(200, {"signed_out": user is not None})

    def _json_request(self, request: Request) -> dict[str, Any] | Response:
        """The JSON object of an authorised admin request, or the refusal to send."""
        refusal = self._authorised(request)
        if refusal is not None:
            return refusal
        if len(request.body) > MAX_REQUEST_BYTES:
            return _json(400, {"error": "request too large"})
        try:
            data = json.loads(request.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            return _json(400, {"error": str(exc)})
        if not isinstance(data, dict):
            return _json(400, {"error": "the body must be a JSON object"})
        return data

    def _authorised(self, request: Request) -> Response | None:
        if not _is_loopback(request):
            return _json(403, {"error": "admin requests are accepted from this machine only"})
        header = request.headers.get("Authorization") or ""
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode("utf-8", "replace"), self._token
        ):
            return _json(401, {"error": "missing or wrong admin token"})
        return None

    async def notify(self, request: Request) -> Response:
        data = self._json_request(request)
        if isinstance(data, Response):
            return data
        try:
            text = data.get("text")
            if not isinstance(text, str):
                raise ValueError("text is required")
            alert = Alert(text, _optional_text(data, "url"), _optional_text(data, "rich"))
            check_alert(alert)
            to = _optional_text(data, "to")
            everyone = data.get("all") is True
            if (to is None) == (not everyone):
                raise ValueError("give either to or all, not both")
        except ValueError as exc:
            return _json(400, {"error": str(exc)})
        if everyone:
            users = self._presence.users()
        else:
            assert to is not None
            if not is_valid_email(to.strip()):
                return _json(400, {"error": f"not an e-mail address: {to}"})
            user = self._presence.get(normalize_email(to))
            if user is None:
                return _json(404, {"error": f"{normalize_email(to)} is not signed in"})
            users = [user]
        sent = await self._sender.send(alert, users)
        return _json(200, {"sent": len(sent), "recipients": sent})


def install_admin(
    router: Router, config: Config, presence: PresenceService,
    passport: PassportTickets | None = None,
) -> AdminEndpoints:
    """Write a fresh admin token and mount the admin routes on `router` (the HTTP app).
    Called once by the service wiring at start."""
    token = write_admin_token(config)
    endpoints = AdminEndpoints(token, AlertSender(config, presence), presence, passport)
    endpoints.mount(router)
    return endpoints

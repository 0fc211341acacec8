"""Passport 1.4 ("Tweener"): the nexus (`/rdr/pprdr.asp`) and the login server (`/login2.srf`).

The nexus names the login server in a `PassportURLs` header; the login server checks the
handle and password in the `Authorization: Passport1.4 ...` header and answers a ticket in
`from-PP='t=...&p=...'`, which the client then hands to the notification server. Clients
differ in how they build the header (`protocol/clients.md`), so it is parsed leniently and only
`sign-in` and `pwd` are looked at.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote, unquote_to_bytes

from msnp.config import Config
from msnp.services.models import Account
from msnp.services.throttle import FailedSignIns, TooManyFailures
from msnp.services.tickets import PassportTickets
from msnp.web.messages import Request, Response
from msnp.web.msgrconfig import mount_msgrconfig
from msnp.web.router import Router
from msnp.wire.names import normalize_email

log = logging.getLogger(__name__)

NEXUS_PATH = "/rdr/pprdr.asp"
LOGIN_PATH = "/login2.srf"
CONFIG_VERSION = 15
RETURN_URL = "http://messenger.msn.com"


class Authenticator(Protocol):
    async def authenticate(self, email: str, password: str) -> Account | None:
        """The account when `password` is right for `email`, else None (also for unknown
        accounts: callers cannot and must not tell the two apart)."""


# ---- the Authorization header --------------------------------------------------------------

# One or more scheme tokens (`Passport1.4`, doubled in some documentation and clients).
_SCHEMES = re.compile(r"^(?:\s*Passport\d+(?:\.\d+)?(?=\s|$))+\s*", re.IGNORECASE)
# Items are split at a comma only where a `name=` follows, so a raw (unencoded) password
# with a comma in it stays whole as long as no `=` comes after the comma.
_ITEM_SPLIT = re.compile(r",\s*(?=[A-Za-z][A-Za-z0-9_.-]*=)")


@dataclass(frozen=True)
class PassportCredentials:
    sign_in: str  # decoded handle, as the client typed it
    passwords: tuple[str, ...]  # candidates to try in order: decoded, then raw if different
    fields: Mapping[str, tuple[str, ...]]  # every item, key lower-cased, raw values in order


def _decode(text: str) -> str:
    raw = unquote_to_bytes(text)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # Clients of the era on Windows encode in the ANSI code page.
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            return raw.decode("latin-1")


def parse_passport_authorization(value: str | None) -> PassportCredentials | None:
    """The credentials in an `Authorization: Passport1.4 ...` value, or None when it is
    missing or carries no sign-in or no pwd item. Order-independent; repeated keys allowed
    (the first sign-in and pwd count)."""
    if not value:
        return None
    rest = _SCHEMES.sub("", value, count=1)
    fields: dict[str, list[str]] = {}
    for item in _ITEM_SPLIT.split(rest):
        key, eq, item_value = item.partition("=")
        if not eq:
            continue
        fields.setdefault(key.strip().lower(), []).append(item_value)
    sign_ins = fields.get("sign-in")
    pwds = fields.get("pwd")
    if not sign_ins or pwds is None:
        return None
    sign_in = _decode(sign_ins[0].strip()).strip()
    if not sign_in:
        return None
    raw_password = pwds[0]
    decoded = _decode(raw_password)
    passwords = (decoded,) if decoded == raw_password else (decoded, raw_password)
    return PassportCredentials(
        sign_in=sign_in,
        passwords=passwords,
        fields={k: tuple(v) for k, v in fields.items()},
    )


# ---- responses ---------------------------------------------------------------------------


def _without_scheme(location: str) -> str:
    # Clients prepend https:// themselves; a scheme here breaks aMSN and others.
    for scheme in ("https://", "http://"):
        if location.lower().startswith(scheme):
            return location[len(scheme) :]
    return location


def passport_urls(config: Config) -> str:
    """The `PassportURLs` header value of the nexus."""
    web = config.web_base_url
    return (
        f"DARealm=Passport.Net,DALogin={_without_scheme(config.dalogin)},"
        f"DAReg={web}/register,Properties={web}/account,Privacy={web}/privacy,"
        f"GeneralRedir={web}/,Help={web}/help,ConfigVersion={CONFIG_VERSION}"
    )


def success_header(from_pp: str) -> str:
    return (
        "Passport1.4 da-status=success,tname=MSPAuth,tname=MSPProf,tname=MSPSec,"
        f"from-PP='{from_pp}',ru={RETURN_URL}"
    )


def failure_header(config: Config) -> str:
    # Values are %-encoded: clients split this header on commas.
    cburl = quote(f"{config.web_base_url}/", safe=":/?=&%.-_~")
    cbtxt = quote("Type your e-mail address and password correctly.", safe="")
    return (
        f"Passport1.4 da-status=failed,srealm=Passport.NET,ts=-3,prompt,cburl={cburl},cbtxt={cbtxt}"
    )


class PassportService:
    """The two Passport endpoints as handlers; `mount` adds them to a router."""

    def __init__(
        self,
        config: Config,
        authenticator: Authenticator,
        tickets: PassportTickets,
        failures: FailedSignIns | None = None,
    ) -> None:
        self._config = config
        self._authenticator = authenticator
        self._tickets = tickets
        self._failures = failures or FailedSignIns.from_config(config.passport)
        self._nexus_value = passport_urls(config)
        self._failure_value = failure_header(config)

    def mount(self, router: Router) -> None:
        # POST and HEAD too: some clients and probes use them; the answer is the same.
        router.add(("GET", "POST"), NEXUS_PATH, self.nexus)
        router.add(("GET", "POST"), LOGIN_PATH, self.login)

    async def nexus(self, request: Request) -> Response:
        return Response(200, [("PassportURLs", self._nexus_value), ("Content-Length", "0")])

    async def login(self, request: Request) -> Response:
        credentials = parse_passport_authorization(request.headers.get("Authorization"))
        if credentials is None:
            log.info("passport login from %s without usable credentials", _who(request))
            return self._failed()
        who = _who(request)

        async def check() -> Account | None:
            for password in credentials.passwords:
                account = await self._authenticator.authenticate(credentials.sign_in, password)
                if account is not None:
                    return account
            return None

        try:
            account = await self._failures.attempt(
                who, normalize_email(credentials.sign_in), check
            )
        except TooManyFailures:
            # Answered as a wrong password: clients know no other refusal, and a guesser
            # learns nothing from it.
            log.warning("passport login for %r from %s refused: too many wrong passwords",
                        credentials.sign_in, who)
            return self._failed()
        if account is None:
            log.info("passport login failed for %r from %s", credentials.sign_in, who)
            return self._failed()
        from_pp = await self._tickets.issue(account.email)
        return Response(
            200,
            [("Authentication-Info", success_header(from_pp)), ("Content-Length", "0")],
        )

    def _failed(self) -> Response:
        return Response(401, [("WWW-Authenticate", self._failure_value), ("Content-Length", "0")])


def _who(request: Request) -> str:
    return request.client[0] if request.client else "?"


def mount_passport(
    router: Router,
    config: Config,
    authenticator: Authenticator,
    tickets: PassportTickets,
    failures: FailedSignIns | None = None,
) -> PassportService:
    """Add the nexus and login routes to `router`; returns the service for reuse."""
    service = PassportService(config, authenticator, tickets, failures)
    service.mount(router)
    return service


def build_http_app(
    config: Config,
    authenticator: Authenticator,
    tickets: PassportTickets,
    failures: FailedSignIns | None = None,
) -> Router:
    """Every HTTP(S) route of the service so far: Passport nexus and login, Messenger Config.
    The same router is served on `config.http.listen` and `config.https.listen`; more routes
    (web pages, the HTTP gateway) are added with `Router.add` / `Router.include`."""
    router = Router()
    mount_passport(router, config, authenticator, tickets, failures)
    mount_msgrconfig(router, config)
    return router

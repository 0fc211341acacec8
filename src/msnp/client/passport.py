"""Passport 1.4 ("Tweener") from the client side: nexus -> DALogin -> ticket (§2).

    GET <nexus>            PassportURLs: ...,DALogin=host[:port]/path,...
    GET https://<DALogin>  Authorization: Passport1.4 OrgVerb=GET,...,sign-in=..,pwd=..,<challenge>
    200                    Authentication-Info: Passport1.4 ...,from-PP='t=..&p=..'
    401                    wrong e-mail or password
    302 + Location         ask that login server instead
"""

from __future__ import annotations

import ssl
from pathlib import Path
from urllib.parse import quote

from msnp.client.errors import AuthenticationError, PassportError
from msnp.client.httpclient import HttpError, http_get

ORG_URL = "http%3A%2F%2Fmessenger%2Emsn%2Ecom"  # http://messenger.msn.com, as clients encode it
MAX_REDIRECTS = 3


def make_ssl_context(ca_file: Path | str | None = None, insecure: bool = False) -> ssl.SSLContext:
    """Verify against `ca_file` (e.g. the service's self-signed certificate), or the system
    store when it is None; `insecure=True` skips verification and must be asked for."""
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    if insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def parse_dalogin(header: str) -> str:
    """`DARealm=Passport.Net,DALogin=login.example.com/login2.srf,...` -> an https URL."""
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "DALogin" and value:
            # Our reference says no scheme; tolerate servers that send one anyway.
            return value if value.startswith(("https://", "http://")) else f"https://{value}"
    raise PassportError(f"no DALogin in PassportURLs: {header!r}")


def parse_from_pp(header: str) -> str:
    """The ticket `t=...&p=...` between `from-PP='` and the next quote."""
    start = header.find("from-PP='")
    if start < 0:
        raise PassportError("login server answered without a ticket (no from-PP)")
    start += len("from-PP='")
    end = header.find("'", start)
    if end < 0:
        raise PassportError("unterminated from-PP value")
    return header[start:end]


def authorization(email: str, password: str, challenge: str) -> str:
    return (
        f"Passport1.4 OrgVerb=GET,OrgURL={ORG_URL},sign-in={quote(email, safe='')},"
        f"pwd={quote(password, safe='')},{challenge}"
    )


async def get_ticket(
    email: str,
    password: str,
    challenge: str,
    *,
    nexus_url: str,
    ssl_context: ssl.SSLContext | None,
    timeout: float,
) -> str:
    """Sign in to Passport; returns the from-PP value for `USR TWN S`."""
    try:
        nexus = await http_get(nexus_url, {}, ssl_context=ssl_context, timeout=timeout)
        if nexus.status != 200:
            raise PassportError(f"nexus {nexus_url} answered {nexus.status} {nexus.reason}")
        urls = nexus.header("PassportURLs")
        if urls is None:
            raise PassportError(f"nexus {nexus_url} sent no PassportURLs header")
        login_url = parse_dalogin(urls)
        headers = {
            "Authorization": authorization(email, password, challenge),
            "User-Agent": "MSMSGS",
            "Cache-Control": "no-cache",
        }
        for _ in range(MAX_REDIRECTS + 1):
            reply = await http_get(login_url, headers, ssl_context=ssl_context, timeout=timeout)
            if reply.status == 200:
                return parse_from_pp(reply.header("Authentication-Info") or "")
            if reply.status == 401:
                raise AuthenticationError(f"Passport refused the password for {email}")
            if reply.status == 302 and reply.header("Location"):
                login_url = reply.header("Location") or login_url
                continue
            raise PassportError(f"login server answered {reply.status} {reply.reason}")
        raise PassportError("too many Passport redirects")
    except HttpError as exc:
        raise PassportError(f"Passport: {exc}") from None

"""Passport 1.4 from the client side against a fake nexus and login server over HTTPS."""

from __future__ import annotations

from pathlib import Path

import pytest

from client.conftest import ALICE, ALICE_PASSWORD
from client.fakes import FakePassport
from msnp.client import AuthenticationError, PassportError, get_ticket, make_ssl_context
from msnp.client.passport import authorization, parse_dalogin, parse_from_pp

CHALLENGE = "lc=1033,id=507,tw=40,fs=1,ru=http%3A%2F%2Fmessenger%2Emsn%2Ecom,ct=1062764229,kpp=1"


async def test_ticket_from_nexus_and_dalogin(passport: FakePassport, cert_file: Path) -> None:
    ticket = await get_ticket(
        ALICE,
        ALICE_PASSWORD,
        CHALLENGE,
        nexus_url=passport.nexus_url,
        ssl_context=make_ssl_context(cert_file),
        timeout=3,
    )
    assert ticket == passport.ticket
    nexus, login = passport.requests
    assert (nexus.method, nexus.target) == ("GET", "/rdr/pprdr.asp")
    assert (login.method, login.target) == ("GET", "/login2.srf")
    assert login.headers["Authorization"] == (
        "Passport1.4 OrgVerb=GET,OrgURL=http%3A%2F%2Fmessenger%2Emsn%2Ecom,"
        f"sign-in=alice%40example.com,pwd=pa%20ss%2Cword,{CHALLENGE}"
    )
    assert login.headers["Host"] == f"127.0.0.1:{passport.port}"


async def test_wrong_password_is_an_authentication_error(
    passport: FakePassport, cert_file: Path
) -> None:
    with pytest.raises(AuthenticationError):
        await get_ticket(
            ALICE,
            "wrong",
            CHALLENGE,
            nexus_url=passport.nexus_url,
            ssl_context=make_ssl_context(cert_file),
            timeout=3,
        )


async def test_redirect_is_followed(passport: FakePassport, cert_file: Path) -> None:
    passport.redirect_once = True
    ticket = await get_ticket(
        ALICE,
        ALICE_PASSWORD,
        CHALLENGE,
        nexus_url=passport.nexus_url,
        ssl_context=make_ssl_context(cert_file),
        timeout=3,
    )
    assert ticket == passport.ticket
    targets = [r.target for r in passport.requests]
    assert targets == ["/rdr/pprdr.asp", "/login2.srf", "/elsewhere/login2.srf"]
    # The same Authorization header goes to the new location.
    assert passport.requests[1].headers["Authorization"] == passport.requests[2].headers[
        "Authorization"
    ]


async def test_untrusted_certificate_is_refused(passport: FakePassport) -> None:
    with pytest.raises(PassportError, match="certificate"):
        await get_ticket(
            ALICE,
            ALICE_PASSWORD,
            CHALLENGE,
            nexus_url=passport.nexus_url,
            ssl_context=make_ssl_context(None),  # system store: our test CA is not in it
            timeout=3,
        )
    assert passport.requests == []


async def test_insecure_skips_verification_when_asked(passport: FakePassport) -> None:
    ticket = await get_ticket(
        ALICE,
        ALICE_PASSWORD,
        CHALLENGE,
        nexus_url=passport.nexus_url,
        ssl_context=make_ssl_context(None, insecure=True),
        timeout=3,
    )
    assert ticket == passport.ticket


async def test_unreachable_nexus_is_a_passport_error() -> None:
    with pytest.raises(PassportError):
        await get_ticket(
            ALICE,
            ALICE_PASSWORD,
            CHALLENGE,
            nexus_url="https://127.0.0.1:1/rdr/pprdr.asp",
            ssl_context=make_ssl_context(None),
            timeout=3,
        )


def test_dalogin_gets_https_prepended() -> None:
    header = "DARealm=Passport.Net,DALogin=login.example.com:8443/login2.srf,ConfigVersion=15"
    assert parse_dalogin(header) == "https://login.example.com:8443/login2.srf"
    assert parse_dalogin("DALogin=https://x.example/login2.srf") == "https://x.example/login2.srf"
    with pytest.raises(PassportError):
        parse_dalogin("DARealm=Passport.Net")


def test_from_pp_is_read_between_quotes() -> None:
    header = (
        "Passport1.4 da-status=success,tname=MSPAuth,from-PP='t=ab,c$&p=de!f',"
        "ru=http://messenger.msn.com"
    )
    assert parse_from_pp(header) == "t=ab,c$&p=de!f"
    with pytest.raises(PassportError):
        parse_from_pp("Passport1.4 da-status=success")


def test_authorization_encodes_credentials() -> None:
    value = authorization("a.b@example.com", "p%w,d'", "lc=1033,id=507")
    assert value == (
        "Passport1.4 OrgVerb=GET,OrgURL=http%3A%2F%2Fmessenger%2Emsn%2Ecom,"
        "sign-in=a.b%40example.com,pwd=p%25w%2Cd%27,lc=1033,id=507"
    )

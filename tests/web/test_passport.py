"""Passport 1.4 nexus and login, replayed byte for byte as the clients in
`protocol/clients.md` send them, over TLS 1.0 (clients of 2003-2007) unless said otherwise."""

from __future__ import annotations

import re
import ssl

import pytest

from msnp.config import Config, HostPort, HttpConfig, HttpsConfig, ServerConfig
from msnp.web.passport import parse_passport_authorization, passport_urls

from .conftest import ALICE, PassportRig
from .rawhttp import Conn, client_context, exchange, read_all, tls10

CHALLENGE = (
    "lc=1033,id=507,tw=40,fs=1,ru=http%3A%2F%2Fmessenger%2Emsn%2Ecom,ct=1062764229,"
    "kpp=1,kv=5,ver=2.1.0173.1,tpf=43f8a4c8ed940c04e3740be46c4d1619"
)
FROM_PP = re.compile(r"from-PP='(t=[A-Za-z0-9!*$._-]+&p=[A-Za-z0-9!*$._-]+)'")


def login_request(authorization: str, *, line: str = "GET /login2.srf HTTP/1.1") -> bytes:
    """The official client's login request shape (reference §2.3)."""
    return (
        f"{line}\r\n"
        f"Authorization: {authorization}\r\n"
        "User-Agent: MSMSGS\r\n"
        "Host: login.example.test\r\n"
        "Connection: Keep-Alive\r\n"
        "Cache-Control: no-cache\r\n"
        "\r\n"
    ).encode("latin-1")


def official(sign_in: str = "alice%40example.com", pwd: str = "s3cr%2Ct") -> str:
    return (
        "Passport1.4 OrgVerb=GET,OrgURL=http%3A%2F%2Fmessenger%2Emsn%2Ecom,"
        f"sign-in={sign_in},pwd={pwd},{CHALLENGE}"
    )


def ticket_of(response_header: str | None) -> str:
    assert response_header is not None
    match = FROM_PP.search(response_header)
    assert match is not None, response_header
    return match.group(1)


# ---- nexus -----------------------------------------------------------------------------


async def test_nexus_answers_version_less_request_over_tls10(passport_rig: PassportRig) -> None:
    # Literally `GET /rdr/pprdr.asp`, an empty line, no version, no Host.
    raw = await read_all(passport_rig.https_port, b"GET /rdr/pprdr.asp\r\n\r\n", tls10())
    head = raw.split(b"\r\n\r\n", 1)[0].decode()
    assert head.startswith("HTTP/1.1 200 OK\r\n")
    assert "\r\nPassportURLs: DARealm=Passport.Net,DALogin=" in head


async def test_nexus_version_less_request_with_headers(passport_rig: PassportRig) -> None:
    data = b"GET /rdr/pprdr.asp\r\nHost: nexus.example.test\r\nUser-Agent: x\r\n\r\n"
    raw = await read_all(passport_rig.https_port, data, tls10())
    assert raw.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"\r\nPassportURLs: " in raw


async def test_nexus_header_name_case_and_value(passport_rig: PassportRig) -> None:
    data = b"GET /rdr/pprdr.asp HTTP/1.1\r\nHost: nexus.example.test\r\n\r\n"
    response = await exchange(passport_rig.https_port, data, tls10())
    assert response.status_line == "HTTP/1.1 200 OK"
    names = [name for name, _ in response.headers]
    assert "PassportURLs" in names  # exact case, not Passporturls
    assert response.header("Content-Length") == "0"
    value = response.header("PassportURLs")
    web = "http://web.example.test:8080"
    assert value == (
        "DARealm=Passport.Net,DALogin=login.example.test:8443/login2.srf,"
        f"DAReg={web}/register,Properties={web}/account,Privacy={web}/privacy,"
        f"GeneralRedir={web}/,Help={web}/help,ConfigVersion=15"
    )


async def test_nexus_http10_without_host_gets_http11_status(passport_rig: PassportRig) -> None:
    raw = await read_all(passport_rig.https_port, b"GET /rdr/pprdr.asp HTTP/1.0\r\n\r\n", tls10())
    assert raw.startswith(b"HTTP/1.1 200 OK\r\n")  # never HTTP/1.0: one client ignores that


async def test_nexus_with_query_string_and_over_plain_http(passport_rig: PassportRig) -> None:
    data = b"GET /rdr/pprdr.asp?lc=1033 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    response = await exchange(passport_rig.http_port, data)
    assert response.status_line == "HTTP/1.1 200 OK"
    assert response.header("PassportURLs") is not None


@pytest.mark.parametrize(
    ("dalogin", "expected"),
    [
        (None, "127.0.0.1:8443/login2.srf"),
        ("login.example.net/login2.srf", "login.example.net/login2.srf"),
        ("https://login.example.net/login2.srf", "login.example.net/login2.srf"),
    ],
)
def test_dalogin_never_has_a_scheme(dalogin: str | None, expected: str) -> None:
    from msnp.config import PassportConfig

    config = Config(passport=PassportConfig(dalogin=dalogin))
    value = passport_urls(config)
    assert f",DALogin={expected}," in value
    assert "DALogin=http" not in value


def test_dalogin_default_on_port_443_has_no_port() -> None:
    config = Config(
        https=HttpsConfig(listen=HostPort("0.0.0.0", 443)),
        server=ServerConfig(public_host="login.example.org"),
        http=HttpConfig(listen=HostPort("0.0.0.0", 80)),
    )
    value = passport_urls(config)
    assert ",DALogin=login.example.org/login2.srf," in value
    assert ",DAReg=http://login.example.org/register," in value


# ---- login: the Authorization variants -------------------------------------------------


async def test_official_client_login_over_tls10(passport_rig: PassportRig) -> None:
    conn = await Conn.open(passport_rig.https_port, tls10())
    try:
        assert conn.tls_version == "TLSv1"
        await conn.send(login_request(official()))
        response = await conn.response()
    finally:
        await conn.close()
    assert response.status_line == "HTTP/1.1 200 OK"
    info = response.header("Authentication-Info")
    assert info is not None
    assert info.startswith(
        "Passport1.4 da-status=success,tname=MSPAuth,tname=MSPProf,tname=MSPSec,from-PP='t="
    )
    assert info.endswith("',ru=http://messenger.msn.com")
    assert response.header("Content-Length") == "0"
    assert passport_rig.auth.calls == [(ALICE, "s3cr,t")]
    assert await passport_rig.tickets.redeem(ticket_of(info), ALICE)


async def test_from_pp_survives_clients_that_split_on_commas(passport_rig: PassportRig) -> None:
    response = await exchange(passport_rig.https_port, login_request(official()), tls10())
    info = response.header("Authentication-Info")
    assert info is not None
    # aMSN-style: split on ',' then find the from-PP item; it must still hold the whole value.
    item = next(part for part in info.split(",") if part.startswith("from-PP="))
    value = item[len("from-PP='") : -1]
    assert value == ticket_of(info)
    assert value.startswith("t=") and "&p=" in value


async def test_raw_password_with_percent_is_tried_after_decoding(
    passport_rig: PassportRig,
) -> None:
    passport_rig.auth.passwords[ALICE] = "100%25sure"  # literally this, sent unencoded
    response = await exchange(
        passport_rig.https_port, login_request(official(pwd="100%25sure")), tls10()
    )
    assert response.status_line == "HTTP/1.1 200 OK"
    assert passport_rig.auth.calls == [(ALICE, "100%sure"), (ALICE, "100%25sure")]


async def test_raw_password_with_comma_and_specials(passport_rig: PassportRig) -> None:
    passport_rig.auth.passwords[ALICE] = "a,b c!"
    response = await exchange(
        passport_rig.https_port, login_request(official(pwd="a,b c!")), tls10()
    )
    assert response.status_line == "HTTP/1.1 200 OK"


async def test_sign_in_with_encoded_dot(passport_rig: PassportRig) -> None:
    response = await exchange(
        passport_rig.https_port,
        login_request(official(sign_in="alice%40example%2Ecom")),
        tls10(),
    )
    assert response.status_line == "HTTP/1.1 200 OK"
    assert passport_rig.auth.calls[0][0] == ALICE


async def test_mixed_case_sign_in_binds_ticket_to_account(passport_rig: PassportRig) -> None:
    response = await exchange(
        passport_rig.https_port,
        login_request(official(sign_in="Alice%40Example.COM")),
        tls10(),
    )
    assert response.status_line == "HTTP/1.1 200 OK"
    assert await passport_rig.tickets.redeem(
        ticket_of(response.header("Authentication-Info")), "ALICE@example.com"
    )


async def test_repeated_and_shifted_ct_and_reordered_items(passport_rig: PassportRig) -> None:
    authorization = (
        "Passport1.4 ct=0,lc=1033,pwd=s3cr%2Ct,id=507,OrgURL=http://messenger.msn.com,"
        "sign-in=alice@example.com,OrgVerb=GET,ct=1062764429,tw=40,ct=1062764229"
    )
    response = await exchange(passport_rig.https_port, login_request(authorization), tls10())
    assert response.status_line == "HTTP/1.1 200 OK"


async def test_doubled_scheme_token(passport_rig: PassportRig) -> None:
    authorization = "Passport1.4 " + official()
    assert authorization.startswith("Passport1.4 Passport1.4 OrgVerb=")
    response = await exchange(passport_rig.https_port, login_request(authorization), tls10())
    assert response.status_line == "HTTP/1.1 200 OK"


async def test_absolute_form_target(passport_rig: PassportRig) -> None:
    data = login_request(official(), line="GET https://login.example.com:443/login2.srf HTTP/1.1")
    response = await exchange(passport_rig.https_port, data, tls10())
    assert response.status_line == "HTTP/1.1 200 OK"
    assert ticket_of(response.header("Authentication-Info")).startswith("t=")


async def test_http10_login_without_host(passport_rig: PassportRig) -> None:
    data = f"GET /login2.srf HTTP/1.0\r\nAuthorization: {official()}\r\n\r\n".encode()
    raw = await read_all(passport_rig.https_port, data, tls10())
    assert raw.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"from-PP='t=" in raw


async def test_host_without_port_and_query_string(passport_rig: PassportRig) -> None:
    data = (
        "GET /login2.srf?lc=1033 HTTP/1.1\r\n"
        f"Host: 127.0.0.1\r\nAuthorization: {official()}\r\n\r\n"
    ).encode()
    response = await exchange(passport_rig.https_port, data, tls10())
    assert response.status_line == "HTTP/1.1 200 OK"


async def test_login_by_post(passport_rig: PassportRig) -> None:
    data = (
        "POST /login2.srf HTTP/1.1\r\nHost: login.example.test\r\n"
        f"Authorization: {official()}\r\nContent-Length: 0\r\n\r\n"
    ).encode()
    response = await exchange(passport_rig.https_port, data, tls10())
    assert response.status_line == "HTTP/1.1 200 OK"


async def test_nexus_then_login_on_one_keep_alive_connection(passport_rig: PassportRig) -> None:
    conn = await Conn.open(passport_rig.https_port, tls10())
    try:
        await conn.send(b"GET /rdr/pprdr.asp HTTP/1.1\r\nHost: nexus.example.test\r\n\r\n")
        first = await conn.response()
        await conn.send(login_request(official()))
        second = await conn.response()
    finally:
        await conn.close()
    assert first.status_line == "HTTP/1.1 200 OK"
    assert second.status_line == "HTTP/1.1 200 OK"


async def test_login_over_tls13_and_plain_http(passport_rig: PassportRig) -> None:
    conn = await Conn.open(passport_rig.https_port, client_context(ssl.TLSVersion.TLSv1_3))
    try:
        assert conn.tls_version == "TLSv1.3"
        await conn.send(login_request(official()))
        assert (await conn.response()).status_line == "HTTP/1.1 200 OK"
    finally:
        await conn.close()
    plain = await exchange(passport_rig.http_port, login_request(official()))
    assert plain.status_line == "HTTP/1.1 200 OK"


# ---- login failures --------------------------------------------------------------------


async def test_wrong_password_is_401_with_failed_status(passport_rig: PassportRig) -> None:
    response = await exchange(
        passport_rig.https_port, login_request(official(pwd="wrong")), tls10()
    )
    assert response.status_line == "HTTP/1.1 401 Unauthorized"
    challenge = response.header("WWW-Authenticate")
    assert challenge is not None
    assert challenge.startswith("Passport1.4 da-status=failed,srealm=Passport.NET,ts=-3,prompt,")
    assert "cburl=" in challenge and "cbtxt=" in challenge
    assert " " not in challenge.split(" ", 1)[1]  # values are %-encoded, no spaces
    assert "from-PP" not in response.raw.decode()


async def test_unknown_account_looks_like_wrong_password(passport_rig: PassportRig) -> None:
    wrong = await exchange(passport_rig.https_port, login_request(official(pwd="wrong")), tls10())
    unknown = await exchange(
        passport_rig.https_port,
        login_request(official(sign_in="nobody%40example.com", pwd="wrong")),
        tls10(),
    )
    assert wrong.status == unknown.status == 401
    assert wrong.without("Date") == unknown.without("Date")


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Basic YWxpY2U6cGFzcw==",
        "Passport1.4",
        "Passport1.4 OrgVerb=GET,pwd=s3cr%2Ct",  # no sign-in
        "Passport1.4 sign-in=alice%40example.com,lc=1033",  # no pwd
        "\x01\x02garbage,,,===,",
    ],
)
async def test_missing_or_garbage_authorization_is_401(
    passport_rig: PassportRig, header: str | None
) -> None:
    lines = "GET /login2.srf HTTP/1.1\r\nHost: x\r\n"
    if header is not None:
        lines += f"Authorization: {header}\r\n"
    response = await exchange(passport_rig.https_port, (lines + "\r\n").encode("latin-1"), tls10())
    assert response.status_line == "HTTP/1.1 401 Unauthorized"
    challenge = response.header("WWW-Authenticate")
    assert challenge is not None and "da-status=failed" in challenge


async def test_failed_login_keeps_connection_for_a_retry(passport_rig: PassportRig) -> None:
    conn = await Conn.open(passport_rig.https_port, tls10())
    try:
        await conn.send(login_request(official(pwd="wrong")))
        assert (await conn.response()).status == 401
        await conn.send(login_request(official()))
        assert (await conn.response()).status == 200
    finally:
        await conn.close()


# ---- tickets issued by login -----------------------------------------------------------


async def test_issued_ticket_is_single_use_and_bound(passport_rig: PassportRig) -> None:
    first = ticket_of(
        (await exchange(passport_rig.https_port, login_request(official()), tls10())).header(
            "Authentication-Info"
        )
    )
    second = ticket_of(
        (await exchange(passport_rig.https_port, login_request(official()), tls10())).header(
            "Authentication-Info"
        )
    )
    assert first != second
    assert not await passport_rig.tickets.redeem(first, "bob@example.com")
    assert not await passport_rig.tickets.redeem(first, ALICE)  # used up by the bad attempt
    assert await passport_rig.tickets.redeem(second, ALICE)
    assert not await passport_rig.tickets.redeem(second, ALICE)


async def test_issued_ticket_expires(passport_rig: PassportRig) -> None:
    response = await exchange(passport_rig.https_port, login_request(official()), tls10())
    from_pp = ticket_of(response.header("Authentication-Info"))
    passport_rig.clock.now += 301.0
    assert not await passport_rig.tickets.redeem(from_pp, ALICE)


# ---- the parser on its own -------------------------------------------------------------


def test_parse_keeps_every_item_and_repeats() -> None:
    credentials = parse_passport_authorization(
        "Passport1.4 OrgVerb=GET,sign-in=a%40b.c,pwd=x,ct=0,ct=5"
    )
    assert credentials is not None
    assert credentials.sign_in == "a@b.c"
    assert credentials.passwords == ("x",)
    assert credentials.fields["ct"] == ("0", "5")
    assert credentials.fields["orgverb"] == ("GET",)


def test_parse_password_candidates() -> None:
    decoded_then_raw = parse_passport_authorization("Passport1.4 sign-in=a,pwd=p%2Cq")
    assert decoded_then_raw is not None
    assert decoded_then_raw.passwords == ("p,q", "p%2Cq")
    latin = parse_passport_authorization("Passport1.4 sign-in=a,pwd=caf%E9")
    assert latin is not None
    assert latin.passwords[0] == "café"  # ANSI-encoded by a Windows client
    euro = parse_passport_authorization("Passport1.4 sign-in=a,pwd=%80uro")
    assert euro is not None
    assert euro.passwords[0] == "€uro"  # Windows-1252, not Latin-1
    utf8 = parse_passport_authorization("Passport1.4 sign-in=a,pwd=caf%C3%A9")
    assert utf8 is not None
    assert utf8.passwords[0] == "café"


def test_parse_strips_a_doubled_scheme_token() -> None:
    credentials = parse_passport_authorization(
        "Passport1.4 Passport1.4 OrgVerb=GET,sign-in=a%40b.c,pwd=x"
    )
    assert credentials is not None
    assert set(credentials.fields) == {"orgverb", "sign-in", "pwd"}

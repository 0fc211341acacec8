"""The service's own web pages over real HTTP to a real service: sign-up, password change,
account deletion, the pages clients link to, and /metrics."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from msnp.app import RunningService
from msnp.ns.misc import URL_SERVICES
from msnp.web.forms import SignupLimiter
from service_helpers import https_get, login_raw, make_config, passport_login, running
from wire_helpers import Wire

from .rawhttp import RawResponse, exchange

BOB = "bob@example.com"
BOB_PASSWORD = "bob-password"


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[RunningService]:
    async with running(make_config(tmp_path)) as svc:
        await svc.accounts.create(BOB, BOB_PASSWORD, "Bob")
        yield svc


async def get(service: RunningService, path: str) -> RawResponse:
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    return await exchange(service.ports["http"], request.encode())


async def post(service: RunningService, path: str, fields: dict[str, str]) -> RawResponse:
    body = urlencode(fields).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return await exchange(service.ports["http"], head.encode() + body)


def text(response: RawResponse) -> str:
    assert response.header("Content-Type") == "text/html; charset=utf-8"
    return response.body.decode("utf-8")


def error_of(response: RawResponse) -> str:
    match = re.search(r'<p class="error">(.*?)</p>', text(response))
    assert match is not None, text(response)
    return match.group(1)


async def passport_refuses(service: RunningService, email: str, password: str) -> bool:
    auth = (
        "Passport1.4 OrgVerb=GET,OrgURL=http%3A%2F%2Fmessenger%2Emsn%2Ecom,"
        f"sign-in={quote(email, safe='')},pwd={quote(password, safe='')},lc=1033,id=507"
    )
    status, _ = await https_get(service.ports["https"], "/login2.srf",
                                {"Authorization": auth, "Host": "127.0.0.1"}, service.cert_file)
    return status == "HTTP/1.1 401 Unauthorized"


def signup(email: str, password: str = "pw-1", name: str = "Carol", again: str | None = None
           ) -> dict[str, str]:
    return {"email": email, "display_name": name, "password": password,
            "password2": password if again is None else again}


# ---- sign-up -------------------------------------------------------------------------------


async def test_register_then_sign_in_with_messenger(service: RunningService) -> None:
    form = await get(service, "/register")
    assert form.status == 200
    assert 'action="/register"' in text(form)
    done = await post(service, "/register", signup("Carol@Example.com", "carol-pw", "Carol C"))
    assert done.status == 200, done.body
    assert "carol@example.com" in text(done).lower()
    account = await service.accounts.get("carol@example.com")
    assert account is not None and account.display_name == "Carol C"
    wire = await login_raw(service, "carol@example.com", "carol-pw")
    await wire.close()


async def test_register_errors_are_400_and_keep_the_values_escaped(
    service: RunningService,
) -> None:
    nasty = "<script>alert(1)</script>"
    cases: list[tuple[dict[str, str], str]] = [
        (signup(BOB), "already exists"),
        (signup("not-an-address", name=nasty), "invalid e-mail address"),
        (signup("dave@example.com", "secret-one", again="secret-two"), "passwords differ"),
        (signup("dave@example.com", ""), "password must not be empty"),
        (signup("dave@example.com", name="a\r\nb"), "display name"),
    ]
    for fields, expected in cases:
        response = await post(service, "/register", fields)
        assert response.status == 400, (fields, response.body)
        assert expected in error_of(response).lower()
        page = text(response)
        assert "<script>" not in page
        assert f'value="{fields["email"]}"' in page or "&" in fields["email"]
        if fields["password"]:
            assert fields["password"] not in page  # passwords are never echoed
            assert fields["password2"] not in page
    response = await post(service, "/register", signup("eve@example.com", name=nasty, again="x"))
    assert response.status == 400
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text(response)
    assert "<script>" not in text(response)
    assert await service.accounts.get("dave@example.com") is None


async def test_registration_can_be_turned_off(tmp_path: Path) -> None:
    config = make_config(tmp_path, web={"registration": False})
    async with running(config) as svc:
        assert (await get(svc, "/register")).status == 403
        refused = await post(svc, "/register", signup("carol@example.com"))
        assert refused.status == 403
        assert await svc.accounts.get("carol@example.com") is None
        assert 'href="/register"' not in text(await get(svc, "/")).split("<h1>")[1]


async def test_signups_are_rate_limited_per_address(tmp_path: Path) -> None:
    config = make_config(tmp_path, web={"registrations_per_hour": 2})
    async with running(config) as svc:
        # A refused form does not use up the allowance.
        assert (await post(svc, "/register", signup("bad"))).status == 400
        for n in range(2):
            assert (await post(svc, "/register", signup(f"u{n}@example.com"))).status == 200
        limited = await post(svc, "/register", signup("u9@example.com"))
        assert limited.status == 429
        assert int(limited.header("Retry-After") or "0") > 0
        assert 'value="u9@example.com"' in text(limited)
        assert await svc.accounts.get("u9@example.com") is None


def test_signup_limiter_window_and_release() -> None:
    now = [0.0]
    limiter = SignupLimiter(2, window=100.0, clock=lambda: now[0])
    assert limiter.acquire("a") and limiter.acquire("a")
    assert not limiter.acquire("a")
    assert limiter.acquire("b")
    assert limiter.retry_after("a") == 100
    limiter.release("b")
    now[0] = 100.0
    assert limiter.acquire("a")
    assert SignupLimiter(0).acquire("a")


# ---- password change -----------------------------------------------------------------------


async def test_password_change(service: RunningService) -> None:
    assert (await get(service, "/account/password")).status == 200
    changed = await post(service, "/account/password", {
        "email": "BOB@example.com", "password": BOB_PASSWORD,
        "new_password": "new-pw", "new_password2": "new-pw",
    })
    assert changed.status == 200, changed.body
    assert "has been changed" in text(changed)
    assert await passport_refuses(service, BOB, BOB_PASSWORD)
    await passport_login(service, BOB, "new-pw", "lc=1033,id=507")


async def test_password_change_signs_out_the_old_password(service: RunningService) -> None:
    """Whoever is signed in with the old password (maybe why it is changed) is signed out,
    as when the account signs in elsewhere, and the page says so; a refused change signs
    nobody out."""
    wire = await login_raw(service, BOB, BOB_PASSWORD, status="NLN")
    try:
        refused = await post(service, "/account/password", {
            "email": BOB, "password": "nope", "new_password": "n", "new_password2": "n"})
        assert refused.status == 401
        await wire.send("PNG")
        await wire.expect("QNG 60")  # still signed in
        changed = await post(service, "/account/password", {
            "email": BOB, "password": BOB_PASSWORD,
            "new_password": "new-pw", "new_password2": "new-pw",
        })
        assert changed.status == 200, changed.body
        assert "Messenger was signed out" in text(changed)
        await wire.expect("OUT OTH")
        await wire.expect_closed()
    finally:
        await wire.close()
    assert service.presence.get(BOB) is None
    again = await post(service, "/account/password", {
        "email": BOB, "password": "new-pw", "new_password": "pw3", "new_password2": "pw3"})
    assert again.status == 200 and "Messenger was signed out" not in text(again)


async def test_password_change_voids_a_ticket_got_with_the_old_password(
    service: RunningService,
) -> None:
    """Somebody who got as far as a login ticket with the old password cannot use it."""
    wire = await Wire.connect("127.0.0.1", service.ports["notification"])
    try:
        await wire.send("VER 1 MSNP9")
        await wire.expect("VER 1 MSNP9")
        await wire.send(f"USR 2 TWN I {BOB}")
        challenge = (await wire.expect("USR 2 TWN S {challenge}"))["challenge"]
        from_pp = await passport_login(service, BOB, BOB_PASSWORD, challenge)
        changed = await post(service, "/account/password", {
            "email": BOB, "password": BOB_PASSWORD,
            "new_password": "new-pw", "new_password2": "new-pw",
        })
        assert changed.status == 200, changed.body
        await wire.send(f"USR 3 TWN S {from_pp}")
        await wire.expect("911 3")
        await wire.expect_closed()
    finally:
        await wire.close()
    fresh = await login_raw(service, BOB, "new-pw")  # a ticket got afterwards works
    await fresh.close()


async def test_password_change_refusals(service: RunningService) -> None:
    def form(email: str, password: str, new: str = "n", again: str = "n") -> dict[str, str]:
        return {"email": email, "password": password, "new_password": new,
                "new_password2": again}

    differ = await post(service, "/account/password", form(BOB, BOB_PASSWORD, again="m"))
    assert differ.status == 400
    empty = await post(service, "/account/password", form(BOB, BOB_PASSWORD, "", ""))
    assert empty.status == 400
    wrong = await post(service, "/account/password", form(BOB, "nope"))
    unknown = await post(service, "/account/password", form("nobody@example.com", "nope"))
    assert wrong.status == unknown.status == 401
    assert error_of(wrong) == error_of(unknown)
    assert wrong.body.replace(BOB.encode(), b"X") == unknown.body.replace(
        b"nobody@example.com", b"X"
    )
    await passport_login(service, BOB, BOB_PASSWORD, "lc=1033,id=507")


# ---- deletion ------------------------------------------------------------------------------


async def test_delete_while_signed_in(service: RunningService) -> None:
    assert (await get(service, "/account/delete")).status == 200
    wire = await login_raw(service, BOB, BOB_PASSWORD, status="NLN")
    try:
        assert service.presence.get(BOB) is not None
        unconfirmed = await post(service, "/account/delete",
                                 {"email": BOB, "password": BOB_PASSWORD})
        assert unconfirmed.status == 400
        assert service.presence.get(BOB) is not None
        deleted = await post(service, "/account/delete",
                             {"email": BOB, "password": BOB_PASSWORD, "confirm": "yes"})
        assert deleted.status == 200, deleted.body
        await wire.expect("OUT OTH")
        await wire.expect_closed()
    finally:
        await wire.close()
    assert await service.accounts.get(BOB) is None
    assert service.presence.get(BOB) is None
    assert await passport_refuses(service, BOB, BOB_PASSWORD)


async def test_delete_refusals_look_alike(service: RunningService) -> None:
    wrong = await post(service, "/account/delete",
                       {"email": BOB, "password": "nope", "confirm": "yes"})
    unknown = await post(service, "/account/delete",
                         {"email": "nobody@example.com", "password": "nope", "confirm": "yes"})
    assert wrong.status == unknown.status == 401
    assert wrong.body.replace(BOB.encode(), b"X") == unknown.body.replace(
        b"nobody@example.com", b"X"
    )
    assert await service.accounts.get(BOB) is not None


# ---- the other pages -----------------------------------------------------------------------


async def test_every_linked_page_answers(service: RunningService) -> None:
    paths = {path for path, _ in URL_SERVICES.values()}
    paths |= {"/", "/register", "/account", "/privacy", "/help", "/mail", "/mail/inbox",
              "/profile"}
    for path in sorted(paths):
        response = await get(service, path)
        assert response.status == 200, path
        assert "<h1>" in text(response), path


async def test_home_names_the_servers(service: RunningService) -> None:
    page = text(await get(service, "/"))
    assert f"127.0.0.1:{service.ports['dispatch']}" in page
    assert f"127.0.0.1:{service.ports['notification']}" in page
    assert service.config.dalogin in page
    for link in ("/register", "/account/password", "/account/delete"):
        assert f'href="{link}"' in page


@pytest.mark.parametrize(
    ("target", "location"),
    [
        ("/login?lc=1033&rru=%2Fmail%2Finbox", "/mail/inbox"),
        ("/login?rru=%2F%2Fevil.example%2F", "/"),
        ("/login?rru=http%3A%2F%2Fevil.example%2F", "/"),
        ("/login", "/"),
    ],
)
async def test_url_login_goes_to_the_page(
    service: RunningService, target: str, location: str
) -> None:
    response = await get(service, target)
    assert response.status == 303
    assert response.header("Location") == location


async def test_bad_forms(service: RunningService) -> None:
    body = b"email=%FF"
    head = (
        "POST /register HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    assert (await exchange(service.ports["http"], head.encode() + body)).status == 400
    json_head = head.replace("application/x-www-form-urlencoded", "application/json")
    assert (await exchange(service.ports["http"], json_head.encode() + body)).status == 415


async def test_metrics(service: RunningService) -> None:
    def value(response: RawResponse, name: str) -> int:
        found: dict[str, Any] = dict(
            line.split(" ") for line in response.body.decode().splitlines()
            if line and not line.startswith("#")
        )
        return int(found[name])

    before = await get(service, "/metrics")
    assert before.status == 200
    assert (before.header("Content-Type") or "").startswith("text/plain; version=0.0.4")
    assert value(before, "msnp_users_online") == 0
    assert value(before, "msnp_accounts") == 1
    assert value(before, "msnp_switchboard_sessions") == 0
    assert value(before, "msnp_gateway_sessions") == 0
    wire = await login_raw(service, BOB, BOB_PASSWORD, status="NLN")
    tunnel = await exchange(service.ports["http"], (
        b"POST /gateway/gateway.dll?Action=open&Server=NS&IP=127.0.0.1 HTTP/1.1\r\n"
        b"Host: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"))
    assert tunnel.status == 200
    try:
        after = await get(service, "/metrics")
        assert value(after, "msnp_users_online") == 1
        assert value(after, "msnp_switchboard_connections") == 0
        assert value(after, "msnp_gateway_sessions") == 1
    finally:
        await wire.close()

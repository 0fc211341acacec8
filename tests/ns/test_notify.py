"""`msnp notify` end to end: the CLI's main() against a running service's admin endpoint,
and the NOT lines (reference §4.25) that reach signed-in clients of each dialect."""

from __future__ import annotations

import asyncio
import json
import os
import re
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from msnp import cli
from msnp.web.admin import (
    MAX_BODY_BYTES,
    NOTIFY_PATH,
    SIGN_OUT_PATH,
    install_admin,
    read_admin_token,
    token_path,
)
from msnp.web.messages import Headers, Request
from msnp.web.router import Router
from msnp.web.server import HttpServer

from .harness import Client, NSHarness

pytestmark = pytest.mark.asyncio(loop_scope="module")

URL = "http://alerts.example.com/news/today.htm?id=7"
DOCUMENT = re.compile(
    r'<NOTIFICATION ver="1" id="1" siteid="0" siteurl="(?P<site>[^"]*)">'
    r'<TO pid="0x(?P<high>[0-9A-F]{8}):0x(?P<low>[0-9A-F]{8})" name="(?P<email>[^"]*)"/>'
    r'<MSG id="(?P<msg_id>[0-9]+)"><ACTION url="(?P<action>[^"]*)"/>'
    r'<SUBSCR url="(?P<subscr>[^"]*)"/>'
    r'<BODY lang="1033"><TEXT>(?P<text>[^<]*)</TEXT>(?P<textx>(?:<TEXTX>[^<]*</TEXTX>)?)'
    r"</BODY></MSG></NOTIFICATION>\Z"
)


async def read_alert(client: Client) -> dict[str, str]:
    """The next line must be `NOT length` + a NOTIFICATION document: its fields."""
    got = await client.expect("NOT {length}")
    assert int(got["length"]) == len(client.last_payload)
    match = DOCUMENT.match(client.last_payload.decode("utf-8"))
    assert match is not None, client.last_payload
    return match.groupdict()


class Admin:
    """The admin routes on their own HTTP listener (the service wiring mounts the same
    `install_admin` on its HTTP app), and a config file naming it for the CLI."""

    def __init__(self, ns: NSHarness, config_file: Path, server: HttpServer,
                 router: Router) -> None:
        self.ns = ns
        self.config_file = config_file
        self.server = server
        self.router = router

    async def run(self, *args: str) -> int:
        # The CLI is synchronous (it blocks on HTTP): run it beside the service's loop.
        return await asyncio.to_thread(
            cli.main, ["notify", "--config", str(self.config_file), *args]
        )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def admin(ns: NSHarness, ns_dir: Path) -> AsyncIterator[Admin]:
    service = ns.service
    router = Router()
    install_admin(router, service.config, service.presence)
    server = HttpServer(router)
    port = await server.start("127.0.0.1", 0)
    config_file = ns_dir / "notify.toml"
    config_file.write_text(
        f'[server]\ndata_dir = "{service.config.server.data_dir}"\n'
        f'[http]\nlisten = "127.0.0.1:{port}"\n'
    )
    try:
        yield Admin(ns, config_file, server, router)
    finally:
        await server.close()


async def pid_of(ns: NSHarness, email: str) -> dict[str, str]:
    account = await ns.service.accounts.get(email)
    assert account is not None
    return {"high": f"{account.member_id_high:08X}", "low": f"{account.member_id_low:08X}"}


async def test_notify_one_user_with_url_and_rich_text(
    admin: Admin, capsys: pytest.CaptureFixture[str]
) -> None:
    ns = admin.ns
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice)
    b = await ns.login(bob)
    status = await admin.run("--to", alice.upper(), "--url", URL,
                             "--rich", "<B>Server</B> maintenance & more",
                             "Server maintenance <tonight>")
    assert status == 0
    assert capsys.readouterr().out == "alert sent to 1 user\n"
    got = await read_alert(a)
    assert got == {
        "site": "http://alerts.example.com/",
        **(await pid_of(ns, alice)),
        "email": alice,
        "msg_id": got["msg_id"],
        "action": "news/today.htm?id=7",
        "subscr": "news/today.htm?id=7",
        "text": "Server maintenance &lt;tonight&gt;",
        "textx": "<TEXTX>&lt;B&gt;Server&lt;/B&gt; maintenance &amp; more</TEXTX>",
    }
    await a.expect_nothing()
    await b.expect_nothing()


async def test_notify_all_textx_only_to_msnp9(
    admin: Admin, capsys: pytest.CaptureFixture[str]
) -> None:
    ns = admin.ns
    # Everyone signed in on the module's service gets it: count from the presence table.
    carol9, dave8, erin = await ns.accounts("carol", "dave", "erin")
    c = await ns.login(carol9)
    d = await ns.login(dave8, dialect="MSNP8")
    e = await ns.login(erin, status="HDN")  # alerts are not presence: hidden users get them
    online = len(ns.service.presence)
    assert await admin.run("--all", "Hello everyone") == 0
    assert capsys.readouterr().out == f"alert sent to {online} users\n"
    site = f"http://127.0.0.1:{ns.service.ports['http']}/"
    base = {"site": site, "action": "", "subscr": "", "text": "Hello everyone"}
    got = await read_alert(c)
    assert got | base == got and got["textx"] == "<TEXTX>Hello everyone</TEXTX>"
    assert {k: got[k] for k in ("high", "low")} == await pid_of(ns, carol9)
    got = await read_alert(d)
    assert got | base == got and got["textx"] == ""  # MSNP8: TEXT only
    assert got["email"] == dave8
    got = await read_alert(e)
    assert got["email"] == erin


async def test_notify_offline_user_fails(admin: Admin, capsys: pytest.CaptureFixture[str]) -> None:
    ghost = await admin.ns.account("ghost")
    assert await admin.run("--to", ghost, "anyone there?") == 1
    assert capsys.readouterr().err == f"msnp: {ghost} is not signed in\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "x@example.com", "   "], "the text must not be empty"),
        (["--to", "x@example.com", "y" * (MAX_BODY_BYTES + 1)], "at most 1024"),
        (["--all", "--url", "javascript:alert(1)", "hi"], "absolute http(s) URL"),
    ],
)
async def test_notify_refuses_bad_alerts_before_sending(
    admin: Admin, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert await admin.run(*args) == 2
    assert message in capsys.readouterr().err


async def test_notify_needs_to_or_all(admin: Admin) -> None:
    with pytest.raises(SystemExit) as exc:
        await admin.run("hello")
    assert exc.value.code == 2


async def test_token_file_is_private_and_renewed(admin: Admin) -> None:
    config = admin.ns.service.config
    path = token_path(config)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    before = read_admin_token(config)
    assert len(before) >= 40
    old_umask = os.umask(0)  # even a permissive umask does not widen it
    try:
        install_admin(Router(), config, admin.ns.service.presence)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    after = read_admin_token(config)
    assert after != before
    # Put the endpoint's own token back in the file for the other tests.
    path.write_text(before + "\n")


def _request(client: str, token: str | None, body: bytes = b'{"all": true, "text": "x"}'
             ) -> Request:
    headers = Headers([("Authorization", f"Bearer {token}")] if token is not None else [])
    return Request("POST", NOTIFY_PATH, NOTIFY_PATH, {}, "", "HTTP/1.1", headers, body,
                   client=(client, 40000))


async def test_endpoint_refusals(admin: Admin) -> None:
    token = read_admin_token(admin.ns.service.config)
    router = admin.router
    assert (await router(_request("192.0.2.7", token))).status == 403
    assert (await router(_request("::ffff:192.0.2.7", token))).status == 403
    assert (await router(_request("127.0.0.1", None))).status == 401
    assert (await router(_request("127.0.0.1", token + "x"))).status == 401
    assert (await router(_request("::1", "not-it"))).status == 401
    for body in (b"not json", b"[]", b'{"text": "x"}', b'{"to": "a@example.com", "all": true,'
                 b' "text": "x"}', b'{"all": true, "text": 5}', b'{"to": "bad", "text": "x"}'):
        response = await router(_request("127.0.0.1", token, body))
        assert response.status == 400, body
    ok = await router(_request("::ffff:127.0.0.1", token))
    assert ok.status == 200
    get = Request("GET", NOTIFY_PATH, NOTIFY_PATH, {}, "", "HTTP/1.1", Headers(),
                  client=("127.0.0.1", 40000))
    assert (await router(get)).status == 405


async def test_sign_out_endpoint(admin: Admin) -> None:
    """`msnp user passwd` asks the running service to sign the user out; anything but one
    e-mail address from this machine with the token is refused."""
    token = read_admin_token(admin.ns.service.config)

    def sign_out(body: bytes, who: str = "127.0.0.1", bearer: str | None = token) -> Request:
        headers = Headers([("Authorization", f"Bearer {bearer}")] if bearer else [])
        return Request("POST", SIGN_OUT_PATH, SIGN_OUT_PATH, {}, "", "HTTP/1.1", headers, body,
                       client=(who, 40000))

    router = admin.router
    body = b'{"email": "nobody@example.com"}'
    assert (await router(sign_out(body, who="192.0.2.7"))).status == 403
    assert (await router(sign_out(body, bearer=None))).status == 401
    for bad in (b"not json", b"[]", b"{}", b'{"email": 5}', b'{"email": "not an address"}'):
        assert (await router(sign_out(bad))).status == 400, bad
    offline = await router(sign_out(body))
    assert offline.status == 200 and json.loads(offline.body) == {"signed_out": False}

"""`msnp user del` while the service runs: the user is signed out (OUT OTH) and the contacts
signed in now get a fresh list at their next SYN, not a stale "up to date". `msnp user passwd`
signs out whoever is signed in with the old password."""

from __future__ import annotations

import asyncio
import io
import socket
import sys
from pathlib import Path

import pytest

from msnp.cli import main
from msnp.config import load_config
from msnp.services.models import ListBits
from service_helpers import login_raw, running

CONFIG = """
[server]
data_dir = "{data}"
[dispatch]
listen = "127.0.0.1:0"
[notification]
listen = "127.0.0.1:0"
challenge_delay = 3600
[switchboard]
listen = "127.0.0.1:0"
[http]
listen = "127.0.0.1:{http}"
[https]
listen = "127.0.0.1:0"
[passwords]
time_cost = 1
memory_cost = 1024
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _config_file(tmp_path: Path) -> Path:
    path = tmp_path / "msnp.toml"
    path.write_text(CONFIG.format(data=tmp_path / "data", http=_free_port()))
    return path


async def _cli(*args: str) -> int:
    """`msnp ARGS` in a thread, as another process would run it beside the service."""
    return await asyncio.to_thread(main, list(args))


async def test_user_del_signs_out_and_refreshes_contacts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _config_file(tmp_path)
    async with running(load_config(path)) as service:
        await service.accounts.create("alice@example.com", "alice-pw", "Alice")
        await service.accounts.create("bob@example.com", "bob-pw", "Bob")
        await service.lists.add_contact("bob@example.com", ListBits.FL, "alice@example.com",
                                        "Alice", None)
        bob = await login_raw(service, "bob@example.com", "bob-pw", status="NLN")
        alice = await login_raw(service, "alice@example.com", "alice-pw", status="NLN")
        await bob.expect("NLN NLN alice@example.com Alice 0")
        cached = (await service.lists.snapshot("bob@example.com")).account.list_version

        code = await _cli("user", "del", "alice@example.com", "--config", str(path))
        assert code == 0
        out = capsys.readouterr().out
        assert "deleted alice@example.com" in out
        assert "signed alice@example.com out of the running service" in out

        await alice.expect("OUT OTH")
        await alice.expect_closed()
        await bob.expect("FLN alice@example.com")
        # Bob's client still has `cached`: the server must not call that up to date.
        await bob.send(f"SYN 9 {cached}")
        await bob.expect(f"SYN 9 {cached + 1} 0 1")
        await bob.expect("GTC A")
        await bob.expect("BLP AL")
        await bob.expect("LSG 0 Other%20Contacts 0")
        await bob.send("PNG")
        await bob.expect("QNG 60")  # no LST line for the deleted contact




async def test_user_passwd_signs_out_the_old_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _config_file(tmp_path)
    async with running(load_config(path)) as service:
        await service.accounts.create("alice@example.com", "alice-pw", "Alice")
        alice = await login_raw(service, "alice@example.com", "alice-pw", status="NLN")
        # A ticket somebody got with the old password and has not used yet.
        pending = await service.context.passport.issue("alice@example.com")
        monkeypatch.setattr(sys, "stdin", io.StringIO("new-pw\n"))
        code = await _cli("user", "passwd", "Alice@example.com", "--config", str(path))
        assert code == 0
        out = capsys.readouterr().out
        assert "changed the password of alice@example.com" in out
        assert "signed alice@example.com out of the running service" in out
        await alice.expect("OUT OTH")
        await alice.expect_closed()
        assert await service.accounts.authenticate("alice@example.com", "new-pw") is not None
        assert not await service.context.passport.redeem(pending, "alice@example.com")

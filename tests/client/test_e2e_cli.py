"""`msnp chat` in pseudo-terminals and `msnp send` as a subprocess, against the real service."""

from __future__ import annotations

import asyncio
import os
import sys

import pexpect

from client.live import ACCOUNTS, Live
from msnp.client import Invitation, TextReceived

ALICE, BOB, CAROL = "alice@example.com", "bob@example.com", "carol@example.com"
TIMEOUT = 15


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MSNP_")}
    env.update(extra)
    return env


def _spawn_chat(live: Live, email: str) -> pexpect.spawn:
    child = pexpect.spawn(
        sys.executable,
        ["-m", "msnp.cli", "chat", email, *live.cli_options()],
        encoding="utf-8",
        timeout=TIMEOUT,
        env=_env(),
        dimensions=(40, 200),
    )
    child.expect("Password: ")
    child.sendline(ACCOUNTS[email][0])
    child.expect(rf"\* signed in as {email} \(\w+\) with MSNP9")
    return child


def _expect_all(child: pexpect.spawn, *patterns: str) -> None:
    """Every pattern, in whatever order the lines come."""
    waiting = list(patterns)
    while waiting:
        waiting.pop(child.expect(waiting))


def _conversation(live: Live) -> tuple[int, int]:
    """Two people at two terminals (blocking: runs in a thread while the service serves)."""
    bob = _spawn_chat(live, BOB)
    alice = _spawn_chat(live, ALICE)
    try:
        alice.sendline("/add bob@example.com Bob")
        _expect_all(alice, r"\* added bob@example\.com", r"\* Bob \(bob@example\.com\) is online")
        bob.expect(r"\* Alice \(alice@example\.com\) added you to their contacts")

        alice.sendline("/msg bob@example.com hello from alice")
        _expect_all(
            bob,
            r"\* Alice \(alice@example\.com\) opened a conversation",
            r"alice@example\.com: hello from alice",
        )

        bob.sendline("hi alice, nice to see you")  # goes to the conversation just opened
        alice.expect(r"bob@example\.com: hi alice, nice to see you")

        alice.sendline("/list")
        alice.expect(r"bob@example\.com \(Bob\) - online")
        bob.sendline("/status away")
        bob.expect(r"\* you are away")
        alice.expect(r"\* Bob \(bob@example\.com\) is away")

        alice.sendline("/block bob@example.com")
        alice.expect(r"\* blocked bob@example\.com")
        alice.sendline("/quit")
        alice.expect(r"\* signed out")
        alice.expect(pexpect.EOF)
        bob.expect(r"\* alice@example\.com left the conversation")
        bob.sendline("/quit")
        bob.expect(pexpect.EOF)
    finally:
        for child in (alice, bob):
            child.close(force=True)
    return alice.exitstatus, bob.exitstatus


async def test_two_terminals_talk(live: Live) -> None:
    assert await asyncio.to_thread(_conversation, live) == (0, 0)


def _chat_errors(live: Live) -> None:
    alice = _spawn_chat(live, ALICE)
    try:
        alice.sendline("hello?")
        alice.expect(r"! no conversation open: /chat EMAIL first")
        alice.sendline("/chat carol@example.com")
        alice.expect(r"! user is offline or not accepting messages \(error 217\)")
        alice.sendline("/status sleepy")
        alice.expect(r"! unknown status 'sleepy'")
        alice.sendline("/frobnicate")
        alice.expect(r"! unknown command /frobnicate")
        alice.sendline("/add nobody@example.com")
        alice.expect(r"! no such account \(error 205\)")
        alice.sendcontrol("d")  # end of input signs out too
        alice.expect(r"\* signed out")
        alice.expect(pexpect.EOF)
    finally:
        alice.close(force=True)
    assert alice.exitstatus == 0


async def test_chat_reports_errors_in_one_line(live: Live) -> None:
    await asyncio.to_thread(_chat_errors, live)


def _wrong_password(live: Live) -> tuple[str, int]:
    child = pexpect.spawn(
        sys.executable,
        ["-m", "msnp.cli", "chat", ALICE, *live.cli_options()],
        encoding="utf-8",
        timeout=TIMEOUT,
        env=_env(),
    )
    child.expect("Password: ")
    child.sendline("wrong")
    child.expect(pexpect.EOF)
    child.close()
    return child.before, child.exitstatus


async def test_chat_wrong_password(live: Live) -> None:
    output, status = await asyncio.to_thread(_wrong_password, live)
    assert "msnp: sign-in failed: wrong e-mail address or password" in output
    assert status == 1


async def _msnp_send(live: Live, *args: str, stdin: bytes = b"", **env: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "msnp.cli",
        "send",
        *args,
        *live.cli_options(),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=_env(**env),
    )
    _, err = await asyncio.wait_for(process.communicate(stdin), TIMEOUT)
    assert process.returncode is not None
    return process.returncode, err.decode()


async def test_send_delivers_and_exits_zero(live: Live) -> None:
    async with live.client(BOB) as bob:
        bob.events.subscribe(bob.accept, Invitation)
        texts = bob.events.stream(TextReceived)
        status, err = await _msnp_send(
            live, BOB, "ping from a script", "--account", ALICE, MSNP_PASSWORD="alice-pw"
        )
        assert (status, err) == (0, "")
        got = await texts.get(timeout=5)
        assert (got.sender, got.text) == (ALICE, "ping from a script")
        # Password and text both from stdin; account from the environment.
        status, err = await _msnp_send(
            live,
            BOB,
            "-",
            "--password-stdin",
            stdin=b"alice-pw\nline one\nline two\n",
            MSNP_ACCOUNT=ALICE,
        )
        assert (status, err) == (0, "")
        got = await texts.get(timeout=5)
        assert got.text == "line one\nline two"


async def test_send_to_offline_contact_fails_clearly(live: Live) -> None:
    status, err = await _msnp_send(live, CAROL, "anyone?", "-a", ALICE, MSNP_PASSWORD="alice-pw")
    assert status == 1
    assert err == (
        "msnp: cannot send to carol@example.com: it is offline or not accepting messages\n"
    )


async def test_send_with_wrong_password_or_no_account(live: Live) -> None:
    status, err = await _msnp_send(live, BOB, "hi", "-a", ALICE, MSNP_PASSWORD="nope")
    assert (status, err) == (1, "msnp: sign-in failed: wrong e-mail address or password\n")
    status, err = await _msnp_send(live, BOB, "hi", MSNP_PASSWORD="alice-pw")
    assert status == 2 and err == "msnp: no account: give --account or set $MSNP_ACCOUNT\n"

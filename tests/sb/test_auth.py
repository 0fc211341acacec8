"""Getting into a session: USR (creator) and ANS (invitee), and what happens before."""

from __future__ import annotations

import asyncio

import pytest

from .conftest import RigFactory
from .harness import Rig


async def test_usr_compares_email_case_insensitively(rig: Rig) -> None:
    cookie = await rig.server.issue_creator("alice@example.com", "Alice", "MSNP9")
    client = await rig.connect()
    client.line(f"USR 7 ALICE@Example.COM {cookie}")
    await client.expect(b"USR 7 OK alice@example.com Alice\r\n")


@pytest.mark.parametrize("cookie", ["nonexistent-cookie", "x" * 200, "bad%20cookie"])
async def test_usr_bad_cookie_is_911_and_close(rig: Rig, cookie: str) -> None:
    client = await rig.connect()
    client.line(f"USR 1 alice@example.com {cookie}")
    assert [line.raw for line in await client.expect_closed()] == [b"911 1\r\n"]


async def test_usr_cookie_of_someone_else_is_911(rig: Rig) -> None:
    cookie = await rig.server.issue_creator("bob@example.com", "Bob", "MSNP9")
    client = await rig.connect()
    client.line(f"USR 3 alice@example.com {cookie}")
    assert [line.raw for line in await client.expect_closed()] == [b"911 3\r\n"]


async def test_usr_cookie_is_single_use(rig: Rig) -> None:
    cookie = await rig.server.issue_creator("alice@example.com", "Alice", "MSNP9")
    first = await rig.connect()
    first.line(f"USR 1 alice@example.com {cookie}")
    await first.expect(b"USR 1 OK alice@example.com Alice\r\n")
    second = await rig.connect()
    second.line(f"USR 1 alice@example.com {cookie}")
    assert [line.raw for line in await second.expect_closed()] == [b"911 1\r\n"]


async def test_usr_cookie_expires(make_rig: RigFactory) -> None:
    rig: Rig = await make_rig(ticket_lifetime=0.05)
    cookie = await rig.server.issue_creator("alice@example.com", "Alice", "MSNP9")
    await asyncio.sleep(0.1)
    client = await rig.connect()
    client.line(f"USR 1 alice@example.com {cookie}")
    assert [line.raw for line in await client.expect_closed()] == [b"911 1\r\n"]


async def test_invite_cookie_does_not_work_for_usr(rig: Rig) -> None:
    alice = await rig.create("alice@example.com")
    await rig.call(alice, "bob@example.com", 2)
    ring = rig.ringer.last("bob@example.com")
    client = await rig.connect()
    client.line(f"USR 1 bob@example.com {ring.cookie}")
    assert [line.raw for line in await client.expect_closed()] == [b"911 1\r\n"]


async def test_unknown_dialect_cannot_be_issued(rig: Rig) -> None:
    with pytest.raises(ValueError):
        await rig.server.issue_creator("alice@example.com", "Alice", "MSNP12")


@pytest.mark.parametrize(
    "line",
    [
        "CAL 1 bob@example.com",
        "MSG 1 U 0",
        "OUT",
        "VER 1 MSNP9 CVR0",
        "ACK 1",
        "USR 1 alice@example.com",  # malformed: no cookie
        "USR 1 alice@example.com cookie extra",
        "USR alice@example.com cookie",  # no trid
        "ANS 1 bob@example.com cookie",  # malformed: no session id
    ],
)
async def test_anything_but_usr_or_ans_before_auth_closes(rig: Rig, line: str) -> None:
    client = await rig.connect()
    client.line(line)
    assert await client.expect_closed() == []


async def test_auth_timeout(make_rig: RigFactory) -> None:
    rig: Rig = await make_rig(auth_timeout=0.2)
    client = await rig.connect()
    started = asyncio.get_running_loop().time()
    assert await client.expect_closed() == []
    assert asyncio.get_running_loop().time() - started >= 0.15


async def test_authenticated_connection_outlives_auth_timeout(make_rig: RigFactory) -> None:
    rig: Rig = await make_rig(auth_timeout=0.2)
    alice = await rig.create("alice@example.com")
    await alice.expect_silence(0.5)


async def test_ans_bad_cookie_is_911_and_close(rig: Rig) -> None:
    alice = await rig.create("alice@example.com")
    session_id = await rig.call(alice, "bob@example.com", 2)
    bob = await rig.connect()
    bob.line(f"ANS 1 bob@example.com nonsense {session_id}")
    assert [line.raw for line in await bob.expect_closed()] == [b"911 1\r\n"]
    await alice.expect_silence()


async def test_ans_cookie_for_another_account_is_911(rig: Rig) -> None:
    alice = await rig.create("alice@example.com")
    session_id = await rig.call(alice, "bob@example.com", 2)
    ring = rig.ringer.last("bob@example.com")
    carol = await rig.connect()
    carol.line(f"ANS 1 carol@example.com {ring.cookie} {session_id}")
    assert [line.raw for line in await carol.expect_closed()] == [b"911 1\r\n"]


async def test_ans_wrong_session_id_closes_silently(rig: Rig) -> None:
    alice = await rig.create("alice@example.com")
    session_id = await rig.call(alice, "bob@example.com", 2)
    ring = rig.ringer.last("bob@example.com")
    bob = await rig.connect()
    bob.line(f"ANS 1 bob@example.com {ring.cookie} {int(session_id) + 1}")
    assert await bob.expect_closed() == []
    await alice.expect_silence()


async def test_ans_cookie_is_single_use(rig: Rig) -> None:
    alice = await rig.create("alice@example.com")
    await rig.call(alice, "bob@example.com", 2)
    await rig.answer("bob@example.com")
    await alice.expect(b"JOI bob@example.com Bob\r\n")
    ring = rig.ringer.last("bob@example.com")
    again = await rig.connect()
    again.line(f"ANS 1 bob@example.com {ring.cookie} {ring.session_id}")
    assert [line.raw for line in await again.expect_closed()] == [b"911 1\r\n"]


async def test_ans_from_a_user_who_signed_out_is_911(rig: Rig) -> None:
    alice = await rig.create("alice@example.com")
    await rig.call(alice, "bob@example.com", 2)
    del rig.directory.users["bob@example.com"]
    bob = await rig.connect()
    ring = rig.ringer.last("bob@example.com")
    bob.line(f"ANS 4 bob@example.com {ring.cookie} {ring.session_id}")
    assert [line.raw for line in await bob.expect_closed()] == [b"911 4\r\n"]
    await alice.expect_silence()


async def test_ans_takes_current_name_and_dialect_from_directory(rig: Rig) -> None:
    alice = await rig.create("alice@example.com")
    await rig.call(alice, "bob@example.com", 2)
    rig.user("bob@example.com", "Bobby 100%", "MSNP8")
    bob, iros = await rig.answer("bob@example.com")
    assert [line.raw for line in iros] == [b"IRO 1 1 1 alice@example.com Alice%20Liddell\r\n"]
    await alice.expect(b"JOI bob@example.com Bobby%20100%25\r\n")
    # MSNP8: D does not exist, so it is a protocol violation.
    bob.msg(2, "D", b"x")
    assert await bob.expect_closed() == []
    await alice.expect(b"BYE bob@example.com\r\n")


async def test_ans_after_usr_closes(rig: Rig) -> None:
    alice = await rig.create("alice@example.com")
    session_id = await rig.call(alice, "bob@example.com", 2)
    ring = rig.ringer.last("bob@example.com")
    alice.line(f"ANS 3 alice@example.com {ring.cookie} {session_id}")
    assert await alice.expect_closed() == []

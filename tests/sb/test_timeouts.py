"""Sessions the server ends: idle sessions, one-person and never-joined sessions."""

from __future__ import annotations

import asyncio

from .conftest import RigFactory
from .harness import Rig, eventually

IDLE = 0.3
TEXT = b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nping"


async def test_idle_session_removes_everyone_with_bye_1(make_rig: RigFactory) -> None:
    rig: Rig = await make_rig(idle_timeout=IDLE)
    alice = await rig.create("alice@example.com")
    bob = await rig.invite(alice, "bob@example.com", 2)
    carol = await rig.invite(alice, "carol@example.com", 3, others=(bob,))
    session_id = rig.ringer.rings[0][1].session_id
    started = asyncio.get_running_loop().time()
    lines = {name: [line.raw for line in await client.expect_closed()]
             for name, client in (("alice", alice), ("bob", bob), ("carol", carol))}
    assert asyncio.get_running_loop().time() - started >= IDLE * 0.8
    assert lines == {
        "alice": [b"BYE bob@example.com 1\r\n", b"BYE carol@example.com 1\r\n"],
        "bob": [b"BYE alice@example.com 1\r\n", b"BYE carol@example.com 1\r\n"],
        "carol": [b"BYE alice@example.com 1\r\n", b"BYE bob@example.com 1\r\n"],
    }
    assert rig.server.rooms.get(session_id) is None


async def test_traffic_keeps_a_session_alive(make_rig: RigFactory) -> None:
    rig: Rig = await make_rig(idle_timeout=IDLE)
    alice = await rig.create("alice@example.com")
    bob = await rig.invite(alice, "bob@example.com", 2)
    # Only Alice talks; the session's traffic keeps silent Bob in it too.
    for trid in range(10, 18):
        await asyncio.sleep(IDLE / 3)
        alice.msg(trid, "U", TEXT)
        await bob.read()
    started = asyncio.get_running_loop().time()
    assert [line.raw for line in await bob.expect_closed()] == [b"BYE alice@example.com 1\r\n"]
    assert asyncio.get_running_loop().time() - started >= IDLE * 0.8
    assert [line.raw for line in await alice.expect_closed()] == [b"BYE bob@example.com 1\r\n"]


async def test_one_person_session_times_out_silently(make_rig: RigFactory) -> None:
    rig: Rig = await make_rig(idle_timeout=IDLE)
    alice = await rig.create("alice@example.com")
    bob = await rig.invite(alice, "bob@example.com", 2)
    bob.line("OUT")
    await alice.expect(b"BYE bob@example.com\r\n")
    assert await alice.expect_closed() == []
    assert len(rig.server.rooms) == 0


async def test_never_joined_session_times_out(make_rig: RigFactory) -> None:
    rig: Rig = await make_rig(idle_timeout=IDLE)
    alice = await rig.create("alice@example.com")
    session_id = await rig.call(alice, "bob@example.com", 2)  # Bob never answers
    assert await alice.expect_closed() == []
    assert rig.server.rooms.get(session_id) is None
    await eventually(lambda: len(rig.store) == 0)  # revoked right after, in the background
    bob = await rig.connect()
    ring = rig.ringer.last("bob@example.com")
    bob.line(f"ANS 1 bob@example.com {ring.cookie} {session_id}")
    assert [line.raw for line in await bob.expect_closed()] == [b"911 1\r\n"]


async def test_a_created_session_lives_until_idle(make_rig: RigFactory) -> None:
    rig: Rig = await make_rig(idle_timeout=1.0)
    alice = await rig.create("alice@example.com")
    await alice.expect_silence(0.5)
    await rig.invite(alice, "bob@example.com", 2)

"""CAL and every refusal in reference §1.6."""

from __future__ import annotations

import asyncio

import pytest

from .conftest import RigFactory
from .harness import Rig


@pytest.mark.parametrize("line", ["CAL 2", "CAL 2 bob@example.com extra", "CAL bob@example.com"])
async def test_malformed_cal_closes(rig: Rig, line: str) -> None:
    alice = await rig.create("alice@example.com")
    alice.line(line)
    assert await alice.expect_closed() == []
    assert rig.ringer.rings == []


@pytest.mark.parametrize("handle", ["@@a", "bob", "bob@", "bob@example", "bob@@example.com"])
async def test_invalid_handle_is_208(rig: Rig, handle: str) -> None:
    alice = await rig.create("alice@example.com")
    alice.line(f"CAL 2 {handle}")
    await alice.expect(b"208 2\r\n")
    assert rig.ringer.rings == []
    await rig.call(alice, "bob@example.com", 3)  # still open and usable


@pytest.mark.parametrize("handle", ["alice@example.com", "Alice@EXAMPLE.com"])
async def test_calling_yourself_is_215(rig: Rig, handle: str) -> None:
    alice = await rig.create("alice@example.com")
    alice.line(f"CAL 2 {handle}")
    await alice.expect(b"215 2\r\n")
    assert rig.ringer.rings == []


async def test_calling_someone_present_is_215(rig: Rig) -> None:
    alice = await rig.create("alice@example.com")
    bob = await rig.invite(alice, "bob@example.com", 2)
    alice.line("CAL 3 BOB@example.com")
    await alice.expect(b"215 3\r\n")
    bob.line("CAL 2 alice@example.com")
    await bob.expect(b"215 2\r\n")
    assert len(rig.ringer.rings) == 1


async def test_calling_someone_still_ringing_is_215(rig: Rig) -> None:
    alice = await rig.create("alice@example.com")
    bob = await rig.invite(alice, "bob@example.com", 2)
    await rig.call(alice, "carol@example.com", 3)
    bob.line("CAL 2 carol@example.com")  # invited by someone else, not yet joined
    await bob.expect(b"215 2\r\n")
    alice.line("CAL 4 carol@example.com")
    await alice.expect(b"215 4\r\n")
    assert len(rig.ringer.rings) == 2


async def test_ringing_expires_with_the_cookie(make_rig: RigFactory) -> None:
    rig: Rig = await make_rig(ticket_lifetime=0.1)
    alice = await rig.create("alice@example.com", 1)
    first = await rig.call(alice, "bob@example.com", 2)
    stale = rig.ringer.last("bob@example.com")
    await asyncio.sleep(0.15)
    assert await rig.call(alice, "bob@example.com", 3) == first
    fresh = rig.ringer.last("bob@example.com")
    assert fresh.cookie != stale.cookie
    late = await rig.connect()
    late.line(f"ANS 1 bob@example.com {stale.cookie} {first}")
    assert [line.raw for line in await late.expect_closed()] == [b"911 1\r\n"]


@pytest.mark.parametrize("reason", ["offline", "invisible", "nonexistent", "blocks the caller"])
async def test_unreachable_is_217(rig: Rig, reason: str) -> None:
    # The NS side's ringer answers False for all of these; a block looks exactly like offline.
    rig.ringer.refuse.add("dave@example.com")
    alice = await rig.create("alice@example.com")
    alice.line("CAL 2 dave@example.com")
    await alice.expect(b"217 2\r\n")
    assert rig.ringer.rings == []
    # The refused invitation left nothing pending: calling again is another 217, not 215.
    alice.line("CAL 3 dave@example.com")
    await alice.expect(b"217 3\r\n")


async def test_refused_invitation_cookie_is_revoked(rig: Rig) -> None:
    rig.ringer.refuse.add("dave@example.com")
    alice = await rig.create("alice@example.com")
    alice.line("CAL 2 dave@example.com")
    await alice.expect(b"217 2\r\n")
    assert len(rig.store) == 0


async def test_repeated_refusals_are_713(rig: Rig) -> None:
    rig.ringer.refuse.update(f"u{i}@example.com" for i in range(10))
    alice = await rig.create("alice@example.com")
    for i in range(5):
        alice.line(f"CAL {i + 2} u{i}@example.com")
        await alice.expect(b"217 %d\r\n" % (i + 2))
    alice.line("CAL 20 u7@example.com")
    await alice.expect(b"713 20\r\n")
    alice.line("CAL 21 bob@example.com")  # even a reachable one, while throttled
    await alice.expect(b"713 21\r\n")
    assert rig.ringer.rings == []


async def test_refusals_age_out(make_rig: RigFactory) -> None:
    rig: Rig = await make_rig()
    rig.server.hub.refusal_window = 0.2
    rig.ringer.refuse.add("dave@example.com")
    alice = await rig.create("alice@example.com")
    for i in range(5):
        alice.line(f"CAL {i + 2} dave@example.com")
        await alice.expect(b"217 %d\r\n" % (i + 2))
    alice.line("CAL 9 bob@example.com")
    await alice.expect(b"713 9\r\n")
    await asyncio.sleep(0.25)
    await rig.call(alice, "bob@example.com", 10)


async def test_full_session_is_712(make_rig: RigFactory) -> None:
    rig: Rig = await make_rig(max_participants=3)
    alice = await rig.create("alice@example.com")
    bob = await rig.invite(alice, "bob@example.com", 2)
    await rig.call(bob, "carol@example.com", 2)  # a pending invitation takes a seat
    alice.line("CAL 3 dave@example.com")
    await alice.expect(b"712 3\r\n")
    await rig.answer("carol@example.com")
    await alice.expect(b"JOI carol@example.com Carol\r\n")
    alice.line("CAL 4 dave@example.com")
    await alice.expect(b"712 4\r\n")
    assert [who for who, _ in rig.ringer.rings] == ["bob@example.com", "carol@example.com"]


async def test_ringer_failure_is_280(rig: Rig) -> None:
    alice = await rig.create("alice@example.com")
    rig.ringer.explode = True
    alice.line("CAL 2 bob@example.com")
    await alice.expect(b"280 2\r\n")
    assert len(rig.store) == 0  # the invitation cookie was not left behind
    rig.ringer.explode = False
    await rig.call(alice, "bob@example.com", 3)  # nothing pending: bob can be called


async def test_any_participant_may_call(rig: Rig) -> None:
    alice = await rig.create("alice@example.com")
    bob = await rig.invite(alice, "bob@example.com", 2)
    await rig.invite(bob, "carol@example.com", 5, others=(alice,))
    ring = rig.ringer.last("carol@example.com")
    assert (ring.inviter, ring.inviter_name) == ("bob@example.com", "Bob")
    assert ring.address == rig.server.address


async def test_invitee_handle_is_normalised(rig: Rig) -> None:
    alice = await rig.create("alice@example.com")
    await rig.call(alice, "Bob@Example.COM", 2)
    assert rig.ringer.rings[0][0] == "bob@example.com"

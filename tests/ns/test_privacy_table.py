"""Who sees whom (reference §5), table-driven: every combination of the owner's BLP, the
watcher's membership in the owner's lists and the owner's status, checked at login, on a
status change, after each list change, and at sign-out.

In every case the watcher W has the owner O on its FL. The expected view comes from a
four-line model of §5, independent of the server's code: O is shown to W when O is not
hidden and W is allowed (on O's AL; or BLP AL and not on O's BL).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from msnp.services.models import ListBits

from .harness import Client, NSHarness

pytestmark = pytest.mark.asyncio(loop_scope="module")

NONE = "none"


def allowed(blp: str, membership: str) -> bool:
    if membership == "BL":
        return False
    if membership == "AL":
        return True
    return blp == "AL"


@dataclass
class Owner:
    """The owner's side of one case: its connection and the model of its state."""

    client: Client
    email: str
    blp: str
    membership: str  # W's membership in O's lists: "AL", "BL" or NONE
    status: str
    caps: str = "0"
    trid: int = 100

    @property
    def shown(self) -> bool:
        return self.status != "HDN" and allowed(self.blp, self.membership)

    async def command(self, line: str, reply: str) -> None:
        self.trid += 1
        await self.client.send(line.format(t=self.trid))
        await self.client.expect(reply.format(t=self.trid))


async def check_flip(owner: Owner, watcher: Client, was_shown: bool, what: str) -> None:
    """W got NLN (with O's true status) or FLN exactly when its view flipped, else nothing."""
    got = await watcher.sync()
    if owner.shown and not was_shown:
        expected = [f"NLN {owner.status} {owner.email} Owner {owner.caps}"]
    elif was_shown and not owner.shown:
        expected = [f"FLN {owner.email}"]
    else:
        expected = []
    assert got == expected, f"after {what}: expected {expected}, got {got}"


async def move_watcher(owner: Owner, watcher: Client, target: str) -> None:
    """O puts W on `target` (AL, BL or neither) with REM/ADD, checking W after each step."""
    if owner.membership == target:
        return
    if owner.membership != NONE:
        was = owner.shown
        lst = owner.membership
        await owner.command(f"REM {{t}} {lst} {watcher.email}",
                            f"REM {{t}} {lst} {{{{v}}}} {watcher.email}")
        owner.membership = NONE
        await check_flip(owner, watcher, was, f"REM {lst}")
    if target != NONE:
        was = owner.shown
        await owner.command(f"ADD {{t}} {target} {watcher.email} W",
                            f"ADD {{t}} {target} {{{{v}}}} {watcher.email} W")
        owner.membership = target
        await check_flip(owner, watcher, was, f"ADD {target}")


async def flip_blp(owner: Owner, watcher: Client) -> None:
    was = owner.shown
    new = "BL" if owner.blp == "AL" else "AL"
    await owner.command(f"BLP {{t}} {new}", f"BLP {{t}} {{{{v}}}} {new}")
    owner.blp = new
    await check_flip(owner, watcher, was, f"BLP {new}")


CASES = [
    (blp, membership, status)
    for blp in ("AL", "BL")
    for membership in ("AL", "BL", NONE)
    for status in ("NLN", "HDN")
]


@pytest.mark.parametrize(("blp", "membership", "status"), CASES)
async def test_privacy(ns: NSHarness, blp: str, membership: str, status: str) -> None:
    o_email = await ns.account("owner")
    w_email = await ns.account("watcher", "W")
    await ns.add(w_email, ListBits.FL, o_email)
    if membership != NONE:
        await ns.add(o_email, ListBits.from_name(membership), w_email)
    if blp != "AL":
        await ns.service.lists.set_blp(o_email, blp)

    o = await ns.login(o_email, status=status, caps="16")
    owner = Owner(o, o_email, blp, membership, status, caps="16")

    # ---- at login: ILN or nothing -----------------------------------------------------
    w = await ns.login(w_email, status=None)
    await w.send("CHG 6 NLN 0")
    await w.expect("CHG 6 NLN 0")
    got = await w.sync()
    expected = [f"ILN 6 {status} {o_email} Owner 16"] if owner.shown else []
    assert got == expected
    await o.expect_nothing()  # O does not watch W

    # ---- on a status change: NLN/FLN or nothing ----------------------------------------
    was = owner.shown
    if status == "HDN":
        # Still hidden, new capabilities: nobody may learn anything.
        await owner.command("CHG {t} HDN 24", "CHG {t} HDN 24")
        owner.caps = "24"
        await check_flip(owner, w, was, "CHG HDN")
    else:
        await owner.command("CHG {t} BSY 24", "CHG {t} BSY 24")
        owner.status, owner.caps = "BSY", "24"
        expected = [f"NLN BSY {o_email} Owner 24"] if owner.shown else []
        assert await w.sync() == expected
        # Going hidden and back: FLN, then NLN, to allowed watchers only.
        await owner.command("CHG {t} HDN 24", "CHG {t} HDN 24")
        owner.status = "HDN"
        await check_flip(owner, w, was, "CHG HDN")
        await owner.command("CHG {t} BSY 24", "CHG {t} BSY 24")
        owner.status = "BSY"
        await check_flip(owner, w, False, "CHG BSY from HDN")

    # ---- after each list change --------------------------------------------------------
    for step in ("BL", NONE, "AL", NONE, "blp", "BL", "blp", "AL", "blp", NONE, "blp"):
        if step == "blp":
            await flip_blp(owner, w)
        else:
            await move_watcher(owner, w, step)

    # ---- at sign-out: FLN only if W saw O ---------------------------------------------
    was = owner.shown
    await o.send("OUT")
    await o.expect("OUT")
    await o.expect_closed()
    assert await w.sync() == ([f"FLN {o_email}"] if was else [])


async def test_model_covers_both_outcomes() -> None:
    """The table exercises visible and invisible starts alike (a model that always says
    'hidden' would make every case pass vacuously)."""
    starts = {allowed(blp, m) and status != "HDN" for blp, m, status in CASES}
    assert starts == {True, False}

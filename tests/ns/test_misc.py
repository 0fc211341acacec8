"""URL, SND/SDC, PGD/PAG/IPG, FND, IMS and the retired client LST/LSG (§4.13, §4.26-4.31)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from msnp.ns.misc import URL_SERVICES
from msnp.services.models import ListBits

from .harness import NSHarness

pytestmark = pytest.mark.asyncio(loop_scope="module")


# ---- URL ------------------------------------------------------------------------------------


@pytest.mark.parametrize("service", sorted(URL_SERVICES))
async def test_url_each_service(ns: NSHarness, service: str) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice, status=None)
    await a.send(f"URL 10 {service}")
    got = await a.expect("URL 10 {redirect} {login} {site}")
    path, site = URL_SERVICES[service]
    base = f"http://127.0.0.1:{ns.service.ports['http']}"
    assert got == {"redirect": path, "login": f"{base}/login?lc=1033", "site": str(site)}


async def test_url_with_a_parameter(ns: NSHarness) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice, status=None)
    await a.send("URL 10 COMPOSE bob@example.com")
    got = await a.expect("URL 10 {redirect} {login} 2")
    assert got["redirect"] == "/mail/compose?arg=bob%40example.com"


@pytest.mark.parametrize("service", ["NOPE", "inbox", ""])
async def test_url_unknown_service_201(ns: NSHarness, service: str) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice, status=None)
    await a.send(f"URL 10 {service}".rstrip())
    await a.expect("201 10")
    await a.expect_nothing()  # the session goes on


# ---- SND / SDC ------------------------------------------------------------------------------


@dataclass
class FakeMailer:
    sent: list[tuple[str, str, str]] = field(default_factory=list)

    async def send_invitation(self, sender: str, sender_name: str, recipient: str) -> None:
        self.sent.append((sender, sender_name, recipient))


async def test_snd_and_sdc_ok_and_mailed(ns: NSHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    mailer = FakeMailer()
    monkeypatch.setattr(ns.service.context, "mailer", mailer)
    alice = await ns.account("alice")
    a = await ns.login(alice, status=None)
    await a.send("SND 10 Friend@Example.com 0x0409 MSMSGS WindowsMessenger")
    await a.expect("SND 10 OK")
    await a.send("SND 11 other@example.com")
    await a.expect("SND 11 OK")
    await a.send("SDC 12 pal@example.com 0x0409 MSMSGS WindowsMessenger X X Alice 0")
    await a.expect("SDC 12 OK")
    await a.send("SDC 13 mate@example.com 0x0409 MSMSGS WindowsMessenger X X Alice 5", b"hello")
    await a.expect("SDC 13 OK")
    assert mailer.sent == [
        (alice, "Alice", "friend@example.com"),
        (alice, "Alice", "other@example.com"),
        (alice, "Alice", "pal@example.com"),
        (alice, "Alice", "mate@example.com"),
    ]


async def test_snd_without_a_mailer_still_says_ok(ns: NSHarness) -> None:
    assert ns.service.context.mailer is None
    alice = await ns.account("alice")
    a = await ns.login(alice, status=None)
    await a.send("SND 10 friend@example.com")
    await a.expect("SND 10 OK")


@pytest.mark.parametrize(
    ("line", "payload"),
    [
        ("SND 10 not-an-address", None),
        ("SND 10", None),
        ("SDC 10 not-an-address 0x0409 MSMSGS WindowsMessenger X X Alice 0", None),
        ("SDC 10 pal@example.com 0x0409 0", None),
    ],
)
async def test_snd_sdc_malformed_503_then_disconnect(
    ns: NSHarness, line: str, payload: bytes | None
) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice, status=None)
    await a.send(line, payload)
    await a.expect("503 10")
    await a.expect_closed()


# ---- PGD / PAG / IPG ------------------------------------------------------------------------

PAGE = '<TEXT xml:space="preserve" enc="utf-8">call me &#60;now&#62;</TEXT>'


async def test_pgd_is_delivered_as_ipg(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice)
    b = await ns.login(bob)
    body = PAGE.encode()
    await a.send(f"PGD 10 {bob} 1 {len(body)}", body)
    await a.expect_nothing()  # no positive acknowledgement
    got = await b.expect("IPG {length}")
    text = b.last_payload.decode()
    assert int(got["length"]) == len(b.last_payload)
    assert text.startswith('<NOTIFICATION ver="2" id="10" ')
    assert f'<TO name="{bob}"><VIA agent="mobile"/></TO>' in text
    assert f'<FROM name="{alice}" pid="0"/>' in text
    assert '<MSG pri="1" id="1">' in text
    assert "<TEXT>call me &lt;now&gt;</TEXT>" in text
    assert text.endswith("</NOTIFICATION>")


async def test_pgd_device_2_is_delivered_too(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice)
    b = await ns.login(bob, status="HDN")  # a page is not presence: HDN still gets it
    body = PAGE.encode()
    await a.send(f"PGD 10 {bob} 2 {len(body)}", body)
    await b.expect("IPG {length}")
    await a.expect_nothing()


@pytest.mark.parametrize("case", ["offline", "unknown", "blocked"])
async def test_pgd_undeliverable_800(ns: NSHarness, case: str) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice)
    target = "nobody@example.com" if case == "unknown" else bob
    b = None
    if case == "blocked":
        await ns.add(bob, ListBits.BL, alice)
        b = await ns.login(bob)
    body = PAGE.encode()
    await a.send(f"PGD 10 {target} 1 {len(body)}", body)
    await a.expect("800 10")
    if b is not None:
        await b.expect_nothing()


async def test_pgd_bad_device_201_and_bad_handle_201(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice)
    await ns.login(bob)
    body = PAGE.encode()
    await a.send(f"PGD 10 {bob} 3 {len(body)}", body)
    await a.expect("201 10")
    await a.send(f"PGD 11 nodomain 1 {len(body)}", body)
    await a.expect("201 11")


async def test_pgd_non_numeric_device_disconnects(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice)
    body = PAGE.encode()
    await a.send(f"PGD 10 {bob} mobile {len(body)}", body)
    await a.expect_closed()


async def test_pgd_from_msnp8_disconnects(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice, dialect="MSNP8")
    await ns.login(bob)
    body = PAGE.encode()
    await a.send(f"PGD 10 {bob} 1 {len(body)}", body)
    await a.expect_closed()


async def test_pag_in_msnp9_is_715(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice)
    b = await ns.login(bob)
    body = b"<TEXT xml:space=\"preserve\">hi</TEXT>"
    await a.send(f"PAG 10 {bob} {len(body)}", body)
    await a.expect("715 10")
    await b.expect_nothing()


async def test_pag_in_msnp8_is_delivered(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice, dialect="MSNP8")
    b = await ns.login(bob, dialect="MSNP8")
    body = b"<TEXT xml:space=\"preserve\">hi there</TEXT>"
    await a.send(f"PAG 10 {bob} {len(body)}", body)
    await b.expect("IPG {length}")
    assert "<TEXT>hi there</TEXT>" in b.last_payload.decode()
    await a.expect_nothing()
    await a.send(f"PAG 11 nobody@example.com {len(body)}", body)
    await a.expect("800 11")


# ---- FND, IMS, LST/LSG ----------------------------------------------------------------------


async def test_fnd_is_disabled_502(ns: NSHarness) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice, status=None)
    await a.send("FND 10 fname=Bob lname=Smith city=* state=* country=US")
    await a.expect("502 10")
    await a.expect_nothing()


async def test_ims_off_and_on(ns: NSHarness) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice)
    await a.send("IMS 10 OFF")
    await a.expect("IMS 10 0 OFF")
    assert ns.service.presence.get(alice) is not None
    user = ns.service.presence.get(alice)
    assert user is not None and not user.accepts_invitations
    await a.send("XFR 11 SB")  # no switchboards while OFF
    await a.expect("913 11")
    await a.send("IMS 12 ON")
    await a.expect("IMS 12 0 ON")
    assert user.accepts_invitations
    await a.send("XFR 13 SB")
    await a.expect("XFR 13 SB {address} CKI {cookie}")


@pytest.mark.parametrize("mode", ["on", "MAYBE", ""])
async def test_ims_bad_value_disconnects(ns: NSHarness, mode: str) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice, status=None)
    await a.send(f"IMS 10 {mode}".rstrip())
    await a.expect_closed()


@pytest.mark.parametrize("line", ["LST 10 FL", "LST 10 RL", "LSG 10", "LST"])
async def test_client_lst_lsg_disconnect(ns: NSHarness, line: str) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    await ns.friends(alice, bob)
    b = await ns.login(bob)
    a = await ns.login(alice)
    await a.expect(f"ILN 5 NLN {bob} Bob 0")
    await b.expect(f"NLN NLN {alice} Alice 0")
    await a.send(line)
    await a.expect_closed()
    await b.expect(f"FLN {alice}")


async def test_url_table_is_complete() -> None:
    """Every service the reference names (§4.26) is answered."""
    named = [
        "INBOX", "COMPOSE", "FOLDERS", "MESSAGE", "PASSWORD", "PERSON", "PROFILE", "MOBILE",
        "CHGMOB", "CHAT", "N2PACCOUNT", "N2PFUND", "ADDRBOOK", "ADVSEARCH", "INTSEARCH",
    ]
    assert sorted(named) == sorted(URL_SERVICES)
    for path, site in URL_SERVICES.values():
        assert re.fullmatch(r"/[a-z/]*", path) and site > 0

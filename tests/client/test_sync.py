"""SYN: the dump parsed into the contact list model, and the JSON cache between runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from client.conftest import ALICE, ALICE_PASSWORD
from client.fakes import FakePassport, Peer, ScriptedServer
from client.scripts import config_for, go_online, log_in
from msnp.client import Client, ClientError, Group, ListBits
from msnp.client.contacts import load_cache

# The reference's full example (§3.2), plus a trailing BPR after the last LST.
DUMP = (
    "GTC A",
    "BLP AL",
    "PRP PHH 555%201234",
    "LSG 0 Other%20Contacts 0",
    "LSG 1 Friends 0",
    "LST bob@example.com Bob 11 1",
    "BPR MOB Y",
    "LST carol@example.com Carol%20C. 8",
    "LST dave@example.com dave@example.com 13 0,1",
    "BPR PHH 555%209876",
    "BPR MOB N",
)


async def test_dump_is_parsed_into_the_model(passport: FakePassport, cert_file: Path) -> None:
    async def script(peer: Peer) -> None:
        trid = await log_in(peer, passport, dump=DUMP, server_version=42)
        await go_online(peer, trid)
        await peer.expect("OUT")

    async with ScriptedServer(script) as ns:
        client = Client(ALICE, ALICE_PASSWORD, config_for(ns.address, passport, cert_file))
        await client.sign_in()
        lists = client.contacts
        assert lists.version == 42
        assert (lists.gtc, lists.blp) == ("A", "AL")
        assert lists.properties == {"PHH": "555 1234"}
        assert lists.groups == {0: Group(0, "Other Contacts"), 1: Group(1, "Friends")}
        assert len(lists.contacts) == 3
        bob, carol, dave = (lists.get(e) for e in ("bob@example.com", "carol@example.com",
                                                   "dave@example.com"))
        assert bob is not None and carol is not None and dave is not None
        assert bob.lists == ListBits.FL | ListBits.AL | ListBits.RL
        assert bob.groups == [1] and bob.properties == {"MOB": "Y"}
        assert carol.lists == ListBits.RL and carol.groups == [] and carol.stored_name == "Carol C."
        assert dave.lists == ListBits.FL | ListBits.BL | ListBits.RL and dave.groups == [0, 1]
        assert dave.properties == {"PHH": "555 9876", "MOB": "N"}
        assert [c.email for c in lists.forward] == ["bob@example.com", "dave@example.com"]
        assert [c.email for c in lists.blocked] == ["dave@example.com"]
        assert not any(c.online for c in lists.contacts.values())
        await client.sign_out()


async def test_cache_is_used_when_versions_match(
    tmp_path: Path, passport: FakePassport, cert_file: Path
) -> None:
    cache = tmp_path / "cache" / "alice.json"

    async def first(peer: Peer) -> None:
        trid = await log_in(peer, passport, syn_version=0, dump=DUMP, server_version=42)
        await go_online(peer, trid)
        await peer.expect("OUT")

    async def second(peer: Peer) -> None:
        # Same version: the server sends nothing but the SYN line.
        trid = await log_in(peer, passport, syn_version=42, dump=None, server_version=42)
        await go_online(peer, trid)
        await peer.expect("OUT")

    async def third(peer: Peer) -> None:
        # The list changed elsewhere: a new dump replaces the cache.
        trid = await log_in(
            peer,
            passport,
            syn_version=42,
            dump=("GTC N", "BLP BL", "LSG 0 Other%20Contacts 0", "LST erin@example.com Erin 3"),
            server_version=50,
        )
        await go_online(peer, trid)
        await peer.expect("OUT")

    async with ScriptedServer(first, second, third) as ns:
        config = config_for(ns.address, passport, cert_file, cache_path=cache)
        client = Client(ALICE, ALICE_PASSWORD, config)
        await client.sign_in()
        await client.sign_out()
        saved = load_cache(cache, ALICE)
        assert saved is not None and saved.version == 42 and len(saved.contacts) == 3

        assert not client.list_from_cache
        again = Client(ALICE, ALICE_PASSWORD, config)
        await again.sign_in()
        assert again.list_from_cache
        assert again.contacts.version == 42
        assert sorted(again.contacts.contacts) == [
            "bob@example.com",
            "carol@example.com",
            "dave@example.com",
        ]
        bob = again.contacts.get("bob@example.com")
        assert bob is not None and bob.groups == [1] and bob.properties == {"MOB": "Y"}
        assert again.contacts.groups[1] == Group(1, "Friends")
        await again.sign_out()

        third_client = Client(ALICE, ALICE_PASSWORD, config)
        await third_client.sign_in()
        assert third_client.contacts.version == 50
        assert not third_client.list_from_cache
        assert list(third_client.contacts.contacts) == ["erin@example.com"]
        assert third_client.contacts.blp == "BL"
        await third_client.sign_out()
        saved = load_cache(cache, ALICE)
        assert saved is not None and saved.version == 50


async def test_cache_of_another_account_is_ignored(
    tmp_path: Path, passport: FakePassport, cert_file: Path
) -> None:
    cache = tmp_path / "shared.json"
    cache.write_text('{"format": 1, "account": "someone@else.com", "version": 9}')

    async def script(peer: Peer) -> None:
        trid = await log_in(peer, passport, syn_version=0, dump=())
        await go_online(peer, trid)
        await peer.expect("OUT")

    async with ScriptedServer(script) as ns:
        config = config_for(ns.address, passport, cert_file, cache_path=cache)
        async with Client(ALICE, ALICE_PASSWORD, config) as client:
            assert client.contacts.groups == {0: Group(0, "Other Contacts")}


async def test_corrupt_cache_means_a_full_sync(
    tmp_path: Path, passport: FakePassport, cert_file: Path
) -> None:
    cache = tmp_path / "broken.json"
    cache.write_text("{not json")

    async def script(peer: Peer) -> None:
        trid = await log_in(peer, passport, syn_version=0, dump=())
        await go_online(peer, trid)
        await peer.expect("OUT")

    async with ScriptedServer(script) as ns:
        config = config_for(ns.address, passport, cert_file, cache_path=cache)
        async with Client(ALICE, ALICE_PASSWORD, config):
            pass
    saved = load_cache(cache, ALICE)
    assert saved is not None and saved.version == 1


async def test_short_dump_is_an_error(passport: FakePassport, cert_file: Path) -> None:
    """The counts in the SYN reply are what the client waits for: one LST missing is noticed
    (rather than a silently partial list)."""

    async def script(peer: Peer) -> None:
        await log_in(peer, passport, dump=DUMP, contact_count=4)
        await peer.expect_closed()

    async with ScriptedServer(script) as ns:
        client = Client(ALICE, ALICE_PASSWORD, config_for(ns.address, passport, cert_file,
                                                          timeout=0.3))
        with pytest.raises(ClientError, match="SYN dump did not arrive in full"):
            await client.sign_in()
        assert not client.signed_in

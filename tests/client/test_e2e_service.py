"""End to end against the real service: sign-in through the dispatch server in both
dialects, lists seen from both sides, presence, chats, errors, challenges and the cache."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from client.live import Live, live_service
from msnp.client import (
    AddedBy,
    AuthenticationError,
    Client,
    ContactOffline,
    Invitation,
    ListBits,
    Message,
    MessageReceived,
    ParticipantJoined,
    ParticipantLeft,
    PresenceChanged,
    RemovedBy,
    ServerError,
    SignedOut,
    TextReceived,
    TypingReceived,
)

ALICE, BOB, CAROL = "alice@example.com", "bob@example.com", "carol@example.com"


async def _friends(alice: Client, bob: Client) -> None:
    """Each has the other on FL and AL."""
    await alice.add_contact(BOB, "Bob")
    await bob.add_contact(ALICE, "Alice")


@pytest.mark.parametrize("dialect", ["MSNP9", "MSNP8"])
async def test_sign_in_through_dispatch(live: Live, dialect: str) -> None:
    client = live.client(ALICE, dialect=dialect)
    await client.sign_in()
    try:
        assert client.signed_in
        assert client.dialect is not None and client.dialect.name == dialect
        assert client.display_name == "Alice"
        assert client.status == "NLN"
        assert client.profile is not None and client.profile.header("MSPAuth")
        assert 0 in client.contacts.groups
    finally:
        await client.sign_out()
    assert await client.wait_closed() == "OUT"


async def test_wrong_password(live: Live) -> None:
    client = Client(ALICE, "not-it", live.config())
    with pytest.raises(AuthenticationError):
        await client.sign_in()


async def test_contact_add_seen_from_both_sides(live: Live) -> None:
    async with live.client(ALICE) as alice, live.client(BOB) as bob:
        bob_events = bob.events.stream(AddedBy, RemovedBy)
        alice_presence = alice.events.stream(PresenceChanged)
        await alice.add_contact(BOB, "Bobby")
        added = await bob_events.get(timeout=5)
        assert added.email == ALICE and added.display_name == "Alice"
        entry = bob.contacts.get(ALICE)
        assert entry is not None and entry.on(ListBits.RL)
        mine = alice.contacts.get(BOB)
        assert mine is not None and mine.lists == ListBits.FL | ListBits.AL
        assert mine.stored_name == "Bobby" and mine.groups == [0]
        # Bob is online and allows everyone: adding him shows him at once.
        seen = await alice_presence.get(timeout=5)
        assert (seen.email, seen.status, seen.initial) == (BOB, "NLN", True)
        with pytest.raises(ServerError) as caught:
            await alice.add_to_list("FL", BOB)
        assert caught.value.code == 215
        assert caught.value.meaning == "already on that list or in that group"
        with pytest.raises(ServerError) as caught:
            await alice.add_to_list("FL", "nobody@example.com")
        assert caught.value.code == 205
        await alice.remove_contact(BOB)
        removed = await bob_events.get(timeout=5)
        assert removed == RemovedBy(ALICE, removed.version)
        assert removed.version == bob.contacts.version
        assert bob.contacts.get(ALICE) is None


async def test_presence_name_and_offline(live: Live) -> None:
    async with live.client(ALICE) as alice:
        async with live.client(BOB) as bob:
            await _friends(alice, bob)
            events = alice.events.stream(PresenceChanged, ContactOffline)
            await bob.set_status("away")
            seen = await events.wait_for(PresenceChanged, lambda e: e.status == "AWY", timeout=5)
            assert seen.email == BOB and not seen.initial
            await bob.set_display_name("Bob the Builder")
            renamed = await events.wait_for(
                PresenceChanged, lambda e: e.display_name == "Bob the Builder", timeout=5
            )
            assert renamed.status == "AWY"
            assert bob.display_name == "Bob the Builder"
            await bob.set_status("invisible")
            assert await events.wait_for(ContactOffline, timeout=5) == ContactOffline(BOB)
            await bob.set_status("busy")
            await events.wait_for(PresenceChanged, lambda e: e.status == "BSY", timeout=5)
            contact = alice.contacts.get(BOB)
            assert contact is not None and contact.online and contact.name == "Bob the Builder"
        # Bob signed out.
        assert await events.wait_for(ContactOffline, timeout=5) == ContactOffline(BOB)
        assert contact is not None and not contact.online
        # And when he signs in again Alice is told.
        async with live.client(BOB):
            back = await events.wait_for(PresenceChanged, timeout=5)
            assert (back.email, back.status) == (BOB, "NLN")


async def test_blocking_hides_presence_and_refuses_chats(live: Live) -> None:
    async with live.client(ALICE) as alice, live.client(BOB) as bob:
        await _friends(alice, bob)
        events = alice.events.stream(ContactOffline, PresenceChanged)
        await bob.block(ALICE)
        entry = bob.contacts.get(ALICE)
        assert entry is not None and entry.on(ListBits.BL) and not entry.on(ListBits.AL)
        assert await events.wait_for(ContactOffline, timeout=5) == ContactOffline(BOB)
        with pytest.raises(ServerError) as caught:
            await alice.start_chat(BOB)
        assert caught.value.code == 217
        await bob.unblock(ALICE)
        back = await events.wait_for(PresenceChanged, timeout=5)
        assert back.email == BOB


async def test_chat_both_ways_and_a_third_person(live: Live) -> None:
    async with live.client(ALICE) as alice, live.client(BOB) as bob, live.client(CAROL) as carol:
        await _friends(alice, bob)
        await alice.add_contact(CAROL)
        for invitee in (bob, carol):
            invitee.events.subscribe(lambda e, c=invitee: c.accept(e), Invitation)
        bob_texts = bob.events.stream(TextReceived, TypingReceived)

        chat = await alice.start_chat(BOB)
        assert set(chat.participants) == {BOB}
        alice_events = chat.events.stream()
        await chat.send_typing()
        await chat.send_text("hello bob, ça va?")
        typing = await bob_texts.get(timeout=5)
        assert isinstance(typing, TypingReceived) and typing.sender == ALICE
        text = await bob_texts.get(timeout=5)
        assert isinstance(text, TextReceived)
        assert (text.sender, text.sender_name, text.text) == (ALICE, "Alice", "hello bob, ça va?")
        bob_chat = text.chat
        assert set(bob_chat.participants) == {ALICE}

        await bob_chat.send_text("fine, and you?")
        reply = await alice_events.wait_for(TextReceived, timeout=5)
        assert (reply.sender, reply.text) == (BOB, "fine, and you?")

        bob_joins = bob_chat.events.stream(ParticipantJoined)
        await chat.invite(CAROL)
        assert set(chat.participants) == {BOB, CAROL}
        joined = await bob_joins.get(timeout=5)
        assert (joined.email, joined.display_name) == (CAROL, "Carol")
        await chat.send_text("welcome carol", ack="N")
        carol_text = await carol.events.stream(TextReceived).get(timeout=5)
        assert carol_text.text == "welcome carol"
        assert set(carol_text.chat.participants) == {ALICE, BOB}

        await bob_chat.leave()
        left = await alice_events.wait_for(ParticipantLeft, timeout=5)
        assert left.email == BOB and not left.timed_out
        assert set(chat.participants) == {CAROL}


async def test_binary_data_message_relayed_exactly(live: Live) -> None:
    body = bytes(48) + b"\r\n\x00\xffpicture-bytes" + b"\x00\x00\x00\x01"
    body = body[:24] + (len(body) - 52).to_bytes(4, "little") + body[28:]
    payload = Message.build("application/x-msnmsgrp2p", body, P2P_Dest=BOB)
    async with live.client(ALICE) as alice, live.client(BOB) as bob:
        await _friends(alice, bob)
        bob.events.subscribe(bob.accept, Invitation)
        received = bob.events.stream(MessageReceived)
        chat = await alice.start_chat(BOB)
        await chat.send_message(payload, ack="D")
        got = await received.get(timeout=5)
        assert got.message.body == body and got.message.header("P2P-Dest") == BOB


async def test_offline_contact_cannot_be_called(live: Live) -> None:
    async with live.client(ALICE) as alice:
        with pytest.raises(ServerError) as caught:
            await alice.start_chat(BOB)
        assert caught.value.code == 217
        assert alice.chats == set()


async def test_second_sign_in_boots_the_first(live: Live) -> None:
    first = live.client(ALICE)
    await first.sign_in()
    async with live.client(ALICE) as second:
        assert await asyncio.wait_for(first.wait_closed(), 5) == "OTH"
        assert second.signed_in


async def test_cache_reused_across_sessions(live: Live) -> None:
    cache = live.tmp_path / "alice-cache.json"
    async with live.client(ALICE, cache_path=cache) as alice:
        await alice.add_contact(BOB, "Bob")
        await alice.add_group("Friends")
        version = alice.contacts.version
    async with live.client(ALICE, cache_path=cache) as again:
        assert again.list_from_cache
        assert again.contacts.version == version
        assert [c.email for c in again.contacts.forward] == [BOB]
        assert again.contacts.group_named("Friends") is not None
    # Bob adds Alice while she is away: her next sign-in gets a new dump.
    async with live.client(BOB) as bob:
        await bob.add_contact(ALICE)
    async with live.client(ALICE, cache_path=cache) as third:
        assert not third.list_from_cache
        entry = third.contacts.get(BOB)
        assert entry is not None and entry.on(ListBits.RL)


@pytest.mark.parametrize(("key", "kept"), [("Q1P7W2E4J9R8U3S5", True), ("WRONGKEY00000000", False)])
async def test_challenge_answer_keeps_the_session(tmp_path: Path, key: str, kept: bool) -> None:
    """The server challenges soon after CHG and disconnects without a right answer: with
    the real key the session survives, with a wrong one it does not (so the test can fail)."""
    fast = {"challenge_delay": 0.05, "challenge_timeout": 0.5}
    async with live_service(tmp_path, notification=fast) as live:
        client = live.client(ALICE, product_key=key)
        closed = client.events.stream(SignedOut)
        await client.sign_in()
        try:
            if kept:
                with pytest.raises(TimeoutError):
                    await closed.get(timeout=1.0)
                await client.set_status("busy")
                assert client.signed_in
            else:
                await closed.get(timeout=3.0)
                assert not client.signed_in
        finally:
            await client.sign_out()

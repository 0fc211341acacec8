"""Chats on a scripted switchboard: XFR SB -> USR -> CAL, RNG -> ANS -> IRO, messages with
every ack type, binary payloads, and leaving."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from client.conftest import ALICE, ALICE_PASSWORD
from client.fakes import FakePassport, Peer, ScriptedServer
from client.scripts import config_for, go_online, log_in
from msnp.client import (
    ChatClosed,
    Client,
    ConnectionClosed,
    DeliveryFailed,
    Invitation,
    Message,
    MessageNotDelivered,
    MessageReceived,
    MessageTooLarge,
    ParticipantJoined,
    ParticipantLeft,
    RequestTimeout,
    ServerError,
    TextReceived,
    TypingReceived,
)

TEXT_HELLO = (
    b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
    b"X-MMS-IM-Format: FN=Arial; EF=; CO=0; CS=0; PF=22\r\n\r\nhello \xc3\xa9"
)
TYPING = (
    b"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\n"
    b"TypingUser: alice@example.com\r\n\r\n\r\n"
)
# A P2P data message: MIME head, then a 48-byte binary header with CR, LF and NUL bytes in it,
# data, and the 4-byte footer.
P2P_BODY = bytes(range(48)) + b"\r\n\r\n\x00data\x00" + b"\x00\x00\x00\x01"
P2P = (
    b"MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\n"
    b"P2P-Dest: alice@example.com\r\n\r\n" + P2P_BODY
)


async def _online_ns(peer: Peer, passport: FakePassport, sb: ScriptedServer) -> None:
    """Log in, then hand out a switchboard on XFR SB."""
    t = await log_in(peer, passport)
    t = await go_online(peer, t)
    await peer.expect(f"XFR {t} SB")
    peer.send(f"XFR {t} SB {sb.address} CKI 17262740.1050826919.32308")
    await peer.expect("OUT")


async def test_start_chat_and_talk(passport: FakePassport, cert_file: Path) -> None:
    async def switchboard(peer: Peer) -> None:
        await peer.expect(f"USR 1 {ALICE} 17262740.1050826919.32308")
        peer.send(f"USR 1 OK {ALICE} Alice")
        await peer.expect("CAL 2 bob@example.com")
        peer.send("CAL 2 RINGING 11752013")
        await asyncio.sleep(0.05)  # bob takes a moment to answer
        peer.send("JOI bob@example.com Bob%20B.")
        await peer.expect(f"MSG 3 A {len(TEXT_HELLO)}", payload=TEXT_HELLO)
        peer.send("ACK 3")
        await peer.expect(f"MSG 4 U {len(TYPING)}", payload=TYPING)
        await peer.expect("MSG 5 N {length}")
        peer.send("NAK 5")
        await peer.expect("MSG 6 A {length}")
        peer.send("NAK 6")
        await peer.expect("MSG 7 D {length}", payload=P2P)
        peer.send("282 7")
        await peer.expect("MSG 8 D {length}", payload=P2P)
        peer.send("ACK 8")
        peer.send_payload("MSG bob@example.com Bob%20B.", TEXT_HELLO)
        peer.send("BYE bob@example.com")
        await peer.expect("OUT")

    async with ScriptedServer(switchboard) as sb, ScriptedServer() as ns:
        ns.scripts.append(lambda peer: _online_ns(peer, passport, sb))
        async with Client(
            ALICE, ALICE_PASSWORD, config_for(ns.address, passport, cert_file)
        ) as client:
            chat = await client.start_chat("bob@example.com")
            assert chat.participants == {"bob@example.com": "Bob B."}
            assert chat.session_id == "11752013"
            assert chat in client.chats
            events = chat.events.stream()
            assert await chat.send_text("hello é") == 3
            await chat.send_typing()
            await chat.send_text("anyone?", ack="N")
            not_delivered = await events.get(timeout=3)
            assert not_delivered == MessageNotDelivered(chat, 5)
            with pytest.raises(DeliveryFailed):
                await chat.send_text("still there?")
            with pytest.raises(ServerError) as caught:
                await chat.send_message(P2P, ack="D")
            assert caught.value.code == 282
            assert caught.value.meaning == "malformed data (P2P) message"
            assert await chat.send_message(Message.parse(P2P), ack="D") == 8
            text = await events.get(timeout=3)
            assert isinstance(text, TextReceived)
            assert (text.sender, text.sender_name, text.text) == (
                "bob@example.com",
                "Bob B.",
                "hello é",
            )
            left = await events.get(timeout=3)
            assert left == ParticipantLeft(chat, "bob@example.com", False)
            assert chat.participants == {}
            await chat.leave()
            assert isinstance(await events.get(timeout=3), ChatClosed)
            assert chat.closed and chat not in client.chats
            with pytest.raises(ConnectionClosed):
                await chat.send_text("too late")


async def test_invitee_offline_raises_217(passport: FakePassport, cert_file: Path) -> None:
    async def switchboard(peer: Peer) -> None:
        await peer.expect(f"USR 1 {ALICE} {{cookie}}")
        peer.send(f"USR 1 OK {ALICE} Alice")
        await peer.expect("CAL 2 bob@example.com")
        peer.send("217 2")
        await peer.expect_closed()

    async with ScriptedServer(switchboard) as sb, ScriptedServer() as ns:
        ns.scripts.append(lambda peer: _online_ns(peer, passport, sb))
        async with Client(
            ALICE, ALICE_PASSWORD, config_for(ns.address, passport, cert_file)
        ) as client:
            with pytest.raises(ServerError) as caught:
                await client.start_chat("bob@example.com")
            assert caught.value.code == 217
            assert caught.value.meaning == "user is offline or not accepting messages"
            await sb.done()
            assert client.chats == set()


async def test_invitee_who_never_joins_times_out(passport: FakePassport, cert_file: Path) -> None:
    async def switchboard(peer: Peer) -> None:
        await peer.expect(f"USR 1 {ALICE} {{cookie}}")
        peer.send(f"USR 1 OK {ALICE} Alice")
        await peer.expect("CAL 2 bob@example.com")
        peer.send("CAL 2 RINGING 1")
        await peer.expect("OUT")

    async with ScriptedServer(switchboard) as sb, ScriptedServer() as ns:
        ns.scripts.append(lambda peer: _online_ns(peer, passport, sb))
        config = config_for(ns.address, passport, cert_file, join_timeout=0.2)
        async with Client(ALICE, ALICE_PASSWORD, config) as client:
            with pytest.raises(RequestTimeout, match=r"bob@example\.com did not join"):
                await client.start_chat("bob@example.com")


async def test_answering_an_invitation(passport: FakePassport, cert_file: Path) -> None:
    accepted = asyncio.Event()

    async def switchboard(peer: Peer) -> None:
        await peer.expect(f"ANS 1 {ALICE} 849102291.520491113 11752013")
        peer.send(
            "IRO 1 1 2 bob@example.com Bob",
            "IRO 1 2 2 carol@example.com Carol%20C.",
            "ANS 1 OK",
        )
        await accepted.wait()
        peer.send_payload("MSG bob@example.com Bob", P2P)
        peer.send_payload(
            "MSG carol@example.com Carol%20C.",
            b"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\n"
            b"TypingUser: carol@example.com\r\n\r\n\r\n",
        )
        peer.send_payload(
            "MSG carol@example.com Carol%20C.",
            b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n\r\ncaf\xe9",
        )
        peer.send("JOI dave@example.com Dave", "BYE carol@example.com 1")
        await peer.expect("CAL 2 erin@example.com")
        peer.send("CAL 2 RINGING 11752013", "JOI erin@example.com Erin")
        await peer.expect("OUT")

    async with ScriptedServer(switchboard) as sb:

        async def notification(peer: Peer) -> None:
            t = await log_in(peer, passport)
            await go_online(peer, t)
            peer.send(
                f"RNG 11752013 {sb.address} CKI 849102291.520491113 bob@example.com Bob"
            )
            await peer.expect("OUT")

        async with ScriptedServer(notification) as ns:
            client = Client(ALICE, ALICE_PASSWORD, config_for(ns.address, passport, cert_file))
            invitations = client.events.stream(Invitation)
            chat_events = client.events.stream(
                MessageReceived, TypingReceived, TextReceived, ParticipantJoined, ParticipantLeft
            )
            await client.sign_in()
            invitation = await invitations.get(timeout=3)
            assert invitation.inviter == "bob@example.com"
            chat = await client.accept(invitation)
            assert chat.session_id == "11752013"
            assert chat.participants == {"bob@example.com": "Bob", "carol@example.com": "Carol C."}
            accepted.set()

            data = await chat_events.get(timeout=3)
            assert isinstance(data, MessageReceived)
            assert data.message.content_type == "application/x-msnmsgrp2p"
            assert data.message.header("p2p-dest") == ALICE
            assert data.message.body == P2P_BODY  # byte for byte
            assert data.chat is chat
            assert await chat_events.get(timeout=3) == TypingReceived(chat, "carol@example.com")
            text = await chat_events.get(timeout=3)
            assert isinstance(text, TextReceived) and text.text == "café"
            assert await chat_events.get(timeout=3) == ParticipantJoined(
                chat, "dave@example.com", "Dave"
            )
            assert await chat_events.get(timeout=3) == ParticipantLeft(
                chat, "carol@example.com", True
            )
            await chat.invite("erin@example.com")
            assert set(chat.participants) == {"bob@example.com", "dave@example.com",
                                              "erin@example.com"}
            await client.sign_out()
            assert chat.closed


async def test_message_size_limit(passport: FakePassport, cert_file: Path) -> None:
    caps = Message.build("text/x-clientcaps", b"Client-Name: t\r\n")

    async def switchboard(peer: Peer) -> None:
        await peer.expect(f"USR 1 {ALICE} {{cookie}}")
        peer.send(f"USR 1 OK {ALICE} Alice")
        # Nothing too large or malformed reaches the wire: the next MSG is the good one.
        await peer.expect(f"MSG 2 N {len(caps.to_bytes())}", payload=caps.to_bytes())
        await peer.expect("OUT")

    async with ScriptedServer(switchboard) as sb, ScriptedServer() as ns:
        ns.scripts.append(lambda peer: _online_ns(peer, passport, sb))
        async with Client(
            ALICE, ALICE_PASSWORD, config_for(ns.address, passport, cert_file)
        ) as client:
            chat = await client.start_chat()
            with pytest.raises(MessageTooLarge):
                await chat.send_text("x" * 1600)
            with pytest.raises(ValueError):
                await chat.send_text("hi", ack="D")
            with pytest.raises(ValueError):
                await chat.send_message(b"", ack="X")
            await chat.send_message(caps)

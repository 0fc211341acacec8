"""Switchboard worker processes (`switchboard.workers`): XFR SB hands the switchboards out in
turn, a conversation on a worker works like one on the main process (RNG, ANS, messages
both ways, a third person), and a worker that cannot start or dies is dealt with."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from client.live import live_service
from msnp.app import start_service
from msnp.client import Invitation, ParticipantJoined, TextReceived
from msnp.config import ConfigError, HostPort, config_from_dict
from msnp.sb.workers import SwitchboardPool, WorkerError
from service_helpers import login_raw, make_config, running
from web.rawhttp import exchange
from wire_helpers import Wire

ALICE, BOB, CAROL = "alice@example.com", "bob@example.com", "carol@example.com"


async def test_xfr_hands_out_the_switchboards_in_turn(tmp_path: Path) -> None:
    async with running(make_config(tmp_path, switchboard={"workers": 3})) as service:
        await service.accounts.create(ALICE, "alice-pw", "Alice")
        assert service.switchboard_workers is not None
        workers = service.switchboard_workers.addresses
        assert len(workers) == 2
        local = service.switchboard.address
        assert local not in workers and len(set(workers)) == 2
        wire = await login_raw(service, ALICE, "alice-pw", status="NLN")
        try:
            given = []
            for trid in range(10, 16):
                await wire.send(f"XFR {trid} SB")
                reply = await wire.expect(f"XFR {trid} SB {{address}} CKI {{cookie}}")
                given.append(HostPort.parse(reply["address"]))
        finally:
            await wire.close()
        assert sorted(map(str, given)) == sorted(map(str, [local, *workers] * 2))
        assert given[:3] == given[3:]  # in turn, not at random


async def test_a_conversation_on_a_worker(tmp_path: Path) -> None:
    """Chats started one after the other land on both switchboards; on each, invitations
    ring through the notification server, and text goes both ways and to a third person."""
    async with (live_service(tmp_path, switchboard={"workers": 2}) as live,
                live.client(ALICE) as alice, live.client(BOB) as bob,
                live.client(CAROL) as carol):
        for one, other, name in ((alice, BOB, "Bob"), (bob, ALICE, "Alice"),
                                 (alice, CAROL, "Carol"), (carol, ALICE, "Alice")):
            await one.add_contact(other, name)
        for invitee in (bob, carol):
            invitee.events.subscribe(lambda e, c=invitee: c.accept(e), Invitation)
        bob_texts = bob.events.stream(TextReceived)
        carol_texts = carol.events.stream(TextReceived)
        here = []
        for turn in range(2):
            chat = await alice.start_chat(BOB)
            alice_events = chat.events.stream()
            here.append(len(live.service.switchboard.rooms) == 1)
            await chat.send_text(f"hello {turn}")
            text = await bob_texts.get(timeout=5)
            assert (text.sender, text.text) == (ALICE, f"hello {turn}")
            await text.chat.send_text(f"hi {turn}")
            reply = await alice_events.wait_for(TextReceived, timeout=5)
            assert (reply.sender, reply.text) == (BOB, f"hi {turn}")
            joins = text.chat.events.stream(ParticipantJoined)
            await chat.invite(CAROL)
            assert (await joins.get(timeout=5)).email == CAROL
            await chat.send_text("all three")
            carol_text = await carol_texts.get(timeout=5)
            assert carol_text.text == "all three"
            assert (await bob_texts.get(timeout=5)).text == "all three"
            for each in (chat, text.chat, carol_text.chat):
                await each.leave()
            for _ in range(100):  # the last one out ends the session
                if not live.service.switchboard.rooms:
                    break
                await asyncio.sleep(0.02)
            assert not live.service.switchboard.rooms
        # One conversation was on this process, the other on the worker.
        assert sorted(here) == [False, True]


def _busy_port() -> socket.socket:
    """A listening socket on port P + 1 where P is free: the main switchboard can listen on
    P and its first worker cannot."""
    while True:
        main = socket.socket()
        main.bind(("127.0.0.1", 0))
        port = main.getsockname()[1]
        main.close()
        blocker = socket.socket()
        try:
            blocker.bind(("127.0.0.1", port + 1))
        except OSError:
            blocker.close()
            continue
        blocker.listen()
        return blocker


async def test_a_worker_that_cannot_listen_stops_the_start(tmp_path: Path) -> None:
    blocker = _busy_port()
    port = blocker.getsockname()[1] - 1
    try:
        config = make_config(tmp_path, switchboard={"listen": f"127.0.0.1:{port}",
                                                    "workers": 2})
        with pytest.raises(WorkerError, match="worker 1: cannot listen"):
            await start_service(config)
        # Everything started before was closed again: the main switchboard port is free.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", port))
    finally:
        blocker.close()


async def test_a_worker_that_dies_leaves_the_rotation_and_comes_back(tmp_path: Path) -> None:
    async with running(make_config(tmp_path, switchboard={"workers": 2})) as service:
        workers = service.switchboard_workers
        assert workers is not None and len(workers.addresses) == 1
        first = workers.processes()[0]
        first.kill()
        for _ in range(100):
            if not workers.addresses:
                break
            await asyncio.sleep(0.02)
        assert workers.addresses == []  # out of rotation: XFR SB names only this process
        pool = service.context.switchboard
        assert pool is not None
        assert {pool.next_address() for _ in range(4)} == {service.switchboard.address}
        for _ in range(200):  # started again after RESTART_DELAY
            if workers.addresses:
                break
            await asyncio.sleep(0.05)
        (address,) = workers.addresses
        assert workers.processes()[0].pid != first.pid
        sb = await Wire.connect(address.host, address.port)
        await sb.send("USR 1 alice@example.com not-a-cookie")
        await sb.expect("911 1")
        await sb.expect_closed()
        assert {pool.next_address() for _ in range(4)} == {service.switchboard.address, address}


@pytest.mark.parametrize("workers", [0, -1, 65, "2", True])
def test_workers_setting_is_checked(workers: object) -> None:
    with pytest.raises(ConfigError, match=r"switchboard\.workers"):
        config_from_dict({"switchboard": {"workers": workers}})


def test_worker_ports_must_exist() -> None:
    with pytest.raises(ConfigError, match="do not all exist"):
        config_from_dict({"switchboard": {"listen": "0.0.0.0:65535", "workers": 2}})


async def test_metrics_count_the_workers_sessions(tmp_path: Path) -> None:
    async with running(make_config(tmp_path, switchboard={"workers": 2})) as service:
        await service.accounts.create(ALICE, "alice-pw", "Alice")
        pool = service.context.switchboard
        assert isinstance(pool, SwitchboardPool) and pool.process_count == 2
        wire = await login_raw(service, ALICE, "alice-pw", status="NLN")
        await wire.send("XFR 10 SB")
        xfr = await wire.expect("XFR 10 SB {address} CKI {cookie}")
        worker = HostPort.parse(xfr["address"])
        assert worker != service.switchboard.address
        sb = await Wire.connect(worker.host, worker.port)
        try:
            await sb.send(f"USR 1 {ALICE} {xfr['cookie']}")
            await sb.expect("USR 1 OK alice@example.com Alice")
            for _ in range(100):  # a worker tells its counts every STATS_INTERVAL at most
                if pool.counts() == (1, 1):
                    break
                await asyncio.sleep(0.1)
            assert pool.counts() == (1, 1)
            assert len(service.switchboard.rooms) == 0
            metrics = (await exchange(service.ports["http"], (
                b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            ))).body.decode()
            assert "\nmsnp_switchboard_sessions 1\n" in metrics
            assert "\nmsnp_switchboard_processes 2\n" in metrics
        finally:
            await sb.close()
            await wire.close()


def test_worker_ports_must_not_be_another_listeners() -> None:
    """The defaults put the notification server on 1865, right after the switchboard."""
    with pytest.raises(ConfigError, match=r"worker 1 would listen on port 1865, which is "
                       r"notification\.listen's"):
        config_from_dict({"switchboard": {"workers": 2}})
    config = config_from_dict({"switchboard": {"listen": "127.0.0.1:1870", "workers": 4}})
    assert config.switchboard.workers == 4

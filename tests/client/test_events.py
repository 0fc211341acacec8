"""EventHub: callbacks (plain and coroutine), filtered streams, forwarding to a parent."""

from __future__ import annotations

import asyncio
import logging

import pytest

from msnp.client import (
    ContactOffline,
    Event,
    EventHub,
    PresenceChanged,
    SignedOut,
)

BOB_ON = PresenceChanged("bob@example.com", "NLN", "Bob", 0, None, initial=False)
BOB_OFF = ContactOffline("bob@example.com")


async def test_callbacks_receive_their_types() -> None:
    hub = EventHub()
    plain: list[Event] = []
    later: list[Event] = []

    async def slow(event: ContactOffline) -> None:
        await asyncio.sleep(0)
        later.append(event)

    hub.subscribe(plain.append)
    hub.subscribe(slow, ContactOffline)
    hub.emit(BOB_ON)
    hub.emit(BOB_OFF)
    await hub.drain()
    assert plain == [BOB_ON, BOB_OFF]
    assert later == [BOB_OFF]


async def test_cancelled_subscription_and_failing_callback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hub = EventHub()
    seen: list[Event] = []
    subscription = hub.subscribe(seen.append)

    def broken(event: Event) -> None:
        raise RuntimeError("bug in the application")

    async def broken_later(event: Event) -> None:
        raise RuntimeError("bug in a coroutine")

    hub.subscribe(broken)
    hub.subscribe(broken_later)
    with caplog.at_level(logging.ERROR):
        hub.emit(BOB_ON)
        await hub.drain()
    assert seen == [BOB_ON]  # the broken callback did not stop delivery
    assert "bug in the application" in caplog.text and "bug in a coroutine" in caplog.text
    subscription.cancel()
    subscription.cancel()
    hub.emit(BOB_OFF)
    assert seen == [BOB_ON]


async def test_streams_filter_buffer_and_end() -> None:
    hub = EventHub()
    everything = hub.stream()
    offline = hub.stream(ContactOffline)
    hub.emit(BOB_ON)
    hub.emit(BOB_OFF)
    assert await everything.get(timeout=1) == BOB_ON
    assert await offline.get(timeout=1) == BOB_OFF
    hub.emit(SignedOut("OUT"))
    hub.close()
    assert [event async for event in everything] == [BOB_OFF, SignedOut("OUT")]
    assert [event async for event in offline] == []
    with pytest.raises(StopAsyncIteration):
        await offline.get(timeout=1)
    # A stream made after the end is already over.
    assert [event async for event in hub.stream()] == []


async def test_wait_for_skips_until_a_match() -> None:
    hub = EventHub()
    stream = hub.stream()
    hub.emit(BOB_ON)
    hub.emit(ContactOffline("carol@example.com"))
    hub.emit(BOB_OFF)
    found = await stream.wait_for(ContactOffline, lambda e: e.email.startswith("bob"), timeout=1)
    assert found == BOB_OFF
    with pytest.raises(TimeoutError):
        await stream.wait_for(SignedOut, timeout=0.05)


async def test_child_hub_forwards_to_parent() -> None:
    parent = EventHub()
    child = EventHub(parent)
    on_parent = parent.stream()
    child.emit(BOB_OFF)
    child.close()
    assert await on_parent.get(timeout=1) == BOB_OFF
    parent.emit(BOB_ON)  # the parent lives on after its child closed
    assert await on_parent.get(timeout=1) == BOB_ON


async def test_closed_stream_stops_receiving() -> None:
    hub = EventHub()
    stream = hub.stream()
    stream.close()
    hub.emit(BOB_ON)
    assert [event async for event in stream] == []

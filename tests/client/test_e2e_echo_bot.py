"""examples/echo_bot.py against the real service: it joins our chat and echoes our text."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path
from types import ModuleType

from client.live import Live
from msnp.client import TextReceived

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "echo_bot.py"


def _load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("echo_bot_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_echo_bot_echoes(live: Live) -> None:
    echo_bot = _load_example()
    stop = asyncio.Event()
    bot = live.client("bob@example.com")
    runner = asyncio.create_task(echo_bot.run_bot(bot, stop))
    async with live.client("alice@example.com") as alice:
        while not bot.signed_in or bot.status != "NLN":
            await asyncio.sleep(0.02)
        chat = await alice.start_chat("bob@example.com")
        replies = chat.events.stream(TextReceived)
        for text in ("hello bot", "ünïcödé ✓", "line one\r\nline two"):
            await chat.send_text(text)
            reply = await replies.get(timeout=5)
            assert (reply.sender, reply.text) == ("bob@example.com", text)
    stop.set()
    assert await asyncio.wait_for(runner, 5) == "OUT"
    assert not bot.signed_in

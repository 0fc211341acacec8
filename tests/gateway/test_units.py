"""The gateway with a stand-in controller: ordering, one request at a time, output bounds,
server-side close and shutdown."""

from __future__ import annotations

import asyncio

from msnp.config import GatewayConfig
from msnp.net.connection import Sink
from msnp.web.gateway import Gateway, GatewaySink
from msnp.web.messages import Headers, Request, Response
from msnp.wire.codec import Command


class Echo:
    """Echoes each command; `WAIT` blocks until `release` is set."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.release = asyncio.Event()
        self.disconnects = 0
        self.seen: list[str] = []

    async def handle(self, command: Command) -> None:
        self.seen.append(command.name)
        if command.name == "WAIT":
            await self.release.wait()
        self.sink.send(f"{command.name} {command.trid}\r\n".encode())

    async def on_disconnect(self) -> None:
        self.disconnects += 1

    def idle_timeout(self) -> float | None:
        return None


def _request(query: dict[str, str], body: bytes = b"") -> Request:
    return Request("POST", "/gateway/gateway.dll", "/gateway/gateway.dll", query, "",
                   "HTTP/1.1", Headers(), body, None, ("192.0.2.7", 4321))


def _session_id(response: Response) -> str:
    info = response.header("X-MSN-Messenger") or ""
    return info.split(";")[0].split("=", 1)[1]


def _gateway(idle_timeout: float = 60.0) -> tuple[Gateway, list[Echo]]:
    made: list[Echo] = []

    def make(sink: Sink) -> Echo:
        made.append(Echo(sink))
        return made[-1]

    return Gateway(GatewayConfig(idle_timeout=idle_timeout), {"NS": make}), made


async def test_commands_in_order_and_replies_in_the_same_answer() -> None:
    gateway, made = _gateway()
    response = await gateway.handle(
        _request({"Action": "open", "Server": "NS", "IP": "1.2.3.4"}, b"A 1\r\nB 2\r\nC 3\r\n")
    )
    assert response.status == 200
    assert response.body == b"A 1\r\nB 2\r\nC 3\r\n"
    assert response.header("X-MSN-Messenger") == (
        f"SessionID={_session_id(response)}; GW-IP=1.2.3.4"
    )
    assert made[0].sink.peer == ("192.0.2.7", 0)
    await gateway.close()
    assert made[0].disconnects == 1


async def test_second_request_while_one_runs_is_400() -> None:
    gateway, made = _gateway()
    opened = await gateway.handle(_request({"action": "OPEN", "server": "ns"}))
    session_id = _session_id(opened)
    first = asyncio.create_task(gateway.handle(_request({"SessionID": session_id}, b"WAIT 1\r\n")))
    await asyncio.sleep(0.01)
    second = await gateway.handle(_request({"Action": "poll", "SessionID": session_id}))
    assert second.status == 400
    made[0].release.set()
    assert (await first).body == b"WAIT 1\r\n"
    await gateway.close()


async def test_server_side_close_is_heard_on_the_next_poll() -> None:
    gateway, made = _gateway()
    session_id = _session_id(await gateway.handle(_request({"Action": "open", "Server": "NS"})))
    made[0].sink.send(b"OUT OTH\r\n")
    made[0].sink.close()  # e.g. signed in elsewhere
    await asyncio.sleep(0)
    assert made[0].disconnects == 1
    response = await gateway.handle(_request({"Action": "poll", "SessionID": session_id}))
    assert response.status == 200
    assert response.body == b"OUT OTH\r\n"
    assert (response.header("X-MSN-Messenger") or "").endswith("; Session=close")
    assert len(gateway) == 0
    again = await gateway.handle(_request({"Action": "poll", "SessionID": session_id}))
    assert again.status == 400
    await gateway.close()
    assert made[0].disconnects == 1


async def test_a_client_that_never_collects_is_dropped() -> None:
    closed: list[bool] = []
    sink = GatewaySink("192.0.2.7", 10, lambda: closed.append(True))
    sink.send(b"12345")
    assert not sink.closed
    sink.send(b"678901")
    assert sink.closed and closed == [True]
    sink.send(b"more")
    assert sink.take() == b""


async def test_idle_expiry_calls_on_disconnect() -> None:
    gateway, made = _gateway(idle_timeout=0.1)
    await gateway.handle(_request({"Action": "open", "Server": "NS"}))
    for _ in range(50):
        await asyncio.sleep(0.02)
        if made[0].disconnects:
            break
    assert made[0].disconnects == 1
    assert len(gateway) == 0
    await gateway.close()


async def test_gw_ip_never_breaks_the_header() -> None:
    gateway, _ = _gateway()
    response = await gateway.handle(
        _request({"Action": "open", "Server": "NS", "IP": "evil\r\nSet-Cookie: x"})
    )
    assert (response.header("X-MSN-Messenger") or "").endswith("; GW-IP=127.0.0.1")
    await gateway.close()

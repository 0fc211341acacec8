"""The asyncio server: lenient requests answered, keep-alive, limits with clear 4xx replies,
handler failures contained, header case preserved, clean shutdown."""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from msnp.web.http_parser import HttpLimits
from msnp.web.messages import Request, Response, encode_response
from msnp.web.router import Router
from msnp.web.server import HttpServer

from .rawhttp import Conn, exchange, read_all, tls10


async def echo(request: Request) -> Response:
    data = {
        "method": request.method,
        "path": request.path,
        "query": dict(request.query),
        "version": request.version,
        "host": request.host,
        "body": request.body.decode("latin-1"),
        "tls": request.tls,
        "client": request.client[0] if request.client else None,
    }
    return Response(200, [("Content-Type", "application/json")], json.dumps(data).encode())


async def boom(request: Request) -> Response:
    raise RuntimeError("handler bug")


async def bad_header(request: Request) -> Response:
    return Response(200, [("X-Split", "a\r\nInjected: yes")])


async def cased(request: Request) -> Response:
    return Response(200, [("PassportURLs", "a=b"), ("X-MiXeD-CaSe", "1")], b"hi")


def make_router(gate: asyncio.Event) -> Router:
    router = Router()
    router.add(("GET", "POST"), "/echo", echo)
    router.add("GET", "/boom", boom)
    router.add("GET", "/bad-header", bad_header)
    router.add("GET", "/cased", cased)

    async def slow(request: Request) -> Response:
        await gate.wait()
        return Response.text(200, "done")

    router.add("GET", "/slow", slow)
    return router


@dataclass
class Rig:
    server: HttpServer
    port: int
    tls_port: int
    gate: asyncio.Event


LIMITS = HttpLimits(
    max_request_line=256,
    max_header_bytes=512,
    max_headers=10,
    max_body=64,
    idle_timeout=0.3,
    request_timeout=0.3,
    max_connections_per_ip=8,
)


@pytest.fixture
async def rig(server_context: ssl.SSLContext) -> AsyncIterator[Rig]:
    gate = asyncio.Event()
    server = HttpServer(make_router(gate), LIMITS)
    port = await server.start("127.0.0.1", 0)
    tls_port = await server.start("127.0.0.1", 0, ssl_context=server_context)
    try:
        yield Rig(server, port, tls_port, gate)
    finally:
        gate.set()
        await server.close()


def body_json(raw: bytes) -> dict[str, object]:
    result: dict[str, object] = json.loads(raw.split(b"\r\n\r\n", 1)[1])
    return result


# ---- lenient requests ------------------------------------------------------------------


async def test_version_less_request_is_answered_with_http11_and_closed(rig: Rig) -> None:
    raw = await read_all(rig.port, b"GET /echo\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"\r\nConnection: close\r\n" in raw
    assert body_json(raw)["version"] == ""


async def test_version_less_request_line_then_half_close(rig: Rig) -> None:
    raw = await read_all(rig.port, b"GET /echo\r\n", half_close=True)
    assert raw.startswith(b"HTTP/1.1 200 OK\r\n")


async def test_absolute_form_and_request_details(rig: Rig) -> None:
    response = await exchange(
        rig.tls_port,
        b"GET https://login.example.com:443/echo?x=1 HTTP/1.1\r\n\r\n",
        tls10(),
    )
    data = json.loads(response.body)
    assert data == {
        "method": "GET",
        "path": "/echo",
        "query": {"x": "1"},
        "version": "HTTP/1.1",
        "host": "login.example.com:443",
        "body": "",
        "tls": True,
        "client": "127.0.0.1",
    }


async def test_http10_without_host_closes_after_reply(rig: Rig) -> None:
    raw = await read_all(rig.port, b"GET /echo HTTP/1.0\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 200 OK\r\n")
    data = body_json(raw)
    assert data["host"] is None and data["tls"] is False


async def test_http10_keep_alive_is_announced(rig: Rig) -> None:
    conn = await Conn.open(rig.port)
    try:
        await conn.send(b"GET /echo HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
        response = await conn.response()
        assert response.header("Connection") == "keep-alive"
        await conn.send(b"GET /echo HTTP/1.0\r\n\r\n")
        assert (await conn.response()).status == 200
        assert await conn.at_eof()
    finally:
        await conn.close()


async def test_host_without_port(rig: Rig) -> None:
    response = await exchange(rig.port, b"GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert json.loads(response.body)["host"] == "127.0.0.1"


async def test_keep_alive_and_pipelining(rig: Rig) -> None:
    conn = await Conn.open(rig.port)
    try:
        await conn.send(
            b"GET /echo?n=1 HTTP/1.1\r\nHost: h\r\n\r\n"
            b"POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
        )
        first = await conn.response()
        second = await conn.response()
        assert json.loads(first.body)["query"] == {"n": "1"}
        assert json.loads(second.body)["body"] == "abc"
        assert first.header("Connection") is None  # HTTP/1.1 keeps it open silently
        await conn.send(b"GET /echo HTTP/1.1\r\nConnection: close\r\n\r\n")
        third = await conn.response()
        assert third.header("Connection") == "close"
        assert await conn.at_eof()
    finally:
        await conn.close()


async def test_expect_100_continue(rig: Rig) -> None:
    conn = await Conn.open(rig.port)
    try:
        await conn.send(b"POST /echo HTTP/1.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
        interim = await conn.response()
        assert interim.status_line == "HTTP/1.1 100 Continue"
        await conn.send(b"ok")
        final = await conn.response()
        assert json.loads(final.body)["body"] == "ok"
    finally:
        await conn.close()


async def test_head_gets_headers_only(rig: Rig) -> None:
    conn = await Conn.open(rig.port)
    try:
        await conn.send(b"HEAD /cased HTTP/1.1\r\n\r\n")
        response = await conn.response(head_only=True)
        assert response.header("Content-Length") == "2"
        await conn.send(b"GET /cased HTTP/1.1\r\n\r\n")
        again = await conn.response()
        assert again.body == b"hi"  # nothing of the HEAD reply's body was in between
    finally:
        await conn.close()


async def test_header_names_are_written_as_given(rig: Rig) -> None:
    response = await exchange(rig.port, b"GET /cased HTTP/1.1\r\n\r\n")
    assert response.raw.startswith(b"HTTP/1.1 200 OK\r\nPassportURLs: a=b\r\nX-MiXeD-CaSe: 1\r\n")
    assert response.header("Date") is not None
    assert response.header("Content-Length") == "2"


async def test_paths_match_case_insensitively(rig: Rig) -> None:
    response = await exchange(rig.port, b"GET /ECHO HTTP/1.1\r\n\r\n")
    assert response.status == 200


# ---- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_bytes", "status_line"),
    [
        (b"GET /nowhere HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found"),
        (b"DELETE /echo HTTP/1.1\r\n\r\n", "HTTP/1.1 405 Method Not Allowed"),
        (
            b"POST /echo HTTP/1.1\r\nContent-Length: 65\r\n\r\n",
            "HTTP/1.1 413 Payload Too Large",
        ),
        (
            b"GET /echo HTTP/1.1\r\n" + b"".join(b"X%d: 1\r\n" % i for i in range(11)) + b"\r\n",
            "HTTP/1.1 431 Request Header Fields Too Large",
        ),
        (b"GET /" + b"a" * 300 + b" HTTP/1.1\r\n\r\n", "HTTP/1.1 414 URI Too Long"),
        (b"GET\r\n\r\n", "HTTP/1.1 400 Bad Request"),
        (b"POST /echo HTTP/1.1\r\nContent-Length: x\r\n\r\n", "HTTP/1.1 400 Bad Request"),
    ],
)
async def test_client_mistakes_get_4xx(rig: Rig, request_bytes: bytes, status_line: str) -> None:
    response = await exchange(rig.port, request_bytes)
    assert response.status_line == status_line


async def test_405_names_allowed_methods_and_keeps_connection(rig: Rig) -> None:
    conn = await Conn.open(rig.port)
    try:
        await conn.send(b"PUT /echo HTTP/1.1\r\n\r\n")
        response = await conn.response()
        assert response.header("Allow") == "GET, HEAD, POST"
        await conn.send(b"GET /echo HTTP/1.1\r\n\r\n")
        assert (await conn.response()).status == 200
    finally:
        await conn.close()


async def test_parse_errors_close_the_connection(rig: Rig) -> None:
    raw = await read_all(rig.port, b"POST /echo HTTP/1.1\r\nContent-Length: 999\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 413 Payload Too Large\r\n")
    assert b"\r\nConnection: close\r\n" in raw


async def test_tls_client_hello_on_plain_port_is_400(rig: Rig) -> None:
    raw = await read_all(rig.port, b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x01")
    assert raw.startswith(b"HTTP/1.1 400 Bad Request\r\n")


async def test_handler_exception_is_logged_500_and_server_survives(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    conn = await Conn.open(rig.port)
    try:
        with caplog.at_level(logging.ERROR, logger="msnp.web.server"):
            await conn.send(b"GET /boom HTTP/1.1\r\n\r\n")
            response = await conn.response()
        assert response.status_line == "HTTP/1.1 500 Internal Server Error"
        assert any("GET /boom" in r.getMessage() for r in caplog.records)
        assert any(r.exc_info and "handler bug" in str(r.exc_info[1]) for r in caplog.records)
        await conn.send(b"GET /echo HTTP/1.1\r\n\r\n")  # same connection still works
        assert (await conn.response()).status == 200
    finally:
        await conn.close()
    assert (await exchange(rig.port, b"GET /echo HTTP/1.1\r\n\r\n")).status == 200


async def test_response_splitting_header_becomes_500(rig: Rig) -> None:
    response = await exchange(rig.port, b"GET /bad-header HTTP/1.1\r\n\r\n")
    assert response.status == 500
    assert response.header("Injected") is None


async def test_idle_keep_alive_connection_is_closed(rig: Rig) -> None:
    conn = await Conn.open(rig.port)
    try:
        await conn.send(b"GET /echo HTTP/1.1\r\n\r\n")
        await conn.response()
        assert await conn.at_eof()  # idle_timeout is 0.3 s
    finally:
        await conn.close()


async def test_slow_request_gets_408(rig: Rig) -> None:
    conn = await Conn.open(rig.port)
    try:
        await conn.send(b"GET /echo HTTP/1.1\r\nHost: x\r\n")  # head never finished
        response = await conn.response()
        assert response.status_line == "HTTP/1.1 408 Request Timeout"
        assert await conn.at_eof()
    finally:
        await conn.close()


async def test_connections_per_address_are_bounded(rig: Rig) -> None:
    conns = [await Conn.open(rig.port) for _ in range(LIMITS.max_connections_per_ip)]
    try:
        # Let the server register all of them before the one too many arrives.
        for conn in conns:
            await conn.send(b"GET /echo HTTP/1.1\r\n\r\n")
            assert (await conn.response()).status == 200
        refused = await exchange(rig.port, b"GET /echo HTTP/1.1\r\n\r\n")
        assert refused.status_line == "HTTP/1.1 503 Service Unavailable"
    finally:
        for conn in conns:
            await conn.close()
    await asyncio.sleep(0.05)
    assert (await exchange(rig.port, b"GET /echo HTTP/1.1\r\n\r\n")).status == 200


# ---- shutdown --------------------------------------------------------------------------


async def test_close_finishes_busy_requests_and_drops_idle_ones(rig: Rig) -> None:
    idle = await Conn.open(rig.port)
    busy = await Conn.open(rig.port)
    try:
        await busy.send(b"GET /slow HTTP/1.1\r\n\r\n")
        await asyncio.sleep(0.05)
        closing = asyncio.create_task(rig.server.close(grace=2.0))
        await asyncio.sleep(0.05)
        assert await idle.at_eof()
        rig.gate.set()
        response = await busy.response()
        assert response.status == 200
        assert response.header("Connection") == "close"
        await closing
        with pytest.raises(OSError):
            await Conn.open(rig.port)
    finally:
        await idle.close()
        await busy.close()


# ---- encoding --------------------------------------------------------------------------


def test_encode_response_status_lines_and_defaults() -> None:
    assert encode_response(Response(302, [("Location", "x")])).startswith(
        b"HTTP/1.1 302 Found\r\nLocation: x\r\nContent-Length: 0\r\n\r\n"
    )
    assert encode_response(Response(401)).startswith(b"HTTP/1.1 401 Unauthorized\r\n")
    assert encode_response(Response(200)).startswith(b"HTTP/1.1 200 OK\r\n")
    no_body = encode_response(Response(204, body=b"x"))
    assert b"Content-Length" not in no_body and not no_body.endswith(b"x")
    given = encode_response(Response(200, [("content-length", "0")], b""), keep_alive=False)
    assert given == b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nConnection: close\r\n\r\n"
    with pytest.raises(ValueError):
        encode_response(Response(200, [("X", "a\nb")]))
    with pytest.raises(ValueError):
        encode_response(Response(200, [("X: y", "a")]))

"""The sans-IO request parser: lenient forms, limits, chunking, and fuzzing."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msnp.web.http_parser import HttpLimits, RequestParser
from msnp.web.messages import HttpError, Request


def parse_all(data: bytes, limits: HttpLimits | None = None) -> list[Request]:
    parser = RequestParser(limits)
    parser.feed(data)
    out = []
    while (request := parser.next_request()) is not None:
        out.append(request)
    return out


def parse_one(data: bytes, limits: HttpLimits | None = None) -> Request:
    requests = parse_all(data, limits)
    assert len(requests) == 1
    return requests[0]


def refused(data: bytes, limits: HttpLimits | None = None) -> int:
    with pytest.raises(HttpError) as info:
        parse_all(data, limits)
    return info.value.status


# ---- request lines ---------------------------------------------------------------------


def test_version_less_request_line() -> None:
    request = parse_one(b"GET /rdr/pprdr.asp\r\n\r\n")
    assert (request.method, request.path, request.version) == ("GET", "/rdr/pprdr.asp", "")
    assert request.host is None
    assert not request.keep_alive


def test_version_less_with_headers_and_bare_lf() -> None:
    request = parse_one(b"GET /rdr/pprdr.asp\nHost: nexus\nX-A: 1\n\n")
    assert request.host == "nexus"
    assert request.headers.get("x-a") == "1"


def test_absolute_form_target() -> None:
    request = parse_one(b"GET https://login.example.com:443/login2.srf?a=1 HTTP/1.1\r\n\r\n")
    assert request.path == "/login2.srf"
    assert request.query == {"a": "1"}
    assert request.host == "login.example.com:443"  # no Host header: the target's authority
    assert request.target == "https://login.example.com:443/login2.srf?a=1"


def test_absolute_form_without_path_and_host_header_wins() -> None:
    request = parse_one(b"GET http://user@h.example HTTP/1.1\r\nHost: other\r\n\r\n")
    assert request.path == "/"
    assert request.host == "other"


def test_http10_without_host() -> None:
    request = parse_one(b"GET /x HTTP/1.0\r\n\r\n")
    assert request.version == "HTTP/1.0"
    assert request.host is None
    assert not request.keep_alive


def test_keep_alive_rules() -> None:
    assert parse_one(b"GET / HTTP/1.1\r\n\r\n").keep_alive
    assert not parse_one(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n").keep_alive
    assert parse_one(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keep_alive


def test_lenient_request_line_forms() -> None:
    assert parse_one(b"get /a%20b http/1.1\r\n\r\n").method == "GET"
    assert parse_one(b"get /a%20b http/1.1\r\n\r\n").path == "/a b"
    assert parse_one(b"GET /a b HTTP/1.1\r\n\r\n").target == "/a%20b"  # raw space in target
    assert parse_one(b"GET  /x   HTTP/1.1\r\n\r\n").path == "/x"
    assert parse_one(b"GET x/y HTTP/1.1\r\n\r\n").path == "/x/y"
    assert parse_one(b"\r\n\r\nGET /x HTTP/1.1\r\n\r\n").path == "/x"  # stray empty lines
    assert parse_one(b"GET /x HTTP/1.5\r\n\r\n").version == "HTTP/1.1"
    assert parse_one(b"GET /x#frag HTTP/1.1\r\n\r\n").path == "/x"


def test_query_parsing() -> None:
    request = parse_one(b"GET /c?op=GetClientConfig&Country=US&x=&y=a+b HTTP/1.1\r\n\r\n")
    assert request.query == {"op": "GetClientConfig", "Country": "US", "x": "", "y": "a b"}
    assert request.query_string == "op=GetClientConfig&Country=US&x=&y=a+b"


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"GET\r\n\r\n", 400),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400),  # TLS on the plain port
        (b"G(T / HTTP/1.1\r\n\r\n", 400),
        (b"GET / HTTP/2.0\r\n\r\n", 505),
    ],
)
def test_bad_request_lines(data: bytes, status: int) -> None:
    assert refused(data) == status


# ---- headers ---------------------------------------------------------------------------


def test_headers_keep_case_and_order_and_look_up_case_insensitively() -> None:
    request = parse_one(b"GET / HTTP/1.1\r\nX-One: 1\r\nx-one: 2\r\nAuThOrIzAtIoN:  a b \r\n\r\n")
    assert request.headers.items() == [("X-One", "1"), ("x-one", "2"), ("AuThOrIzAtIoN", "a b")]
    assert request.headers.get("authorization") == "a b"
    assert request.headers.get_all("X-ONE") == ["1", "2"]
    assert "x-one" in request.headers
    assert "missing" not in request.headers


def test_folded_and_junk_header_lines() -> None:
    request = parse_one(
        b"GET / HTTP/1.1\r\nX-Long: a\r\n  b\r\nno colon here\r\n: empty\r\nBad Name: x\r\n\r\n"
    )
    assert request.headers.items() == [("X-Long", "a b")]


def test_header_limits() -> None:
    limits = HttpLimits(max_headers=3, max_header_bytes=100, max_request_line=30)
    assert parse_one(b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits)
    assert refused(b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", limits) == 431
    assert refused(b"GET / HTTP/1.1\r\nA: " + b"x" * 200 + b"\r\n\r\n", limits) == 431
    assert refused(b"GET /" + b"x" * 40 + b" HTTP/1.1\r\n\r\n", limits) == 414


def test_limits_apply_before_the_end_of_the_head_arrives() -> None:
    limits = HttpLimits(max_header_bytes=100, max_request_line=30)
    parser = RequestParser(limits)
    parser.feed(b"GET /" + b"x" * 40)  # no line end yet
    with pytest.raises(HttpError) as info:
        parser.next_request()
    assert info.value.status == 414
    parser = RequestParser(limits)
    parser.feed(b"GET / HTTP/1.1\r\nA: " + b"x" * 200)
    with pytest.raises(HttpError) as info:
        parser.next_request()
    assert info.value.status == 431


def test_parser_is_unusable_after_an_error() -> None:
    parser = RequestParser()
    parser.feed(b"GET\r\n\r\n")
    with pytest.raises(HttpError):
        parser.next_request()
    parser.feed(b"GET / HTTP/1.1\r\n\r\n")
    with pytest.raises(HttpError):
        parser.next_request()


# ---- bodies ----------------------------------------------------------------------------


def test_content_length_body_and_pipelining() -> None:
    data = (
        b"POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
        b"\r\nGET /b HTTP/1.1\r\n\r\n"  # a stray CRLF after a body is tolerated
    )
    first, second = parse_all(data)
    assert (first.path, first.body) == ("/a", b"hello")
    assert (second.path, second.body) == ("/b", b"")


def test_body_waits_for_all_bytes_and_exposes_pending_head() -> None:
    parser = RequestParser()
    parser.feed(b"POST /a HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\nab")
    assert parser.next_request() is None
    assert parser.pending_head is not None
    assert parser.pending_head.headers.get("Expect") == "100-continue"
    parser.feed(b"cd")
    request = parser.next_request()
    assert request is not None and request.body == b"abcd"
    assert parser.pending_head is None


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        (b"Content-Length: 11\r\n", 413),
        (b"Content-Length: -1\r\n", 400),
        (b"Content-Length: 1x\r\n", 400),
        (b"Content-Length: 1\r\nContent-Length: 2\r\n", 400),
        (b"Transfer-Encoding: gzip\r\n", 400),
    ],
)
def test_bad_bodies(headers: bytes, status: int) -> None:
    limits = HttpLimits(max_body=10)
    assert refused(b"POST / HTTP/1.1\r\n" + headers + b"\r\n", limits) == status


def test_repeated_identical_content_length_is_fine() -> None:
    request = parse_one(b"POST / HTTP/1.1\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nok")
    assert request.body == b"ok"


def test_chunked_body() -> None:
    data = (
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n"
        b"GET /next HTTP/1.1\r\n\r\n"
    )
    first, second = parse_all(data)
    assert first.body == b"hello world"
    assert second.path == "/next"


def test_chunked_limits_and_errors() -> None:
    limits = HttpLimits(max_body=8)
    head = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert refused(head + b"5\r\nhello\r\n5\r\n", limits) == 413
    assert refused(head + b"zz\r\n", limits) == 400
    assert refused(head + b"2\r\nhiX\r\n", limits) == 400


# ---- end of input ----------------------------------------------------------------------


def test_eof_completes_a_head_without_its_empty_line() -> None:
    parser = RequestParser()
    parser.feed(b"GET /rdr/pprdr.asp\r\n")
    assert parser.next_request() is None
    request = parser.feed_eof()
    assert request is not None and request.path == "/rdr/pprdr.asp"


def test_eof_drops_an_incomplete_body() -> None:
    parser = RequestParser()
    parser.feed(b"POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\nabc")
    assert parser.next_request() is None
    assert parser.feed_eof() is None


def test_has_partial() -> None:
    parser = RequestParser()
    assert not parser.has_partial
    parser.feed(b"\r\n")
    assert not parser.has_partial
    parser.feed(b"G")
    assert parser.has_partial


# ---- properties ------------------------------------------------------------------------

SAMPLE = (
    b"GET /rdr/pprdr.asp\r\n\r\n"
    b"POST /Config/MsgrConfig.asmx HTTP/1.1\r\nContent-Length: 3\r\nSOAPAction: x\r\n\r\nabc"
    b"GET https://h:443/login2.srf HTTP/1.1\r\nAuthorization: Passport1.4 a=b\r\n\r\n"
    b"PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nxyz\r\n0\r\n\r\n"
    b"GET /d HTTP/1.0\n\n"
)


def test_sample_parses() -> None:
    assert [(r.path, r.body) for r in parse_all(SAMPLE)] == [
        ("/rdr/pprdr.asp", b""),
        ("/Config/MsgrConfig.asmx", b"abc"),
        ("/login2.srf", b""),
        ("/c", b"xyz"),
        ("/d", b""),
    ]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(SAMPLE)), max_size=12))
def test_any_split_of_the_input_gives_the_same_requests(cuts: list[int]) -> None:
    expected = parse_all(SAMPLE)
    parser = RequestParser()
    got: list[Request] = []
    points = sorted({0, *cuts, len(SAMPLE)})
    for start, end in itertools.pairwise(points):
        parser.feed(SAMPLE[start:end])
        while (request := parser.next_request()) is not None:
            got.append(request)
    assert [(r.method, r.path, r.body, r.headers.items()) for r in got] == [
        (r.method, r.path, r.body, r.headers.items()) for r in expected
    ]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_only_ever_give_requests_or_http_errors(data: bytes) -> None:
    limits = HttpLimits(max_request_line=64, max_header_bytes=128, max_headers=4, max_body=64)
    parser = RequestParser(limits)
    parser.feed(data)
    try:
        for _ in range(len(data) + 1):
            request = parser.next_request()
            if request is None:
                break
            assert len(request.body) <= 64
            assert len(request.headers) <= 4
        parser.feed_eof()
    except HttpError as exc:
        assert 400 <= exc.status < 600

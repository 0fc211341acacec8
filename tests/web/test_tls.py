"""Certificates (self-signed once and reused, or the operator's) and handshakes from TLS 1.0
to 1.3, with and without SNI."""

from __future__ import annotations

import asyncio
import ssl
import stat
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from msnp.config import Config, HostPort, HttpsConfig, PassportConfig, ServerConfig
from msnp.web import tls
from msnp.web.messages import Request, Response
from msnp.web.router import Router
from msnp.web.server import HttpServer
from msnp.web.tls import (
    certificate_names,
    ensure_self_signed,
    https_context,
    make_self_signed,
    self_signed_paths,
    server_ssl_context,
)

from .rawhttp import Conn, client_context, exchange


def san_of(cert_path: Path) -> set[str]:
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {*san.get_values_for_type(x509.DNSName)} | {
        str(a) for a in san.get_values_for_type(x509.IPAddress)
    }


def common_name(der: bytes) -> str:
    cert = x509.load_der_x509_certificate(der)
    value = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    return value if isinstance(value, str) else value.decode()


async def hello(request: Request) -> Response:
    return Response.text(200, "hello")


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[ssl.SSLContext], asyncio.Task[int]]]:
    router = Router()
    router.add("GET", "/", hello)
    servers: list[HttpServer] = []

    def start(context: ssl.SSLContext) -> asyncio.Task[int]:
        server = HttpServer(router)
        servers.append(server)
        return asyncio.ensure_future(server.start("127.0.0.1", 0, ssl_context=context))

    yield start
    for server in servers:
        await server.close()


@pytest.fixture(autouse=True)
def fast_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    # 1024-bit keys generate several times faster; the real size is checked once below.
    monkeypatch.setattr(tls, "RSA_BITS", 1024)


# ---- certificate files -----------------------------------------------------------------


def test_default_certificate_is_rsa_2048_sha256(tls_files: tuple[Path, Path]) -> None:
    cert = x509.load_pem_x509_certificate(tls_files[0].read_bytes())
    key = cert.public_key()
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048
    assert cert.signature_hash_algorithm is not None
    assert cert.signature_hash_algorithm.name == "sha256"
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in usage


def test_self_signed_made_once_and_reused(tmp_path: Path) -> None:
    cert, key = ensure_self_signed(tmp_path, ["localhost", "127.0.0.1"])
    assert (cert, key) == self_signed_paths(tmp_path)
    assert (cert, key) == (tmp_path / "tls" / "cert.pem", tmp_path / "tls" / "key.pem")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    first = (cert.read_bytes(), key.read_bytes(), cert.stat().st_mtime_ns)
    again = ensure_self_signed(tmp_path, ["127.0.0.1", "localhost"])
    assert again == (cert, key)
    assert (cert.read_bytes(), key.read_bytes(), cert.stat().st_mtime_ns) == first
    assert san_of(cert) == {"localhost", "127.0.0.1"}


def test_self_signed_remade_for_new_names_or_broken_files(tmp_path: Path) -> None:
    cert, key = ensure_self_signed(tmp_path, ["localhost"])
    first = cert.read_bytes()
    ensure_self_signed(tmp_path, ["localhost", "login.example.test"])
    second = cert.read_bytes()
    assert second != first
    assert san_of(cert) == {"localhost", "login.example.test"}
    key.write_bytes(b"not a key")
    ensure_self_signed(tmp_path, ["localhost", "login.example.test"])
    assert cert.read_bytes() != second
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    server_ssl_context(cert, key)  # the new pair loads


def test_certificate_names_cover_config_hosts() -> None:
    config = Config(
        server=ServerConfig(public_host="msn.example.org"),
        https=HttpsConfig(listen=HostPort("0.0.0.0", 443), hostnames=("localhost", "LOGIN.x")),
        passport=PassportConfig(dalogin="passport.example.org:8443/login2.srf"),
    )
    assert certificate_names(config) == (
        "localhost",
        "login.x",
        "msn.example.org",
        "passport.example.org",
    )
    assert "127.0.0.1" in certificate_names(Config())  # default listen host and hostnames


async def test_https_context_makes_the_certificate_in_data_dir(tmp_path: Path) -> None:
    config = Config(
        server=ServerConfig(data_dir=tmp_path),
        https=HttpsConfig(listen=HostPort("127.0.0.2", 0), hostnames=("localhost",)),
    )
    context = await https_context(config)
    assert isinstance(context, ssl.SSLContext)
    cert, key = self_signed_paths(tmp_path)
    assert san_of(cert) == {"localhost", "127.0.0.2"}
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    before = cert.read_bytes()
    await https_context(config)
    assert cert.read_bytes() == before


async def test_key_generation_does_not_block_the_event_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tls.make_self_signed

    def slow(names: list[str]) -> tuple[bytes, bytes]:
        time.sleep(0.2)  # stands for a slow machine generating the key
        return real(names)

    monkeypatch.setattr(tls, "make_self_signed", slow)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    try:
        await https_context(Config(server=ServerConfig(data_dir=tmp_path)))
    finally:
        task.cancel()
    assert ticks >= 10


async def test_operator_certificate_is_used(
    tmp_path: Path, serve: Callable[[ssl.SSLContext], asyncio.Task[int]]
) -> None:
    cert_pem, key_pem = make_self_signed(["operator.example"])
    (tmp_path / "op-cert.pem").write_bytes(cert_pem)
    (tmp_path / "op-key.pem").write_bytes(key_pem)
    data_dir = tmp_path / "data"
    config = Config(
        server=ServerConfig(data_dir=data_dir),
        https=HttpsConfig(cert_file=tmp_path / "op-cert.pem", key_file=tmp_path / "op-key.pem"),
    )
    port = await serve(await https_context(config))
    conn = await Conn.open(port, client_context())
    try:
        der = conn.writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    finally:
        await conn.close()
    assert common_name(der) == "operator.example"
    assert not self_signed_paths(data_dir)[0].exists()


async def test_operator_certificate_and_key_in_one_file(
    tmp_path: Path, serve: Callable[[ssl.SSLContext], asyncio.Task[int]]
) -> None:
    cert_pem, key_pem = make_self_signed(["combined.example"])
    (tmp_path / "both.pem").write_bytes(cert_pem + key_pem)
    config = Config(
        server=ServerConfig(data_dir=tmp_path / "data"),
        https=HttpsConfig(cert_file=tmp_path / "both.pem"),
    )
    port = await serve(await https_context(config))
    response = await exchange(port, b"GET / HTTP/1.1\r\n\r\n", client_context())
    assert response.body == b"hello"


def test_unknown_min_tls_is_refused(tls_files: tuple[Path, Path]) -> None:
    with pytest.raises(ValueError, match=r"TLSv1\.4"):
        server_ssl_context(*tls_files, min_tls="TLSv1.4")


# ---- handshakes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "name"),
    [
        (ssl.TLSVersion.TLSv1, "TLSv1"),
        (ssl.TLSVersion.TLSv1_1, "TLSv1.1"),
        (ssl.TLSVersion.TLSv1_2, "TLSv1.2"),
        (ssl.TLSVersion.TLSv1_3, "TLSv1.3"),
    ],
)
async def test_every_tls_version_without_sni(
    server_context: ssl.SSLContext,
    serve: Callable[[ssl.SSLContext], asyncio.Task[int]],
    version: ssl.TLSVersion,
    name: str,
) -> None:
    seen: list[str | None] = []

    def record_sni(sock: ssl.SSLObject, server_name: str | None, ctx: ssl.SSLContext) -> None:
        seen.append(server_name)

    server_context.sni_callback = record_sni
    port = await serve(server_context)
    conn = await Conn.open(port, client_context(version), server_hostname="")
    try:
        assert conn.tls_version == name
        await conn.send(b"GET / HTTP/1.1\r\n\r\n")
        assert (await conn.response()).body == b"hello"
    finally:
        await conn.close()
    assert seen == [None]  # the client really sent no SNI


async def test_rsa_key_exchange_suite_of_old_openssl_clients(
    server_context: ssl.SSLContext, serve: Callable[[ssl.SSLContext], asyncio.Task[int]]
) -> None:
    port = await serve(server_context)
    context = client_context(ssl.TLSVersion.TLSv1)
    context.set_ciphers("AES128-SHA:@SECLEVEL=0")  # no ECDHE: what 2003-era OpenSSL offers
    conn = await Conn.open(port, context)
    try:
        assert conn.writer.get_extra_info("cipher")[0] == "AES128-SHA"
    finally:
        await conn.close()


async def test_sni_name_is_accepted_too(
    server_context: ssl.SSLContext, serve: Callable[[ssl.SSLContext], asyncio.Task[int]]
) -> None:
    port = await serve(server_context)
    response = await exchange(
        port, b"GET / HTTP/1.1\r\n\r\n", client_context(), server_hostname="login.example.test"
    )
    assert response.status == 200


@pytest.mark.parametrize("hostname", ["localhost", "127.0.0.1"])
async def test_certificate_verifies_for_its_names(
    tls_files: tuple[Path, Path],
    serve: Callable[[ssl.SSLContext], asyncio.Task[int]],
    hostname: str,
) -> None:
    port = await serve(server_ssl_context(*tls_files))
    context = client_context(cafile=str(tls_files[0]))
    response = await exchange(port, b"GET / HTTP/1.1\r\n\r\n", context, server_hostname=hostname)
    assert response.status == 200


async def test_min_tls_raises_the_floor(
    tls_files: tuple[Path, Path], serve: Callable[[ssl.SSLContext], asyncio.Task[int]]
) -> None:
    port = await serve(server_ssl_context(*tls_files, min_tls="TLSv1.2"))
    with pytest.raises((ssl.SSLError, ConnectionError)):
        conn = await Conn.open(port, client_context(ssl.TLSVersion.TLSv1))
        await conn.close()
    conn = await Conn.open(port, client_context(ssl.TLSVersion.TLSv1_2))
    try:
        assert conn.tls_version == "TLSv1.2"
    finally:
        await conn.close()

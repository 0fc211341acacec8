"""Fixtures for client tests: a self-signed certificate made here with `cryptography`, and a
fake Passport server that trusts the account alice@example.com / "pa ss,word"."""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from client.fakes import FakePassport
from client.live import Live, live_service

ALICE = "alice@example.com"
ALICE_PASSWORD = "pa ss,word"  # a space and a comma: both must be %-encoded on the way


def make_certificate(directory: Path) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "msnp client tests")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def cert_file(tls_files: tuple[Path, Path]) -> Path:
    return tls_files[0]


@pytest.fixture
async def passport(tls_files: tuple[Path, Path]) -> AsyncIterator[FakePassport]:
    async with FakePassport(*tls_files, accounts={ALICE: ALICE_PASSWORD}) as server:
        yield server


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[Live]:
    """The real service with alice, bob and carol (see client/live.py)."""
    async with live_service(tmp_path) as service:
        yield service

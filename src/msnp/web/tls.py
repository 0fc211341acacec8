"""TLS for the Passport endpoints: a self-signed certificate made on first run (or the
operator's), and a server context that old and new clients can both complete a handshake with.

Clients of 2003-2007 speak only TLS 1.0 (`TLSv1_client_method`); NSS-based ones insist on 1.2
or newer. OpenSSL 3 refuses TLS 1.0/1.1 below security level 0, hence `@SECLEVEL=0`. 3DES and
RC4 are listed last for Windows XP's SChannel (it has no AES), and are silently absent where the
local OpenSSL was built without them.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import logging
import os
import ssl
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from msnp.config import Config

log = logging.getLogger(__name__)

TLS_VERSIONS: Mapping[str, ssl.TLSVersion] = MappingProxyType(
    {
        "TLSv1": ssl.TLSVersion.TLSv1,
        "TLSv1.1": ssl.TLSVersion.TLSv1_1,
        "TLSv1.2": ssl.TLSVersion.TLSv1_2,
        "TLSv1.3": ssl.TLSVersion.TLSv1_3,
    }
)

#: Modern suites first (the server's order wins), legacy ones after; no anonymous/PSK/SRP.
LEGACY_FRIENDLY_CIPHERS = "DEFAULT:!PSK:!SRP:!aNULL:!eNULL:3DES:RC4:@SECLEVEL=0"

CERT_VALID_DAYS = 3650  # installed by hand on old client machines: make it last
RENEW_BEFORE_DAYS = 30
RSA_BITS = 2048  # RSA, not EC: clients of the era know no ECDSA


def self_signed_paths(data_dir: Path) -> tuple[Path, Path]:
    """Where the generated certificate and key live: (<data_dir>/tls/cert.pem, .../key.pem)."""
    directory = data_dir / "tls"
    return directory / "cert.pem", directory / "key.pem"


def certificate_names(config: Config) -> tuple[str, ...]:
    """Names a self-signed certificate must cover: `https.hostnames`, the public host, the
    host part of DALogin and the HTTPS listen host (wildcard addresses are not names)."""
    candidates: list[str] = list(config.https.hostnames)
    if config.server.public_host:
        candidates.append(config.server.public_host)
    dalogin_host = config.dalogin.split("/", 1)[0]
    if dalogin_host.startswith("["):
        dalogin_host = dalogin_host[1:].partition("]")[0]
    elif dalogin_host.count(":") == 1:
        dalogin_host = dalogin_host.partition(":")[0]
    candidates.append(dalogin_host)
    candidates.append(config.https.listen.host)
    names: list[str] = []
    for name in candidates:
        name = name.strip().lower()
        if name and name not in ("0.0.0.0", "::") and name not in names:
            names.append(name)
    return tuple(names)


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name.encode("idna").decode("ascii") if not name.isascii() else name)


def _covered(cert: x509.Certificate) -> set[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    covered = {n.lower() for n in san.get_values_for_type(x509.DNSName)}
    covered |= {str(a) for a in san.get_values_for_type(x509.IPAddress)}
    return covered


def _wanted(names: Iterable[str]) -> set[str]:
    wanted: set[str] = set()
    for name in names:
        general = _general_name(name)
        if isinstance(general, x509.IPAddress):
            wanted.add(str(general.value))
        else:
            wanted.add(str(general.value).lower())
    return wanted


def _usable(cert_path: Path, key_path: Path, names: Sequence[str]) -> bool:
    """Whether an existing pair can be reused: readable, matching, valid for a while yet,
    covering every name."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return False
    if cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ):
        return False
    now = datetime.datetime.now(datetime.UTC)
    if cert.not_valid_after_utc < now + datetime.timedelta(days=RENEW_BEFORE_DAYS):
        return False
    return _wanted(names) <= _covered(cert)


def _write_private(path: Path, data: bytes, mode: int) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.chmod(tmp, mode)  # the umask may have narrowed it; never widened beyond `mode`
    os.replace(tmp, path)


def make_self_signed(names: Sequence[str]) -> tuple[bytes, bytes]:
    """A new RSA key and a self-signed certificate for `names` as (cert PEM, key PEM).
    CPU-heavy (key generation): call from a thread when an event loop is running."""
    if not names:
        raise ValueError("a certificate needs at least one name")
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0][:64])])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=CERT_VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName([_general_name(n) for n in names]), False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_encipherment=True,  # RSA key exchange, all that many old clients offer
                content_commitment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return cert_pem, key_pem


def ensure_self_signed(data_dir: Path, names: Sequence[str]) -> tuple[Path, Path]:
    """The generated (cert, key) paths under data_dir, made now unless a usable pair exists.
    Blocking: from async code use `ensure_self_signed_async`."""
    cert_path, key_path = self_signed_paths(data_dir)
    if _usable(cert_path, key_path, names):
        return cert_path, key_path
    if cert_path.exists():
        log.warning("replacing the self-signed certificate in %s (names, expiry or key)", cert_path)
    cert_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    cert_pem, key_pem = make_self_signed(names)
    _write_private(key_path, key_pem, 0o600)
    _write_private(cert_path, cert_pem, 0o644)
    log.info("made a self-signed certificate for %s in %s", ", ".join(names), cert_path)
    return cert_path, key_path


async def ensure_self_signed_async(data_dir: Path, names: Sequence[str]) -> tuple[Path, Path]:
    return await asyncio.to_thread(ensure_self_signed, data_dir, names)


def server_ssl_context(
    cert_file: Path,
    key_file: Path | None = None,
    min_tls: str = "TLSv1",
    ciphers: str = LEGACY_FRIENDLY_CIPHERS,
) -> ssl.SSLContext:
    """A server context accepting `min_tls` up to TLS 1.3, with or without SNI.
    `key_file` None: the key is in `cert_file`."""
    try:
        minimum = TLS_VERSIONS[min_tls]
    except KeyError:
        known = ", ".join(TLS_VERSIONS)
        raise ValueError(f"unknown TLS version {min_tls!r}; known: {known}") from None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    # Set explicitly: the system OpenSSL configuration may raise the floor to TLS 1.2.
    context.set_ciphers(ciphers)
    with warnings.catch_warnings():
        # Python deprecates TLS 1.0/1.1; supporting the clients that speak only those is
        # the point here, and the operator can raise the floor with https.min_tls.
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = minimum
    context.maximum_version = ssl.TLSVersion.MAXIMUM_SUPPORTED
    context.options |= ssl.OP_CIPHER_SERVER_PREFERENCE | ssl.OP_NO_COMPRESSION
    context.load_cert_chain(str(cert_file), str(key_file) if key_file else None)
    return context


def certificate_files(config: Config) -> tuple[Path, Path | None]:
    """(cert, key) for `config`: the operator's files when `https.cert_file` is set, else the
    self-signed pair, made now if missing or unusable. Blocking (key generation)."""
    https = config.https
    if https.cert_file is not None:
        return https.cert_file, https.key_file
    return ensure_self_signed(config.server.data_dir, certificate_names(config))


async def https_context(config: Config) -> ssl.SSLContext:
    """The HTTPS server context for `config`. Key generation runs in a thread; loading two
    small PEM files stays on the caller's thread."""
    cert, key = await asyncio.to_thread(certificate_files, config)
    return server_ssl_context(cert, key, config.https.min_tls)

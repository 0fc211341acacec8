"""Command-line options shared by `msnp chat` and `msnp send`: where the service is, how to
trust its certificate, and how the password is given. Defaults come from the service's own
config file (`--config`), so on the server's machine no option is needed."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TextIO

from msnp.client.config import ClientConfig
from msnp.config import Config, HostPort
from msnp.web.tls import self_signed_paths

PASSWORD_ENV = "MSNP_PASSWORD"
ACCOUNT_ENV = "MSNP_ACCOUNT"
_WILDCARDS = ("0.0.0.0", "::", "")


def add_client_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("connection")
    group.add_argument(
        "--server",
        metavar="HOST:PORT",
        help="dispatch server (default: the config's dispatch listener)",
    )
    group.add_argument(
        "--direct",
        action="store_true",
        help="--server is a notification server: skip the dispatch step",
    )
    group.add_argument(
        "--nexus", metavar="URL", help="Passport nexus URL (default: from the config's https)"
    )
    group.add_argument(
        "--ca-file",
        type=Path,
        metavar="FILE",
        help="certificate to trust for Passport HTTPS (default: the service's own)",
    )
    group.add_argument(
        "--insecure", action="store_true", help="do not verify the Passport certificate"
    )
    group.add_argument("--msnp8", action="store_true", help="speak MSNP8 instead of MSNP9")
    group.add_argument("--cache", type=Path, metavar="FILE", help="contact list cache (JSON)")
    group.add_argument(
        "--timeout", type=float, default=10.0, metavar="SECONDS", help="reply timeout (10)"
    )
    group.add_argument(
        "--password-stdin",
        action="store_true",
        help=f"read the password from the first line of stdin (else ${PASSWORD_ENV} or a prompt)",
    )


def _reachable(address: HostPort, public_host: str | None) -> str:
    host = public_host or address.host
    return "127.0.0.1" if host in _WILDCARDS else host


def client_config(args: argparse.Namespace, config: Config) -> ClientConfig:
    """A ClientConfig from the options, falling back to what the service config says."""
    public = config.server.public_host
    if args.server:
        server = args.server
    elif config.dispatch.enabled and not args.direct:
        listen = config.dispatch.listen
        server = f"{_reachable(listen, public)}:{listen.port}"
    else:
        listen = config.ns_address
        server = f"{_reachable(listen, public)}:{listen.port}"
    if args.nexus:
        nexus = args.nexus
    else:
        listen = config.https.listen
        nexus = f"https://{_reachable(listen, public)}:{listen.port}/rdr/pprdr.asp"
    ca_file = args.ca_file
    if ca_file is None and not args.insecure:
        ca_file = _service_certificate(config)
    return ClientConfig(
        server=server,
        via_dispatch=not args.direct,
        nexus_url=nexus,
        ca_file=ca_file,
        insecure=args.insecure,
        dialect="MSNP8" if args.msnp8 else "MSNP9",
        timeout=args.timeout,
        cache_path=args.cache,
    )


def _service_certificate(config: Config) -> Path | None:
    """The operator's certificate, or the self-signed one the service made, if present."""
    if config.https.cert_file is not None:
        return config.https.cert_file
    generated = self_signed_paths(config.server.data_dir)[0]
    return generated if generated.is_file() else None


def read_password(args: argparse.Namespace, stdin: TextIO | None = None) -> str:
    """--password-stdin: the first line of stdin; else $MSNP_PASSWORD; else a prompt at a
    terminal, or the first line of stdin when it is not one."""
    stream = sys.stdin if stdin is None else stdin
    if not args.password_stdin:
        from_env = os.environ.get(PASSWORD_ENV)
        if from_env is not None:
            return from_env
        if stream.isatty():
            return getpass.getpass("Password: ")
    line = stream.readline()
    if not line:
        raise ValueError("no password given: standard input is empty")
    return line.rstrip("\r\n")

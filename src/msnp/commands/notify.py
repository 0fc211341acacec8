"""`msnp notify [--to EMAIL | --all] [--url URL] [--rich HTML] TEXT`: send an MSN Alert to
one signed-in user or to everyone signed in, through the running service's admin endpoint
(`msnp.web.admin`). Reads the same --config as `msnp serve`: the HTTP listen address and
the data directory, where the service keeps its admin token."""

from __future__ import annotations

import argparse
import http.client
import json
import sys
from typing import Any

from msnp.commands.common import CommandError, Subparsers, add_command
from msnp.config import Config, HostPort
from msnp.web.admin import NOTIFY_PATH, Alert, check_alert, read_admin_token, token_path

TIMEOUT = 10.0
_WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}


def admin_address(config: Config, override: str | None = None) -> HostPort:
    """Where to reach the admin endpoint: --server, else the [http] listen address (a
    wildcard listen address is reached over loopback, which the endpoint requires)."""
    if override:
        return HostPort.parse(override, "--server")
    if not config.http.enabled:
        raise CommandError("the HTTP listener is disabled in this configuration ([http])")
    listen = config.http.listen
    if listen.port == 0:
        raise CommandError("[http] listen has port 0; give the real one with --server")
    return HostPort(_WILDCARDS.get(listen.host, listen.host), listen.port)


class ServiceUnreachable(CommandError):
    """Nothing answers at the admin address: the service is not running there."""


def post_admin(
    address: HostPort, token: str, path: str, request: dict[str, Any]
) -> dict[str, Any]:
    """POST a JSON request to an admin path of the running service; returns the JSON
    answer or raises CommandError with its reason."""
    body = json.dumps(request).encode("utf-8")
    connection = http.client.HTTPConnection(address.host, address.port, timeout=TIMEOUT)
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Host": f"{address.host}:{address.port}",
            },
        )
        response = connection.getresponse()
        raw = response.read()
    except OSError as exc:
        raise ServiceUnreachable(f"cannot reach the service at {address}: {exc}") from None
    finally:
        connection.close()
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        answer = None
    if not isinstance(answer, dict):
        raise CommandError(f"unexpected answer from {address}: HTTP {response.status}")
    if response.status != 200:
        raise CommandError(str(answer.get("error") or f"HTTP {response.status}"))
    return answer


def _run(args: argparse.Namespace, config: Config) -> int:
    text = sys.stdin.read().rstrip("\r\n") if args.text == "-" else args.text
    try:
        check_alert(Alert(text, args.url, args.rich))
    except ValueError as exc:
        raise CommandError(str(exc), exit_code=2) from None
    try:
        token = read_admin_token(config)
    except OSError as exc:
        raise CommandError(
            f"cannot read the admin token {token_path(config)} ({exc.strerror}); "
            "is the service running with this configuration, and are you its user?"
        ) from None
    request: dict[str, Any] = {"text": text}
    if args.all:
        request["all"] = True
    else:
        request["to"] = args.to
    if args.url:
        request["url"] = args.url
    if args.rich is not None:
        request["rich"] = args.rich
    answer = post_admin(admin_address(config, args.server), token, NOTIFY_PATH, request)
    sent = int(answer.get("sent", 0))
    print(f"alert sent to {sent} user{'s' if sent != 1 else ''}")
    return 0


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers, "notify", _run, help="send an MSN Alert to signed-in users"
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--to", metavar="EMAIL", help="one signed-in user")
    target.add_argument("--all", action="store_true", help="everyone signed in")
    parser.add_argument("--url", help="page opened when the alert is clicked")
    parser.add_argument("--rich", metavar="HTML", help="rich text for MSNP9 clients (TEXTX)")
    parser.add_argument(
        "--server", metavar="HOST:PORT", help="admin address (default: the [http] listener)"
    )
    parser.add_argument("text", metavar="TEXT", help="the alert text ('-': read stdin)")

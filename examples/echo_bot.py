"""An echo bot: signs in, joins every chat it is invited to, and sends every text back.

    MSNP_PASSWORD=secret python examples/echo_bot.py bot@example.com \\
        --server 127.0.0.1:1863 --nexus https://127.0.0.1:8443/rdr/pprdr.asp \\
        --ca-file data/tls/cert.pem

Stop it with Ctrl-C (it signs out cleanly) or by signing in as the bot elsewhere.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from pathlib import Path

from msnp.client import (
    AuthenticationError,
    Client,
    ClientConfig,
    ClientError,
    Invitation,
    TextReceived,
)

log = logging.getLogger("echo_bot")


async def accept(client: Client, invitation: Invitation) -> None:
    try:
        await client.accept(invitation)
        log.info("joined a chat with %s", invitation.inviter)
    except ClientError as exc:
        log.warning("could not join %s's chat: %s", invitation.inviter, exc)


async def echo(event: TextReceived) -> None:
    try:
        await event.chat.send_text(event.text)
    except ClientError as exc:  # the other side may have left meanwhile
        log.warning("could not echo to %s: %s", event.sender, exc)


async def run_bot(client: Client, stop: asyncio.Event | None = None) -> str:
    """Serve until `stop` is set or the server ends the session; returns the reason."""
    client.events.subscribe(lambda event: accept(client, event), Invitation)
    client.events.subscribe(echo, TextReceived)
    await client.sign_in()
    log.info("signed in as %s", client.email)
    closed = asyncio.ensure_future(client.wait_closed())
    stopped = asyncio.ensure_future((stop or asyncio.Event()).wait())
    await asyncio.wait({closed, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if not closed.done():
        closed.cancel()
        await client.sign_out()
        return "OUT"
    return closed.result()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("email")
    parser.add_argument("--server", default="127.0.0.1:1863", help="dispatch server")
    parser.add_argument("--nexus", default="https://127.0.0.1:8443/rdr/pprdr.asp")
    parser.add_argument("--ca-file", type=Path, help="the service's certificate")
    parser.add_argument("--insecure", action="store_true", help="skip certificate checks")
    args = parser.parse_args()
    password = os.environ.get("MSNP_PASSWORD") or sys.stdin.readline().rstrip("\n")
    config = ClientConfig(
        server=args.server, nexus_url=args.nexus, ca_file=args.ca_file, insecure=args.insecure
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        reason = await run_bot(Client(args.email, password, config), stop)
    except AuthenticationError:
        print("echo_bot: wrong e-mail address or password", file=sys.stderr)
        return 1
    except ClientError as exc:
        print(f"echo_bot: {exc}", file=sys.stderr)
        return 1
    log.info("signed out (%s)", reason)
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    sys.exit(asyncio.run(main()))

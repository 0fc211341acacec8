"""`msnp serve`: run every listener from one config file until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal

from msnp.app import DEMO_ACCOUNTS, start_service
from msnp.commands.common import CommandError, Subparsers, add_config_option
from msnp.config import Config
from msnp.sb.workers import WorkerError
from msnp.store.errors import StoreError

log = logging.getLogger("msnp")


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser("serve", help="run the service (all listeners)")
    add_config_option(parser)
    parser.add_argument(
        "--demo", action="store_true", help="create the demo accounts if they do not exist"
    )
    parser.set_defaults(handler=run)


def _install_uvloop() -> None:
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


async def serve(config: Config, demo: bool) -> None:
    service = await start_service(config, demo=demo)
    ports = service.ports
    print(f"msnp serving; data in {config.server.data_dir.resolve()}", flush=True)
    for name in ("dispatch", "notification", "switchboard", "http", "https"):
        if name in ports:
            print(f"  {name:<13} port {ports[name]}", flush=True)
    if service.switchboard_workers is not None:
        for address in service.switchboard_workers.addresses:
            print(f"  switchboard   {address} (worker process)", flush=True)
    if service.cert_file is not None:
        print(f"  TLS certificate: {service.cert_file}", flush=True)
    if demo:
        for email, password, _ in DEMO_ACCOUNTS:
            print(f"  demo account {email} password {password}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        print("msnp shutting down (OUT SSD to every session)", flush=True)
        await service.stop()


def run(args: argparse.Namespace, config: Config) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migration chatter at every start
    _install_uvloop()
    try:
        asyncio.run(serve(config, bool(args.demo)))
    except OSError as exc:  # a port in use, an address not on this machine, no permission
        raise CommandError(f"cannot start: {exc.strerror or exc}") from None
    except StoreError as exc:
        raise CommandError(str(exc)) from None
    except WorkerError as exc:
        raise CommandError(f"cannot start: {exc}") from None
    return 0

"""The `msnp` command line. Each command family lives in `msnp.commands.<family>` and is
listed in COMMAND_FAMILIES; adding a family is one line there."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from msnp import __version__
from msnp.commands import chat, db, notify, send, serve, user
from msnp.commands.common import CommandError, Handler, Subparsers, add_config_option
from msnp.config import ConfigError, load_config

COMMAND_FAMILIES: tuple[Callable[[Subparsers], None], ...] = (
    serve.register,
    user.register,
    db.register,
    chat.register,
    send.register,
    notify.register,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="msnp", description="An MSN Messenger (MSNP9/MSNP8) service."
    )
    parser.add_argument("--version", action="version", version=f"msnp {__version__}")
    add_config_option(parser, top_level=True)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in COMMAND_FAMILIES:
        register(subparsers)
    _ensure_config_option(parser)
    return parser


def _ensure_config_option(parser: argparse.ArgumentParser) -> None:
    """Give every subcommand --config, also those whose family did not add it."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                if "--config" not in child._option_string_actions:
                    add_config_option(child)
                _ensure_config_option(child)


def _fail(message: object) -> None:
    print(f"msnp: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        _fail(exc)
        return 2
    try:
        return handler(args, config)
    except CommandError as exc:
        _fail(exc)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

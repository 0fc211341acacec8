"""Codec throughput on a realistic NS/SB traffic mix.

Measures commands per second for parsing (Parser fed in 4 KiB reads, like a socket), for
encoding, and for a baseline that only splits the same bytes at CRLF. The baseline does far
less work: it does not read payloads by their length (so it cuts bodies that contain CRLF
into pieces), does not tokenize, decode, or build Command objects. It marks the ceiling of
"touch every line once" in Python, not a competitor.

    .venv/bin/python bench/codec.py [--quick] [--commands N] [--chunk BYTES]
"""

from __future__ import annotations

import argparse
import random
import string
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import format_table, machine_info, timed, use_source_tree, write_json

use_source_tree()
from msnp.wire.codec import Command, Parser, encode  # noqa: E402
from msnp.wire.msnobject import MSNObject  # noqa: E402
from msnp.wire.names import url_quote  # noqa: E402

STATUSES = ["NLN", "BSY", "IDL", "BRB", "AWY", "PHN", "LUN"]
WORDS = [
    *("hi", "hello", "ok", "sure", "lol", "brb", "what", "when", "tonight", "tomorrow"),
    *("game", "work", "movie", "coffee", "see", "you", "later", "thanks", "great", "yes"),
    *("no", "maybe", ":)", ":(", ";)", "(y)", "(n)", "meeting", "lunch"),
]


class Mix:
    """Deterministic generator of realistic commands."""

    def __init__(self, seed: int, contacts: int = 150) -> None:
        self.r = random.Random(seed)
        self.contacts = [self._email() for _ in range(contacts)]
        self.nicks = {c: url_quote(self._nick()) for c in self.contacts}
        self.msnobjs = {
            c: MSNObject.create(c, self.r.randbytes(self.r.randrange(2000, 30000))).to_wire()
            for c in self.contacts
            if self.r.random() < 0.6
        }
        self.trid = 10

    def _email(self) -> str:
        alphabet = string.ascii_lowercase + string.digits
        local = "".join(self.r.choices(alphabet, k=self.r.randint(4, 14)))
        return f"{local}@{self.r.choice(['hotmail.com', 'msn.com', 'example.com', 'example.net'])}"

    def _nick(self) -> str:
        pool = ["Bob", "Carol", "~*Dave*~", "Zo\u00eb", "(coffee)", "at", "work", "\u263a"]
        return " ".join(self.r.choices(pool, k=self.r.randint(1, 4)))

    def next_trid(self) -> int:
        self.trid += 1
        return self.trid

    def contact(self) -> str:
        return self.r.choice(self.contacts)

    def caps(self) -> str:
        return self.r.choice(["268435500", "268435492", "805306404", "0", "28"])

    def presence_args(self, who: str) -> tuple[str, ...]:
        args = (self.r.choice(STATUSES), who, self.nicks[who], self.caps())
        obj = self.msnobjs.get(who)
        return args if obj is None else (*args, obj)

    def text_body(self) -> bytes:
        text = " ".join(self.r.choices(WORDS, k=self.r.randint(1, 30)))
        return (
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
            "X-MMS-IM-Format: FN=MS%20Shell%20Dlg; EF=; CO=0; CS=0; PF=0\r\n\r\n" + text
        ).encode()

    def typing_body(self, who: str) -> bytes:
        return (
            "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\n"
            f"TypingUser: {who}\r\n\r\n\r\n"
        ).encode()

    def p2p_body(self, dest: str) -> bytes:
        head = (
            "MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\n"
            f"P2P-Dest: {dest}\r\n\r\n"
        ).encode()
        data = self.r.randbytes(self.r.randint(1100, 1202))  # binary: NULs, CRLFs and all
        return head + self.r.randbytes(48) + data + b"\x00\x00\x00\x01"

    # -- what a server receives (Parser.for_server) -----------------------------------------
    def client_command(self) -> Command:
        x = self.r.random()
        if x < 0.40:
            return Command("MSG", self.next_trid(), (self.r.choice("NA"),), self.text_body())
        if x < 0.62:
            return Command("MSG", self.next_trid(), ("U",), self.typing_body(self.contact()))
        if x < 0.72:
            return Command("MSG", self.next_trid(), ("D",), self.p2p_body(self.contact()))
        if x < 0.82:
            return Command("PNG")
        if x < 0.88:
            return Command("CHG", self.next_trid(), (self.r.choice(STATUSES), self.caps()))
        if x < 0.91:
            return Command("XFR", self.next_trid(), ("SB",))
        if x < 0.94:
            return Command("CAL", self.next_trid(), (self.contact(),))
        if x < 0.96:
            return Command("ADD", self.next_trid(), ("FL", self.contact(), self.contact(), "0"))
        if x < 0.98:
            return Command("REA", self.next_trid(), (self.contact(), url_quote(self._nick())))
        digest = "".join(self.r.choices("0123456789abcdef", k=32)).encode()
        return Command("QRY", self.next_trid(), ("msmsgs@msnmsgr.com",), digest)

    # -- what a client receives (Parser.for_client) -----------------------------------------
    def server_command(self) -> Command:
        x = self.r.random()
        who = self.contact()
        if x < 0.22:
            return Command("NLN", None, self.presence_args(who))
        if x < 0.27:
            return Command("ILN", self.next_trid(), self.presence_args(who))
        if x < 0.32:
            return Command("FLN", None, (who,))
        if x < 0.45:
            bits = self.r.choice(["11", "3", "9", "13", "8"])
            groups = ("0",) if int(bits) & 1 else ()
            return Command("LST", None, (who, self.nicks[who], bits, *groups))
        if x < 0.47:
            return Command("BPR", None, ("PHM", url_quote("+1 555 0100")))
        if x < 0.48:
            return Command("LSG", None, (str(self.r.randrange(30)), url_quote("Friends"), "0"))
        if x < 0.64:
            return Command("MSG", None, (who, self.nicks[who]), self.text_body())
        if x < 0.74:
            return Command("MSG", None, (who, self.nicks[who]), self.typing_body(who))
        if x < 0.80:
            return Command("MSG", None, (who, self.nicks[who]), self.p2p_body("me@example.com"))
        if x < 0.87:
            return Command("QNG", None, ("60",))
        if x < 0.91:
            return Command("ACK", self.next_trid())
        if x < 0.93:
            return Command("JOI", None, (who, self.nicks[who]))
        if x < 0.95:
            return Command("BYE", None, (who,))
        if x < 0.97:
            return Command("CHG", self.next_trid(), (self.r.choice(STATUSES), self.caps()))
        if x < 0.98:
            return Command("ADD", 0, ("RL", str(self.r.randrange(1000)), who, self.nicks[who]))
        if x < 0.99:
            return Command("CHL", 0, ("".join(self.r.choices(string.digits, k=20)),))
        return Command("SYN", self.next_trid(), ("42", "150", "5"))


def parse_all(factory: Callable[[], Parser], chunks: list[bytes]) -> int:
    parser = factory()
    count = 0
    for chunk in chunks:
        count += len(parser.feed(chunk))
    return count


def split_all(stream: bytes) -> int:
    return len(stream.split(b"\r\n"))


def encode_all(commands: list[Command]) -> int:
    return len(b"".join([encode(c) for c in commands]))


def run(n_commands: int, chunk_size: int, rounds: int, min_round_time: float) -> dict[str, Any]:
    mix = Mix(seed=20031101)
    traffic = {
        "to server": ([mix.client_command() for _ in range(n_commands)], Parser.for_server),
        "to client": ([mix.server_command() for _ in range(n_commands)], Parser.for_client),
    }
    rows: list[dict[str, Any]] = []
    for direction, (commands, factory) in traffic.items():
        stream = b"".join(encode(c) for c in commands)
        chunks = [stream[i : i + chunk_size] for i in range(0, len(stream), chunk_size)]
        assert parse_all(factory, chunks) == len(commands)
        assert factory().feed(stream) == commands
        n = len(commands)
        measures = [
            (f"baseline: bytes.split(b'\\r\\n') ({direction})", lambda s=stream: split_all(s)),
            (
                f"parse {factory.__name__}, {chunk_size} B reads ({direction})",
                lambda f=factory, c=chunks: parse_all(f, c),
            ),
            (
                f"parse {factory.__name__}, one feed ({direction})",
                lambda f=factory, s=stream: parse_all(f, [s]),
            ),
            (f"encode ({direction})", lambda c=commands: encode_all(c)),
        ]
        baseline = None
        for label, fn in measures:
            timing = timed(fn, rounds=rounds, min_round_time=min_round_time)
            rate = n / timing.best
            if baseline is None:
                baseline = rate
            rows.append(
                {
                    "operation": label,
                    "direction": direction,
                    "commands": n,
                    "bytes": len(stream),
                    "seconds_best": timing.best,
                    "seconds_median": timing.median,
                    "commands_per_s": rate,
                    "mb_per_s": len(stream) / timing.best / 1e6,
                    "ratio_to_baseline": rate / baseline,
                    "rounds": timing.rounds,
                    "calls_per_round": timing.calls_per_round,
                }
            )
        payloads = sum(1 for c in commands if c.payload is not None)
        rows[-4]["note"] = (
            f"{split_all(stream)} CRLF pieces for {n} commands ({payloads} with payloads): "
            "the baseline does not read payloads by count"
        )
    return {
        "parameters": {
            "commands_per_direction": n_commands,
            "chunk_size": chunk_size,
            "rounds": rounds,
            "min_round_time": min_round_time,
        },
        "rows": rows,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="small data, few rounds (a few seconds)")
    ap.add_argument("--commands", type=int, help="commands per direction (default 20000)")
    ap.add_argument("--chunk", type=int, default=4096, help="read size in bytes (default 4096)")
    ap.add_argument("--name", default="codec", help="results file bench/results/<name>.json")
    args = ap.parse_args(argv)
    n = args.commands or (2000 if args.quick else 20000)
    rounds, min_time = (3, 0.05) if args.quick else (7, 0.3)

    info = machine_info()
    print(f"Python {info['python']} on {info['platform']}, {info['cpu_count']} CPUs")
    result = run(n, args.chunk, rounds, min_time)
    table = [
        (r["operation"], round(r["commands_per_s"]), r["mb_per_s"], f"{r['ratio_to_baseline']:.3f}")
        for r in result["rows"]
    ]
    print(format_table(["operation", "commands/s", "MB/s", "vs baseline"], table))
    for r in result["rows"]:
        if "note" in r:
            print(f"note ({r['direction']}): {r['note']}")
    print(
        "The baseline only splits at CRLF: no payload reading by count, no tokenizing, no UTF-8\n"
        "decoding, no Command objects. It is a ceiling, not a like-for-like comparison."
    )
    path = write_json(args.name + ("-quick" if args.quick else ""), result)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

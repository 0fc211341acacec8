"""Sans-IO MSNP framing: a chunk-fed parser and an encoder. No sockets, no asyncio.

A command is a line `NAME [trid] args... [length]\\r\\n`, followed for payload commands by
exactly `length` bytes (no trailing newline). Which commands carry a payload and which carry
no transaction id depends on the direction, so a parser is made for one side of a connection:
`Parser.for_server()` reads what clients send, `Parser.for_client()` reads what servers send.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import NamedTuple

from msnp.wire.errors import (
    BadPayloadLength,
    InvalidEncoding,
    LineTooLong,
    PayloadTooLarge,
    ProtocolError,
)

# ---- hard limits --------------------------------------------------------------------------
MAX_LINE_LENGTH = 8192  # bytes in one command line, without CRLF
MAX_SB_MESSAGE = 1664  # client MSG on the switchboard (hypothetic.org; larger: disconnect)
MAX_QRY_PAYLOAD = 64  # QRY carries a 32-byte digest
MAX_PAGE_PAYLOAD = 2048  # PGD / PAG mobile pages
MAX_SDC_PAYLOAD = 4096  # SDC e-mail invitation text
MAX_SERVER_MESSAGE = 65536  # server-sent MSG (relayed chat, profile, mail notices)
MAX_NOT_PAYLOAD = 65536  # server-sent NOT alert document
MAX_IPG_PAYLOAD = 65536  # server-sent IPG mobile page

#: Bodies that clients send, with the largest accepted length of each.
CLIENT_PAYLOAD_LIMITS: Mapping[str, int] = {
    "MSG": MAX_SB_MESSAGE,
    "QRY": MAX_QRY_PAYLOAD,
    "PGD": MAX_PAGE_PAYLOAD,
    "PAG": MAX_PAGE_PAYLOAD,
    "SDC": MAX_SDC_PAYLOAD,
}
#: Bodies that servers send.
SERVER_PAYLOAD_LIMITS: Mapping[str, int] = {
    "MSG": MAX_SERVER_MESSAGE,
    "NOT": MAX_NOT_PAYLOAD,
    "IPG": MAX_IPG_PAYLOAD,
}
#: Client commands with no transaction id.
CLIENT_NO_TRID = frozenset({"PNG", "OUT", "QNG"})
#: Server commands with no transaction id (asynchronous lines and the lines inside SYN).
SERVER_NO_TRID = frozenset(
    {"NLN", "FLN", "MSG", "NOT", "IPG", "RNG", "QNG", "OUT", "JOI", "BYE", "LST", "LSG", "BPR"}
)


class Command(NamedTuple):
    """One protocol command. `args` excludes the trid and, for payload commands, the length.
    A NamedTuple: built for every command on the relay's hot path, and a tuple is several
    times cheaper to construct than a frozen dataclass."""

    name: str
    trid: int | None = None
    args: tuple[str, ...] = ()
    payload: bytes | None = None

    @property
    def is_error(self) -> bool:
        return len(self.name) == 3 and self.name.isdigit()

    def arg(self, index: int, default: str | None = None) -> str | None:
        return self.args[index] if index < len(self.args) else default

    def __str__(self) -> str:  # for logs: never dumps a whole payload
        head = encode_line(self).decode("utf-8", "replace").rstrip("\r\n")
        return head if self.payload is None else f"{head} <{len(self.payload)} bytes>"


class RawMsg(NamedTuple):
    """A client MSG taken whole by `Parser.take_msgs`: what a relay needs without building a
    Command. `tail` is the wire text from the length on (`length\r\npayload`), so a relay
    writes its own `MSG handle name ` and then `tail` unchanged."""

    trid: bytes  # as sent: ASCII digits
    ack: str
    tail: bytes
    payload_at: int  # where the payload starts in `tail`

    @property
    def payload(self) -> bytes:
        return self.tail[self.payload_at :]


_RAW_ACKS = {ack.encode(): ack for ack in ("U", "N", "A", "S", "D")}
_new_tuple = tuple.__new__
# What `take_msgs` accepts: a trid of at most 10 digits (as `_is_trid` says) and numbers
# without leading zeros, so the trid and length it forwards are written as iter_feed's are.
_TRID = rb"(?:0|[1-9][0-9]{0,9})"
_LENGTH = rb"(?:0|[1-9][0-9]{0,8})"
_RAW_MSG = re.compile(rb"MSG (%s) ([UNASD]) (%s)\r\n" % (_TRID, _LENGTH))


# The header of a plain message, found by `re.split` anywhere in a read (see `take_run`):
# one group for `trid ack`, one for the length with its CRLF, so that the split parts join
# back into the relayed form. D is left out: each data message is checked on its own.
_RUN_HEADER = re.compile(rb"MSG (%s [UNAS]) (%s\r\n)" % (_TRID, _LENGTH))
# `length\r\n` for every length a client MSG may have, and back: the sizes of the parts are
# checked against the lengths sent as text, with no int() per message (a length not in the
# table sends the read down the general path).
_RUN_LENGTH_TEXTS = tuple(b"%d\r\n" % n for n in range(MAX_SB_MESSAGE + 1))
_RUN_LENGTHS = {text: n for n, text in enumerate(_RUN_LENGTH_TEXTS)}


class MsgRun(NamedTuple):
    """Complete client MSGs taken together by `Parser.take_run`, already in relayed form."""

    relayed: bytes  # each as `prefix` + `length\r\n` + payload, concatenated in order
    messages: int  # how many
    heads: bytes  # each message's `trid ack` as sent, concatenated: b"1 N2 A3 U"


def _is_trid(token: bytes | bytearray) -> bool:
    # A trid is a decimal number; 10 digits keep it within what clients use (uint32).
    return token.isdigit() and len(token) <= 10


class Parser:
    """Feed it bytes as they arrive; it returns whole commands. After a ProtocolError the
    parser is dead (every later call raises again): the caller must close the connection."""

    __slots__ = (
        "_buffer", "_error", "_held", "_max_line", "_no_trid", "_payload_limits", "_pending",
        "_pos", "_run_limit",
    )

    def __init__(
        self,
        payload_limits: Mapping[str, int],
        no_trid: frozenset[str],
        max_line: int = MAX_LINE_LENGTH,
    ) -> None:
        self._buffer = bytearray()
        # Consumed bytes are dropped once per feed, not once per command (which would move
        # the rest of a large read for every command in it).
        self._pos = 0
        self._payload_limits = payload_limits
        self._no_trid = no_trid
        self._max_line = max_line
        self._pending: tuple[str, int | None, tuple[str, ...], int] | None = None
        self._error: ProtocolError | None = None
        # The buffer holds only the start of a plain MSG that `take_run` will finish: there is
        # nothing for `iter_feed` to parse yet (see `unparsed`).
        self._held = False
        # `take_run` knows lengths up to MAX_SB_MESSAGE; a lower MSG limit is checked on top.
        msg_limit = payload_limits.get("MSG", -1)
        self._run_limit = msg_limit if msg_limit < MAX_SB_MESSAGE else None

    @classmethod
    def for_server(cls) -> Parser:
        """Parses what a client sends (used by DS, NS, SB and the HTTP gateway)."""
        return cls(CLIENT_PAYLOAD_LIMITS, CLIENT_NO_TRID)

    @classmethod
    def for_client(cls) -> Parser:
        """Parses what a server sends (used by the client SDK)."""
        return cls(SERVER_PAYLOAD_LIMITS, SERVER_NO_TRID)

    @property
    def buffered(self) -> int:
        return len(self._buffer) - self._pos

    @property
    def unparsed(self) -> bool:
        """Whether `iter_feed(b"")` may have something to do: bytes are buffered and they are
        not just the unfinished start of a message `take_run` is holding."""
        return len(self._buffer) > self._pos and not self._held

    def feed(self, data: bytes) -> list[Command]:
        return list(self.iter_feed(data))

    def append(self, data: bytes) -> None:
        """Buffer bytes; `iter_feed(b"")` parses them."""
        if self._error is not None:
            raise self._error
        self._held = False
        self._buffer += data

    def take_msgs(self, data: bytes) -> list[RawMsg]:
        """Buffer `data`, then take the plainly formed, complete client MSGs at the head of
        the buffer (`MSG trid ack length` with single spaces, an ack type U/N/A/S/D, a
        length within the limit and without leading zeros, the whole payload there). It
        stops at anything else, which `iter_feed(b"")` then parses exactly as always (errors
        included). The switchboard relays most messages this way: no decoding, no Command,
        and when a read holds whole messages only, nothing copied but each message's tail."""
        if self._error is not None:
            raise self._error
        self._held = False
        buffer = self._buffer
        work: bytes | bytearray
        if self._pending is not None or len(buffer) > self._pos:
            buffer += data  # after a partial read: work in the buffer
            work, pos = buffer, self._pos
            if self._pending is not None:
                return []
        else:  # the common case: everything before was consumed, so slice the read itself
            if self._pos:
                buffer.clear()
                self._pos = 0
            work, pos = data, 0
        size = len(work)
        limit = self._payload_limits.get("MSG", -1)
        match = _RAW_MSG.match
        taken: list[RawMsg] = []
        while (found := match(work, pos)) is not None:
            trid, ack, length = found.groups()
            length_at, payload_at = found.span(3)
            payload_at += 2  # past the CRLF
            stop = payload_at + int(length)
            if stop - payload_at > limit or stop > size:
                break
            tail = work[length_at:stop]
            taken.append(_new_tuple(RawMsg, (  # RawMsg(...) without its Python __new__
                bytes(trid), _RAW_ACKS[ack], tail if work is data else bytes(tail),
                payload_at - length_at)))
            pos = stop
        if work is data:
            if pos < size:
                buffer += data[pos:]
        elif pos == size:  # all of it: drop it now rather than at the next feed
            buffer.clear()
            pos = 0
        if work is buffer:
            self._pos = pos
        return taken

    def take_run(self, data: bytes, prefix: bytes) -> MsgRun | None:
        """Take every complete message from the buffer and `data` at once when they are all
        plainly formed client MSGs (as `take_msgs` takes them, with ack types U/N/A/S only)
        and nothing else: the relay of a busy two-party session. An unfinished last message
        stays buffered for the next call. Otherwise None, and nothing was consumed.

        One `re.split` finds every header in the read, so the per-message work is done in C.
        A header-like text inside a payload is found too, and then the split does not chain
        (a part's size differs from the length before it): that read goes the general way,
        so nothing is ever cut where the sequential parse would not cut it."""
        if self._error is not None:
            raise self._error
        if self._pending is not None:
            return None
        buffer = self._buffer
        work = bytes(buffer[self._pos :]) + data if buffer else data
        parts = _RUN_HEADER.split(work)
        if len(parts) == 1 or parts[0]:
            return None  # no header, or something else first
        last = _RUN_LENGTHS.get(parts[-2])  # the last message's length
        if last is None:  # over the table's limit
            return None
        sizes = list(map(len, parts[3::3]))
        last_size = sizes[-1]
        sizes[-1] = last  # the last part runs to the end of the read: checked below
        try:  # each part's size, written as a length, is the length sent before it
            if list(map(_RUN_LENGTH_TEXTS.__getitem__, sizes)) != parts[2::3]:
                return None
        except IndexError:  # a part longer than any message
            return None
        if self._run_limit is not None and max(sizes) > self._run_limit:
            return None
        held = b""
        if last_size < last:  # the last message is not all here: keep it for later
            held = b"MSG " + parts[-3] + b" " + parts[-2] + parts[-1]
            del parts[-3:]
        elif last_size > last:  # something else follows: iter_feed parses it
            held = parts[-1][last:]
            parts[-1] = parts[-1][:last]
        count = len(parts) // 3
        heads = b"".join(parts[1::3])
        parts[1::3] = [prefix] * count
        if buffer:
            buffer.clear()
            self._pos = 0
        if held:
            buffer += held
        self._held = last_size < last  # held is then the start of that message
        return _new_tuple(MsgRun, (b"".join(parts), count, heads))

    def iter_feed(self, data: bytes) -> Iterator[Command]:
        if self._error is not None:
            raise self._error
        self._held = False
        self._buffer += data
        try:
            while True:
                command = self._next()
                if command is None:
                    break
                yield command
        except ProtocolError as exc:
            self._error = exc
            self._buffer.clear()
            self._pos = 0
            raise
        if self._pos:
            del self._buffer[: self._pos]
            self._pos = 0

    def _next(self) -> Command | None:
        buffer = self._buffer
        pos = self._pos
        if self._pending is not None:
            pending_name, pending_trid, pending_args, length = self._pending
            if len(buffer) - pos < length:
                return None
            payload = bytes(buffer[pos : pos + length])
            self._pos = pos + length
            self._pending = None
            return Command(pending_name, pending_trid, pending_args, payload)
        while True:
            end = buffer.find(b"\n", pos)
            if end < 0:
                if len(buffer) - pos > self._max_line + 1:
                    raise LineTooLong(f"line longer than {self._max_line} bytes")
                return None
            line = buffer[pos:end]
            pos = self._pos = end + 1
            if line.endswith(b"\r"):
                del line[-1]
            if len(line) > self._max_line:
                raise LineTooLong(f"line longer than {self._max_line} bytes")
            tokens = line.split()  # runs of spaces and tabs (one client sends a TAB)
            if tokens:
                break
            # blank lines (a stray CRLF after a payload) carry nothing: skip them
        try:
            # One decode for the whole line. Tokens hold no ASCII whitespace and a space can
            # neither complete nor break a UTF-8 sequence, so this equals decoding each token.
            words = b" ".join(tokens).decode("utf-8").split(" ")
        except UnicodeDecodeError:
            raise InvalidEncoding("command line is not valid UTF-8") from None
        name = words[0]
        trid: int | None = None
        if len(words) > 1 and name not in self._no_trid and _is_trid(tokens[1]):
            trid = int(words[1])
            del words[1]
        limit = self._payload_limits.get(name)
        if limit is None:
            return Command(name, trid, tuple(words[1:]))
        if len(words) < 2 or not tokens[-1].isdigit() or len(tokens[-1]) > 9:
            raise BadPayloadLength(f"{name} without a valid payload length")
        length = int(words[-1])
        if length > limit:
            raise PayloadTooLarge(name, length, limit)
        args = tuple(words[1:-1])
        if len(buffer) - pos >= length:  # the whole payload is already here
            payload = bytes(buffer[pos : pos + length])
            self._pos = pos + length
            return Command(name, trid, args, payload)
        self._pending = (name, trid, args, length)
        return None


def encode_line(command: Command) -> bytes:
    parts = [command.name]
    if command.trid is not None:
        parts.append(str(command.trid))
    parts.extend(command.args)
    if command.payload is not None:
        parts.append(str(len(command.payload)))
    return (" ".join(parts) + "\r\n").encode("utf-8")


def encode(command: Command) -> bytes:
    """The exact bytes of a command: its line, then its payload if it has one."""
    line = encode_line(command)
    return line if command.payload is None else line + command.payload


def cmd(name: str, trid: int | None = None, *args: object, payload: bytes | None = None) -> bytes:
    """Shorthand used by controllers: `cmd("CHG", 9, "NLN")` -> b"CHG 9 NLN\\r\\n"."""
    return encode(Command(name, trid, tuple(str(a) for a in args), payload))


def error(code: int, trid: int | None) -> bytes:
    """A numeric error reply: `911 6`."""
    return b"%d %d\r\n" % (code, trid or 0)


__all__ = [
    "CLIENT_NO_TRID",
    "CLIENT_PAYLOAD_LIMITS",
    "MAX_IPG_PAYLOAD",
    "MAX_LINE_LENGTH",
    "MAX_NOT_PAYLOAD",
    "MAX_PAGE_PAYLOAD",
    "MAX_QRY_PAYLOAD",
    "MAX_SB_MESSAGE",
    "MAX_SDC_PAYLOAD",
    "MAX_SERVER_MESSAGE",
    "SERVER_NO_TRID",
    "SERVER_PAYLOAD_LIMITS",
    "Command",
    "MsgRun",
    "Parser",
    "ProtocolError",
    "cmd",
    "encode",
    "encode_line",
    "error",
]

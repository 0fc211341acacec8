"""Hypothesis strategies for every command shape of the reference, per direction.

`CLIENT_SHAPES` are what a client sends (parsed by `Parser.for_server()`), `SERVER_SHAPES` what a
server sends (parsed by `Parser.for_client()`). Each strategy yields `Command` values in the
canonical form the parser produces: a trid exactly where the direction has one, every argument a
non-empty token without ASCII whitespace, and a payload only for the direction's payload commands.
"""

from __future__ import annotations

import string

from hypothesis import strategies as st

from msnp.wire.codec import (
    MAX_PAGE_PAYLOAD,
    MAX_QRY_PAYLOAD,
    MAX_SB_MESSAGE,
    MAX_SDC_PAYLOAD,
    Command,
)
from msnp.wire.errors import ErrorCode
from msnp.wire.msnobject import MSNObject
from msnp.wire.names import url_quote

Part = st.SearchStrategy[str] | st.SearchStrategy[tuple[str, ...]]

# ---- tokens -------------------------------------------------------------------------------
ASCII_WHITESPACE = " \t\n\r\x0b\x0c"

trids = st.integers(min_value=0, max_value=4_294_967_295)
numbers = st.integers(min_value=0, max_value=2**32 - 1).map(str)
small_numbers = st.integers(min_value=0, max_value=999).map(str)

_local = st.text(string.ascii_lowercase + string.digits + "._-+", min_size=1, max_size=20)
_label = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=12)
emails = st.builds(
    lambda local, domain, tld: f"a{local}@{domain}.{tld}",
    _local,
    _label,
    st.sampled_from(["com", "net", "org", "example", "co.uk"]),
)
#: Any text, URL-encoded as a display, stored or group name is on the wire.
names = st.text(min_size=1, max_size=40).map(url_quote)
#: Any non-empty token the codec must carry untouched: arbitrary Unicode (including
#: non-ASCII whitespace such as U+00A0 and U+2028, which are not separators) but no ASCII
#: whitespace. Never all ASCII digits, so it cannot be mistaken for a trid.
tokens = st.text(
    st.characters(codec="utf-8", exclude_characters=ASCII_WHITESPACE), min_size=1, max_size=30
).filter(lambda t: not (t.isascii() and t.isdigit()))
statuses = st.sampled_from(["NLN", "BSY", "IDL", "BRB", "AWY", "PHN", "LUN", "HDN"])
lists = st.sampled_from(["FL", "AL", "BL"])
groups = st.integers(min_value=0, max_value=29).map(str)
group_sets = st.lists(groups, min_size=1, max_size=4, unique=True).map(",".join)
hostports = st.builds(
    lambda a, b, port: f"192.0.{a}.{b}:{port}",
    st.integers(0, 255),
    st.integers(0, 255),
    st.integers(1, 65535),
)
cookies = st.text(string.ascii_letters + string.digits + ".", min_size=1, max_size=40).filter(
    lambda t: not t.isdigit()
)
properties = st.sampled_from(["PHH", "PHW", "PHM", "MOB", "MBE", "WWE"])
prop_values = st.one_of(
    st.sampled_from(["Y", "N"]), st.text(min_size=1, max_size=20).map(url_quote)
)
product_ids = st.sampled_from(
    [
        "msmsgs@msnmsgr.com",
        "PROD0038W!61ZTF9",
        "PROD0058#7IL2{QD",
        "PROD0061VRRZH@4F",
        "PROD00504RLUG%WL",
        "PROD0076ENE8*@AW",
    ]
)


@st.composite
def msnobj_tokens(draw: st.DrawFn) -> str:
    """A URL-encoded MSNObject, as CHG, ILN and NLN carry it."""
    data = draw(st.binary(max_size=64))
    obj = MSNObject.create(
        draw(emails),
        data,
        type=draw(st.sampled_from([2, 3, 5])),
        location=draw(st.sampled_from(["TFR1A.dat", "TFR2C.tmp", "uexA4DE.dat"])),
    )
    return obj.to_wire()


def payloads(max_size: int, min_size: int = 0) -> st.SearchStrategy[bytes]:
    """Bodies, biased towards the bytes that break naive framing: NUL, CR, LF and text that
    looks like further commands."""
    nasty = st.sampled_from(
        [b"\r\n", b"\n", b"\r", b"\x00", b"\r\n\r\n", b"PNG\r\n", b"MSG 1 U 5\r\n", b"\xff\xfe"]
    )
    chunks = st.lists(st.one_of(st.binary(max_size=64), nasty), max_size=12).map(b"".join)
    mixed = st.one_of(st.binary(min_size=min_size, max_size=max_size), chunks)
    return mixed.map(lambda b: b[:max_size]).filter(lambda b: len(b) >= min_size)


# ---- shape builder ------------------------------------------------------------------------
def _flatten(parts: tuple[str | tuple[str, ...], ...]) -> tuple[str, ...]:
    out: list[str] = []
    for part in parts:
        if isinstance(part, tuple):
            out.extend(part)
        else:
            out.append(part)
    return tuple(out)


def shape(
    name: str,
    *parts: Part | str,
    trid: st.SearchStrategy[int] | None = None,
    payload: st.SearchStrategy[bytes] | None = None,
) -> st.SearchStrategy[Command]:
    """Commands `name [trid] parts... [len]` (+ payload). Plain strings are literal tokens."""
    strategies = [st.just(p) if isinstance(p, str) else p for p in parts]
    args = st.tuples(*strategies).map(_flatten)
    return st.builds(
        Command,
        st.just(name),
        trid if trid is not None else st.none(),
        args,
        payload if payload is not None else st.none(),
    )


T = trids
ZERO = st.just(0)

# ---- client -> server ---------------------------------------------------------------------
CLIENT_SHAPES: dict[str, st.SearchStrategy[Command]] = {
    "VER": shape(
        "VER",
        st.lists(st.sampled_from(["MSNP10", "MSNP9", "MSNP8", "CVR0"]), min_size=1, max_size=4).map(
            tuple
        ),
        trid=T,
    ),
    "CVR": shape(
        "CVR",
        st.sampled_from(["0x0409", "0x0413", "0x0c0a"]),
        st.sampled_from(["win", "winnt"]),
        st.sampled_from(["4.10", "5.1"]),
        "i386",
        "MSNMSGR",
        st.sampled_from(["5.0.0540", "6.0.0602", "6.2.0137"]),
        "MSMSGS",
        emails,
        trid=T,
    ),
    "USR TWN I": shape("USR", "TWN", "I", emails, trid=T),
    "USR TWN S": shape(
        "USR", "TWN", "S", st.builds(lambda t, p: f"t={t}&p={p}", cookies, cookies), trid=T
    ),
    "SYN": shape("SYN", numbers, trid=T),
    "CHG": shape("CHG", statuses, trid=T),
    "CHG caps": shape("CHG", statuses, numbers, trid=T),
    "CHG caps msnobj": shape("CHG", statuses, numbers, msnobj_tokens(), trid=T),
    "ADD FL": shape("ADD", "FL", emails, names, groups, trid=T),
    "ADD": shape("ADD", lists, emails, names, trid=T),
    "REM": shape("REM", lists, emails, trid=T),
    "REM FL group": shape("REM", "FL", emails, groups, trid=T),
    "ADG": shape("ADG", names, "0", trid=T),
    "RMG": shape("RMG", groups, trid=T),
    "REG": shape("REG", groups, names, "0", trid=T),
    "REA": shape("REA", emails, names, trid=T),
    "GTC": shape("GTC", st.sampled_from(["A", "N"]), trid=T),
    "BLP": shape("BLP", st.sampled_from(["AL", "BL"]), trid=T),
    "PRP": shape("PRP", properties, prop_values, trid=T),
    "PRP clear": shape("PRP", properties, trid=T),
    "URL": shape("URL", st.sampled_from(["INBOX", "FOLDERS", "PASSWORD", "MOBILE"]), trid=T),
    "URL param": shape(
        "URL", st.sampled_from(["COMPOSE", "PROFILE", "CHAT"]), st.one_of(emails, numbers), trid=T
    ),
    "XFR SB": shape("XFR", "SB", trid=T),
    "QRY": shape(
        "QRY",
        product_ids,
        trid=T,
        payload=st.text("0123456789abcdef", min_size=32, max_size=32).map(str.encode),
    ),
    "QRY any": shape("QRY", tokens, trid=T, payload=payloads(MAX_QRY_PAYLOAD)),
    "PGD": shape(
        "PGD", emails, st.sampled_from(["1", "2"]), trid=T, payload=payloads(MAX_PAGE_PAYLOAD)
    ),
    "PAG": shape("PAG", emails, trid=T, payload=payloads(MAX_PAGE_PAYLOAD)),
    "SDC": shape(
        "SDC",
        emails,
        "0x0409",
        "MSMSGS",
        "WindowsMessenger",
        "X",
        "X",
        names,
        trid=T,
        payload=payloads(MAX_SDC_PAYLOAD),
    ),
    "SDC empty": shape(
        "SDC",
        emails,
        "0x0409",
        "MSMSGS",
        "WindowsMessenger",
        "X",
        "X",
        names,
        trid=T,
        payload=st.just(b""),
    ),
    "SND": shape("SND", emails, "0x0409", "MSMSGS", "WindowsMessenger", trid=T),
    "PNG": shape("PNG"),
    "OUT": shape("OUT"),
    "IMS": shape("IMS", st.sampled_from(["ON", "OFF"]), trid=T),
    "FND": shape(
        "FND",
        st.builds(lambda v: f"fname={v}", names),
        st.builds(lambda v: f"lname={v}", names),
        st.builds(lambda v: f"city={v}", names),
        st.builds(lambda v: f"state={v}", names),
        st.builds(lambda v: f"country={v}", names),
        trid=T,
    ),
    "LST": shape("LST", st.sampled_from(["FL", "AL", "BL", "RL"]), trid=T),
    "LSG": shape("LSG", trid=T),
    "CHL": shape("CHL", trid=T),
    # switchboard
    "SB USR": shape("USR", emails, cookies, trid=T),
    "SB ANS": shape("ANS", emails, cookies, numbers, trid=T),
    "SB CAL": shape("CAL", emails, trid=T),
    "SB MSG": shape(
        "MSG", st.sampled_from(["U", "N", "A", "D", "S"]), trid=T, payload=payloads(MAX_SB_MESSAGE)
    ),
    "SB BYE": shape("BYE"),
    "SB BYE handle": shape("BYE", emails),
    # anything at all, for the codec's sake
    "unknown": shape(
        "ZZZ", st.lists(tokens, max_size=6).map(tuple), trid=st.one_of(st.none(), T)
    ).filter(lambda c: c.trid is not None or not c.args or not c.args[0].isdigit()),
}

# ---- server -> client ---------------------------------------------------------------------
_PROFILE_LIKE = st.builds(
    lambda when, email: (
        "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\n"
        f"LoginTime: {when}\r\nPreferredEmail: {email}\r\nPostalCode: \r\n\r\n"
    ).encode(),
    numbers,
    emails,
)

SERVER_SHAPES: dict[str, st.SearchStrategy[Command]] = {
    "VER": shape("VER", st.sampled_from(["MSNP9", "MSNP8", "0"]), trid=T),
    "CVR": shape(
        "CVR",
        "6.0.0602",
        "6.0.0602",
        "6.0.0268",
        st.just("http://dl.example.invalid/setup.exe"),
        st.just("http://www.example.invalid/"),
        trid=T,
    ),
    "XFR NS": shape("XFR", "NS", hostports, "0", hostports, trid=T),
    "XFR NS reset": shape("XFR", "NS", "0", trid=ZERO),
    "XFR SB": shape("XFR", "SB", hostports, "CKI", cookies, trid=T),
    "USR TWN S": shape("USR", "TWN", "S", tokens, trid=T),
    "USR OK": shape("USR", "OK", emails, names, st.sampled_from(["0", "1"]), "0", trid=T),
    "MSG Hotmail": shape(
        "MSG", "Hotmail", "Hotmail", payload=st.one_of(_PROFILE_LIKE, payloads(4096))
    ),
    "SYN equal": shape("SYN", numbers, trid=T),
    "SYN dump": shape("SYN", numbers, small_numbers, small_numbers, trid=T),
    "GTC in SYN": shape("GTC", st.sampled_from(["A", "N"])),
    "BLP in SYN": shape("BLP", st.sampled_from(["AL", "BL"])),
    "PRP in SYN": shape("PRP", properties, prop_values),
    "LSG in SYN": shape("LSG", groups, names, "0"),
    "LST in SYN": shape("LST", emails, names, st.sampled_from(["2", "4", "8", "10", "12"])),
    "LST FL in SYN": shape(
        "LST", emails, names, st.sampled_from(["1", "3", "9", "11", "13"]), group_sets
    ),
    "BPR in SYN": shape("BPR", properties, prop_values),
    "BPR": shape("BPR", numbers, emails, properties, prop_values),
    "GTC": shape("GTC", numbers, st.sampled_from(["A", "N"]), trid=T),
    "BLP": shape("BLP", numbers, st.sampled_from(["AL", "BL"]), trid=T),
    "PRP": shape("PRP", numbers, properties, prop_values, trid=T),
    "ADD": shape("ADD", lists, numbers, emails, names, trid=T),
    "ADD FL": shape("ADD", "FL", numbers, emails, names, groups, trid=T),
    "ADD 0 RL": shape("ADD", "RL", numbers, emails, names, trid=ZERO),
    "REM": shape("REM", lists, numbers, emails, trid=T),
    "REM 0 RL": shape("REM", "RL", numbers, emails, trid=ZERO),
    "ADG": shape("ADG", numbers, names, groups, "0", trid=T),
    "RMG": shape("RMG", numbers, groups, trid=T),
    "REG": shape("REG", numbers, groups, names, "0", trid=T),
    "REA": shape("REA", numbers, emails, names, trid=T),
    "CHG": shape("CHG", statuses, numbers, trid=T),
    "CHG msnobj": shape("CHG", statuses, numbers, msnobj_tokens(), trid=T),
    "CHG 0 FLN": shape("CHG", "FLN", trid=ZERO),
    "ILN": shape("ILN", statuses, emails, names, numbers, trid=T),
    "ILN msnobj": shape("ILN", statuses, emails, names, numbers, msnobj_tokens(), trid=T),
    "NLN": shape("NLN", statuses, emails, names, numbers),
    "NLN msnobj": shape("NLN", statuses, emails, names, numbers, msnobj_tokens()),
    "FLN": shape("FLN", emails),
    "CHL 0": shape("CHL", st.text(string.digits, min_size=20, max_size=20), trid=ZERO),
    "QRY ack": shape("QRY", trid=T),
    "QNG": shape("QNG"),
    "QNG seconds": shape("QNG", small_numbers),
    "NOT": shape("NOT", payload=payloads(4096)),
    "IPG": shape("IPG", payload=payloads(4096)),
    "RNG": shape("RNG", numbers, hostports, "CKI", cookies, emails, names),
    "OUT": shape("OUT"),
    "OUT reason": shape("OUT", st.sampled_from(["OTH", "SSD"])),
    "URL": shape(
        "URL",
        "/cgi-bin/HoTMaiL",
        "https://login.example.invalid/md5auth.srf?lc=1033",
        "2",
        trid=T,
    ),
    "SDC OK": shape("SDC", "OK", trid=T),
    "SND OK": shape("SND", "OK", trid=T),
    "IMS": shape("IMS", "0", st.sampled_from(["ON", "OFF"]), trid=T),
    "error": st.builds(
        Command,
        st.sampled_from([f"{int(code):03d}" for code in ErrorCode]),
        T,
        args=st.just(()),
        payload=st.none(),
    ),
    # switchboard
    "SB USR OK": shape("USR", "OK", emails, names, trid=T),
    "SB IRO": shape("IRO", small_numbers, small_numbers, emails, names, trid=T),
    "SB ANS OK": shape("ANS", "OK", trid=T),
    "SB CAL RINGING": shape("CAL", "RINGING", numbers, trid=T),
    "SB JOI": shape("JOI", emails, names),
    "SB BYE": shape("BYE", emails),
    "SB BYE idle": shape("BYE", emails, "1"),
    "SB ACK": shape("ACK", trid=T),
    "SB NAK": shape("NAK", trid=T),
    "SB MSG": shape("MSG", emails, names, payload=payloads(8192)),
    "unknown": shape(
        "ZZZ", st.lists(tokens, max_size=6).map(tuple), trid=st.one_of(st.none(), T)
    ).filter(lambda c: c.trid is not None or not c.args or not c.args[0].isdigit()),
}

any_client_command = st.one_of(*CLIENT_SHAPES.values())
any_server_command = st.one_of(*SERVER_SHAPES.values())

"""Concrete wire examples from the reference (notification.md §3.2, §4.*, switchboard §1.1) and
the msnp-wiki seed capture, as exact bytes and as the commands they must parse to."""

from __future__ import annotations

from msnp.wire.codec import Command


def crlf(*lines: str) -> bytes:
    return "".join(line + "\r\n" for line in lines).encode("utf-8")


# ---- bodies -------------------------------------------------------------------------------
#: notification.md §4.24: the profile sent right after USR OK (397 bytes, headers only).
PROFILE_397 = crlf(
    "MIME-Version: 1.0",
    "Content-Type: text/x-msmsgsprofile; charset=UTF-8",
    "LoginTime: 1072915200",
    "EmailEnabled: 0",
    "MemberIdHigh: 393216",
    "MemberIdLow: 1234567",
    "lang_preference: 1033",
    "preferredEmail: alice@example.com",
    "country: US",
    "PostalCode: ",
    "Gender: ",
    "Kid: 0",
    "Age: ",
    "BDayPre: ",
    "Birthday: ",
    "Wallet: ",
    "Flags: 1027",
    "sid: 507",
    "kv: 5",
    "MSPAuth: 7Qx3AbCdEfGh$$",
    "ClientIP: 198.51.100.7",
    "ClientPort: 18183",
    "",
)

#: seed 000 (msnp-wiki MSNP9 example): `MSG Hotmail Hotmail 448` and its profile.
PROFILE_448 = crlf(
    "MIME-Version: 1.0",
    "Content-Type: text/x-msmsgsprofile; charset=UTF-8",
    "LoginTime: 1726321960",
    "EmailEnabled: 1",
    "MemberIdHigh: 1",
    "MemberIdLow: 2",
    "lang_preference: 1033",
    "PreferredEmail: example@hotmail.com",
    "country: US",
    "PostalCode: ",
    "Gender: ",
    "Kid: 0",
    "Age: ",
    "BDayPre: ",
    "Birthday: ",
    "Wallet: ",
    "Flags: 1027",
    "sid: 507",
    "kv: 11",
    "MSPAuth: whatever+t+is+in+your+passport+login+ticket+that+you+sent+for+USR+TWN+S$",
    "ClientIP: 192.168.1.111",
    "ClientPort: 18183",
    "",
)

#: notification.md §4.24: initial e-mail notification (221 bytes).
INITIAL_EMAIL_221 = crlf(
    "MIME-Version: 1.0",
    "Content-Type: text/x-msmsgsinitialemailnotification; charset=UTF-8",
    "",
    "Inbox-Unread: 3",
    "Folders-Unread: 0",
    "Inbox-URL: /cgi-bin/HoTMaiL",
    "Folders-URL: /cgi-bin/folders",
    "Post-URL: http://www.hotmail.com",
    "",
)

#: notification.md §4.24: system message (90 bytes).
SYSTEM_90 = crlf(
    "MIME-Version: 1.0",
    "Content-Type: application/x-msmsgssystemmessage",
    "",
    "Type: 1",
    "Arg1: 5",
    "",
)

#: notification.md §4.25 (338 bytes, no trailing newline).
NOT_338 = (
    b'<NOTIFICATION ver="1" id="7" siteid="0" siteurl="http://alerts.example.invalid/">'
    b'<TO pid="0x00060000:0x0012D687" name="alice@example.com"/><MSG id="0">'
    b'<ACTION url="a.htm"/><SUBSCR url="s.htm"/><BODY lang="1033">'
    b"<TEXT>Server maintenance tonight</TEXT>"
    b"<TEXTX>&lt;B&gt;Server&lt;/B&gt; maintenance tonight</TEXTX></BODY></MSG></NOTIFICATION>"
)

#: notification.md §4.30 (48 bytes).
PGD_48 = b'<TEXT xml:space="preserve" enc="utf-8">hi</TEXT>'

#: seed 000: the MSNObject token of `ILN 9 NLN anotheruser@hotmail.com ...` (continuations joined).
SEED_MSNOBJ_TOKEN = (
    "%3Cmsnobj%20Creator%3D%22anotherdude%40hotmail.com%22"
    "%20Size%3D%2225235%22%20Type%3D%223%22"
    "%20Location%3D%22uexA4DE.dat%22%20Friendly%3D%22AAA%3D%22"
    "%20SHA1D%3D%22vP1ppB+xiFQ8ceZivRe0uCaYLIU%3D%22"
    "%20SHA1C%3D%22PApbbjkbDSGrt3ybGHRKNaZ8s%2Fw%3D%22%2F%3E"
)

QRY_DIGEST = b"ad2cdeb66673185d8ef64b70da162db1"

# ---- notification.md §3.2, client side (DS then NS), one byte stream --------------------
CVR_ARGS = ("0x0409", "winnt", "5.1", "i386", "MSNMSGR", "6.0.0602", "MSMSGS", "alice@example.com")
NS_CLIENT_STREAM = (
    crlf(
        "VER 1 MSNP9 MSNP8 CVR0",
        "CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 6.0.0602 MSMSGS alice@example.com",
        "USR 3 TWN I alice@example.com",
        "VER 4 MSNP9 MSNP8 CVR0",
        "CVR 5 0x0409 winnt 5.1 i386 MSNMSGR 6.0.0602 MSMSGS alice@example.com",
        "USR 6 TWN I alice@example.com",
        "USR 7 TWN S t=7Qx3AbCdEfGh$$&p=Zz9YyXx$$",
        "SYN 8 0",
        "CHG 9 NLN 268435500",
        "QRY 10 msmsgs@msnmsgr.com 32",
    )
    + QRY_DIGEST  # no CRLF after the digest: PNG starts right after its 32nd byte
    + crlf("PNG", "OUT")
)
NS_CLIENT_COMMANDS = [
    Command("VER", 1, ("MSNP9", "MSNP8", "CVR0")),
    Command("CVR", 2, CVR_ARGS),
    Command("USR", 3, ("TWN", "I", "alice@example.com")),
    Command("VER", 4, ("MSNP9", "MSNP8", "CVR0")),
    Command("CVR", 5, CVR_ARGS),
    Command("USR", 6, ("TWN", "I", "alice@example.com")),
    Command("USR", 7, ("TWN", "S", "t=7Qx3AbCdEfGh$$&p=Zz9YyXx$$")),
    Command("SYN", 8, ("0",)),
    Command("CHG", 9, ("NLN", "268435500")),
    Command("QRY", 10, ("msmsgs@msnmsgr.com",), QRY_DIGEST),
    Command("PNG"),
    Command("OUT"),
]

# ---- notification.md §3.2 (with the §4.24 profile), server side -------------------------
CVR_REPLY = (
    "6.0.0602",
    "6.0.0602",
    "6.0.0602",
    "http://dl.example.invalid/setup.exe",
    "http://www.example.invalid/",
)
PASSPORT_PARAMS = (
    "lc=1033,id=507,tw=40,fs=1,ru=http%3A%2F%2Fmessenger%2Emsn%2Ecom,ct=1072915200,kpp=1,kv=5,"
    "ver=2.1.0173.1,tpf=0123456789abcdef0123456789abcdef"
)
NS_SERVER_STREAM = (
    crlf(
        "VER 1 MSNP9",
        "CVR 2 " + " ".join(CVR_REPLY),
        "XFR 3 NS 192.0.2.10:1863 0 192.0.2.1:1863",
        "VER 4 MSNP9",
        "CVR 5 " + " ".join(CVR_REPLY),
        "USR 6 TWN S " + PASSPORT_PARAMS,
        "USR 7 OK alice@example.com Alice%20A. 1 0",
        "MSG Hotmail Hotmail 397",
    )
    + PROFILE_397
    + crlf(
        "SYN 8 42 2 2",
        "GTC A",
        "BLP AL",
        "PRP PHH 555%201234",
        "LSG 0 Other%20Contacts 0",
        "LSG 1 Friends 0",
        "LST bob@example.com Bob 11 1",
        "BPR MOB Y",
        "LST carol@example.com Carol 8",
        "CHG 9 NLN 268435500",
        "ILN 9 AWY bob@example.com Bob 268435492",
        "CHL 0 38192744918265013377",
        "QRY 10",
        "QNG 50",
    )
)
NS_SERVER_COMMANDS = [
    Command("VER", 1, ("MSNP9",)),
    Command("CVR", 2, CVR_REPLY),
    Command("XFR", 3, ("NS", "192.0.2.10:1863", "0", "192.0.2.1:1863")),
    Command("VER", 4, ("MSNP9",)),
    Command("CVR", 5, CVR_REPLY),
    Command("USR", 6, ("TWN", "S", PASSPORT_PARAMS)),
    Command("USR", 7, ("OK", "alice@example.com", "Alice%20A.", "1", "0")),
    Command("MSG", None, ("Hotmail", "Hotmail"), PROFILE_397),
    Command("SYN", 8, ("42", "2", "2")),
    Command("GTC", None, ("A",)),
    Command("BLP", None, ("AL",)),
    Command("PRP", None, ("PHH", "555%201234")),
    Command("LSG", None, ("0", "Other%20Contacts", "0")),
    Command("LSG", None, ("1", "Friends", "0")),
    Command("LST", None, ("bob@example.com", "Bob", "11", "1")),
    Command("BPR", None, ("MOB", "Y")),
    Command("LST", None, ("carol@example.com", "Carol", "8")),
    Command("CHG", 9, ("NLN", "268435500")),
    Command("ILN", 9, ("AWY", "bob@example.com", "Bob", "268435492")),
    Command("CHL", 0, ("38192744918265013377",)),
    Command("QRY", 10),
    Command("QNG", None, ("50",)),
]

# ---- switchboard-and-services.md §1.1 ----------------------------------------------------
SB_TEXT = (
    b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
    b"X-MMS-IM-Format: FN=MS%20Sans%20Serif; EF=; CO=0; CS=0; PF=0\r\n\r\nhello\r\nthere"
)
SB_P2P = (
    b"MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\n"
    b"P2P-Dest: bob@example.com\r\n\r\n" + bytes(48) + b"\r\n\x00\x00\x00\x01"
)
SB_CLIENT_STREAM = (
    crlf(
        "USR 1 alice@example.com 17262740.1050826919.32308",
        "CAL 2 bob@example.com",
        f"MSG 3 N {len(SB_TEXT)}",
    )
    + SB_TEXT
    + f"MSG 4 D {len(SB_P2P)}\r\n".encode()
    + SB_P2P
    + crlf("ANS 1 bob@example.com 849102291.520491113 11752013", "OUT")
)
SB_CLIENT_COMMANDS = [
    Command("USR", 1, ("alice@example.com", "17262740.1050826919.32308")),
    Command("CAL", 2, ("bob@example.com",)),
    Command("MSG", 3, ("N",), SB_TEXT),
    Command("MSG", 4, ("D",), SB_P2P),
    Command("ANS", 1, ("bob@example.com", "849102291.520491113", "11752013")),
    Command("OUT"),
]
SB_SERVER_STREAM = (
    crlf(
        "XFR 10 SB 10.0.0.7:1863 CKI 17262740.1050826919.32308",
        "USR 1 OK alice@example.com Alice",
        "CAL 2 RINGING 11752013",
        "RNG 11752013 10.0.0.7:1863 CKI 849102291.520491113 alice@example.com Alice",
        "IRO 1 1 1 alice@example.com Alice",
        "ANS 1 OK",
        "JOI bob@example.com Bob",
        f"MSG alice@example.com Alice {len(SB_TEXT)}",
    )
    + SB_TEXT
    + crlf("ACK 3", "NAK 4", "282 5", "BYE bob@example.com", "BYE carol@example.com 1", "911 6")
)
SB_SERVER_COMMANDS = [
    Command("XFR", 10, ("SB", "10.0.0.7:1863", "CKI", "17262740.1050826919.32308")),
    Command("USR", 1, ("OK", "alice@example.com", "Alice")),
    Command("CAL", 2, ("RINGING", "11752013")),
    Command(
        "RNG",
        None,
        ("11752013", "10.0.0.7:1863", "CKI", "849102291.520491113", "alice@example.com", "Alice"),
    ),
    Command("IRO", 1, ("1", "1", "alice@example.com", "Alice")),
    Command("ANS", 1, ("OK",)),
    Command("JOI", None, ("bob@example.com", "Bob")),
    Command("MSG", None, ("alice@example.com", "Alice"), SB_TEXT),
    Command("ACK", 3),
    Command("NAK", 4),
    Command("282", 5),
    Command("BYE", None, ("bob@example.com",)),
    Command("BYE", None, ("carol@example.com", "1")),
    Command("911", 6),
]

#: (stream, commands, parser side) for the fuzzer's corpus and the chunking tests.
CLIENT_STREAMS = [(NS_CLIENT_STREAM, NS_CLIENT_COMMANDS), (SB_CLIENT_STREAM, SB_CLIENT_COMMANDS)]
SERVER_STREAMS = [(NS_SERVER_STREAM, NS_SERVER_COMMANDS), (SB_SERVER_STREAM, SB_SERVER_COMMANDS)]

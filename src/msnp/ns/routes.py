"""Which notification-server command is handled where, and from which login state."""

from __future__ import annotations

from types import MappingProxyType

from msnp.ns import challenge, handshake, lists, login, misc, status, sync
from msnp.ns.context import State
from msnp.ns.session import Route

_A = State.AUTHENTICATED

NOTIFICATION_ROUTES = MappingProxyType(
    {
        "VER": Route(handshake.ver, State.CONNECTED),
        "CVR": Route(handshake.cvr, State.NEGOTIATED),
        "USR": Route(login.usr, State.NEGOTIATED),
        "OUT": Route(misc.out, State.NEGOTIATED, needs_trid=False),
        "SYN": Route(sync.syn, _A),
        "CHG": Route(status.chg, _A),
        "PNG": Route(misc.png, _A, needs_trid=False),
        "QRY": Route(challenge.qry, _A),
        "ADD": Route(lists.add, _A),
        "REM": Route(lists.rem, _A),
        "ADG": Route(lists.adg, _A),
        "RMG": Route(lists.rmg, _A),
        "REG": Route(lists.reg, _A),
        "REA": Route(lists.rea, _A),
        "GTC": Route(lists.gtc, _A),
        "BLP": Route(lists.blp, _A),
        "PRP": Route(lists.prp, _A),
        "URL": Route(misc.url, _A),
        "SND": Route(misc.snd, _A),
        "SDC": Route(misc.sdc, _A),
        "PGD": Route(misc.pgd, _A),
        "PAG": Route(misc.pag, _A),
        "FND": Route(misc.fnd, _A),
        "IMS": Route(misc.ims, _A),
        "XFR": Route(misc.xfr, _A),
        "LST": Route(misc.retired, _A, needs_trid=False),
        "LSG": Route(misc.retired, _A, needs_trid=False),
    }
)

"""The dispatch server: VER, CVR, and `USR TWN I` answered with `XFR NS`. Anything else is
a disconnect. It shares the login front (session, VER/CVR) with the notification server."""

from __future__ import annotations

from types import MappingProxyType

from msnp.ns import handshake, login, misc
from msnp.ns.context import State
from msnp.ns.session import Route

DISPATCH_ROUTES = MappingProxyType(
    {
        "VER": Route(handshake.ver, State.CONNECTED),
        "CVR": Route(handshake.cvr, State.NEGOTIATED),
        "USR": Route(login.usr_dispatch, State.NEGOTIATED),
        "OUT": Route(misc.out, State.NEGOTIATED, needs_trid=False),
    }
)

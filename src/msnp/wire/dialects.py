"""MSNP8 and MSNP9 as data: what differs between them is read from here, never from
version ladders in handlers (reference §10)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dialect:
    name: str
    version: int
    qng_interval: bool  # QNG carries the seconds until the next PNG
    msnobject: bool  # CHG, ILN and NLN carry the MSNObject
    data_ack: bool  # switchboard MSG accepts ack type D (and replies 282)
    pgd: bool  # PGD mobile paging exists
    pag: bool  # PAG exists (MSNP9 answers 715)
    # A bare `CHG n NLN` is echoed `CHG n NLN 0` (one MSNP8 client needs three parameters);
    # MSNP9 echoes it bare, as the seed shows.
    chg_echo_default_caps: bool
    textx_alerts: bool  # NOT bodies may carry the rich TEXTX element


MSNP8 = Dialect(
    name="MSNP8",
    version=8,
    qng_interval=False,
    msnobject=False,
    data_ack=False,
    pgd=False,
    pag=True,
    chg_echo_default_caps=True,
    textx_alerts=False,
)
MSNP9 = Dialect(
    name="MSNP9",
    version=9,
    qng_interval=True,
    msnobject=True,
    data_ack=True,
    pgd=True,
    pag=False,
    chg_echo_default_caps=False,
    textx_alerts=True,
)

#: Dialects this server speaks, best first.
SUPPORTED: tuple[Dialect, ...] = (MSNP9, MSNP8)
BY_NAME: dict[str, Dialect] = {d.name: d for d in SUPPORTED}


def negotiate(offered: list[str] | tuple[str, ...]) -> Dialect | None:
    """The best dialect both sides speak, or None (then `VER trid 0` and disconnect)."""
    for dialect in SUPPORTED:
        if dialect.name in offered:
            return dialect
    return None

"""CHL / QRY (reference §4.7): MD5(challenge + product key) for MSNP6-MSNP10."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from typing import TYPE_CHECKING

from msnp.ns.context import Disconnect
from msnp.wire.codec import Command
from msnp.wire.errors import ErrorCode

if TYPE_CHECKING:
    from msnp.ns.session import NotificationSession

log = logging.getLogger(__name__)

#: product id sent in QRY -> product key mixed into the digest (never sent).
PRODUCT_KEYS: dict[str, str] = {
    "msmsgs@msnmsgr.com": "Q1P7W2E4J9R8U3S5",
    "PROD0038W!61ZTF9": "VT6PX?UQTM4WM%YR",
    "PROD0058#7IL2{QD": "QHDCY@7R1TB6W?5B",
    "PROD0061VRRZH@4F": "JXQ6J@TUOGYV@N0M",
    "PROD00504RLUG%WL": "I2EBK%PYNLZL5_J4",
    "PROD0076ENE8*@AW": "CEQJ8}OE0!WTSWII",
}
#: After a good answer the next challenge comes this many seconds later (irregular, as the
#: real service did).
RECHALLENGE_RANGE = (300, 900)


def challenge_digest(challenge: str, product_key: str) -> str:
    return hashlib.md5((challenge + product_key).encode("ascii")).hexdigest()


def new_challenge() -> str:
    """20 decimal digits, as the real service sent."""
    return "".join(secrets.choice("0123456789") for _ in range(20))


def schedule_challenge(s: NotificationSession, delay: float | None = None) -> None:
    config = s.ctx.config.notification
    s.later(config.challenge_delay if delay is None else delay, lambda: send_challenge(s))


def send_challenge(s: NotificationSession) -> None:
    if s.sink.closed or s.user is None:
        return
    s.challenge = new_challenge()
    s.send(f"CHL 0 {s.challenge}\r\n".encode())
    pending = s.challenge
    s.later(s.ctx.config.notification.challenge_timeout, lambda: _expire(s, pending))


def _expire(s: NotificationSession, pending: str) -> None:
    if s.challenge != pending or s.sink.closed:
        return
    if s.ctx.config.notification.enforce_challenge:
        log.info("no QRY for challenge from %s; disconnecting", s.login_email)
        s.close()
    else:
        log.warning("no QRY for challenge from %s (not enforced)", s.login_email)
        s.challenge = None


def qry(s: NotificationSession, c: Command) -> None:
    product_id = c.arg(0)
    answer = (c.payload or b"").decode("ascii", "replace").lower()
    key = PRODUCT_KEYS.get(product_id or "")
    ok = (
        s.challenge is not None
        and key is not None
        and hmac.compare_digest(answer, challenge_digest(s.challenge, key))
    )
    if ok:
        s.challenge = None
        s.send(f"QRY {c.trid}\r\n".encode())
        low, high = RECHALLENGE_RANGE
        schedule_challenge(s, low + secrets.randbelow(high - low))
        return
    if not s.ctx.config.notification.enforce_challenge:
        log.warning("wrong QRY from %s (product id %r), not enforced", s.login_email, product_id)
        s.challenge = None
        s.send(f"QRY {c.trid}\r\n".encode())
        return
    s.reply_error(ErrorCode.CHALLENGE_RESPONSE_FAILED, c.trid)
    raise Disconnect

"""E-mail invitations (SND/SDC) over SMTP.

The NS answers SND at once; the mail goes out in the background (smtplib in a worker thread),
so a slow or unreachable mail server never stalls a session. Failures are logged. Each sender
may invite a bounded number of people per hour, so SND cannot be used to send spam.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import time
from collections import deque
from email.message import EmailMessage

from msnp.config import SmtpConfig

log = logging.getLogger(__name__)

INVITATIONS_PER_HOUR = 10
SMTP_TIMEOUT = 15.0


class SmtpMailer:
    """Implements the notification server's `MailerPort`."""

    def __init__(self, config: SmtpConfig, site_url: str) -> None:
        if not config.host:
            raise ValueError("SmtpMailer needs smtp.host")
        self._config = config
        self._site_url = site_url
        self._sent: dict[str, deque[float]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def _allowed(self, sender: str) -> bool:
        now = time.monotonic()
        recent = self._sent.setdefault(sender, deque())
        while recent and now - recent[0] > 3600:
            recent.popleft()
        if len(recent) >= INVITATIONS_PER_HOUR:
            return False
        recent.append(now)
        return True

    def invitation(self, sender: str, sender_name: str, recipient: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self._config.sender
        message["To"] = recipient
        message["Reply-To"] = sender
        message["Subject"] = f"{sender_name} invites you to MSN Messenger"
        message.set_content(
            f"{sender_name} ({sender}) would like to chat with you on MSN Messenger.\n\n"
            f"Sign up at {self._site_url}/register and add {sender} to your contacts.\n"
        )
        return message

    async def send_invitation(self, sender: str, sender_name: str, recipient: str) -> None:
        if not self._allowed(sender):
            log.warning("not mailing %s: %s sent %d invitations this hour",
                        recipient, sender, INVITATIONS_PER_HOUR)
            return
        message = self.invitation(sender, sender_name, recipient)
        task = asyncio.get_running_loop().create_task(self._deliver(message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, message: EmailMessage) -> None:
        try:
            await asyncio.to_thread(self._send, message)
            log.info("mailed an invitation to %s", message["To"])
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("could not mail an invitation to %s: %s", message["To"], exc)

    def _send(self, message: EmailMessage) -> None:
        assert self._config.host is not None
        with smtplib.SMTP(self._config.host, self._config.port, timeout=SMTP_TIMEOUT) as smtp:
            smtp.send_message(message)

    async def close(self) -> None:
        """Let invitations already accepted finish (shutdown)."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

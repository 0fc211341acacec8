"""SND / SDC e-mail invitations: answered at once, mailed over SMTP when configured."""

from __future__ import annotations

import asyncio
from email import message_from_bytes
from pathlib import Path

from msnp.services.mailer import INVITATIONS_PER_HOUR
from service_helpers import login_raw, make_config, running


class FakeSmtp:
    """Just enough SMTP for smtplib: records each message's envelope and data."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.received = asyncio.Event()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 fake ESMTP\r\n")
        sender, recipients = "", []
        while line := await reader.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                writer.write(b"250 fake\r\n")
            elif verb == b"MAIL":
                sender, recipients = line.decode().split(":", 1)[1].strip(), []
                writer.write(b"250 ok\r\n")
            elif verb == b"RCPT":
                recipients.append(line.decode().split(":", 1)[1].strip())
                writer.write(b"250 ok\r\n")
            elif verb == b"DATA":
                writer.write(b"354 go on\r\n")
                data = await reader.readuntil(b"\r\n.\r\n")
                self.messages.append((sender, recipients, data[:-5]))
                self.received.set()
                writer.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                break
            else:
                writer.write(b"250 ok\r\n")
            await writer.drain()
        writer.close()


async def test_snd_mails_an_invitation(tmp_path: Path) -> None:
    smtp = FakeSmtp()
    server = await asyncio.start_server(smtp.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    config = make_config(
        tmp_path,
        notification={"challenge_delay": 3600},
        smtp={"host": "127.0.0.1", "port": port, "sender": "invites@msnp.test"},
    )
    async with running(config) as service:
        await service.accounts.create("alice@example.com", "alice-pw", "Alice")
        alice = await login_raw(service, "alice@example.com", "alice-pw")
        await alice.send("SND 4 friend@example.org 0x0409 MSMSGS MSMSGS")
        await alice.expect("SND 4 OK")
        await asyncio.wait_for(smtp.received.wait(), 10)
        sender, recipients, data = smtp.messages[0]
        assert sender == "<invites@msnp.test>" and recipients == ["<friend@example.org>"]
        mail = message_from_bytes(data)
        assert mail["Subject"] == "Alice invites you to MSN Messenger"
        assert mail["Reply-To"] == "alice@example.com"
        assert "/register" in mail.get_payload()

        # Past the hourly limit the request is still answered, but nothing is mailed.
        for n in range(INVITATIONS_PER_HOUR):
            await alice.send(f"SDC {10 + n} other{n}@example.org 0x0409 MSMSGS MSMSGS X X Alice 0")
            await alice.expect(f"SDC {10 + n} OK")
        for _ in range(100):  # the first INVITATIONS_PER_HOUR arrive...
            if len(smtp.messages) >= INVITATIONS_PER_HOUR:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # ... and the one over the limit never does
        assert len(smtp.messages) == INVITATIONS_PER_HOUR
    server.close()


async def test_unreachable_mail_server_still_answers(tmp_path: Path) -> None:
    placeholder = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = placeholder.sockets[0].getsockname()[1]
    placeholder.close()
    await placeholder.wait_closed()  # nothing listens on `port` now
    config = make_config(
        tmp_path, notification={"challenge_delay": 3600}, smtp={"host": "127.0.0.1", "port": port}
    )
    async with running(config) as service:
        await service.accounts.create("alice@example.com", "alice-pw", "Alice")
        alice = await login_raw(service, "alice@example.com", "alice-pw")
        await alice.send("SND 4 friend@example.org")
        await alice.expect("SND 4 OK")
        await alice.send("PNG")
        await alice.expect("QNG 60")

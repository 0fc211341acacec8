"""Switchboard (SB): chat sessions, invitations and the byte-exact relay of messages.

Wiring (one `SwitchboardServer` per node)::

    sb = SwitchboardServer(config, ticket_store, ringer, directory)
    port = await sb.start()          # binds config.switchboard.listen (port 0 allowed)
    # NS, on `XFR trid SB` (after its own 913 checks):
    cookie = await sb.issue_creator(email, display_name, dialect.name)
    reply = f"XFR {trid} SB {sb.address} CKI {cookie}"
    ...
    await sb.close()

`ringer` (msnp.services.invitations.Ringer) delivers `RNG` for a CAL and answers False for
anyone offline, invisible, unknown or blocking the caller; `directory` (UserDirectory)
gives an invitee's current display name and dialect when they ANS.
"""

from msnp.sb.directory import UserDirectory, UserInfo
from msnp.sb.server import SwitchboardServer

__all__ = ["SwitchboardServer", "UserDirectory", "UserInfo"]

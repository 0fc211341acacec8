"""Reads the SYN dump (§4.8): `SYN trid version contacts groups`, then GTC, BLP, PRP*, LSG*,
and LST lines each followed by that contact's BPR lines. None of them carries a trid."""

from __future__ import annotations

import asyncio

from msnp.client.contacts import Contact, ContactList
from msnp.client.names import decode_name
from msnp.services.models import Group, ListBits
from msnp.wire.codec import Command


class SyncCollector:
    """Fed the trid-less lines after a SYN reply; `done` completes when the announced number
    of LST and LSG lines has arrived. BPR lines after the last LST still belong to it, so the
    collector keeps accepting BPRs (only) after that."""

    def __init__(self, version: int, contact_count: int, group_count: int) -> None:
        self.lists = ContactList(version=version)
        self.contact_count = contact_count
        self.group_count = group_count
        self.contacts_seen = 0
        self.groups_seen = 0
        self.last_contact: str | None = None
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._check()

    def _check(self) -> None:
        if (
            not self.done.done()
            and self.contacts_seen >= self.contact_count
            and self.groups_seen >= self.group_count
        ):
            self.done.set_result(None)

    def feed(self, command: Command) -> bool:
        """Take one line; False when it is not part of the dump."""
        name, args = command.name, command.args
        if name == "BPR" and args and not args[0].isdigit():
            contact = self.lists.get(self.last_contact or "")
            if contact is not None and len(args) >= 2:
                contact.properties[args[0]] = decode_name(args[1])
            return True
        if self.done.done():
            return False
        if name == "GTC" and len(args) == 1:
            self.lists.gtc = args[0]
        elif name == "BLP" and len(args) == 1:
            self.lists.blp = args[0]
        elif name == "PRP" and args:
            if len(args) >= 2:
                self.lists.properties[args[0]] = decode_name(args[1])
        elif name == "LSG" and len(args) >= 2:
            group_id = int(args[0]) if args[0].isdigit() else self.groups_seen
            self.lists.groups[group_id] = Group(group_id, decode_name(args[1]))
            self.groups_seen += 1
        elif name == "LST" and len(args) >= 3:
            bits = ListBits(int(args[2]) & 0xF) if args[2].isdigit() else ListBits.NONE
            groups = [int(g) for g in args[3].split(",") if g.isdigit()] if len(args) >= 4 else []
            if not bits & ListBits.FL:
                groups = []  # some servers append groups to every LST; only FL has them
            elif not groups:
                groups = [0]
            contact = Contact(args[0], decode_name(args[1]), lists=bits, groups=groups)
            self.lists.contacts[args[0].lower()] = contact
            self.last_contact = args[0]
            self.contacts_seen += 1
        else:
            return False
        self._check()
        return True

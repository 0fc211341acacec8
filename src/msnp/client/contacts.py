"""The client's copy of its contact list: groups, contacts with list bits, privacy settings,
the list version, and the live presence of each contact. Saved as JSON between runs so a
`SYN` with an unchanged version needs no dump (§4.8, §6)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from msnp.services.models import Group, ListBits

CACHE_FORMAT = 1
OFFLINE = "FLN"


@dataclass
class Contact:
    email: str
    stored_name: str
    lists: ListBits = ListBits.NONE
    groups: list[int] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)
    # Presence: not part of the list, never cached.
    status: str = OFFLINE
    display_name: str | None = None
    capabilities: int = 0
    msnobject: str | None = None

    @property
    def online(self) -> bool:
        return self.status != OFFLINE

    @property
    def name(self) -> str:
        """What to show: the live display name, else the stored name."""
        return self.display_name or self.stored_name or self.email

    def on(self, bits: ListBits) -> bool:
        return bool(self.lists & bits)


@dataclass
class ContactList:
    version: int = 0
    gtc: str = "A"
    blp: str = "AL"
    properties: dict[str, str] = field(default_factory=dict)
    groups: dict[int, Group] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)  # key: lower-case e-mail

    # ---- lookups ------------------------------------------------------------------------
    def get(self, email: str) -> Contact | None:
        return self.contacts.get(email.lower())

    def entry(self, email: str, stored_name: str | None = None) -> Contact:
        """The contact for `email`, created (on no list yet) if absent."""
        key = email.lower()
        contact = self.contacts.get(key)
        if contact is None:
            contact = Contact(email=email, stored_name=stored_name or email)
            self.contacts[key] = contact
        return contact

    def on_list(self, bits: ListBits) -> list[Contact]:
        return [c for c in self.contacts.values() if c.lists & bits]

    @property
    def forward(self) -> list[Contact]:
        return self.on_list(ListBits.FL)

    @property
    def allowed(self) -> list[Contact]:
        return self.on_list(ListBits.AL)

    @property
    def blocked(self) -> list[Contact]:
        return self.on_list(ListBits.BL)

    @property
    def reverse(self) -> list[Contact]:
        return self.on_list(ListBits.RL)

    def group_named(self, name: str) -> Group | None:
        for group in self.groups.values():
            if group.name == name:
                return group
        return None

    # ---- changes (each carries the list version the server assigned) ------------------
    def add(self, bits: ListBits, email: str, stored_name: str, group: int | None = None) -> None:
        contact = self.entry(email, stored_name)
        contact.lists |= bits
        contact.stored_name = stored_name
        if bits & ListBits.FL:
            wanted = 0 if group is None else group
            if wanted not in contact.groups:
                contact.groups = sorted([*contact.groups, wanted])

    def remove(self, bits: ListBits, email: str, group: int | None = None) -> None:
        contact = self.get(email)
        if contact is None:
            return
        if bits & ListBits.FL and group is not None:
            # Leaving one group keeps the contact on the FL (§4.15).
            contact.groups = [g for g in contact.groups if g != group]
            return
        contact.lists &= ~bits
        if bits & ListBits.FL:
            contact.groups = []
        if not contact.lists:
            del self.contacts[email.lower()]

    def remove_group(self, group_id: int) -> None:
        self.groups.pop(group_id, None)
        for contact in self.contacts.values():
            if group_id in contact.groups:
                contact.groups = [g for g in contact.groups if g != group_id]

    def clear_presence(self) -> None:
        for contact in self.contacts.values():
            contact.status = OFFLINE
            contact.capabilities = 0
            contact.msnobject = None

    def _sorted_groups(self) -> list[Group]:
        return sorted(self.groups.values(), key=lambda g: g.id)

    # ---- JSON cache ---------------------------------------------------------------------
    def to_json(self, account: str) -> dict[str, Any]:
        return {
            "format": CACHE_FORMAT,
            "account": account.lower(),
            "version": self.version,
            "gtc": self.gtc,
            "blp": self.blp,
            "properties": dict(self.properties),
            "groups": [{"id": g.id, "name": g.name} for g in self._sorted_groups()],
            "contacts": [
                {
                    "email": c.email,
                    "stored_name": c.stored_name,
                    "lists": int(c.lists),
                    "groups": list(c.groups),
                    "properties": dict(c.properties),
                }
                for c in self.contacts.values()
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ContactList:
        lists = cls(
            version=int(data["version"]),
            gtc=str(data["gtc"]),
            blp=str(data["blp"]),
            properties={str(k): str(v) for k, v in data["properties"].items()},
        )
        for group in data["groups"]:
            lists.groups[int(group["id"])] = Group(int(group["id"]), str(group["name"]))
        for item in data["contacts"]:
            contact = Contact(
                email=str(item["email"]),
                stored_name=str(item["stored_name"]),
                lists=ListBits(int(item["lists"])),
                groups=[int(g) for g in item["groups"]],
                properties={str(k): str(v) for k, v in item["properties"].items()},
            )
            lists.contacts[contact.email.lower()] = contact
        return lists


def load_cache(path: Path, account: str) -> ContactList | None:
    """The cached list of `account`, or None when there is none or it cannot be read (the
    client then asks for version 0 and gets a full dump, which is always safe)."""
    try:
        data = json.loads(path.read_text("utf-8"))
        if data.get("format") != CACHE_FORMAT or data.get("account") != account.lower():
            return None
        return ContactList.from_json(data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def save_cache(path: Path, account: str, lists: ContactList) -> None:
    """Write atomically: a reader never sees half a file, whatever happens to us."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(lists.to_json(account), indent=1), "utf-8")
    os.replace(temporary, path)

"""Domain records shared by services, controllers and the store. Plain frozen data, no I/O.

Names here are decoded text (never URL-encoded); controllers encode them for the wire.
E-mail handles are canonical (lower case) everywhere a comparison or key is involved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntFlag

from msnp.wire.errors import ErrorCode, describe_error


class ListBits(IntFlag):
    """Contact-list membership bits as they appear in LST (reference §4.8)."""

    NONE = 0
    FL = 1  # forward: people I watch
    AL = 2  # allow
    BL = 4  # block
    RL = 8  # reverse: people who have me on their FL (server-maintained)

    @classmethod
    def from_name(cls, name: str) -> ListBits:
        """'FL' -> ListBits.FL; raises KeyError for anything else."""
        return {"FL": cls.FL, "AL": cls.AL, "BL": cls.BL, "RL": cls.RL}[name]


#: Properties a user sets with PRP, in the order SYN lists them.
USER_PROPERTIES = ("PHH", "PHW", "PHM", "MOB", "MBE")
#: Properties a client may set itself (MBE is server-set).
CLIENT_SETTABLE_PROPERTIES = ("PHH", "PHW", "PHM", "MOB")
#: Properties shown to contacts with BPR, in order.
CONTACT_PROPERTIES = ("PHH", "PHW", "PHM", "MOB")

MAX_GROUPS = 30  # group ids 0..29, group 0 included
MAX_FORWARD_LIST = 600  # FL entries (210 beyond)
MAX_LIST_ENTRIES = 1000  # AL / BL / RL entries


class ServiceError(Exception):
    """A request refused with a documented numeric error. Controllers send `code TrID`."""

    def __init__(self, code: ErrorCode, detail: str = "") -> None:
        super().__init__(f"{int(code)} {detail or describe_error(code)}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Account:
    id: int
    email: str  # canonical (lower case)
    display_name: str  # decoded text; defaults to the e-mail address
    member_id: int  # 64-bit Passport unique id: MemberIdHigh = >> 32, MemberIdLow = & 0xffffffff
    blp: str = "AL"  # "AL" (allow all but BL) or "BL" (allow only AL)
    gtc: str = "A"  # "A" (ask) or "N" (don't ask)
    properties: Mapping[str, str] = field(default_factory=dict)  # set properties only
    list_version: int = 0
    verified: bool = True

    @property
    def member_id_high(self) -> int:
        return self.member_id >> 32

    @property
    def member_id_low(self) -> int:
        return self.member_id & 0xFFFFFFFF


@dataclass(frozen=True)
class Group:
    id: int
    name: str


@dataclass(frozen=True)
class Contact:
    email: str  # canonical
    stored_name: str  # decoded
    lists: ListBits
    groups: tuple[int, ...] = ()  # FL groups, ascending
    properties: Mapping[str, str] = field(default_factory=dict)  # contact's PHH/PHW/PHM/MOB


@dataclass(frozen=True)
class ListSnapshot:
    """Everything SYN sends, read in one transaction."""

    account: Account
    groups: tuple[Group, ...]  # ascending by id, group 0 first
    contacts: tuple[Contact, ...]  # contacts with at least one list bit, stable order


@dataclass(frozen=True)
class ReverseListChange:
    """The other side of an FL change: `owner` gained or lost `member` on their RL."""

    owner: str  # whose RL changed (canonical e-mail)
    version: int  # owner's new list version
    member: str  # who added/removed them (canonical e-mail)
    member_name: str  # member's display name (decoded)


@dataclass(frozen=True)
class ListChange:
    """Result of ADD / REM on the owner's lists."""

    version: int  # owner's new list version
    contact: str  # canonical e-mail of the contact
    stored_name: str  # decoded
    group_id: int | None
    reverse: ReverseListChange | None = None  # set when FL membership changed
    # The contact's PHH/PHW/PHM/MOB, when the contact allows the owner (sent as BPR).
    properties: Mapping[str, str] = field(default_factory=dict)

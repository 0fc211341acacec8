"""Presence states (§4.20) and the words people type for them."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    ONLINE = "NLN"
    BUSY = "BSY"
    IDLE = "IDL"
    BE_RIGHT_BACK = "BRB"
    AWAY = "AWY"
    ON_THE_PHONE = "PHN"
    OUT_TO_LUNCH = "LUN"
    HIDDEN = "HDN"  # appear offline
    OFFLINE = "FLN"  # only ever reported, never set

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def parse(cls, text: str) -> Status:
        """`online`, `NLN`, `away`, `invisible`... -> Status; ValueError for anything else."""
        word = text.strip()
        if word in cls._value2member_map_:
            return cls(word)
        found = _WORDS.get(word.lower())
        if found is None:
            raise ValueError(f"unknown status {text!r}; try: {', '.join(sorted(set(_WORDS)))}")
        return found


_LABELS = {
    Status.ONLINE: "online",
    Status.BUSY: "busy",
    Status.IDLE: "idle",
    Status.BE_RIGHT_BACK: "be right back",
    Status.AWAY: "away",
    Status.ON_THE_PHONE: "on the phone",
    Status.OUT_TO_LUNCH: "out to lunch",
    Status.HIDDEN: "appear offline",
    Status.OFFLINE: "offline",
}
_WORDS = {
    "online": Status.ONLINE,
    "busy": Status.BUSY,
    "idle": Status.IDLE,
    "brb": Status.BE_RIGHT_BACK,
    "away": Status.AWAY,
    "phone": Status.ON_THE_PHONE,
    "lunch": Status.OUT_TO_LUNCH,
    "invisible": Status.HIDDEN,
    "hidden": Status.HIDDEN,
}


def status_label(code: str) -> str:
    """Human words for a status code seen on the wire (unknown codes are shown as is)."""
    try:
        return Status(code).label
    except ValueError:
        return code

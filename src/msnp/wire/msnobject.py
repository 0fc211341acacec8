"""MSNObject (MSNP9): the `<msnobj .../>` element naming a display picture or emoticon.

The NS relays the client's URL-encoded token byte for byte; this module is for code that
creates, inspects or verifies objects (the client SDK, tests, and validation of CHG).
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from html import escape, unescape
from urllib.parse import quote, unquote

MAX_MSNOBJECT_LENGTH = 4096  # bytes of XML; real objects are a few hundred

# Attributes SHA1C covers, in the order they are concatenated.
_SIGNED = ("Creator", "Size", "Type", "Location", "Friendly", "SHA1D")
_ELEMENT = re.compile(r"^\s*<msnobj((?:\s+[A-Za-z0-9_]+\s*=\s*\"[^\"<>]*\")*)\s*/>\s*$", re.S)
_ATTRIBUTE = re.compile(r"([A-Za-z0-9_]+)\s*=\s*\"([^\"<>]*)\"")
_NUMBER = re.compile(r"[0-9]+")


class InvalidMSNObject(ValueError):
    pass


def _b64sha1(data: bytes) -> str:
    return base64.b64encode(hashlib.sha1(data).digest()).decode("ascii")


@dataclass(frozen=True)
class MSNObject:
    creator: str
    size: int
    type: int
    location: str
    friendly: str
    sha1d: str
    sha1c: str | None = None
    # Attributes later clients add; kept in order, never interpreted.
    extra: tuple[tuple[str, str], ...] = field(default=())

    @classmethod
    def create(
        cls,
        creator: str,
        data: bytes,
        *,
        type: int = 3,
        location: str = "TFR1A.dat",
        friendly: str = "AAA=",
    ) -> MSNObject:
        """An object for `data` with SHA1D and SHA1C computed."""
        obj = cls(creator, len(data), type, location, friendly, _b64sha1(data))
        return obj.with_sha1c()

    @classmethod
    def parse(cls, xml: str) -> MSNObject:
        """Parse the XML text of one `<msnobj .../>` element."""
        if len(xml) > MAX_MSNOBJECT_LENGTH:
            raise InvalidMSNObject("MSNObject too long")
        match = _ELEMENT.match(xml)
        if match is None:
            raise InvalidMSNObject("not a single <msnobj/> element")
        attrs: dict[str, str] = {}
        order: list[str] = []
        for name, value in _ATTRIBUTE.findall(match.group(1)):
            if name in attrs:
                raise InvalidMSNObject(f"attribute {name} repeated")
            attrs[name] = unescape(value)
            order.append(name)
        missing = [name for name in (*_SIGNED[:3], "SHA1D") if name not in attrs]
        if missing:
            raise InvalidMSNObject(f"missing attributes: {', '.join(missing)}")
        # ASCII digits only: int() would also take "-1", " 1", "1_0" and non-ASCII digits
        if not (_NUMBER.fullmatch(attrs["Size"]) and _NUMBER.fullmatch(attrs["Type"])):
            raise InvalidMSNObject("Size and Type must be numbers")
        size = int(attrs["Size"])
        type_ = int(attrs["Type"])
        known = {*_SIGNED, "SHA1C"}
        return cls(
            creator=attrs["Creator"],
            size=size,
            type=type_,
            location=attrs.get("Location", ""),
            friendly=attrs.get("Friendly", ""),
            sha1d=attrs["SHA1D"],
            sha1c=attrs.get("SHA1C"),
            extra=tuple((name, attrs[name]) for name in order if name not in known),
        )

    @classmethod
    def from_wire(cls, token: str) -> MSNObject:
        """Parse the URL-encoded form carried by CHG, ILN and NLN."""
        return cls.parse(unquote(token))

    def _signed_values(self) -> tuple[str, ...]:
        return (
            self.creator,
            str(self.size),
            str(self.type),
            self.location,
            self.friendly,
            self.sha1d,
        )

    def compute_sha1c(self) -> str:
        text = "".join(k + v for k, v in zip(_SIGNED, self._signed_values(), strict=True))
        return _b64sha1(text.encode("utf-8"))

    def with_sha1c(self) -> MSNObject:
        return MSNObject(
            self.creator,
            self.size,
            self.type,
            self.location,
            self.friendly,
            self.sha1d,
            self.compute_sha1c(),
            self.extra,
        )

    def verify(self, data: bytes | None = None) -> bool:
        """SHA1C matches the other fields, and (given the data) SHA1D and Size match it."""
        if self.sha1c is None or self.sha1c != self.compute_sha1c():
            return False
        if data is not None:
            return len(data) == self.size and _b64sha1(data) == self.sha1d
        return True

    def to_xml(self) -> str:
        pairs = list(zip(_SIGNED, self._signed_values(), strict=True))
        if self.sha1c is not None:
            pairs.append(("SHA1C", self.sha1c))
        pairs.extend(self.extra)
        body = " ".join(f'{k}="{escape(v, quote=True)}"' for k, v in pairs)
        return f"<msnobj {body}/>"

    def to_wire(self) -> str:
        """URL-encoded, as one protocol parameter."""
        return quote(self.to_xml(), safe="")

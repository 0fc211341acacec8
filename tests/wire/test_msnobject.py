"""MSNObject: the reference's SHA1C examples, parse/serialise round trips, verification and
malformed input (notification.md §8, switchboard-and-services.md §5.1)."""

from __future__ import annotations

import base64
import hashlib
import random
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from msnp.wire.msnobject import MAX_MSNOBJECT_LENGTH, InvalidMSNObject, MSNObject

from .samples import SEED_MSNOBJ_TOKEN

SAMPLE = bytes(range(256)) * 16  # the reference's 4096 sample bytes
SAMPLE_XML = (
    '<msnobj Creator="alice@example.com" Size="4096" Type="3" Location="TFR1A.dat" '
    'Friendly="AAA=" SHA1D="6d3tjIRhTolFAZZa9gwlJXlKjH0=" SHA1C="OG0AX9zmSJwPF9kkYwgw1b/kSk0="/>'
)


def test_reference_sample() -> None:
    obj = MSNObject.create("alice@example.com", SAMPLE)
    assert obj.size == 4096 and obj.type == 3
    assert obj.location == "TFR1A.dat" and obj.friendly == "AAA="
    assert obj.sha1d == "6d3tjIRhTolFAZZa9gwlJXlKjH0="
    assert obj.sha1c == "OG0AX9zmSJwPF9kkYwgw1b/kSk0="
    assert obj.to_xml() == SAMPLE_XML
    assert MSNObject.parse(SAMPLE_XML) == obj
    assert obj.verify() and obj.verify(SAMPLE)


def test_nina_example() -> None:
    obj = MSNObject(
        creator="buddy1@hotmail.com",
        size=24539,
        type=3,
        location="TFR2C.tmp",
        friendly="AAA=",
        sha1d="trC8SlFx2sWQxZMIBAWSEnXc8oQ=",
    )
    assert obj.compute_sha1c() == "U32o6bosZzluJq82eAtMpx5dIEI="
    assert obj.with_sha1c().verify()
    assert not obj.verify()  # no SHA1C at all


def test_msnpiki_anonymised_example_does_not_verify() -> None:
    # same fields as NINA's but Creator="buddy@hotmail.com": the given SHA1C does not match
    obj = MSNObject(
        "buddy@hotmail.com",
        24539,
        3,
        "TFR2C.tmp",
        "AAA=",
        "trC8SlFx2sWQxZMIBAWSEnXc8oQ=",
        "U32o6bosZzluJq82eAtMpx5dIEI=",
    )
    assert not obj.verify()


def test_sha1c_formula() -> None:
    obj = MSNObject.create("bob@example.com", b"picture", type=2, location="x.png", friendly="QQA=")
    text = (f"Creatorbob@example.comSize7Type2Locationx.pngFriendlyQQA=SHA1D{obj.sha1d}").encode()
    assert obj.sha1c == base64.b64encode(hashlib.sha1(text).digest()).decode()
    assert obj.sha1d == base64.b64encode(hashlib.sha1(b"picture").digest()).decode()


def test_seed_token() -> None:
    obj = MSNObject.from_wire(SEED_MSNOBJ_TOKEN)
    assert obj == MSNObject(
        creator="anotherdude@hotmail.com",
        size=25235,
        type=3,
        location="uexA4DE.dat",
        friendly="AAA=",
        sha1d="vP1ppB+xiFQ8ceZivRe0uCaYLIU=",  # '+' is not a space in this encoding
        sha1c="PApbbjkbDSGrt3ybGHRKNaZ8s/w=",
    )
    assert obj.verify()
    assert MSNObject.from_wire(obj.to_wire()) == obj


def test_verify_with_data() -> None:
    obj = MSNObject.create("alice@example.com", SAMPLE)
    assert obj.verify(SAMPLE)
    assert not obj.verify(SAMPLE[:-1])  # size and digest differ
    assert not obj.verify(SAMPLE[:-1] + b"\x00")  # same size, different digest
    assert not obj.verify(b"")
    forged = MSNObject(obj.creator, 4095, 3, obj.location, obj.friendly, obj.sha1d).with_sha1c()
    assert forged.verify()  # consistent fields ...
    assert not forged.verify(SAMPLE)  # ... but Size does not match the data


@pytest.mark.parametrize(
    "field",
    ["creator", "size", "type", "location", "friendly", "sha1d"],
)
def test_verify_detects_any_signed_field_change(field: str) -> None:
    obj = MSNObject.create("alice@example.com", SAMPLE)
    values = {
        "creator": "mallory@example.com",
        "size": 1,
        "type": 2,
        "location": "evil.dat",
        "friendly": "QQA=",
        "sha1d": "AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    }
    fields = {f: getattr(obj, f) for f in values} | {field: values[field]}
    changed = MSNObject(**fields, sha1c=obj.sha1c)
    assert not changed.verify()


def test_extra_attributes_are_kept_in_order_and_not_signed() -> None:
    xml = SAMPLE_XML[:-2] + ' stamp="abc" Avatarid="x&amp;y" contenttype="D"/>'
    obj = MSNObject.parse(xml)
    assert obj.extra == (("stamp", "abc"), ("Avatarid", "x&y"), ("contenttype", "D"))
    assert obj.verify(SAMPLE)
    assert obj.to_xml() == xml
    assert MSNObject.parse(obj.to_xml()) == obj


def test_attribute_order_and_spacing_are_free() -> None:
    xml = (
        '  <msnobj SHA1D="6d3tjIRhTolFAZZa9gwlJXlKjH0="   Type = "3" Size="4096"\n'
        ' Creator="alice@example.com" Friendly="AAA=" Location="TFR1A.dat"'
        ' SHA1C="OG0AX9zmSJwPF9kkYwgw1b/kSk0=" />  '
    )
    assert MSNObject.parse(xml) == MSNObject.parse(SAMPLE_XML)


def test_optional_location_and_friendly() -> None:
    obj = MSNObject.parse('<msnobj Creator="a@b.com" Size="1" Type="2" SHA1D="x"/>')
    assert obj.location == "" and obj.friendly == "" and obj.sha1c is None
    assert MSNObject.parse(obj.to_xml()) == obj


def test_escaped_values() -> None:
    obj = MSNObject("a&b@c.com", 1, 3, '<"quoted">', "it's", "x")
    xml = obj.to_xml()
    assert "&amp;" in xml and "&lt;" in xml and "&quot;" in xml
    assert MSNObject.parse(xml) == obj


# ---- round trips ------------------------------------------------------------------------------
_KNOWN = {"Creator", "Size", "Type", "Location", "Friendly", "SHA1D", "SHA1C"}
attr_names = st.from_regex(r"[A-Za-z0-9_]{1,12}", fullmatch=True).filter(lambda n: n not in _KNOWN)
values = st.text(max_size=30)


@st.composite
def msnobjects(draw: st.DrawFn) -> MSNObject:
    extra_names = draw(st.lists(attr_names, max_size=4, unique=True))
    return MSNObject(
        creator=draw(values),
        size=draw(st.integers(0, 10**12)),
        type=draw(st.integers(0, 20)),
        location=draw(values),
        friendly=draw(values),
        sha1d=draw(values),
        sha1c=draw(st.one_of(st.none(), values)),
        extra=tuple((name, draw(values)) for name in extra_names),
    )


@given(msnobjects())
def test_xml_round_trip(obj: MSNObject) -> None:
    assert MSNObject.parse(obj.to_xml()) == obj


@given(msnobjects())
def test_wire_round_trip(obj: MSNObject) -> None:
    token = obj.to_wire()
    assert token.isascii() and " " not in token and "%" in token
    assert MSNObject.from_wire(token) == obj


@given(st.emails(), st.binary(max_size=300), st.sampled_from([2, 3, 5]))
def test_created_objects_verify(creator: str, data: bytes, type_: int) -> None:
    obj = MSNObject.create(creator, data, type=type_)
    assert obj.verify() and obj.verify(data)
    assert MSNObject.from_wire(obj.to_wire()).verify(data)
    assert not obj.verify(data + b"!")


# ---- malformed input -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "xml",
    [
        "",
        "msnobj",
        "<msnobj/>",
        "<msnobj>",
        '<msnobj Creator="a" Size="1" Type="3" SHA1D="x">',  # not self-closing
        '<msnobj Creator="a" Size="1" Type="3" SHA1D="x"/><msnobj/>',
        '<msnobj Creator="a" Size="1" Type="3" SHA1D="x"/>trailing',
        '<msnobjCreator="a" Size="1" Type="3" SHA1D="x"/>',
        '<msnobj Creator="a"Size="1" Type="3" SHA1D="x"/>',
        "<msnobj Creator='a' Size='1' Type='3' SHA1D='x'/>",
        "<msnobj Creator=a Size=1 Type=3 SHA1D=x/>",
        '<msnobj Size="1" Type="3" SHA1D="x"/>',  # no Creator
        '<msnobj Creator="a" Type="3" SHA1D="x"/>',  # no Size
        '<msnobj Creator="a" Size="1" SHA1D="x"/>',  # no Type
        '<msnobj Creator="a" Size="1" Type="3"/>',  # no SHA1D
        '<msnobj Creator="a" Creator="b" Size="1" Type="3" SHA1D="x"/>',
        '<msnobj Creator="a" Size="big" Type="3" SHA1D="x"/>',
        '<msnobj Creator="a" Size="1" Type="" SHA1D="x"/>',
        '<msnobj Creator="a" Size="-1" Type="3" SHA1D="x"/>',
        '<msnobj Creator="a" Size="+1" Type="3" SHA1D="x"/>',
        '<msnobj Creator="a" Size=" 1" Type="3" SHA1D="x"/>',
        '<msnobj Creator="a" Size="1_000" Type="3" SHA1D="x"/>',
        '<msnobj Creator="a" Size="\u0661" Type="3" SHA1D="x"/>',  # Arabic-Indic 1
        '<msnobj Creator="a" Size="1" Type="\uff13" SHA1D="x"/>',  # fullwidth 3
        '<msnobj Creator="a" Size="1" Type="3" SHA1D="x" bad-name="y"/>',
        '<msnobj Creator="a<b" Size="1" Type="3" SHA1D="x"/>',
        '<MSNOBJ Creator="a" Size="1" Type="3" SHA1D="x"/>',
        '<msnobj Creator="a" Size="' + "9" * 5000 + '" Type="3" SHA1D="x"/>',
        '<msnobj Creator="' + "a" * MAX_MSNOBJECT_LENGTH + '" Size="1" Type="3" SHA1D="x"/>',
    ],
)
def test_malformed(xml: str) -> None:
    with pytest.raises(InvalidMSNObject):
        MSNObject.parse(xml)
    with pytest.raises(InvalidMSNObject):
        MSNObject.from_wire(quote(xml, safe=""))


def test_length_limit_applies_to_the_decoded_xml() -> None:
    padding = " " * (MAX_MSNOBJECT_LENGTH - len(SAMPLE_XML))
    assert MSNObject.parse(SAMPLE_XML + padding).verify(SAMPLE)
    with pytest.raises(InvalidMSNObject):
        MSNObject.parse(SAMPLE_XML + padding + " ")


def test_invalid_msnobject_is_a_value_error() -> None:
    assert issubclass(InvalidMSNObject, ValueError)


@given(st.text(max_size=300))
def test_parse_arbitrary_text(text: str) -> None:
    try:
        obj = MSNObject.parse(text)
    except InvalidMSNObject:
        return
    assert MSNObject.parse(obj.to_xml()) == obj


@given(st.text(max_size=300))
def test_from_wire_arbitrary_text(text: str) -> None:
    try:
        MSNObject.from_wire(text)
    except InvalidMSNObject:
        pass


def test_fuzz_mutated_objects() -> None:
    r = random.Random(9)
    seeds = [SAMPLE_XML, MSNObject.from_wire(SEED_MSNOBJ_TOKEN).to_xml()]
    pieces = ['"', "<", ">", "/", "=", " ", "&", "&amp;", "&#", "\x00", "-", "9" * 30, "\u0661"]
    parsed = 0
    for case in range(10_000):
        text = r.choice(seeds)
        for _ in range(r.randrange(1, 4)):
            pos = r.randrange(len(text) + 1)
            op = r.randrange(4)
            if op == 0:
                text = text[:pos] + r.choice(pieces) + text[pos:]
            elif op == 1:
                text = text[:pos] + text[pos + r.randrange(1, 8) :]
            elif op == 2:
                text = text[:pos]
            else:
                text = text[:pos] + chr(r.randrange(0x20, 0x3000)) + text[pos + 1 :]
        for parse, arg in ((MSNObject.parse, text), (MSNObject.from_wire, quote(text, safe=""))):
            try:
                obj = parse(arg)
            except InvalidMSNObject:
                continue
            except Exception as exc:
                raise AssertionError(f"case {case}: {type(exc).__name__} for {text!r}") from exc
            parsed += 1
            assert obj.size >= 0 and obj.type >= 0
            assert MSNObject.parse(obj.to_xml()) == obj
    assert 0 < parsed < 20_000

"""The contact list model, its JSON cache, addresses, statuses and config checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from msnp.client import ClientConfig, ContactList, Group, ListBits, Status, parse_address
from msnp.client.contacts import load_cache, save_cache
from msnp.client.status import status_label


def test_add_and_remove_keep_bits_and_groups() -> None:
    lists = ContactList()
    lists.add(ListBits.FL, "Bob@Example.com", "Bob", 2)
    lists.add(ListBits.FL, "bob@example.com", "Bob", 0)
    lists.add(ListBits.AL, "bob@example.com", "Bob")
    bob = lists.get("BOB@example.com")
    assert bob is not None
    assert bob.lists == ListBits.FL | ListBits.AL and bob.groups == [0, 2]
    lists.remove(ListBits.FL, "bob@example.com", 2)
    assert bob.groups == [0] and bob.on(ListBits.FL)
    lists.remove(ListBits.FL, "bob@example.com", 0)
    assert bob.groups == [] and bob.on(ListBits.FL)  # leaving a group is not leaving the FL
    lists.remove(ListBits.FL, "bob@example.com")
    assert bob.lists == ListBits.AL
    lists.remove(ListBits.AL, "bob@example.com")
    assert lists.get("bob@example.com") is None
    lists.remove(ListBits.BL, "nobody@example.com")  # unknown: nothing happens


def test_cache_round_trip(tmp_path: Path) -> None:
    lists = ContactList(version=7, gtc="N", blp="BL", properties={"PHH": "1 2"})
    lists.groups = {0: Group(0, "Other Contacts"), 4: Group(4, "Wörk")}
    lists.add(ListBits.FL, "bob@example.com", "Bob %", 4)
    lists.add(ListBits.RL, "carol@example.com", "Carol")
    bob = lists.get("bob@example.com")
    assert bob is not None
    bob.properties["MOB"] = "Y"
    bob.status = "NLN"  # presence is never cached
    path = tmp_path / "dir" / "cache.json"
    save_cache(path, "Alice@Example.com", lists)
    loaded = load_cache(path, "alice@example.com")
    assert loaded is not None
    assert (loaded.version, loaded.gtc, loaded.blp) == (7, "N", "BL")
    assert loaded.properties == {"PHH": "1 2"} and loaded.groups == lists.groups
    loaded_bob = loaded.get("bob@example.com")
    assert loaded_bob is not None
    assert loaded_bob.stored_name == "Bob %" and loaded_bob.groups == [4]
    assert loaded_bob.properties == {"MOB": "Y"} and not loaded_bob.online
    assert load_cache(path, "someone@else.com") is None
    assert load_cache(tmp_path / "missing.json", "alice@example.com") is None
    assert list(tmp_path.joinpath("dir").iterdir()) == [path]  # no temporary file left


def test_parse_address() -> None:
    assert parse_address("127.0.0.1:1863") == ("127.0.0.1", 1863)
    assert parse_address("messenger.example.com") == ("messenger.example.com", 1863)
    assert parse_address("[::1]:1864") == ("::1", 1864)
    for bad in ("", ":1863", "host:port", "host:70000"):
        with pytest.raises(ValueError):
            parse_address(bad)


def test_status_words() -> None:
    assert Status.parse("away") is Status.AWAY
    assert Status.parse("BSY") is Status.BUSY
    assert Status.parse("Invisible") is Status.HIDDEN
    assert status_label("PHN") == "on the phone" and status_label("XYZ") == "XYZ"
    with pytest.raises(ValueError, match="unknown status"):
        Status.parse("asleep")


def test_config_checks() -> None:
    assert ClientConfig().offered == ("MSNP9", "MSNP8", "CVR0")
    msnp8 = ClientConfig(dialect="MSNP8")
    assert (msnp8.offered, msnp8.cvr_version) == (("MSNP8", "CVR0"), "5.0.0544")
    with pytest.raises(ValueError):
        ClientConfig(dialect="MSNP10")
    with pytest.raises(ValueError):
        ClientConfig(server="bad:port")

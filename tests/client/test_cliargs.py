"""Options of `msnp chat` / `msnp send`: defaults read from the service config, overrides,
and where the password comes from."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from msnp.client.cliargs import add_client_options, client_config, read_password
from msnp.config import config_from_dict


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_client_options(parser)
    return parser.parse_args(list(argv))


def test_defaults_come_from_the_service_config(tmp_path: Path) -> None:
    config = config_from_dict(
        {
            "server": {"data_dir": str(tmp_path)},
            "dispatch": {"listen": "0.0.0.0:1900"},
            "notification": {"listen": "127.0.0.1:1901"},
            "https": {"listen": "127.0.0.1:9443"},
        }
    )
    cert = tmp_path / "tls" / "cert.pem"
    no_cert = client_config(_parse(), config)
    assert no_cert.ca_file is None  # not made yet: the system store
    cert.parent.mkdir()
    cert.write_text("pem")
    options = client_config(_parse(), config)
    assert options.server == "127.0.0.1:1900"  # a wildcard listener is reached on loopback
    assert options.via_dispatch and options.dialect == "MSNP9"
    assert options.nexus_url == "https://127.0.0.1:9443/rdr/pprdr.asp"
    assert options.ca_file == cert
    direct = client_config(_parse("--direct", "--msnp8", "--insecure"), config)
    assert (direct.server, direct.via_dispatch) == ("127.0.0.1:1901", False)
    assert direct.dialect == "MSNP8" and direct.insecure and direct.ca_file is None


def test_options_override_the_config(tmp_path: Path) -> None:
    config = config_from_dict(
        {"server": {"public_host": "im.example.com"}, "https": {"cert_file": "/etc/msnp.pem"}}
    )
    assert client_config(_parse(), config).server == "im.example.com:1863"
    assert client_config(_parse(), config).ca_file == Path("/etc/msnp.pem")
    options = client_config(
        _parse(
            "--server", "10.0.0.1:1863", "--nexus", "https://n.example/rdr/pprdr.asp",
            "--ca-file", str(tmp_path / "ca.pem"), "--cache", str(tmp_path / "c.json"),
            "--timeout", "2.5",
        ),
        config,
    )
    assert options.server == "10.0.0.1:1863"
    assert options.nexus_url == "https://n.example/rdr/pprdr.asp"
    assert options.ca_file == tmp_path / "ca.pem"
    assert options.cache_path == tmp_path / "c.json" and options.timeout == 2.5


def test_password_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MSNP_PASSWORD", "from-env")
    assert read_password(_parse(), io.StringIO("from-stdin\n")) == "from-env"
    assert read_password(_parse("--password-stdin"), io.StringIO("from-stdin\nrest")) == (
        "from-stdin"
    )
    monkeypatch.delenv("MSNP_PASSWORD")
    assert read_password(_parse(), io.StringIO("piped\r\n")) == "piped"
    with pytest.raises(ValueError, match="no password"):
        read_password(_parse(), io.StringIO(""))

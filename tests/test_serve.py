"""`msnp serve` as an operator runs it: a process, one config file, SIGTERM to stop."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from pathlib import Path

from wire_helpers import Wire

CONFIG = """
[server]
data_dir = "{data}"
[dispatch]
listen = "127.0.0.1:0"
[notification]
listen = "127.0.0.1:0"
[switchboard]
listen = "127.0.0.1:0"
[http]
listen = "127.0.0.1:0"
[https]
listen = "127.0.0.1:0"
[passwords]
time_cost = 1
memory_cost = 1024
"""


async def _read_ports(stdout: asyncio.StreamReader) -> dict[str, int]:
    ports: dict[str, int] = {}
    while "https" not in ports:
        line = (await asyncio.wait_for(stdout.readline(), 30)).decode()
        assert line, "msnp serve exited before listing its ports"
        match = re.match(r"\s+(\w+)\s+port (\d+)", line)
        if match:
            ports[match.group(1)] = int(match.group(2))
    return ports


async def test_serve_runs_from_a_config_file_and_stops_on_sigterm(tmp_path: Path) -> None:
    data = tmp_path / "fresh" / "data"
    config = tmp_path / "msnp.toml"
    config.write_text(CONFIG.format(data=data))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "msnp.cli", "serve", "--demo", "--config", str(config),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        ports = await _read_ports(process.stdout)
        assert set(ports) == {"dispatch", "notification", "switchboard", "http", "https"}
        assert (data / "msnp.sqlite3").exists()
        assert (data / "tls" / "cert.pem").exists()

        ds = await Wire.connect("127.0.0.1", ports["dispatch"])
        await ds.send("VER 1 MSNP9 MSNP8 CVR0")
        await ds.expect("VER 1 MSNP9")
        await ds.send("USR 2 TWN I alice@example.com")
        xfr = await ds.expect("XFR 2 NS 127.0.0.1:{port} 0 127.0.0.1:{ds}")
        assert int(xfr["port"]) == ports["notification"]
        ns = await Wire.connect("127.0.0.1", ports["notification"])
        await ns.send("VER 1 MSNP9")
        await ns.expect("VER 1 MSNP9")

        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
        await ns.expect_closed()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_serve_refuses_a_bad_config_in_one_line(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[notification]\nlisten = "nowhere"\n')
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "msnp.cli", "serve", "--config", str(config),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    lines = err.decode().strip().splitlines()
    assert lines == ["msnp: notification.listen: expected 'host:port', got 'nowhere'"], lines


async def test_serve_reports_a_port_in_use_in_one_line(tmp_path: Path) -> None:
    busy = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = busy.sockets[0].getsockname()[1]
    config = tmp_path / "busy.toml"
    config.write_text(
        CONFIG.format(data=tmp_path / "data").replace(
            '[dispatch]\nlisten = "127.0.0.1:0"', f'[dispatch]\nlisten = "127.0.0.1:{port}"'
        )
    )
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "msnp.cli", "serve", "--config", str(config),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(process.communicate(), 30)
    finally:
        busy.close()
    assert process.returncode == 1
    last = err.decode().strip().splitlines()[-1]
    assert last.startswith("msnp: cannot start:") and "in use" in last, last


async def test_serve_with_switchboard_workers_stops_them_all(tmp_path: Path) -> None:
    """`switchboard.workers = 2`: the worker's address is listed, it serves, and SIGTERM to
    the service (as an init system sends it to the main process) stops the worker too."""
    config = tmp_path / "msnp.toml"
    config.write_text(CONFIG.format(data=tmp_path / "data").replace(
        '[switchboard]\nlisten = "127.0.0.1:0"',
        '[switchboard]\nlisten = "127.0.0.1:0"\nworkers = 2'))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "msnp.cli", "serve", "--config", str(config),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        ports = await _read_ports(process.stdout)
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        match = re.match(r"\s+switchboard\s+127\.0\.0\.1:(\d+) \(worker process\)", line)
        assert match, line
        worker_port = int(match.group(1))
        assert worker_port != ports["switchboard"]
        sb = await Wire.connect("127.0.0.1", worker_port)
        await sb.send("USR 1 alice@example.com not-a-cookie")
        await sb.expect("911 1")
        await sb.expect_closed()

        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
        try:  # the worker is gone with it: nothing listens on its port any more
            await Wire.connect("127.0.0.1", worker_port)
        except OSError:
            pass
        else:
            raise AssertionError("the switchboard worker outlived the service")
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

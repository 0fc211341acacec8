"""The runnable example of docs/client.md, run as written against the real service with the
demo accounts while Bob echoes."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

from msnp.app import create_demo_accounts
from msnp.client import Client, ClientConfig, Invitation, TextReceived
from service_helpers import make_config, running

DOC = Path(__file__).resolve().parents[2] / "docs" / "client.md"


def first_python_block() -> str:
    match = re.search(r"```python\n(.*?)```", DOC.read_text("utf-8"), re.S)
    assert match is not None, "docs/client.md has no python example"
    return match.group(1)


async def test_doc_example_runs(tmp_path: Path) -> None:
    async with running(make_config(tmp_path)) as service:
        await create_demo_accounts(service)
        nexus = f"https://127.0.0.1:{service.ports['https']}/rdr/pprdr.asp"
        dispatch = f"127.0.0.1:{service.ports['dispatch']}"
        config = ClientConfig(server=dispatch, nexus_url=nexus, ca_file=service.cert_file)
        async with Client("bob@example.com", "bob-password", config) as bob:
            bob.events.subscribe(bob.accept, Invitation)

            async def echo(event: TextReceived) -> None:
                await event.chat.send_text(event.text)

            bob.events.subscribe(echo, TextReceived)
            script = tmp_path / "example.py"
            script.write_text(first_python_block(), "utf-8")
            env = {k: v for k, v in os.environ.items() if not k.startswith("MSNP_")}
            env.update(MSNP_SERVER=dispatch, MSNP_NEXUS=nexus, MSNP_CA_FILE=str(service.cert_file))
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                str(script),
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    lines = out.decode().splitlines()
    assert lines[0] == "signed in as Alice (MSNP9)"
    # Bob's ILN may still be on its way when the list is printed: either status is right.
    assert re.fullmatch(r"  bob@example\.com \(Bob\): (NLN|FLN)", lines[1])
    assert lines[2:] == ["bob@example.com: Hello Bob!"]

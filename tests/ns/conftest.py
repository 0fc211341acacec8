"""One running service per test module (each test makes its own fresh accounts).

Modules using `ns` must run their tests on the module's event loop:
`pytestmark = pytest.mark.asyncio(loop_scope="module")`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from service_helpers import make_config, running

from .harness import NSHarness

# No CHL during tests: challenges have their own tests, and a CHL line in the middle of a
# presence check would only be noise.
NS_SETTINGS = {"challenge_delay": 3600.0}


@pytest.fixture(scope="module")
def ns_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ns")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def ns(ns_dir: Path) -> AsyncIterator[NSHarness]:
    async with running(make_config(ns_dir, notification=NS_SETTINGS)) as service:
        harness = NSHarness(service)
        try:
            yield harness
        finally:
            await harness.close_all()

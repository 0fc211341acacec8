"""Helpers shared by the benchmarks: import path, timing, an aligned table, JSON results."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def use_source_tree() -> None:
    """Make `import msnp` work from a checkout without installing it."""
    src = str(ROOT / "src")
    if src not in sys.path:
        sys.path.insert(0, src)


@dataclass(frozen=True)
class Timing:
    """Best and median seconds per call of a function over several rounds."""

    best: float
    median: float
    rounds: int
    calls_per_round: int


def timed(fn: Callable[[], object], *, rounds: int = 5, min_round_time: float = 0.2) -> Timing:
    """Time `fn`: calibrate how many calls fill `min_round_time`, then run `rounds` rounds of
    that many calls and report seconds per call (best and median round)."""
    fn()  # warm up (imports, caches)
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_round_time or calls >= 1 << 20:
            break
        calls *= 2 if elapsed <= 0 else max(2, min(10, int(min_round_time / elapsed) + 1))
    per_call: list[float] = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        per_call.append((time.perf_counter() - start) / calls)
    per_call.sort()
    return Timing(per_call[0], per_call[len(per_call) // 2], rounds, calls)


def machine_info() -> dict[str, Any]:
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "cpu_count": os.cpu_count(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Columns aligned; numbers right-aligned, text left-aligned."""
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [
        all(isinstance(row[i], int | float) for row in rows) if rows else False
        for i in range(len(headers))
    ]

    def line(row: list[str]) -> str:
        return "  ".join(
            cell.rjust(w) if num else cell.ljust(w)
            for cell, w, num in zip(row, widths, numeric, strict=True)
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def _cell(value: object) -> str:
    if isinstance(value, float):
        if value >= 100:
            return f"{value:,.0f}"
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def write_json(name: str, payload: dict[str, Any]) -> Path:
    """Write `bench/results/<name>.json` (with machine info) and return its path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    document = {
        "benchmark": name,
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine_info(),
        **payload,
    }
    path.write_text(json.dumps(document, indent=2, default=_json_default) + "\n")
    return path


def _json_default(value: object) -> object:
    if isinstance(value, Timing):
        return asdict(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")

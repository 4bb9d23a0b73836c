"""What the benchmarks share: timing, the process's peak memory, and their JSON files
(read by ``bench/results.py`` to write ``bench/RESULTS.md``)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
OUT = Path(__file__).resolve().parent / "out"


def _status(field: str) -> float:
    text = Path("/proc/self/status").read_text(encoding="ascii")
    found = re.search(rf"{field}:\s+(\d+) kB", text)
    return int(found.group(1)) / 1024 if found else float("nan")


def peak_mb() -> float:
    """This process's peak resident memory so far (VmHWM), MB."""
    return _status("VmHWM")


def resident_mb() -> float:
    """This process's resident memory now (VmRSS), MB."""
    return _status("VmRSS")


def measured(fn: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[T, float, float]:
    """``fn(*args, **kwargs)``, its wall-clock seconds, and how far it raised the
    process's peak resident memory (MB; 0 when the peak was reached earlier)."""
    before = peak_mb()
    started = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - started, max(0.0, peak_mb() - before)


def write_json(path: Path | None, name: str, document: dict[str, Any]) -> Path:
    """Write a benchmark's figures (default ``bench/out/<name>.json``)."""
    target = path or OUT / f"{name}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"name": name, **document}, indent=2, default=str),
                      encoding="utf-8")
    return target

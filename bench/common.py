"""What the benchmarks share: timing, the process's peak memory, and their JSON files
(read by ``bench/results.py`` to write ``bench/RESULTS.md``)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
OUT = Path(__file__).resolve().parent / "out"
ROOT = OUT.parent.parent


def run_step(script: str, args: list[str]) -> dict[str, Any]:
    """Run ``script`` (a bench's ``__file__``) with ``args`` in a fresh interpreter, so that
    its peak memory is its own; the JSON object on its last line of output."""
    done = subprocess.run([sys.executable, script, *args], capture_output=True, text=True,
                          check=False, cwd=ROOT)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"{Path(script).name} {' '.join(args[:2])} failed "
                         f"(exit {done.returncode})")
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


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

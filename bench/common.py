"""What the benchmarks share: timing, the process's peak memory, and their JSON files
(read by ``bench/results.py`` to write ``bench/RESULTS.md``).

Every JSON file carries its provenance (:func:`provenance`): the ``make bench`` run it
belongs to (``bench/out/run.json``, written by ``python bench/common.py start`` as the
run begins), the commit measured and any change to tracked files beside it, the machine,
and when the benchmark started and finished. ``bench/results.py`` refuses a file of
another run or commit, so ``RESULTS.md`` only ever shows one run of one commit.

    python bench/common.py start     # the first step of make bench
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
OUT = Path(__file__).resolve().parent / "out"
ROOT = OUT.parent.parent
#: The run ``make bench`` is making: its id, commit and start (``start_run``).
RUN = OUT / "run.json"
#: What a benchmark may change while it runs without its figures counting as another
#: tree's: its own outputs.
OWN_OUTPUTS = ("bench/out/", "bench/RESULTS.md")
#: When this benchmark process began (this module is imported as it starts).
STARTED = dt.datetime.now(dt.UTC)


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, check=True,
                              cwd=ROOT)
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout


def head() -> str:
    """The commit checked out (full hash), or ``unknown`` outside a git checkout."""
    found = _git("rev-parse", "HEAD")
    return found.strip() if found else "unknown"


def changed() -> list[str]:
    """Tracked files changed against the commit (not the benchmarks' own outputs): a
    figure measured with any of them is not the commit's."""
    found = _git("status", "--porcelain", "--untracked-files=no")
    paths = [line[3:] for line in (found or "").splitlines() if line.strip()]
    return [p for p in paths if not p.startswith(OWN_OUTPUTS)]


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = ""
    memory_gb = float("nan")
    try:
        cpu = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
        found = re.search(r"model name\s*:\s*(.+)", cpu)
        model = found.group(1).strip() if found else ""
        mem = re.search(r"MemTotal:\s+(\d+) kB",
                        Path("/proc/meminfo").read_text(encoding="ascii"))
        memory_gb = round(int(mem.group(1)) / 1024**2, 1) if mem else memory_gb
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": model, "memory_gb": memory_gb,
            "python": platform.python_version(), "platform": platform.platform()}


def start_run() -> dict[str, Any]:
    """Begin a ``make bench`` run: ``bench/out/run.json`` with a new id, the commit and
    the time; every benchmark's JSON written from now on belongs to it."""
    run = {"run": uuid.uuid4().hex, "commit": head(), "changed": changed(),
           "started": dt.datetime.now(dt.UTC).isoformat(), "machine": machine()}
    RUN.parent.mkdir(parents=True, exist_ok=True)
    RUN.write_text(json.dumps(run, indent=2), encoding="utf-8")
    return run


def current_run() -> dict[str, Any] | None:
    """The run ``bench/out/run.json`` names, or ``None`` when no run was started."""
    try:
        found: dict[str, Any] = json.loads(RUN.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found


def provenance() -> dict[str, Any]:
    """Where a benchmark's figures come from: the run, the commit, the files changed
    beside it, the machine, when the benchmark started and finished."""
    run = current_run()
    return {"run": run["run"] if run else None, "commit": head(), "changed": changed(),
            "machine": machine(), "started": STARTED.isoformat(),
            "finished": dt.datetime.now(dt.UTC).isoformat()}


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
    """Write a benchmark's figures (default ``bench/out/<name>.json``) with their
    :func:`provenance`."""
    target = path or OUT / f"{name}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    body = {"name": name, **{k: v for k, v in document.items() if k != "name"},
            "provenance": provenance()}
    target.write_text(json.dumps(body, indent=2, default=str), encoding="utf-8")
    return target


if __name__ == "__main__":
    if sys.argv[1:] != ["start"]:
        sys.exit("usage: python bench/common.py start")
    begun = start_run()
    print(f"bench run {begun['run'][:12]} at commit {begun['commit'][:12]}"
          + (f" with {len(begun['changed'])} changed file(s)" if begun["changed"] else ""))

"""Tasks the import child process runs for tests/security/test_import_attacks.py: what a
reader inside the child could try whatever the content checks before it (connect out,
spin), to show that the child itself stops it. Not collected as tests."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any


def connect(port: int) -> str:
    """Open a TCP connection to 127.0.0.1:``port``: "connected", or the error's class."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return "connected"
    except OSError as exc:
        return type(exc).__name__


def reach_out(job: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Try to reach 127.0.0.1:``job["port"]`` with a socket and through GDAL's
    ``/vsicurl/``; say what happened to each, and which GDAL drivers there are."""
    del folder
    port = int(job["port"])
    done: dict[str, Any] = {"socket": connect(port)}
    import pyogrio

    try:
        pyogrio.read_dataframe(f"/vsicurl/http://127.0.0.1:{port}/sites.csv")
        done["vsicurl"] = "read"
    except Exception as exc:  # any failure to read is what is looked for
        done["vsicurl"] = type(exc).__name__
    done["gdal_drivers"] = sorted(pyogrio.list_drivers())
    return done


def spin(job: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Never finish (a reader caught in a loop)."""
    del job, folder
    count = 0
    while count >= 0:
        count += 1
    return {}


def allocate(job: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Take memory until refused: ``{"refused_after_mb": N}``."""
    del job, folder
    blocks: list[bytearray] = []
    try:
        while True:
            blocks.append(bytearray(64 * 1024 * 1024))
    except MemoryError:
        taken = 64 * len(blocks)
        blocks.clear()
        return {"refused_after_mb": taken}

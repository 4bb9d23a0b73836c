"""Writing a set of files together: all of them or none.

A report is several files (HTML, PDF, CSV tables, a GeoPackage) that only make sense
together. :func:`write_together` builds nothing itself: it takes every file's bytes,
writes each to a temporary file beside its target (:func:`geo_era._io.atomic_path`) and
moves them in only when every one is written, so a failure leaves the folder as it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path

from geo_era._io import atomic_path
from geo_era.errors import DataError

__all__ = ["write_together"]


def write_together(out_dir: Path, files: Mapping[str, bytes], *, mode: int) -> list[Path]:
    """Write ``files`` (file name -> content) into ``out_dir`` (created when missing),
    all or nothing, each with ``mode`` (:data:`~geo_era._io.PRIVATE` for anything
    OFFICIAL-SENSITIVE, :data:`~geo_era._io.SHARED` for published figures). Returns the
    paths written, in ``files``' order.

    Raises :class:`DataError` when ``out_dir`` is a file, or a name is not a plain file
    name (a path separator or ``..`` would write outside ``out_dir``).
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise DataError(f"{out_dir} is a file: --out names the directory the report is "
                        "written into")
    for name in files:
        if not name or Path(name).name != name or name in (".", ".."):
            raise DataError(f"{name!r} is not a file name: give a name without a folder")
    with ExitStack() as stack:  # every file written before any is moved in
        for name, data in files.items():
            stack.enter_context(atomic_path(out_dir / name, mode=mode)).write_bytes(data)
    return [out_dir / name for name in files]

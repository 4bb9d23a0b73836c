"""One way to write a file: whole or not at all, with an explicit mode.

Every file geo_era writes goes through :func:`atomic_path` (or :func:`write_bytes` /
:func:`write_text`): the content is written to a temporary file beside the target,
flushed to disk, given its mode and renamed over the target, so a reader sees either the
old file or the new one, never half of one. Anything that can hold a subject's or a
victim's data (maps drawn with zones, ERA documents, internal reports, exports, the
case store's neighbours) is written :data:`PRIVATE` (0600); reference data and
published material :data:`SHARED` (0644).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

#: Owner read/write only: anything that can hold a subject's or a victim's data.
PRIVATE = 0o600
#: Owner read/write, others read: reference layers, published reports.
SHARED = 0o644


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a folder be opened
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_path(target: Path | str, *, mode: int) -> Iterator[Path]:
    """A temporary path beside ``target`` to write to; on leaving the block without an
    error it is flushed, given ``mode`` and renamed over ``target``. On an error it is
    removed and ``target`` is untouched.

    The temporary file is created with ``mode`` already applied (never world-readable
    in between), in the target's folder (so the rename is atomic), named after the
    target with a ``.tmp`` suffix a reader of the folder can recognise.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        os.chmod(tmp, mode)
        yield tmp
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)  # a writer that replaced the file may have reset it
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def write_bytes(target: Path | str, data: bytes, *, mode: int) -> Path:
    """Write ``data`` to ``target`` whole, with ``mode``; the target's path."""
    with atomic_path(target, mode=mode) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text(target: Path | str, text: str, *, mode: int) -> Path:
    """Write ``text`` (UTF-8) to ``target`` whole, with ``mode``; the target's path."""
    return write_bytes(target, text.encode("utf-8"), mode=mode)

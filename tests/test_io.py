"""Files written whole: a staged file is put in place only when its caller says
(issue 23: the catalog of a new data version is flushed before the import's audit
entry takes the chain's lock, and renamed inside that entry's transaction)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from geo_era._io import PRIVATE, staged_bytes


def _temporaries(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_a_staged_file_is_on_disk_beside_its_target_and_replaces_it_when_placed(
        tmp_path: Path) -> None:
    target = tmp_path / "catalog.json"
    target.write_bytes(b"old")
    with staged_bytes(target, b"new", mode=PRIVATE) as place:
        [name] = _temporaries(tmp_path)
        staged = tmp_path / name
        assert staged.read_bytes() == b"new"
        assert stat.S_IMODE(staged.stat().st_mode) == PRIVATE
        assert target.read_bytes() == b"old"  # not yet
        place()
        assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == PRIVATE
    assert _temporaries(tmp_path) == []


def test_a_staged_file_not_placed_leaves_the_target_untouched(tmp_path: Path) -> None:
    target = tmp_path / "catalog.json"
    target.write_bytes(b"old")
    with staged_bytes(target, b"new", mode=PRIVATE):
        pass
    with pytest.raises(RuntimeError), staged_bytes(target, b"new", mode=PRIVATE):
        raise RuntimeError("the audit entry could not be written")
    assert target.read_bytes() == b"old"
    assert _temporaries(tmp_path) == []

"""The demo writers write every file whole, the sensitive layers owner-only."""

from __future__ import annotations

import stat
from pathlib import Path

from geo_era.contract.schema import LAYERS
from geo_era.demo.demotown import build_demo_town, write_demo_town


def test_demo_files_have_their_mode(tmp_path: Path) -> None:
    written = write_demo_town(build_demo_town(scale=0.1, seed=0), tmp_path / "out")
    assert {p.stem for p in written} == set(LAYERS)
    for path in written:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o600 if LAYERS[path.stem].sensitive else 0o644), path.name
    others = [p for p in (tmp_path / "out").rglob("*") if p.is_file() and p not in written]
    assert others and all(stat.S_IMODE(p.stat().st_mode) == 0o644 for p in others)
    assert not [p for p in others if p.name.endswith(".tmp")]

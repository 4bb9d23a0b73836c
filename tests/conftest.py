"""Shared fixtures.

``shared_data`` locates the open data in ``../shared/data`` beside the repository. When it
is absent (a user's fresh clone) tests that need it skip with the reason; under CI
(``CI`` set) they fail instead, because CI always has it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def require_shared_data(*names: str, folder: Path = SHARED_DATA) -> Path:
    """Return ``folder`` (``../shared/data``); skip, or fail when ``CI`` is set, if it or a
    named file in it is absent."""
    missing = [n for n in names if not (folder / n).exists()]
    if not folder.is_dir() or missing:
        what = f"{folder} is absent" if not folder.is_dir() else (
            f"{', '.join(missing)} missing from {folder}")
        reason = (f"needs the open data beside the repository ({what}; see "
                  "shared/data/SOURCES.md)")
        if os.environ.get("CI"):
            pytest.fail(f"CI must have the shared data: {reason}")
        pytest.skip(reason)
    return folder


@pytest.fixture
def shared_data() -> Path:
    return require_shared_data()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty GEO_ERA_HOME for one test."""
    path = tmp_path / "home"
    monkeypatch.setenv("GEO_ERA_HOME", str(path))
    yield path

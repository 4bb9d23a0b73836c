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


def require_shared_data(*names: str) -> Path:
    """Return ``../shared/data``; skip (or fail under CI) when it or a named file is absent."""
    missing = [n for n in names if not (SHARED_DATA / n).exists()]
    if not SHARED_DATA.is_dir() or missing:
        what = f"{SHARED_DATA} is absent" if not SHARED_DATA.is_dir() else (
            f"{', '.join(missing)} missing from {SHARED_DATA}")
        reason = f"needs the open data beside the repository: {what}"
        if os.environ.get("CI"):
            pytest.fail(f"CI must have the shared data: {reason}")
        pytest.skip(reason)
    return SHARED_DATA


@pytest.fixture
def shared_data() -> Path:
    return require_shared_data()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty GEO_ERA_HOME for one test."""
    path = tmp_path / "home"
    monkeypatch.setenv("GEO_ERA_HOME", str(path))
    yield path

"""The server's start: the layers loaded before the first request, and what was loaded
set aside from the cyclic garbage collector (whose full collections otherwise walked
it every few maps drawn: pauses of hundreds of milliseconds, issue 19 item 7)."""

from __future__ import annotations

import gc
from pathlib import Path

from fastapi.testclient import TestClient
from geo_era_api.app import create_app

from geo_era.settings import Settings
from tests.conftest import import_demo


def test_what_is_loaded_at_start_is_frozen(demo_files: list[Path], tmp_path: Path) -> None:
    import_demo(demo_files, tmp_path / "home")
    app = create_app(Settings(home=tmp_path / "home"))
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    with TestClient(app) as client:
        assert gc.get_freeze_count() > 10_000  # the modules, layers and indexes
        assert client.get("/api/v1/health").status_code == 200
        assert app.state.services.workspace.describe()["data_version"] == 1

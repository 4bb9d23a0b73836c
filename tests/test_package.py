"""The package's small public API: loaded on first use, the same objects as in their
modules, and nothing else."""

from __future__ import annotations

import subprocess
import sys

import pytest

import geo_era


def test_public_names_are_the_modules_objects() -> None:
    from geo_era.data.layer_store import LayerStore
    from geo_era.workspace import Workspace

    assert geo_era.Workspace is Workspace and geo_era.LayerStore is LayerStore
    assert sorted(geo_era.__all__) == sorted(["__version__", *geo_era._PUBLIC])
    for name in geo_era._PUBLIC:
        assert getattr(geo_era, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        _ = geo_era.nothing_here


def test_importing_the_package_loads_nothing_heavy() -> None:
    code = ("import sys, geo_era; "
            "print(sorted(m for m in sys.modules if m.startswith(('geo_era.', 'geopandas'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.strip() == "[]"

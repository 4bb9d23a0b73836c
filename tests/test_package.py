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


def test_the_command_line_compiles_nothing_until_an_index_is_built() -> None:
    """Issue 23: numba (0.4 s of a command's start) is imported when a site index is
    first built, not by every command (``geo-era user add`` builds none)."""
    code = ("import sys, geo_era.cli; print('numba' in sys.modules); "
            "from geo_era.geometry.index import warm_up; warm_up(); "
            "print('numba' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    assert done.stdout.split() == ["False", "True"]


def test_an_installed_package_carries_every_template_and_static_file() -> None:
    """The package data globs of pyproject.toml reach every file the pages and documents
    read (the case page's partials live in folders): an install that is not editable
    would otherwise serve a page that cannot render."""
    import glob
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    declared = data["tool"]["setuptools"]["package-data"]
    where = {"geo_era_api": root / "api", "geo_era.documents": root / "geo_era/documents",
             "geo_era.maps": root / "geo_era/maps"}
    for package, folder in where.items():
        covered = {p for pattern in declared[package]
                   for p in glob.glob(pattern, root_dir=folder, recursive=True)}
        for sub in ("templates", "static"):
            if not (folder / sub).is_dir():
                continue
            files = {str(p.relative_to(folder)) for p in (folder / sub).rglob("*")
                     if p.is_file() and "__pycache__" not in p.parts}
            assert files - covered == set(), (package, sorted(files - covered)[:5])

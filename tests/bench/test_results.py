"""bench/RESULTS.md shows one make bench run of one commit (issue 23, item 6).

``bench/common.py`` stamps every benchmark's JSON with its provenance; ``bench/results.py``
refuses figures of another run or commit, figures measured with changed files, and
figures written without provenance, naming each file. The commit is checked against
``git rev-parse HEAD`` run here, not against what the bench recorded.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def bench_modules() -> Iterator[tuple[ModuleType, ModuleType]]:
    """``bench/common.py`` and ``bench/results.py`` as the benchmarks import them."""
    sys.path.insert(0, str(BENCH))
    try:
        yield importlib.import_module("common"), importlib.import_module("results")
    finally:
        sys.path.remove(str(BENCH))


def git_head() -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True, cwd=BENCH).stdout.strip()


def figures(run: str, commit: str, changed: list[str] | None = None) -> dict[str, Any]:
    return {"name": "x", "rows": [], "provenance": {
        "run": run, "commit": commit, "changed": changed or [],
        "started": "2026-12-06T10:00:00+00:00", "finished": "2026-12-06T10:05:00+00:00"}}


def test_a_benchmarks_json_records_the_run_the_commit_and_the_machine(
        bench_modules: tuple[ModuleType, ModuleType], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    common, _ = bench_modules
    monkeypatch.setattr(common, "RUN", tmp_path / "run.json")
    run = common.start_run()
    written = common.write_json(tmp_path / "proximity.json", "proximity", {"rows": [1]})
    doc = json.loads(written.read_text(encoding="utf-8"))
    made = doc["provenance"]
    assert doc["name"] == "proximity" and doc["rows"] == [1]
    assert made["run"] == run["run"] == json.loads((tmp_path / "run.json").read_text())["run"]
    assert made["commit"] == run["commit"] == git_head()
    assert made["machine"]["cores"] >= 1 and made["machine"]["python"]
    assert made["started"] <= made["finished"]


def test_figures_of_one_run_of_the_commit_checked_out_are_accepted(
        bench_modules: tuple[ModuleType, ModuleType]) -> None:
    _, results = bench_modules
    run = {"run": "r1", "commit": "c" * 40, "changed": []}
    found = {"proximity": figures("r1", "c" * 40), "api": figures("r1", "c" * 40)}
    assert results.refusals(found, run, checked_out="c" * 40, changed_now=[]) == []


def test_every_figure_not_of_the_run_is_named(
        bench_modules: tuple[ModuleType, ModuleType]) -> None:
    _, results = bench_modules
    run = {"run": "r1", "commit": "c" * 40, "changed": []}
    stale = figures("r0", "c" * 40)
    old_commit = figures("r1", "b" * 40)
    dirty = figures("r1", "c" * 40, changed=["geo_era/geometry/index.py"])
    bare = {"name": "national", "loaded": {}}
    found = {"proximity": stale, "postgis": old_commit, "network": dirty,
             "national": bare, "dask": None}
    refused = results.refusals(found, run, checked_out="c" * 40, changed_now=[])
    assert refused == [
        "bench/out/proximity.json is from another run (finished 2026-12-06T10:05:00+00:00):"
        " bench/proximity.py did not finish in this run",
        "bench/out/postgis.json measured commit bbbbbbbbbbbb, the run cccccccccccc",
        "bench/out/network.json was measured with changed files "
        "(geo_era/geometry/index.py)",
        "bench/out/national.json has no provenance (written by an older "
        "bench/national.py): run make bench again",
        "bench/out/dask.json is missing or unreadable: bench/dask_scale.py did not finish "
        "in this run",
    ]


def test_a_run_of_another_commit_or_a_changed_tree_is_refused(
        bench_modules: tuple[ModuleType, ModuleType]) -> None:
    _, results = bench_modules
    run = {"run": "r1", "commit": "c" * 40, "changed": []}
    found = {"proximity": figures("r1", "c" * 40)}
    assert results.refusals(found, run, checked_out="d" * 40, changed_now=[]) == [
        "the run measured commit cccccccccccc but dddddddddddd is checked out: run make "
        "bench again"]
    assert results.refusals(found, run, checked_out="c" * 40, changed_now=["Makefile"]) == [
        "tracked files differ from the commit (Makefile): commit or undo them and run make "
        "bench again"]
    assert results.refusals(found, None, checked_out="c" * 40, changed_now=[])[0].startswith(
        "bench/out/run.json is missing")


def test_results_writes_nothing_from_mixed_figures(tmp_path: Path) -> None:
    """The command itself: figures of two runs give exit status 1, each named, and no
    RESULTS.md."""
    (tmp_path / "run.json").write_text(json.dumps(
        {"run": "r1", "commit": git_head(), "changed": [], "started": "2026-12-06T10:00"}))
    (tmp_path / "proximity.json").write_text(json.dumps(figures("r0", git_head())))
    out = tmp_path / "RESULTS.md"
    done = subprocess.run([sys.executable, str(BENCH / "results.py"), "--figures",
                           str(tmp_path), "--out", str(out)], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 1
    assert "bench/out/proximity.json is from another run" in done.stderr
    assert "bench/out/api.json is missing" in done.stderr
    assert not out.exists()


def test_the_api_table_gives_the_servers_cpu_per_answer_when_measured(
        bench_modules: tuple[ModuleType, ModuleType]) -> None:
    """bench/api.py measures the serving processes' CPU per answer (less swayed by the
    machine than latency, issue 23 item 5); figures from before it show a dash."""
    _, results = bench_modules
    endpoint = {"requests": 1_000, "rps": 250.0, "p50_ms": 70.0, "p95_ms": 110.0,
                "p99_ms": 140.0, "errors": 0}
    run = {"clients": 20, "goals": {"rps": 200.0, "p95_ms": 100.0},
           "endpoints": {"sites-near r=400": {**endpoint, "server_cpu_ms": 3.456},
                         "me (baseline)": endpoint}}
    lines = results.api_lines({"runs": {"1": run}})
    assert lines[0].endswith("| server CPU per answer (ms) |")
    assert lines[2].endswith("| 0 | 3.46 |") and lines[3].endswith("| 0 | - |")
    assert all(line.count("|") == lines[0].count("|") for line in lines[:4])

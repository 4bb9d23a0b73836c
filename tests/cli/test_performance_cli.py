"""``geo-era report performance`` (R126, R131, R104): the real command writes
report.html, report.pdf and the CSV tables whole, 0600, with the figures worked by hand;
a refused or failed run writes nothing and says what to do."""

from __future__ import annotations

import stat
from pathlib import Path

import pandas as pd
import pytest

from geo_era.db.store import open_store
from geo_era.reporting.performance import TITLES
from tests.cli.test_cli import geo_era
from tests.reporting.case_set import ABERMORAY, EXPECTED_ABERMORAY, EXPECTED_ALL, build_case_set
from tests.services.parity import audit_entries

WHY = "MAPPA strategic oversight group, quarterly ERA performance"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("performance-cli") / "home"
    engine = open_store(path)
    build_case_set(engine)
    engine.dispose()
    return path


def _csv(path: Path) -> list[dict[str, object]]:
    frame = pd.read_csv(path, comment="#")
    return [{k: (None if isinstance(v, float) and v != v else v)  # noqa: PLR0124 (NaN)
             for k, v in row.items()} for row in frame.to_dict("records")]


def test_the_command_writes_the_report_whole(home: Path, tmp_path: Path) -> None:
    """R126, R131: every file written, owner-only, the CSVs marked and equal to the
    figures worked by hand; without a subjects layer no reviews table; one audit entry
    (the operator's combination, with the justification)."""
    out = tmp_path / "all"
    done = geo_era("report", "performance", "--year", "2026", "--out", str(out),
                   "--justification", WHY, home=home)
    assert done.returncode == 0, done.stderr
    assert "OFFICIAL-SENSITIVE: ERA performance of all councils, 1 April 2025 to 31 March " \
           "2026" in done.stdout
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["report.html", "report.pdf", "report.gpkg",
                            *(f"{s}.csv" for s in TITLES if s != "reviews")])
    for path in out.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    assert (out / "timeliness.csv").read_text().startswith(
        "# OFFICIAL-SENSITIVE. ERA performance, all councils, 1 April 2025 to 31 March "
        "2026. FICTIONAL data.\n")
    for stem in ("timeliness", "agreements", "extensions", "triggers"):
        assert _csv(out / f"{stem}.csv") == EXPECTED_ALL[stem], stem
    engine = open_store(home)
    last = audit_entries(engine)[-1]
    engine.dispose()
    assert (last.role, last.operation, last.record_ids, last.justification) == (
        "operator", "combination", ["ERA performance all councils 2026"], WHY)


def test_one_council(home: Path, tmp_path: Path) -> None:
    """R126: --authority gives that council's figures."""
    out = tmp_path / "one"
    done = geo_era("report", "performance", "--year", "2026", "--authority", ABERMORAY,
                   "--out", str(out), "--justification", WHY, home=home)
    assert done.returncode == 0, done.stderr
    assert _csv(out / "agreements.csv") == EXPECTED_ABERMORAY["agreements"]
    assert f"ERA performance, {ABERMORAY}," in (out / "agreements.csv").read_text()


@pytest.mark.parametrize(("args", "says"), [
    (["--year", "1999"], "from 2000 to"),
    (["--year", "2026", "--authority", "Atlantis"], "no council called 'Atlantis'"),
    (["--year", "2026", "--justification", ""], "justification"),
    (["--year", "2026", "--out-is-a-file"], "is a file"),
])
def test_a_refused_run_writes_nothing(home: Path, tmp_path: Path, args: list[str],
                                      says: str) -> None:
    """R126: a bad year, an unknown council, no justification, or --out naming a file:
    a clear message, a non-zero exit, no traceback and no file written."""
    folder = tmp_path / "reports"
    folder.mkdir()
    out = folder / "out"
    if "--out-is-a-file" in args:
        args = [a for a in args if a != "--out-is-a-file"]
        out.write_text("kept")
    justify = [] if "--justification" in args else ["--justification", WHY]
    done = geo_era("report", "performance", *args, *justify, "--out", str(out), home=home)
    assert done.returncode != 0
    assert says in done.stderr + done.stdout
    assert "Traceback" not in done.stderr
    assert [p.name for p in folder.iterdir()] == (["out"] if out.exists() else [])
    assert not out.is_dir()

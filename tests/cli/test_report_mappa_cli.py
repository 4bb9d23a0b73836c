"""``geo-era report mappa`` (R128-R131): the files whole, marked and audited, or
nothing at all; bad command lines refused clearly."""

from __future__ import annotations

from pathlib import Path

from geo_era.db.store import open_store
from tests.cli.test_cli import geo_era
from tests.conftest import import_demo
from tests.services.parity import WHY, audit_entries

FILES = {"report.html", "report.pdf", "report.gpkg", "people_managed.csv", "registrations.csv",
         "registration_date_not_recorded.csv", "housed.csv", "out_of_area.csv",
         "rates.csv"}


def test_the_figures_are_written_whole_and_audited(demo_files: list[Path],
                                                    tmp_path: Path) -> None:
    """An internal council report (0600, OFFICIAL-SENSITIVE) and a published MAPPA-area
    report (GEO_ERA_MAPPA_AREAS placing the demo council in an area): every file, each
    CSV marked, one audit entry each."""
    home = tmp_path / "home"
    store = import_demo(demo_files, home)
    areas = store.read_attributes("areas", ["area_type", "name"])
    council = str(areas.loc[areas["area_type"] == "council", "name"].iloc[0])
    out = tmp_path / "internal"
    done = geo_era("report", "mappa", "--authority", council, "--year", "2026", "--out",
                   str(out), "--justification", WHY, home=home)
    assert done.returncode == 0, done.stderr
    assert f"OFFICIAL-SENSITIVE: MAPPA figures of {council}, 1 April 2025 to 31 March " \
           "2026" in done.stdout
    assert {p.name for p in out.iterdir()} == FILES
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in out.iterdir())
    first = (out / "people_managed.csv").read_text().splitlines()[0]
    assert first.startswith("# OFFICIAL-SENSITIVE. MAPPA annual figures") and \
        "FICTIONAL data." in first
    table = tmp_path / "areas.csv"
    table.write_text(f"council,mappa_area\n{council},FICTIONAL Strath\n")
    published = tmp_path / "published"
    done = geo_era("report", "mappa", "--area", "fictional strath", "--year", "2026",
                   "--publish", "--out", str(published), "--justification", WHY, home=home,
                   env={"GEO_ERA_MAPPA_AREAS": str(table)})
    assert done.returncode == 0, done.stderr
    assert {p.name for p in published.iterdir()} == FILES
    assert all(p.stat().st_mode & 0o777 == 0o644 for p in published.iterdir())
    assert (published / "housed.csv").read_text().startswith(
        "# OFFICIAL — FOR PUBLICATION")
    engine = open_store(home)
    entries = [e for e in audit_entries(engine) if e.operation == "combination"]
    engine.dispose()
    assert [e.record_ids for e in entries] == [
        [f"MAPPA figures council {council} 2026 internal"],
        ["MAPPA figures area FICTIONAL Strath 2026 published"]]


def test_bad_command_lines_write_nothing(demo_files: list[Path], tmp_path: Path) -> None:
    """More than one of --authority/--area/--scotland (or none), an unknown council or
    area (the known ones listed), a year out of range or not ended, a bad
    GEO_ERA_MAPPA_AREAS: a clear error, no file written, an existing report left as
    it was."""
    home = tmp_path / "home"
    store = import_demo(demo_files, home)
    areas = store.read_attributes("areas", ["area_type", "name"])
    council = str(areas.loc[areas["area_type"] == "council", "name"].iloc[0])
    out = tmp_path / "out"
    out.mkdir()
    (out / "people_managed.csv").write_text("an earlier report\n")
    base = ["report", "mappa", "--out", str(out), "--justification", WHY]
    cases = {
        ("--authority", council, "--scotland", "--year", "2026"): "exactly one of",
        ("--year", "2026"): "exactly one of",
        ("--authority", "Nowhere Council", "--year", "2026"): council,
        ("--area", "Nowhere", "--year", "2026"): "MAPPA areas:",
        ("--scotland", "--year", "1999"): "greater than or equal to 2000",
        ("--scotland", "--year", "2090"): "has not ended",
    }
    for args, said in cases.items():
        done = geo_era(*base, *args, home=home)
        assert done.returncode != 0, args
        assert said in done.stderr + done.stdout, (args, done.stderr)
        assert "Traceback" not in done.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("name,area\nx,y\n")
    done = geo_era(*base, "--scotland", "--year", "2026", home=home,
                   env={"GEO_ERA_MAPPA_AREAS": str(bad)})
    assert done.returncode != 0 and "council,mappa_area" in done.stderr
    assert [p.name for p in out.iterdir()] == ["people_managed.csv"]
    assert (out / "people_managed.csv").read_text() == "an earlier report\n"

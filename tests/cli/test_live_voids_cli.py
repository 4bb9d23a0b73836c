"""The live-voids commands (NASSO 5.3, 3.12) run as a user runs them: a real process on
the demo town; a list of voids published from a CSV file for a landlord, listed, let."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from geo_era.db.store import open_store
from tests.cli.test_cli import geo_era
from tests.conftest import import_demo
from tests.services.parity import audit_entries

WHY = "FICTIONAL: voids for MAPPA housing under test"
LANDLORD = "Rowanlea Housing Association"


def test_publish_a_list_list_and_let(demo_files: list[Path], tmp_path: Path) -> None:
    """5.3: a landlord's list of voids published from a CSV (an id of another landlord
    a row error), in the live list at once with its landlord, then let; each command
    one audit entry; a bad command line a clear error and nothing written."""
    home = tmp_path / "home"
    store = import_demo(demo_files, home)
    props = store.read_attributes("properties", ["property_id", "landlord", "is_void"])
    free = ~props["is_void"].fillna(False).astype(bool)
    mine = props.loc[(props["landlord"] == LANDLORD) & free, "property_id"].astype(str)
    theirs = str(props.loc[(props["landlord"] != LANDLORD) & props["landlord"].notna(),
                           "property_id"].iloc[0])
    listed = tmp_path / "voids.csv"
    pd.DataFrame({"property_id": [mine.iloc[0], theirs, mine.iloc[1]]}).to_csv(
        listed, index=False)
    done = geo_era("voids", "publish", "--from", str(listed), "--landlord", LANDLORD,
                   "--justification", WHY, "--json", home=home)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert [v["property_id"] for v in answer["recorded"]] == [mine.iloc[0], mine.iloc[1]]
    assert [(e["row"], e["value"]) for e in answer["row_errors"]] == [(2, theirs)]
    assert "own organisation's voids only" in answer["row_errors"][0]["problem"]
    shown = geo_era("voids", "live", "--published-only", "--justification", WHY, home=home)
    assert shown.returncode == 0, shown.stderr
    assert f"VOID-000001 {mine.iloc[0]}" in shown.stdout
    assert "2 of " in shown.stdout and "Rowanlea Housing Association" in shown.stdout
    let = geo_era("voids", "let", mine.iloc[0], "--landlord", LANDLORD,
                  "--justification", WHY, home=home)
    assert let.returncode == 0, let.stderr
    assert f"VOID-000003 {mine.iloc[0]}" in let.stdout and "1 recorded let" in let.stdout
    engine = open_store(home)
    entries = [(e.record_type, e.role) for e in audit_entries(engine)]
    assert entries == [("void_event", "operator"), ("live_voids", "operator"),
                       ("void_event", "operator")]
    count = len(entries)
    both = geo_era("voids", "publish", mine.iloc[2], "--from", str(listed),
                   "--justification", WHY, home=home)
    assert both.returncode != 0 and "not both" in both.stderr
    assert "Traceback" not in both.stderr
    assert len(audit_entries(engine)) == count  # refused before anything is read
    engine.dispose()

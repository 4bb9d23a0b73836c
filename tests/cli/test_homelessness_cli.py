"""The homelessness and transfer commands, run as a user runs them (a real process over
the demo town): a bail hostel refused as a local connection with the reason (R120),
temporary accommodation refused where the subject check finds a condition broken and
placed where it does not (issue 20 item 6), a tenant's urgent transfer recorded and
decided (R117), each audited as the operator."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from geo_era.db.store import HomelessPresentation, PlacementMove, open_store, session_scope
from geo_era.workspace import Workspace
from tests.cli.test_cli import geo_era
from tests.conftest import import_demo, iso_today
from tests.services.parity import audit_entries

SUBJECT = "FICTIONAL-S000003"  # no residence within 200 m of a school


def test_homelessness_and_transfers_at_the_command_line(demo_files: list[Path],
                                                        tmp_path: Path) -> None:
    """R120, R117, R121: the commands go through the same services as the API."""
    home = tmp_path / "home"
    store = import_demo(demo_files, home)
    areas = store.read_attributes("areas", ["area_type", "name"])
    council = str(areas.loc[areas["area_type"] == "council", "name"].iloc[0])
    workspace = Workspace(store)
    pids = store.read_attributes("properties", ["property_id"])["property_id"].astype(str)
    kinds = {pid: [c.kind for c in workspace.check(SUBJECT, pid).conflicts]
             for pid in pids.iloc[:300]}
    breaking = next(p for p, k in kinds.items() if k == ["no_residence_within"])
    clean = next(p for p, k in kinds.items() if not k)

    present = ("homeless", "present", SUBJECT, "--authority", council, "--date", iso_today(),
               "--duty", "unintentionally_homeless", "--reasons",
               "FICTIONAL: released with no home")
    refused = geo_era(*present, "--local-connection", "bail_hostel", home=home)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "bail hostel does not create a local connection" in refused.stderr
    engine = open_store(home)
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(HomelessPresentation)) == 0

    done = geo_era(*present, "--json", home=home)
    assert done.returncode == 0, done.stderr
    reference = json.loads(done.stdout)["reference"]
    assert reference == "HLP-000001"

    place = ("homeless", "place", reference, "--from", iso_today(), "--justification",
             "FICTIONAL: accommodation on release")
    broken = geo_era(*place, "--property", breaking, home=home)
    assert broken.returncode != 0 and "refused, as a void would be" in broken.stderr
    assert workspace.check(SUBJECT, breaking).conflicts[0].message in broken.stderr
    placed = geo_era(*place, "--property", clean, home=home)
    assert placed.returncode == 0, placed.stderr
    assert f"TA-000001  {SUBJECT} in temporary accommodation at {clean}" in placed.stdout
    with session_scope(engine) as session:
        assert [(m.property_id, m.kind) for m in session.scalars(select(PlacementMove))] \
            == [(clean, "temporary")]

    asked = geo_era("transfer", "request", "--kind", "tenant", "--subject", SUBJECT,
                    "--authority", council, "--date", iso_today(), "--at-risk", "--grounds",
                    "FICTIONAL: threats after a disclosure", home=home)
    assert asked.returncode == 0, asked.stderr
    assert "TRF-000001  tenant urgent transfer" in asked.stdout
    decided = geo_era("transfer", "decide", "TRF-000001", "--decision", "granted",
                      "--reasons", "FICTIONAL: a move agreed with the tenant", home=home)
    assert decided.returncode == 0 and decided.stdout.strip().endswith("granted")
    listed = geo_era("transfer", "list", "--justification", "FICTIONAL: MAPPA meeting",
                     "--json", home=home)
    assert [t["decision"] for t in json.loads(listed.stdout)] == ["granted"]
    kinds_audited = [(e.role, e.operation, e.record_type) for e in audit_entries(engine)
                     if e.record_type in ("homeless_presentation", "temporary_accommodation",
                                          "transfer", "subject")]
    assert ("operator", "collection", "homeless_presentation") in kinds_audited
    assert ("operator", "consultation", "subject") in kinds_audited  # the refusal
    assert ("operator", "collection", "temporary_accommodation") in kinds_audited
    assert ("operator", "alteration", "transfer") in kinds_audited
    engine.dispose()

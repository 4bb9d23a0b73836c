"""The child protection commands run as a user runs them (a real process, the demo
town's subjects): a referral and its outcome (R111), initial checks (R115), a notice to
Education (R116), the lists, and refusals as messages, never tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

from geo_era.data.layer_store import LayerStore
from geo_era.db.store import open_store
from tests.cli.test_cli import geo_era
from tests.conftest import import_demo, iso_today
from tests.services.parity import audit_entries

COUNCIL = "FICTIONAL Inverallan Council"
WHY = ["--justification", "FICTIONAL child protection work under test"]


def test_child_protection_commands(tmp_path: Path, demo_files: list[Path]) -> None:
    """R111, R115, R116 at the command line, as the operator naming the agency."""
    home = tmp_path / "home"
    store: LayerStore = import_demo(demo_files, home)
    subject = str(store.read_attributes("subjects", ["subject_id"])["subject_id"].iloc[0])
    today = iso_today()

    refused = geo_era("child-protection", "refer", "--subject", subject, "--authority",
                      COUNCIL, "--on", today, "--reason", "FICTIONAL: risk to a child",
                      home=home)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "name the agency that records this (--agency)" in refused.stderr

    made = geo_era("child-protection", "refer", "--subject", subject, "--authority",
                   COUNCIL, "--on", today, "--reason", "FICTIONAL: risk to a named child",
                   "--agency", "police_scotland", *WHY, "--json", home=home)
    assert made.returncode == 0, made.stderr
    referral = json.loads(made.stdout)
    assert (referral["reference"], referral["subject_id"], referral["to_whom"],
            referral["agency"]) == ("CPL-000001", subject, "Children & Families",
                                    "police_scotland")
    done = geo_era("child-protection", "outcome", "CPL-000001", "--outcome", "ird",
                   "--on", today, "--om-attended", home=home)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "CPL-000001: referral recorded"

    checks = geo_era("child-protection", "checks", subject, "--authority", COUNCIL,
                     "--notified", today, "--checked", today, "--concerns",
                     "--findings", "FICTIONAL: a child known at the next address",
                     home=home)
    assert checks.returncode == 0, checks.stderr
    notice = geo_era("child-protection", "notify-education", "--subject", subject,
                     "--authority", COUNCIL, "--ground", "lives_near_school",
                     "--school", "FICTIONAL Primary", "--contact", "FICTIONAL J. Reid",
                     "--on", today, "--said", "FICTIONAL: lives by the school gates",
                     "--agency", "cjsw", home=home)
    assert notice.returncode == 0, notice.stderr

    listed = geo_era("child-protection", "list", *WHY, home=home)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[-1] == "2 record(s) listed"
    assert any(line.startswith("CPL-000001 [referral]") and
               "outcome inter-agency referral discussion (IRD)" in line and
               "Offender Manager attended" in line for line in lines)
    assert any(line.startswith("CPL-000002 [initial_checks]") for line in lines)
    notices = json.loads(geo_era("child-protection", "list", "--notices", "--json", *WHY,
                                 home=home).stdout)
    assert [(n["reference"], n["ground"], n["contact"]) for n in notices] == [
        ("CPL-000003", "lives_near_school", "FICTIONAL J. Reid")]

    future = geo_era("child-protection", "refer", "--subject", subject, "--authority",
                     COUNCIL, "--on", "2999-01-01", "--reason", "FICTIONAL: a risk",
                     "--agency", "cjsw", home=home)
    assert future.returncode != 0 and "in the future" in future.stderr
    assert "Traceback" not in future.stderr
    engine = open_store(home)
    operations = [(e.operation, e.record_type) for e in audit_entries(engine)
                  if e.record_type == "child_protection"]
    engine.dispose()
    assert operations == [("disclosure", "child_protection"),
                          ("alteration", "child_protection"),
                          ("collection", "child_protection"),
                          ("disclosure", "child_protection"),
                          ("consultation", "child_protection"),
                          ("consultation", "child_protection")]

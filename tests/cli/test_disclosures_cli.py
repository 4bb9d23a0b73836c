"""``geo-era disclosure``: decisions, their making, the list and Keeping Children Safe
applications from the command line, as a real process (R100, R112, R134)."""

from __future__ import annotations

import json
from pathlib import Path

from geo_era.db.store import open_store
from tests.cli.test_cli import geo_era
from tests.conftest import iso_today
from tests.services.parity import audit_entries

WHY = "MAPPA Level 2 meeting, disclosure item"


def test_decide_make_and_list_from_the_command_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    base = ["disclosure", "decide", "--to", "school", "--recipient",
            "FICTIONAL Inverallan Primary School", "--disclose", "--subject",
            "FICTIONAL-S-1", "--council", "FICTIONAL Inverallan Council", "--content",
            "FICTIONAL: a risk at the school gate", "--advice",
            "FICTIONAL: head teacher only; support from Education", "--discloser",
            "FICTIONAL DS Grant", "--justification", WHY]
    refused = geo_era(*base, "--authority", "social_work", home=home)
    assert refused.returncode != 0
    assert "only in a case of child protection (NASSO 71)" in refused.stderr
    assert "Traceback" not in refused.stderr
    done = geo_era(*base, "--authority", "police", "--meeting-level", "3",
                   "--meeting-on", iso_today(), home=home)
    assert done.returncode == 0, done.stderr
    decided = json.loads(done.stdout)
    assert (decided["reference"], decided["meeting_level"], decided["status"]) == (
        "DIS-000001", 3, "to disclose")
    made = geo_era("disclosure", "made", "DIS-000001", "--on", iso_today(), "--by", "ds.grant",
                   home=home)
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["made_by"] == "ds.grant"
    engine = open_store(home)
    last = audit_entries(engine)[-1]
    engine.dispose()
    assert (last.operation, last.recipients) == ("disclosure",
                                                 ["FICTIONAL Inverallan Primary School"])
    kcs = geo_era("disclosure", "kcs", "--received", iso_today(), "--not-online",
                  "--relationship", "guardian", "--council", "FICTIONAL Inverallan "
                  "Council", home=home)
    assert kcs.returncode == 0, kcs.stderr
    outcome = geo_era("disclosure", "kcs-outcome", "KCS-000001", "--outcome",
                      "not_a_registered_offender", "--on", iso_today(), home=home)
    assert outcome.returncode == 0, outcome.stderr
    listed = geo_era("disclosure", "list", "--justification", WHY, home=home)
    assert listed.returncode == 0, listed.stderr
    document = json.loads(listed.stdout)
    assert [d["status"] for d in document["decisions"]] == ["disclosed"]
    assert [(a["reference"], a["online"], a["outcome"]) for a in
            document["applications"]] == [("KCS-000001", False,
                                           "not_a_registered_offender")]
    bad = geo_era("disclosure", "made", "DIS-000001", "--on", "yesterday", home=home)
    assert bad.returncode != 0 and "write YYYY-MM-DD" in bad.stderr

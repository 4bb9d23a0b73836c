"""``geo-era marker``: staff-safety markers at the command line (NASSO 69-70; R99),
through the same services as the API, audited as the operator."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from geo_era import clock
from geo_era.db.store import open_store
from geo_era.security.users import add_user
from tests.cli.test_cli import geo_era
from tests.conftest import import_demo

FIRM = "FICTIONAL Allan Repairs Ltd"


def test_marker_add_review_and_what_a_firm_sees(tmp_path: Path,
                                                demo_files: list[Path]) -> None:
    """R99: the operator records a marker with a practical text, shared with a firm;
    the firm is shown the instructions (the text once another officer approved it)
    and never the subject or reason; a firm not named is shown nothing."""
    home = tmp_path / "home"
    store = import_demo(demo_files, home)
    engine = open_store(home)
    add_user(engine, "omu.owner", role="omu_analyst", organisation="FICTIONAL OMU",
             password="a long fictional passphrase")
    engine.dispose()
    props = store.read_attributes("properties", ["property_id", "landlord"])
    row = props.dropna().iloc[0]
    today = clock.today()
    added = geo_era("marker", "add", str(row["property_id"]), "--review",
                    (today + dt.timedelta(days=30)).isoformat(), "--expires",
                    (today + dt.timedelta(days=90)).isoformat(), "--owner", "omu.owner",
                    "--instruction", "visit_in_pairs", "--text",
                    "FICTIONAL: ring the office first", "--firm", FIRM, "--subject",
                    "FICTIONAL-SUBJ", "--reason", "FICTIONAL: violent to staff", "--json",
                    "--by", "writer", home=home)
    assert added.returncode == 0, added.stderr
    marker = json.loads(added.stdout)
    assert marker["landlord"] == row["landlord"] and marker["authority"]
    shared = geo_era("marker", "shared", "--firm", FIRM, "--json", home=home)
    assert shared.returncode == 0, shared.stderr
    seen = json.loads(shared.stdout)
    assert [(m["marker_id"], m["practical_text"]) for m in seen] == [
        (marker["marker_id"], None)]
    assert "FICTIONAL-SUBJ" not in shared.stdout and "violent" not in shared.stdout
    own = geo_era("marker", "review", marker["marker_id"], "--approve-text", "--by",
                  "writer", home=home)
    assert own.returncode != 0 and "you wrote it" in own.stderr
    approved = geo_era("marker", "review", marker["marker_id"], "--approve-text", "--by",
                       "reviewer", home=home)
    assert approved.returncode == 0, approved.stderr
    text = geo_era("marker", "shared", "--landlord", str(row["landlord"]), home=home)
    assert "FICTIONAL: ring the office first" in text.stdout
    assert "Visit in pairs" in text.stdout and "contact the SOLO" in text.stdout
    nothing = geo_era("marker", "shared", "--firm", "FICTIONAL Other Ltd", home=home)
    assert nothing.stdout.strip() == "0 marker(s) shown"
    listed = geo_era("marker", "list", "--justification", "FICTIONAL MAPPA meeting",
                     home=home)
    assert "subject FICTIONAL-SUBJ" in listed.stdout and "owner omu.owner" in listed.stdout
    bad = geo_era("marker", "add", str(row["property_id"]), "--review", "tomorrow",
                  "--expires", "2026-01-01", "--owner", "omu.owner", home=home)
    assert bad.returncode == 2 and "write YYYY-MM-DD" in bad.stderr

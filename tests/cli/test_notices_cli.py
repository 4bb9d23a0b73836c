"""``geo-era notices``: landlord notifications (NASSO 5.3) at the command line, run as a
user runs it (a real process on the demo town), through the same services as the API.

REQUIREMENTS.md: R87, R91.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo_era.data.layer_store import LayerStore
from geo_era.db.store import open_store
from tests.cli.test_cli import geo_era
from tests.conftest import import_demo, iso_today
from tests.services.parity import audit_entries

LANDLORD = "Rowanlea Housing Association"
WHY = "FICTIONAL: MAPPA review meeting on the tenancy"


@pytest.fixture(scope="module")
def home(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("notices-cli") / "home"
    import_demo(demo_files, path)
    return path


def test_record_link_and_review_at_the_command_line(home: Path) -> None:
    """R91, R87: the operator records a landlord's notification of possession
    proceedings (flagged as maybe no longer manageable), lists it as the landlord sees it
    and as the SOLO does, links it to a housed subject and opens a review, each step
    leaving its audit entry; bad input is a message, not a traceback."""
    layers = LayerStore(home)
    props = layers.read_attributes("properties", ["property_id", "landlord"])
    pid = str(props.loc[props["landlord"] == LANDLORD, "property_id"].iloc[0])
    subjects = layers.read_attributes("subjects", ["subject_id", "current_property_id"])
    subject = str(subjects.loc[subjects["current_property_id"].notna(),
                               "subject_id"].iloc[0])
    today = iso_today()

    bad = geo_era("notices", "record", pid, "--kind", "eviction", "--date", today,
                  "--details", "FICTIONAL: served notice", "--reference", "RHA/1",
                  home=home)
    assert bad.returncode != 0 and "unknown kind of notification 'eviction'" in bad.stderr
    assert "Traceback" not in bad.stderr

    done = geo_era("notices", "record", pid, "--kind", "possession", "--date", today,
                   "--details", "FICTIONAL: proceedings for possession raised",
                   "--reference", "RHA/T/0042", "--by", "FICTIONAL.link", home=home)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"LN-000001  {today}  possession  {pid} ({LANDLORD}, "
                                  "RHA/T/0042)  sent to the SOLO  MAY NO LONGER BE "
                                  "MANAGEABLE")

    sent = geo_era("notices", "sent", "--landlord", LANDLORD, "--json", home=home)
    assert sent.returncode == 0, sent.stderr
    assert [(n["reference"], n["status"]) for n in json.loads(sent.stdout)] == [
        ("LN-000001", "sent to the SOLO")]
    assert "subject_id" not in sent.stdout

    listed = geo_era("notices", "list", "--justification", WHY, "--json", home=home)
    assert [(n["reference"], n["state"], n["may_be_unmanageable"])
            for n in json.loads(listed.stdout)] == [("LN-000001", "new", True)]

    linked = geo_era("notices", "link", "LN-000001", subject, "--note",
                     "FICTIONAL: known to the OMU", home=home)
    assert linked.returncode == 0, linked.stderr
    assert f"linked  subject {subject}" in linked.stdout

    review = geo_era("notices", "review", "ln-1", "--justification", WHY, home=home)
    assert review.returncode == 0, review.stderr
    assert review.stdout.strip() == "LN-000001: review opened: ERA-000001"

    shown = geo_era("notices", "show", "LN-000001", "--justification", WHY, "--json",
                    home=home)
    assert json.loads(shown.stdout)["case_id"] == "ERA-000001"

    engine = open_store(home)
    trail = [(e.operation, e.record_type, e.record_ids) for e in audit_entries(engine)]
    engine.dispose()
    assert trail == [
        ("collection", "landlord_notification", ["LN-000001"]),
        ("consultation", "landlord_notification", ["LN-000001"]),
        ("consultation", "landlord_notification", ["LN-000001"]),
        ("combination", "landlord_notification", ["LN-000001", subject]),
        ("collection", "case", ["ERA-000001", subject]),
        ("alteration", "landlord_notification", ["LN-000001", "ERA-000001"]),
        ("consultation", "landlord_notification", ["LN-000001", subject])]

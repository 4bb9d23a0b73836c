"""``geo-era enquiry`` run as a user runs it (a real process, the demo town): an
enquiry recorded, listed, confirmed, linked and closed, each audited once as the
operator; the confirmation printed names no subject and no address; bad input is a
message, never a traceback, and writes nothing. R94, R95."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from geo_era.analysis.areas import council_of
from geo_era.data.layer_store import LayerStore
from geo_era.db.store import Enquiry, open_store, session_scope
from geo_era.security.audit import AuditEntry
from tests.cli.test_cli import geo_era
from tests.conftest import import_demo

WHY = "concern passed on by a landlord, MAPPA meeting"


@pytest.fixture(scope="module")
def demo_home(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("enquiry-cli") / "home"
    import_demo(demo_files, home)
    return home


def enquiries_in(home: Path) -> int:
    engine = open_store(home)
    with session_scope(engine) as session:
        found = int(session.scalar(select(func.count()).select_from(Enquiry)) or 0)
    engine.dispose()
    return found


def test_an_enquiry_from_the_command_line(demo_home: Path) -> None:
    """R94, R95: a concern about a property is passed to the police and social work
    (children at risk), the words printed for the person raising it say only that it
    was passed on; the police's link to a subject and outcome show in ``show``."""
    home = demo_home
    store = LayerStore(home)
    subjects = store.read_attributes("subjects", ["subject_id", "current_property_id"])
    housed = subjects.dropna(subset=["current_property_id"]).iloc[0]
    subject, home_id = str(housed["subject_id"]), str(housed["current_property_id"])
    props = store.read_attributes("properties", ["property_id", "address"])
    address = str(props.loc[props["property_id"] == home_id, "address"].iloc[0])
    near = str(props.loc[props["property_id"] != home_id, "property_id"].iloc[0])
    done = geo_era("enquiry", "record", "concern", "--summary",
                   "FICTIONAL: a man is said to watch the school gates", "--property", near,
                   "--raised-by", "tenant", "--children", "--json", home=home)
    assert done.returncode == 0, done.stderr
    recorded = json.loads(done.stdout)
    ref = recorded["enquiry_id"]
    assert recorded["routed_to"] == ["police", "social_work"]
    assert recorded["council"] == council_of(store, near)
    listed = geo_era("enquiry", "list", home=home)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[0].startswith(f"{ref} ")
    assert "[children] [not yet confirmed]" in listed.stdout
    assert "school gates" not in listed.stdout  # the list holds no text raised
    confirmed = geo_era("enquiry", "confirm", ref, home=home)
    assert confirmed.returncode == 0, confirmed.stderr
    assert confirmed.stdout.strip() == (
        f"Thank you for raising this with us (our reference {ref}). We have passed your "
        "concern on to the appropriate agency for investigation. We cannot tell you who "
        "anyone is or where anyone lives, or what the agency does about it.")
    linked = geo_era("enquiry", "link", ref, subject, "--justification", WHY, home=home)
    assert linked.returncode == 0, linked.stderr
    assert linked.stdout.strip() == f"{ref} linked to 1 subject(s)"
    closed = geo_era("enquiry", "outcome", ref, "investigated", "--notes",
                     "FICTIONAL: visited", "--justification", WHY, home=home)
    assert closed.returncode == 0, closed.stderr
    shown = json.loads(geo_era("enquiry", "show", ref, "--justification", WHY,
                               home=home).stdout)
    assert [link["subject_id"] for link in shown["links"]] == [subject]
    assert (shown["outcome"], shown["confirmed_on"] is not None) == ("investigated", True)
    for printed in (done.stdout, listed.stdout, confirmed.stdout):
        assert subject not in printed and address not in printed and home_id not in printed
    engine = open_store(home)
    with session_scope(engine) as session:
        trail = [(e.operation, e.role, e.record_ids) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.record_type == "enquiry")
            .order_by(AuditEntry.seq))]
    engine.dispose()
    assert trail == [("disclosure", "operator", [ref]), ("consultation", "operator", [ref]),
                     ("disclosure", "operator", [ref]),
                     ("combination", "operator", [ref, subject]),
                     ("alteration", "operator", [ref]), ("consultation", "operator", [ref])]


@pytest.mark.parametrize(("args", "message"), [
    (["rumour", "--summary", "FICTIONAL: long enough", "--area", "x", "--council", "y"],
     "kind 'rumour' is not one of"),
    (["concern", "--summary", "FICTIONAL: long enough", "--property", "DT-NOT-THERE"],
     "is not in the properties layer"),
    (["concern", "--summary", "short", "--area", "FICTIONAL"], "summary: say what"),
    (["concern", "--summary", "FICTIONAL: long enough", "--area", "FICTIONAL",
      "--received", "yesterday"], "write YYYY-MM-DD"),
])
def test_bad_input_is_a_message_and_writes_nothing(demo_home: Path, args: list[str],
                                                   message: str) -> None:
    """Standards: the field and how to fix it, no traceback, nothing written."""
    before = enquiries_in(demo_home)
    done = geo_era("enquiry", "record", *args, home=demo_home)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert enquiries_in(demo_home) == before

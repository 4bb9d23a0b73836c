"""Staff-safety markers over the HTTP API (NASSO 69-70, 5.3; REQUIREMENTS.md R93, R99):
recorded by the Responsible Authorities, read as instructions only by the landlord's
staff and the contractor firms named, and by nobody else."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from geo_era import clock
from geo_era.security.users import add_user
from tests.api.test_access import PASSWORD, PREFIX, WHY, World, keys_in, world
from tests.conftest import LINK_OFFICER_NEVER_SEES, iso_today

__all__ = ["world"]  # the API world of the access tests, made afresh for this module

OTHER_FIRM = "FICTIONAL Other Repairs Ltd"
REASON = "FICTIONAL: indecent exposure to a female housing officer"
TEXT = "FICTIONAL: two staff, and phone the SOLO before and after"
#: What the landlord's staff and contractors must never be told (69-71), besides the
#: fields a Link Officer never sees anywhere.
NEVER = LINK_OFFICER_NEVER_SEES | {"reason", "owner", "recorded_by", "text_reviewed_by",
                                   "last_reviewed_by", "firms", "landlord"}


def _post(world: World, role: str, path: str, body: dict[str, Any]) -> Any:
    response = world.client.post(f"{PREFIX}{path}", headers=world.headers(role), json=body)
    return response


@pytest.fixture(scope="module")
def other_firm(world: World) -> str:
    """A contractor of another firm, signed in: the name of its token."""
    add_user(world.engine, "ctr.other", role="contractor", organisation=OTHER_FIRM,
             password=PASSWORD)
    token = world.client.post(f"{PREFIX}/auth/token", data={
        "username": "ctr.other", "password": PASSWORD}).json()["access_token"]
    world.tokens["other_firm"] = token
    return "other_firm"


def _record(world: World) -> dict[str, Any]:
    made = _post(world, "omu_analyst", "/markers/add", {
        "property_id": world.property_id, "tenancy_reference": "FICTIONAL-T-0042",
        "instructions": ["visit_in_pairs", "access_through_solo"], "practical_text": TEXT,
        "review_on": (clock.today() + dt.timedelta(days=28)).isoformat(),
        "expires_on": (clock.today() + dt.timedelta(days=180)).isoformat(),
        "firms": ["FICTIONAL contractor unit"], "subject_id": world.subject_id,
        "reason": REASON, "justification": WHY})
    assert made.status_code == 200, made.text
    marker: dict[str, Any] = made.json()
    assert (marker["subject_id"], marker["reason"], marker["owner"]) == (
        world.subject_id, REASON, "user.omu_analyst")
    reviewed = _post(world, "solo", "/markers/review", {"marker_id": marker["marker_id"],
                                                         "approve_text": True})
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["text_reviewed_by"] == "user.solo"
    return marker


def test_a_marker_is_shown_to_the_landlord_and_named_firm_never_why(
        world: World, other_firm: str) -> None:
    """R99, issue 20's "done when": a staff-safety marker is visible to the landlord's
    role and the contractor named on it with no offence, subject id or reason in what
    they see, while another landlord's Link Officer and another contractor see nothing
    of it, asking for the property or for everything."""
    marker = _record(world)
    ref = marker["marker_id"]
    for role in ("rsl_case_officer", "contractor"):
        for body in ({"property_id": world.property_id}, {}):
            response = _post(world, role, "/markers/shared", body)
            assert response.status_code == 200, response.text
            seen = [m for m in response.json() if m["marker_id"] == ref]
            assert len(seen) == 1, role
            assert [i["code"] for i in seen[0]["instructions"]] == [
                "visit_in_pairs", "access_through_solo"]
            assert seen[0]["practical_text"] == TEXT
            assert "contact the SOLO" in seen[0]["contact"]
            assert keys_in(response.json()) & NEVER == set()
            for secret in (world.subject_id, REASON, "indecent", "user.omu_analyst"):
                assert secret not in response.text, (role, secret)
    assert _post(world, "rsl_case_officer", "/markers/shared", {}).json()[0][
        "tenancy_reference"] == "FICTIONAL-T-0042"
    landlord = world.store.read_attributes("properties", ["property_id", "landlord"])
    assert (landlord.set_index("property_id").loc[world.property_id, "landlord"]
            != "Rowanlea Housing Association")  # the Link Officer is another landlord's
    for role in ("rsl_link_officer", other_firm):
        asked = _post(world, role, "/markers/shared", {"property_id": world.property_id})
        unknown = _post(world, role, "/markers/shared", {"property_id": "DT-NOT-THERE"})
        listed = _post(world, role, "/markers/shared", {})
        assert asked.status_code == unknown.status_code == listed.status_code == 200
        assert asked.json() == unknown.json() == []  # reads as a property with none
        assert ref not in listed.text and world.property_id not in listed.text


def test_only_the_responsible_authorities_record_and_read_markers_whole(
        world: World) -> None:
    """R93: the processes that protect staff are the Responsible Authorities' to set:
    housing staff and contractors may neither record a marker nor read the subject or
    reason of one; a SOLO of another council cannot see it (it reads as missing)."""
    marker = _record(world)
    for role in ("rsl_link_officer", "rsl_case_officer", "contractor", "auditor", "admin"):
        assert _post(world, role, "/markers/add", {
            "property_id": world.property_id, "instructions": ["office_only"],
            "review_on": iso_today(),
            "expires_on": (clock.today() + dt.timedelta(days=9)).isoformat()}).status_code == 403
        assert _post(world, role, "/markers/list", {"justification": WHY}
                     ).status_code == 403
    whole = _post(world, "mappa_coordinator", "/markers/list", {
        "justification": WHY, "property_id": world.property_id}).json()
    mine = next(m for m in whole if m["marker_id"] == marker["marker_id"])
    assert (mine["subject_id"], mine["reason"]) == (world.subject_id, REASON)
    before = world.audit_count()
    other = _post(world, "other.solo", "/markers/review", {
        "marker_id": marker["marker_id"], "review_on": iso_today()})
    assert world.audit_count() == before + 1
    denied = world.last_entry()
    assert (denied.actor, denied.outcome, denied.record_ids) == (
        "other.solo", "denied", [marker["marker_id"]])
    missing = _post(world, "other.solo", "/markers/review", {
        "marker_id": "SSM-999999", "review_on": iso_today()})
    assert other.status_code == missing.status_code == 404
    assert other.json()["detail"] == missing.json()["detail"].replace(
        "SSM-999999", marker["marker_id"])


def test_bad_marker_input_gets_a_clear_error(world: World) -> None:
    """A review date after the expiry, an unknown instruction or a text with a control
    character: 422 naming what is wrong; nothing written."""
    before = world.audit_count()
    late = _post(world, "omu_analyst", "/markers/add", {
        "property_id": world.property_id, "instructions": ["office_only"],
        "review_on": (clock.today() + dt.timedelta(days=20)).isoformat(),
        "expires_on": (clock.today() + dt.timedelta(days=10)).isoformat()})
    assert late.status_code == 422 and "after the expiry date" in late.text
    odd = _post(world, "omu_analyst", "/markers/add", {
        "property_id": world.property_id, "instructions": ["bring_a_dog"],
        "review_on": iso_today(), "expires_on": iso_today()})
    assert odd.status_code == 422 and "instructions" in odd.text
    hidden = _post(world, "omu_analyst", "/markers/add", {
        "property_id": world.property_id, "practical_text": "FICTIONAL\u202e text",
        "review_on": iso_today(),
        "expires_on": (clock.today() + dt.timedelta(days=10)).isoformat()})
    assert hidden.status_code == 422
    assert world.audit_count() == before


def test_r89_the_landlords_reads_are_signed_in_and_audited(world: World) -> None:
    """R89 (5.3: the RSL's secure management of information): the instructions are read
    only signed in (no token: 401, nothing shown), and each read by the landlord's staff
    leaves one audit consultation naming the markers shown, never the subject."""
    marker = _record(world)
    anonymous = world.client.post(f"{PREFIX}/markers/shared", json={})
    assert anonymous.status_code == 401 and marker["marker_id"] not in anonymous.text
    before = world.audit_count()
    seen = _post(world, "rsl_case_officer", "/markers/shared", {})
    assert seen.status_code == 200 and world.audit_count() == before + 1
    entry = world.last_entry()
    assert (entry.actor, entry.operation, entry.record_type) == (
        "user.rsl_case_officer", "consultation", "staff_safety_marker")
    assert marker["marker_id"] in entry.record_ids
    assert world.subject_id not in entry.record_ids

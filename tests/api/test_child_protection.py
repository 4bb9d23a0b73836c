"""Child protection links over the API as each role (the Dorset MAPPA procedure §4,
§13, §17; R111, R115, R116): the Responsible Authorities refer and tell Education; the
council's Children & Families officers record their initial checks and outcomes and read
their council's referrals, never the notices; its Education officers read their
council's notices, never the referrals; every other role is refused (every endpoint by
every role: tests/api/test_access.py::test_matrix)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api import test_access
from tests.api.test_access import PREFIX, WHY, World
from tests.conftest import iso_today

#: the access tests' world: the demo town, a signed-in user of every role
world = test_access.world

OTHER = "FICTIONAL Other Council"


def post(world: World, role: str, path: str, body: dict[str, Any]) -> httpx.Response:
    return world.client.post(f"{PREFIX}/child-protection/{path}", json=body,
                             headers=world.headers(role))


def referral(world: World, role: str = "omu_analyst", **kw: Any) -> httpx.Response:
    body = {"subject_id": world.subject_id, "authority": world.council,
            "referred_on": iso_today(), "justification": WHY,
            "reason": "FICTIONAL: a named child at risk from the subject", **kw}
    return post(world, role, "referrals/add", body)


def listed(world: World, role: str, path: str) -> list[dict[str, Any]]:
    response = post(world, role, path, {"justification": WHY})
    assert response.status_code == 200, response.text
    out: list[dict[str, Any]] = response.json()
    return out


def test_each_role_reads_only_its_kinds_of_its_council(world: World) -> None:
    """R111, R115, R116: a referral in the council and one in another council (police,
    unconfined), Children & Families' initial checks, and a notice to Education: the
    Children & Families officer lists their council's referral and checks and no
    notice; the Education officer their council's notice and no referral (refused); a
    SOLO of another council none of them; police all."""
    ours = referral(world).json()["reference"]
    theirs = referral(world, authority=OTHER).json()["reference"]
    checks = post(world, "childrens_social_work", "checks/add", {
        "subject_id": world.subject_id, "notified_on": iso_today(),
        "checked_on": iso_today(), "database_checked": True,
        "findings": "FICTIONAL: nobody known at the address", "concerns": False,
        "justification": WHY})
    assert checks.status_code == 200, checks.text
    assert checks.json()["authority"] == world.council
    notice = post(world, "solo", "notices/add", {
        "subject_id": world.subject_id, "ground": "loitering_near_school",
        "school": "FICTIONAL Primary", "contact": "FICTIONAL Education lead",
        "notified_on": iso_today(), "said": "FICTIONAL: seen at the gates twice",
        "justification": WHY})
    assert notice.status_code == 200, notice.text
    assert notice.json()["authority"] == world.council
    notice_ref = notice.json()["reference"]

    cf = {r["reference"]: r["kind"] for r in listed(world, "childrens_social_work",
                                                     "referrals")}
    assert cf[ours] == "referral" and cf[checks.json()["reference"]] == "initial_checks"
    assert theirs not in cf and notice_ref not in cf
    assert set(cf.values()) <= {"referral", "initial_checks"}
    refused = post(world, "childrens_social_work", "notices", {"justification": WHY})
    assert refused.status_code == 403 and world.subject_id not in refused.text

    education = listed(world, "education_officer", "notices")
    assert notice_ref in [r["reference"] for r in education]
    assert {r["kind"] for r in education} == {"education_notice"}
    assert {r["authority"] for r in education} == {world.council}
    assert post(world, "education_officer", "referrals",
                {"justification": WHY}).status_code == 403

    assert [r for r in listed(world, "other.solo", "referrals")
            if r["reference"] in (ours, checks.json()["reference"])] == []
    police = {r["reference"] for r in listed(world, "omu_analyst", "referrals")}
    assert {ours, theirs} <= police


def test_r111_outcome_by_children_and_families(world: World) -> None:
    """R111: Children & Families record what came of their council's referral (a child
    protection planning meeting the Offender Manager attended); another council's reads
    as not found, and the refusal is audited."""
    ours = referral(world).json()["reference"]
    theirs = referral(world, authority=OTHER).json()["reference"]
    done = post(world, "childrens_social_work", "referrals/outcome", {
        "reference": ours, "outcome": "planning_meeting", "outcome_on": iso_today(),
        "om_attended": True, "justification": WHY})
    assert done.status_code == 200, done.text
    assert (done.json()["outcome_label"], done.json()["om_attended"]) == (
        "child protection planning meeting (case conference)", True)
    before = world.audit_count()
    hidden = post(world, "childrens_social_work", "referrals/outcome", {
        "reference": theirs, "outcome": "ird", "outcome_on": iso_today()})
    assert hidden.status_code == 404, hidden.text
    missing = post(world, "childrens_social_work", "referrals/outcome", {
        "reference": "CPL-999999", "outcome": "ird", "outcome_on": iso_today()})
    assert missing.status_code == 404
    assert hidden.json()["detail"].replace(theirs, "X") == \
        missing.json()["detail"].replace("CPL-999999", "X")
    assert world.audit_count() == before + 1
    assert world.last_entry().outcome == "denied"


def test_without_a_justification_an_acknowledgement(world: World) -> None:
    """A record made without a justification answers with its reference only: nothing
    of the subject or the case."""
    answer = referral(world, justification=None)
    assert answer.status_code == 200, answer.text
    assert set(answer.json()) == {"reference", "kind", "recorded"}
    assert world.subject_id not in answer.text


def test_bad_input_is_refused_with_the_field_and_nothing_written(world: World) -> None:
    """A date in the future, an unknown subject, a missing reason: 422/404 saying what,
    never a 500, and nothing recorded."""
    before = len(listed(world, "omu_analyst", "referrals"))
    future = referral(world, referred_on="2999-01-01")
    assert future.status_code == 422 and "in the future" in future.text
    unknown = referral(world, subject_id="FICTIONAL-NOBODY")
    assert unknown.status_code == 404 and "not found" in unknown.text
    short = referral(world, reason="risk")
    assert short.status_code == 422 and "reason" in short.text
    assert len(listed(world, "omu_analyst", "referrals")) == before


def test_care_inspectorate_import_over_the_api(world: World, tmp_path_factory: Any) -> None:
    """The import endpoint takes the Care Inspectorate's datastore with
    ``format=care_inspectorate`` (the datastore first, then the postcode file): an
    administrator's import places the services and lists each row left out; anyone
    else is refused, and the refusal audited."""
    from tests.data.care_inspectorate_fixtures import write_fixtures
    from tests.data.test_care_inspectorate import LEFT_OUT

    fixtures = write_fixtures(tmp_path_factory.mktemp("care"))
    upload = {"files": [
        ("files", (fixtures["datastore"].name, fixtures["datastore"].read_bytes(),
                   "text/csv")),
        ("files", ("zz.csv", fixtures["code_point"].read_bytes(), "text/csv"))],
        "data": {"format": "care_inspectorate"}}
    before = world.audit_count()
    refused = world.client.post(f"{PREFIX}/imports", headers=world.headers("solo"),
                                **upload)  # type: ignore[arg-type]
    assert refused.status_code == 403
    assert world.audit_count() == before + 1
    done = world.client.post(f"{PREFIX}/imports", headers=world.headers("admin"),
                             **upload)  # type: ignore[arg-type]
    assert done.status_code == 200, done.text
    report = done.json()
    assert report["placed"] == {"care_home": 1, "nursery": 2}
    # the datastore's name as uploaded, made safe for the disk (spaces become _)
    assert [line.replace("MDSF_data_31_October_2026.csv",
                         "MDSF_data_31 October 2026.csv") for line in report["left_out"]
            ] == LEFT_OUT
    one = world.client.post(f"{PREFIX}/imports", headers=world.headers("admin"),
                            files=upload["files"][:1], data={"format": "care_inspectorate"})
    assert one.status_code == 422 and "postcode files" in one.text

"""The annual MAPPA figures through the API (R128-R131): who gets which version, and
bad input refused clearly, never a 500."""

from __future__ import annotations

from tests.api.test_access import PREFIX, WHY, World, world

__all__ = ["world"]

URL = f"{PREFIX}/reports/mappa"


def test_a_link_officer_gets_the_published_figures_whatever_is_asked(world: World) -> None:
    """1.0: the published figures only; the audit entry says so."""
    response = world.client.post(URL, headers=world.headers("rsl_link_officer"), json={
        "scotland": True, "year": 2026, "publish": False, "justification": WHY})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["published"] is True and body["marking"].startswith("OFFICIAL — FOR")
    assert body["unit"] == "mappa_area" and body["period_start"] == "2025-04-01"
    assert world.last_entry().record_ids[0].endswith("published")
    rows = body["tables"]["people_managed"]
    assert world.council in [row["mappa_area"] for row in rows]
    assert all(v == "[c]" or v % 5 == 0 for row in rows for k, v in row.items()
               if k not in ("mappa_area", "council") and v is not None)


def test_the_internal_figures_are_exact_and_add_up(world: World) -> None:
    response = world.client.post(URL, headers=world.headers("mappa_coordinator"), json={
        "scotland": True, "year": 2026, "justification": WHY})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["published"] is False and body["marking"] == "OFFICIAL-SENSITIVE"
    # the demo's councils are in no MAPPA area of Scotland's table: each its own
    areas = [r["mappa_area"] for r in body["tables"]["people_managed"]]
    assert len(body["notes"]) == len([a for a in areas if a != "Total"])
    for row in body["tables"]["people_managed"]:
        counts = [v for k, v in row.items() if k.startswith("category")]
        assert sum(counts) == row["Total"]


def test_council_staff_get_their_own_council_only(world: World) -> None:
    """Council staff: their own council; an area or Scotland reads as not found, and
    the refusal is audited."""
    mine = world.client.post(URL, headers=world.headers("solo"), json={
        "authority": world.council, "year": 2026, "justification": WHY})
    assert mine.status_code == 200, mine.text
    assert mine.json()["name"] == world.council
    for body in ({"scotland": True}, {"area": world.council},
                 {"authority": "FICTIONAL Other Council"}):
        before = world.audit_count()
        refused = world.client.post(URL, headers=world.headers("solo"), json={
            **body, "year": 2026, "justification": WHY})
        assert refused.status_code == 404, refused.text
        assert world.audit_count() == before + 1
        assert world.last_entry().outcome == "denied"


def test_bad_input_is_refused_clearly(world: World) -> None:
    """Unknown council or area: the known ones listed; a year out of range or not yet
    ended; more than one scope, or none."""
    headers = world.headers("omu_analyst")
    unknown = world.client.post(URL, headers=headers, json={
        "authority": "Nowhere", "year": 2026, "justification": WHY})
    assert unknown.status_code == 404 and world.council in unknown.json()["detail"]
    area = world.client.post(URL, headers=headers, json={
        "area": "Nowhere", "year": 2026, "justification": WHY})
    assert area.status_code == 404 and "MAPPA areas:" in area.json()["detail"]
    both = world.client.post(URL, headers=headers, json={
        "authority": world.council, "scotland": True, "year": 2026, "justification": WHY})
    assert both.status_code == 422 and "exactly one of" in both.text
    none = world.client.post(URL, headers=headers, json={"year": 2026,
                                                         "justification": WHY})
    assert none.status_code == 422 and "exactly one of" in none.text
    early = world.client.post(URL, headers=headers, json={
        "scotland": True, "year": 1999, "justification": WHY})
    assert early.status_code == 422
    future = world.client.post(URL, headers=headers, json={
        "scotland": True, "year": 2090, "justification": WHY})
    assert future.status_code in (400, 409, 422) and "has not ended" in future.text

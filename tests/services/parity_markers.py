"""Audited operations of the staff-safety markers, for the audit-parity test: a marker's
recording, its review, the Responsible Authorities' list and the instructions a contractor
firm reads, each through ``geo-era`` and through the API (NASSO 69-70, 5.3; R89, R93,
R104)."""

from __future__ import annotations

import datetime as dt

from geo_era import clock
from geo_era.safeguarding.markers import PropertyFacts, add_marker
from tests.conftest import officer
from tests.services.parity import WHY, ApiCall, Home, Parity

REVIEW = (clock.today() + dt.timedelta(days=30)).isoformat()
EXPIRES = (clock.today() + dt.timedelta(days=90)).isoformat()
#: the parity template's contractor is ``user.contractor`` of this firm
FIRM = "FICTIONAL contractor unit"
REASON = "FICTIONAL: threatened a housing officer"


def _marked(home: Home) -> None:
    """SSM-000001: visit in pairs at the home's property, shared with :data:`FIRM`."""
    engine = home.engine()
    add_marker(engine, PropertyFacts(home.property_id, landlord=None,
                                     authority=home.council),
               instructions=["visit_in_pairs"], practical_text=None,
               owner="user.omu_analyst", review_on=clock.today(),
               expires_on=clock.today() + dt.timedelta(days=90), firms=[FIRM], actor=officer())
    engine.dispose()


PARITY: list[Parity] = [
    Parity("marker_add", "omu_analyst",
           cli=lambda h: ["marker", "add", h.property_id, "--review", REVIEW, "--expires",
                          EXPIRES, "--owner", "user.omu_analyst", "--instruction",
                          "visit_in_pairs", "--firm", FIRM, "--subject", h.subject_id,
                          "--reason", REASON, "--justification", WHY],
           api=lambda h: ApiCall("/markers/add", {
               "property_id": h.property_id, "instructions": ["visit_in_pairs"],
               "review_on": REVIEW, "expires_on": EXPIRES, "owner": "user.omu_analyst",
               "firms": [FIRM], "subject_id": h.subject_id, "reason": REASON,
               "justification": WHY})),
    Parity("marker_review", "omu_analyst", prepare=_marked,
           cli=lambda h: ["marker", "review", "SSM-000001", "--review", REVIEW,
                          "--justification", WHY],
           api=lambda h: ApiCall("/markers/review", {"marker_id": "SSM-000001",
                                                     "review_on": REVIEW,
                                                     "justification": WHY})),
    Parity("marker_list", "omu_analyst", prepare=_marked,
           cli=lambda h: ["marker", "list", "--justification", WHY],
           api=lambda h: ApiCall("/markers/list", {"justification": WHY})),
    Parity("marker_shared", "contractor", prepare=_marked,
           cli=lambda h: ["marker", "shared", "--firm", FIRM, "--property", h.property_id],
           api=lambda h: ApiCall("/markers/shared", {"property_id": h.property_id})),
]

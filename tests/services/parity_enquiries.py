"""Audited operations of the enquiries service (NASSO 5.4, 5.2), for the audit-parity
test: recording, listing, reading, confirming, linking and closing an enquiry, each
through ``geo-era enquiry`` and through the API (R94-R96)."""

from __future__ import annotations

from geo_era import clock
from geo_era.safeguarding.enquiries import Raised, record_enquiry
from geo_era.security.audit import Actor
from tests.services.parity import WHY, ApiCall, Home, Parity

SUMMARY = "FICTIONAL: a tenant worried about a neighbour"


def _received(home: Home) -> None:
    """ENQ-000001: a concern about the home's test property, received by its council's
    SOLO (so that the SOLO may confirm it)."""
    engine = home.engine()
    record_enquiry(home.store, engine, Raised(
        kind="concern", channel="phone", raised_by="tenant", summary=SUMMARY,
        received_on=clock.today(), property_id=home.property_id),
        actor=Actor("user.solo", "solo", home.council, scope=home.council))
    engine.dispose()


REF = "ENQ-000001"

PARITY: list[Parity] = [
    Parity("enquiry_record", "solo",
           cli=lambda h: ["enquiry", "record", "concern", "--summary", SUMMARY,
                          "--property", h.property_id, "--raised-by", "tenant",
                          "--children", "--json"],
           api=lambda h: ApiCall("/enquiries/record", {
               "kind": "concern", "channel": "phone", "raised_by": "tenant",
               "summary": SUMMARY, "property_id": h.property_id,
               "risk_to_children": True})),
    Parity("enquiry_list", "omu_analyst", prepare=_received,
           cli=lambda h: ["enquiry", "list", "--json"],
           api=lambda h: ApiCall("/enquiries/list", {})),
    Parity("enquiry_show", "omu_analyst", prepare=_received,
           cli=lambda h: ["enquiry", "show", REF, "--justification", WHY],
           api=lambda h: ApiCall("/enquiries/show", {"enquiry_id": REF,
                                                     "justification": WHY})),
    Parity("enquiry_confirm", "solo", prepare=_received,
           cli=lambda h: ["enquiry", "confirm", REF],
           api=lambda h: ApiCall("/enquiries/confirm", {"enquiry_id": REF})),
    Parity("enquiry_link", "omu_analyst", prepare=_received,
           cli=lambda h: ["enquiry", "link", REF, h.subject_id, "--justification", WHY],
           api=lambda h: ApiCall("/enquiries/link", {
               "enquiry_id": REF, "subject_id": h.subject_id, "justification": WHY})),
    Parity("enquiry_outcome", "omu_analyst", prepare=_received,
           cli=lambda h: ["enquiry", "outcome", REF, "investigated", "--justification",
                          WHY],
           api=lambda h: ApiCall("/enquiries/outcome", {
               "enquiry_id": REF, "outcome": "investigated", "justification": WHY})),
]

"""Audited operations of the disclosure services, for the audit-parity test: a
disclosure decision, its making, the list, and a Keeping Children Safe application and
its outcome, each through ``geo-era`` and through the API with the same justification
(R112)."""

from __future__ import annotations

from geo_era import clock
from geo_era.casework.cases import visible
from geo_era.safeguarding.disclosures import (
    DecisionRequest,
    KcsRequest,
    record_decision,
    record_kcs,
)
from tests.conftest import iso_today, officer
from tests.services.parity import WHY, ApiCall, Home, Parity

SCHOOL = "FICTIONAL Inverallan Primary School"
ADVICE = "FICTIONAL: for the head teacher only; support from the Education service"


def _decided(home: Home) -> None:
    engine = home.engine()
    record_decision(engine, DecisionRequest(
        recipient_type="school", recipient=SCHOOL, disclose=True,
        subject_id=home.subject_id, council=home.council, content="FICTIONAL",
        advice=ADVICE, discloser="FICTIONAL DS Grant"), actor=officer(),
        authority="police", visible=visible, landlord_of=lambda _p: None)
    engine.dispose()


def _received(home: Home) -> None:
    engine = home.engine()
    record_kcs(engine, KcsRequest(received_on=clock.today(), online=True,
                                  relationship="parent", council=home.council,
                                  subject_id=home.subject_id), actor=officer())
    engine.dispose()


PARITY: list[Parity] = [
    Parity("disclosure_decide", "omu_analyst",
           cli=lambda h: ["disclosure", "decide", "--to", "school", "--recipient", SCHOOL,
                          "--authority", "police", "--disclose", "--subject", h.subject_id,
                          "--council", h.council, "--content", "FICTIONAL", "--advice",
                          ADVICE, "--discloser", "FICTIONAL DS Grant", "--meeting-level",
                          "2", "--meeting-on", iso_today(), "--justification", WHY],
           api=lambda h: ApiCall("/disclosures/decide", {
               "recipient_type": "school", "recipient": SCHOOL, "disclose": True,
               "subject_id": h.subject_id, "council": h.council, "content": "FICTIONAL",
               "advice": ADVICE, "discloser": "FICTIONAL DS Grant", "meeting_level": 2,
               "meeting_on": iso_today(), "justification": WHY})),
    Parity("disclosure_made", "omu_analyst", prepare=_decided,
           cli=lambda h: ["disclosure", "made", "DIS-000001", "--on", iso_today(),
                          "--justification", WHY],
           api=lambda h: ApiCall("/disclosures/made", {
               "reference": "DIS-000001", "made_on": iso_today(), "justification": WHY})),
    Parity("disclosure_list", "omu_analyst", prepare=_decided,
           cli=lambda h: ["disclosure", "list", "--justification", WHY],
           api=lambda h: ApiCall("/disclosures/list", {"justification": WHY})),
    Parity("disclosure_kcs", "omu_analyst",
           cli=lambda h: ["disclosure", "kcs", "--received", iso_today(), "--online",
                          "--relationship", "carer", "--council", h.council,
                          "--subject", h.subject_id, "--justification", WHY],
           api=lambda h: ApiCall("/disclosures/kcs", {
               "received_on": iso_today(), "online": True, "relationship": "carer",
               "council": h.council, "subject_id": h.subject_id, "justification": WHY})),
    Parity("disclosure_kcs_outcome", "omu_analyst", prepare=_received,
           cli=lambda h: ["disclosure", "kcs-outcome", "KCS-000001", "--outcome",
                          "disclosure_made", "--on", iso_today(), "--justification", WHY],
           api=lambda h: ApiCall("/disclosures/kcs/outcome", {
               "reference": "KCS-000001", "outcome": "disclosure_made",
               "outcome_on": iso_today(), "justification": WHY})),
]

"""Audited operations of homelessness, temporary accommodation, housing-options advice and
transfers, for the audit-parity test: each through ``geo-era`` and through the API with the
same justification (Dorset MAPPA procedure s19; NASSO 5.2, 3.13; R77, R81, R104, R117-R121).
"""

from __future__ import annotations

from geo_era import clock
from geo_era.housing.homelessness import record_presentation
from geo_era.housing.transfers import request_transfer
from geo_era.workspace import Workspace
from tests.conftest import iso_today, officer
from tests.services.parity import WHY, ApiCall, Home, Parity

RELEASED = "FICTIONAL: released from prison with no home"
ADVICE = "FICTIONAL: apply to the housing list; supported flat meanwhile"
GROUNDS = "FICTIONAL: windows broken after a disclosure"
REFUSED = "FICTIONAL: the police are managing the risk in place"


def _presented(home: Home) -> None:
    """HLP-000001: the home's subject presented to its council; and, in the notes, a
    property that no zone or condition rules out for the subject (the farthest first)."""
    engine = home.engine()
    record_presentation(engine, subject_id=home.subject_id, authority=home.council,
                        presented_on=clock.today(), duty="unintentionally_homeless",
                        reasons=RELEASED, actor=officer())
    engine.dispose()
    props = home.store.read("properties")
    here = props.loc[props["property_id"] == home.property_id, "geometry"].iloc[0]
    far = props.assign(d=props.geometry.distance(here)).sort_values("d", ascending=False)
    workspace = Workspace(home.store)
    home.notes["temporary"] = next(
        str(p) for p in far["property_id"]
        if not workspace.check(home.subject_id, str(p)).conflicts)


def _requested(home: Home) -> None:
    """TRF-000001: the tenant's request after a disclosure, pending."""
    engine = home.engine()
    request_transfer(engine, kind="tenant", authority=home.council,
                     subject_id=home.subject_id, grounds=GROUNDS,
                     requested_on=clock.today(), at_risk_after_disclosure=True,
                     actor=officer())
    engine.dispose()


PARITY: list[Parity] = [
    Parity("homeless_present", "solo",
           cli=lambda h: ["homeless", "present", h.subject_id, "--authority", h.council,
                          "--date", iso_today(), "--duty", "unintentionally_homeless",
                          "--reasons", RELEASED, "--local-connection", "none",
                          "--justification", WHY],
           api=lambda h: ApiCall("/homeless/present", {
               "subject_id": h.subject_id, "presented_on": iso_today(), "authority": h.council,
               "duty": "unintentionally_homeless", "reasons": RELEASED,
               "local_connection": "none", "justification": WHY})),
    Parity("homeless_place", "solo", prepare=_presented,
           cli=lambda h: ["homeless", "place", "HLP-000001", "--property",
                          h.notes["temporary"], "--from", iso_today(), "--justification", WHY],
           api=lambda h: ApiCall("/homeless/place", {
               "presentation": "HLP-000001", "property_id": h.notes["temporary"],
               "starts_on": iso_today(), "justification": WHY})),
    Parity("homeless_advise", "solo",
           cli=lambda h: ["homeless", "advise", h.subject_id, "--authority", h.council,
                          "--date", iso_today(), "--option", "social_rented", "--option",
                          "supported_accommodation", "--advice", ADVICE, "--service",
                          "addictions", "--justification", WHY],
           api=lambda h: ApiCall("/homeless/advise", {
               "subject_id": h.subject_id, "given_on": iso_today(), "authority": h.council,
               "options": ["social_rented", "supported_accommodation"], "advice": ADVICE,
               "services": ["addictions"], "justification": WHY})),
    Parity("homeless_show", "omu_analyst", prepare=_presented,
           cli=lambda h: ["homeless", "show", h.subject_id, "--justification", WHY],
           api=lambda h: ApiCall("/homeless/show", {"subject_id": h.subject_id,
                                                    "justification": WHY})),
    Parity("transfer_request", "omu_analyst",
           cli=lambda h: ["transfer", "request", "--kind", "police", "--date", iso_today(),
                          "--grounds", GROUNDS, "--authority", h.council, "--subject",
                          h.subject_id, "--tenant-agrees", "--justification", WHY],
           api=lambda h: ApiCall("/transfers/request", {
               "kind": "police", "requested_on": iso_today(), "grounds": GROUNDS,
               "authority": h.council, "subject_id": h.subject_id, "tenant_agrees": True,
               "justification": WHY})),
    Parity("transfer_decide", "solo", prepare=_requested,
           cli=lambda h: ["transfer", "decide", "TRF-000001", "--decision", "refused",
                          "--reasons", REFUSED, "--justification", WHY],
           api=lambda h: ApiCall("/transfers/decide", {
               "reference": "TRF-000001", "decision": "refused", "reasons": REFUSED,
               "justification": WHY})),
    Parity("transfer_list", "omu_analyst", prepare=_requested,
           cli=lambda h: ["transfer", "list", "--justification", WHY],
           api=lambda h: ApiCall("/transfers/list", {"justification": WHY})),
]

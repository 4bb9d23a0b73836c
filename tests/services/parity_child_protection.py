"""Audited operations of the child protection links, for the audit-parity test: a
referral, its outcome, Children & Families' initial checks, a notice to Education and
both lists, each through ``geo-era`` and through the API with the same justification
(Dorset MAPPA procedure §4, §13, §17; R111, R115, R116)."""

from __future__ import annotations

from geo_era import clock
from geo_era.safeguarding.child_protection import record_referral
from tests.conftest import iso_today, officer
from tests.services.parity import WHY, ApiCall, Home, Parity

REASON = "FICTIONAL: seen waiting outside a primary school"
FOUND = "FICTIONAL: no child known to the service at the address"
SAID = "FICTIONAL: lives 200 m from the school gates"
SCHOOL = "FICTIONAL Inverallan Primary School"
CONTACT = "FICTIONAL Education lead"


def _referred(home: Home) -> None:
    """CPL-000001: a referral of the home's subject in its council."""
    engine = home.engine()
    record_referral(engine, subject_id=home.subject_id, case_id=None,
                    authority=home.council, referred_on=clock.today(), reason=REASON,
                    to_whom=None, agency="police_scotland", actor=officer())
    engine.dispose()


PARITY: list[Parity] = [
    Parity("cp_referral_add", "omu_analyst",
           cli=lambda h: ["child-protection", "refer", "--subject", h.subject_id,
                          "--authority", h.council, "--on", iso_today(), "--reason", REASON,
                          "--agency", "police_scotland", "--justification", WHY],
           api=lambda h: ApiCall("/child-protection/referrals/add", {
               "subject_id": h.subject_id, "authority": h.council, "referred_on": iso_today(),
               "reason": REASON, "justification": WHY})),
    Parity("cp_referral_outcome", "omu_analyst", prepare=_referred,
           cli=lambda h: ["child-protection", "outcome", "CPL-000001", "--outcome", "ird",
                          "--on", iso_today(), "--om-attended", "--justification", WHY],
           api=lambda h: ApiCall("/child-protection/referrals/outcome", {
               "reference": "CPL-000001", "outcome": "ird", "outcome_on": iso_today(),
               "om_attended": True, "justification": WHY})),
    Parity("cp_referral_list", "omu_analyst", prepare=_referred,
           cli=lambda h: ["child-protection", "list", "--justification", WHY],
           api=lambda h: ApiCall("/child-protection/referrals", {"justification": WHY})),
    Parity("cp_checks_add", "childrens_social_work",
           cli=lambda h: ["child-protection", "checks", h.subject_id, "--notified", iso_today(),
                          "--checked", iso_today(), "--findings", FOUND, "--database",
                          "--no-concerns", "--authority", h.council, "--agency",
                          "childrens_services", "--justification", WHY],
           api=lambda h: ApiCall("/child-protection/checks/add", {
               "subject_id": h.subject_id, "notified_on": iso_today(), "checked_on": iso_today(),
               "database_checked": True, "findings": FOUND, "concerns": False,
               "justification": WHY})),
    Parity("cp_notice_add", "omu_analyst",
           cli=lambda h: ["child-protection", "notify-education", "--subject",
                          h.subject_id, "--authority", h.council, "--ground",
                          "lives_near_school", "--school", SCHOOL, "--contact", CONTACT,
                          "--on", iso_today(), "--said", SAID, "--agency", "police_scotland",
                          "--justification", WHY],
           api=lambda h: ApiCall("/child-protection/notices/add", {
               "subject_id": h.subject_id, "authority": h.council,
               "ground": "lives_near_school", "school": SCHOOL, "contact": CONTACT,
               "notified_on": iso_today(), "said": SAID, "justification": WHY})),
    Parity("cp_notice_list", "omu_analyst",
           cli=lambda h: ["child-protection", "list", "--notices", "--justification", WHY],
           api=lambda h: ApiCall("/child-protection/notices", {"justification": WHY})),
]

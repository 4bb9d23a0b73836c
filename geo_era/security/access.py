"""Need-to-know: which roles may call which endpoint, which fields each role sees, and
whose cases each role sees.

This table is the single statement of the access rules: routes enforce it, the tests
enumerate it, and the README prints it. A housing association's Link Officer
(``rsl_link_officer``) sees sites near a property, the published over-concentration
report and, for their own organisation's voids, yes/no sensitive-allocation flags: never
subject ids, offences, victim profiles, conditions, exclusion zones, minimum sets, or
what is known of the households around a property. Council staff (``solo``, ``cjsw``)
are confined to the cases of their own council; police, the MAPPA coordinator and
auditors are not.

The partner agencies of NASSO 3.6 (NHS, SPS, Education, Children & Families, Adult
Protection, a support organisation, and a housing association's Link Officer taking part
in a case) read and act on the cases their agency takes part in, and see of them what
their need to know allows (:data:`CASE_VIEWS`, the one statement of that rule).

Why a role per agency, rather than one "agency officer" role with the agency as an
attribute of the user: every need-to-know decision here is made per role (this matrix,
its columns in the README, the reference the tests hold it to, the second-factor rule
derived from it), and an agency's view of a case differs by agency (the NHS sees the
subject only; a Link Officer sees the property only). A role per agency keeps each of
those a visible cell of one table rather than a condition on a second attribute; it
needs no change to the users table, and single sign-on's group mapping
(``GEO_ERA_OIDC_GROUPS``, a group gives a role and an organisation) gives it unchanged:
``{"NHS MAPPA leads": {"role": "nhs_liaison", "organisation": "NHS Inverallan"}}``.
An administrator gives it with ``geo-era user add NAME --role nhs_liaison --organisation
...``.
"""

from __future__ import annotations

from dataclasses import dataclass

from geo_era.security.users import ROLES


@dataclass(frozen=True)
class Access:
    """Who may call an endpoint, and who gets only the restricted view of it."""

    allowed: frozenset[str]
    restricted_view: frozenset[str] = frozenset()
    #: touches subjects, cases, zones or placements: every call (and every refusal)
    #: is audited
    audited: bool = False
    #: what the endpoint does, for the documentation
    summary: str = ""
    #: council staff (:data:`SCOPED_ROLES`) are confined to their own council's records
    scoped: bool = False
    #: what the restricted view gives, for the documentation
    restricted_label: str = "flags only"
    #: its full view shows subjects, cases, zones, households or the audit trail (or
    #: imports them): its roles sign in with a second factor (:data:`SECOND_FACTOR_ROLES`)
    subject_data: bool = True
    #: a partner agency among its roles is confined to the cases its agency takes part
    #: in (:data:`CASE_VIEWS`); ``False`` for a council's own records that are not a
    #: case's, where the council's Education and Children & Families officers are
    #: confined to their council only
    partner_cases: bool = True


def roles(*names: str) -> frozenset[str]:
    unknown = set(names) - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"
    return frozenset(names)


ALL = frozenset(ROLES)
#: The local command line on the server (``geo-era``): whoever can run it can read the
#: store's files anyway, so it may do everything, unconfined; it is audited like any
#: other caller, as its login name with this role and the organisation ``local``.
OPERATOR = "operator"
#: Agencies' case workers: police (OMU), criminal justice social work, the council SOLO.
AGENCY_STAFF = roles("omu_analyst", "cjsw", "solo")
#: Who reads cases: the agencies and the MAPPA coordinator.
CASE_READERS = AGENCY_STAFF | roles("mappa_coordinator")
#: The partner agencies of NASSO 3.6 that take part in ERA cases, by role: the agency
#: code (:data:`geo_era.casework.cases.AGENCIES`) each records for. NHS: a liaison
#: officer or designated area MAPPA lead; SPS: the MAPPA integrated case management
#: coordinator; the council's Education, Children & Families social work and Adult
#: Protection (vulnerable adults); a support organisation's support worker (Safeguarding
#: Communities - Reducing Offending, or another providing an intensive support package);
#: a housing association's Link Officer taking part in a case (``rsl``), a role of its
#: own, given only to the Link Officer named for MAPPA work: the ``rsl_link_officer``
#: role (flags only) never reads a case.
PARTNER_AGENCIES = {
    "nhs_liaison": "nhs", "sps_icm_coordinator": "sps", "education_officer": "education",
    "childrens_social_work": "childrens_services",
    "adult_protection_officer": "adult_protection",
    "support_worker": "support_organisation", "rsl_case_officer": "rsl",
}
PARTNERS = roles(*PARTNER_AGENCIES)
#: Council staff: a council's own officers, confined to its cases.
COUNCIL_STAFF = roles("solo", "cjsw")
#: Roles confined to the cases of their own organisation (a council): council staff, and
#: the council's Education, Children & Families and Adult Protection officers.
SCOPED_ROLES = COUNCIL_STAFF | roles("education_officer", "childrens_social_work",
                                     "adult_protection_officer")
#: The agency each case-working role records for (NASSO 3.6-3.11): nobody records for
#: another agency.
ROLE_AGENCY = {"omu_analyst": "police_scotland", "cjsw": "cjsw", "solo": "solo",
               **PARTNER_AGENCIES}
LINK = roles("rsl_link_officer")
#: The Responsible Authorities' own staff under MAPPA, as geo_era knows them (police OMU,
#: criminal justice social work, the council SOLO) and the MAPPA coordinator who acts for
#: them: the only roles that may see which subject a housing or safeguarding record
#: concerns (NASSO 5.4, 68, 71).
RESPONSIBLE_AUTHORITIES = CASE_READERS
#: A housing association's staff: the Link Officer (flags only) and the Link Officer
#: taking part in cases. Neither learns who a subject is or what they did (5.4, 68-71).
HOUSING = roles("rsl_link_officer", "rsl_case_officer")
#: A landlord's repairs or maintenance contractor (69-70): told how to visit safely,
#: never why.
CONTRACTOR = roles("contractor")
#: Who decides on disclosure (NASSO 71): the police, who have the principal discretion
#: (OMU, and the MAPPA coordinator recording a MAPPA meeting's decision), and local
#: authority social work in cases of child protection (criminal justice social work;
#: Children & Families, for its own council). The core refuses social work any other.
DISCLOSURE_DECIDERS = roles("omu_analyst", "mappa_coordinator", "cjsw",
                            "childrens_social_work")


@dataclass(frozen=True)
class CaseView:
    """What a partner agency's case worker sees of a case, and may record on it.

    They see only the cases their agency takes part in (any other reads as "not found",
    and the refusal is audited); the parts below are left out of what they are shown.
    """

    #: the agency they record for, and whose cases they see
    agency: str
    #: what is known of the neighbours: each candidate's minimum set (its households,
    #: children, adults at risk), the subject check's findings about households,
    #: restrictions on neighbouring allocations, and the notes of other agencies' checks
    #: and comments (which speak of neighbours and intelligence)
    households: bool
    #: the subject's record: their id, the subject check (conditions, exclusion zones,
    #: victim profile, offences and its findings), the lead agency's written responses to
    #: concerns and conflicts, and the conclusion, reasons and adjustments of Part C/D
    subject_record: bool = True
    #: only cases with a candidate property whose landlord (the properties layer's
    #: ``landlord``) is the caller's organisation
    landlord_only: bool = False
    #: the matrix cell of the case steps they take
    label: str = "own cases"

    @property
    def surroundings(self) -> bool:
        """Whether they may record physical checks (3.8): those look at the neighbours
        for signs of the victim profile, so they need both."""
        return self.households and self.subject_record


#: Need to know of each partner agency in a case, the one statement of it (applied by
#: :mod:`geo_era.casework.participation` through the services). Roles not named see a
#: case whole. NASSO 3.7: "Checks on health information would usually only be provided
#: in relation to the offender": the NHS, and likewise SPS (prisoner records) and a
#: support worker (the support package), check the subject and nobody else, so they
#: are shown nothing of the neighbours. Education (SEEMIS), Children & Families and
#: Adult Protection check exactly the neighbours' children and adults at risk, and the
#: victim profile says whom to look for, so they see the case whole, for their own
#: council. A Link Officer checks the property (housing management, tenancy records)
#: and sees neither neighbours nor the subject's record (5.4, 68-71).
CASE_VIEWS: dict[str, CaseView] = {
    "nhs_liaison": CaseView("nhs", households=False, label="own cases, subject only"),
    "sps_icm_coordinator": CaseView("sps", households=False,
                                    label="own cases, subject only"),
    "support_worker": CaseView("support_organisation", households=False,
                               label="own cases, subject only"),
    "education_officer": CaseView("education", households=True,
                                  label="own council, own cases"),
    "childrens_social_work": CaseView("childrens_services", households=True,
                                      label="own council, own cases"),
    "adult_protection_officer": CaseView("adult_protection", households=True,
                                         label="own council, own cases"),
    "rsl_case_officer": CaseView("rsl", households=False, subject_record=False,
                                 landlord_only=True, label="own properties, property only"),
}
assert set(CASE_VIEWS) == PARTNERS
assert all(PARTNER_AGENCIES[r] == v.agency for r, v in CASE_VIEWS.items())


def case_step(allowed: frozenset[str], *, summary: str) -> Access:
    """A case endpoint: audited, and council staff confined to their council's cases."""
    return Access(allowed, audited=True, summary=summary, scoped=True)


def enquiry_step(allowed: frozenset[str], *, summary: str,
                 subject_data: bool = True) -> Access:
    """An enquiry endpoint (NASSO 5.4): audited (every text of an enquiry is
    sensitive); council staff confined to their council's enquiries; a landlord's staff
    to their own organisation's, seen without the subject or the outcome."""
    return Access(allowed, restricted_view=allowed & HOUSING, audited=True,
                  summary=summary, scoped=True, subject_data=subject_data,
                  restricted_label="own organisation, no subject")
def council_records(allowed: frozenset[str], *, summary: str) -> Access:
    """An endpoint of a council's own records about subjects (not a case's): audited,
    council staff and the council's partner officers confined to their council."""
    return Access(allowed, audited=True, summary=summary, scoped=True,
                  partner_cases=False)


MATRIX: dict[str, Access] = {
    "me": Access(ALL, summary="who the token belongs to"),
    # a partner agency sees a candidate's surroundings in its case, and needs no search
    "sites_near": Access(ALL - {"auditor"} - PARTNERS - CONTRACTOR, audited=True,
                         subject_data=False,
                         summary="sites near a property"),
    # never a Link Officer: the minimum set of a void flagged for a sensitive allocation
    # narrows a housed subject's home to a close or an address (issue 17, finding 2)
    "parameters": Access(CASE_READERS, audited=True,
                         summary="the NASSO 3.9 minimum set of a property (its households' "
                                 "facts with a justification)"),
    # never a Link Officer: a yes/no answer for any subject and property is an oracle
    # for where a subject's zones and conditions bite (issue 17, finding 2)
    "check": Access(CASE_READERS, audited=True,
                    summary="a subject against a candidate property"),
    "case_open": case_step(CASE_READERS, summary="open an ERA case"),
    "case_list": case_step(CASE_READERS | PARTNERS, summary="open cases, earliest due"),
    "case_show": case_step(CASE_READERS | PARTNERS, summary="one case in full"),
    "case_assess": case_step(AGENCY_STAFF, summary="(re)assess a candidate property"),
    "case_check": case_step(AGENCY_STAFF | PARTNERS,
                            summary="record a database or physical check"),
    "case_agree": case_step(AGENCY_STAFF | PARTNERS,
                            summary="record the caller's agency's agreement"),
    "case_respond": case_step(AGENCY_STAFF, summary="the lead agency's response to a "
                              "concern or conflict"),
    "case_approve": case_step(AGENCY_STAFF, summary="Part C: approval by the lead agency"),
    "case_decide": case_step(AGENCY_STAFF, summary="Part D: a case conference's decision"),
    "case_consent": case_step(COUNCIL_STAFF,
                              summary="the receiving council's consent (3.13)"),
    "case_restrict": case_step(AGENCY_STAFF,
                               summary="a restriction on a neighbour's allocation (3.12)"),
    "case_extend": case_step(AGENCY_STAFF | roles("mappa_coordinator"),
                             summary="extend a complex case's deadline, or an agency's, "
                                     "with the reason (3.5)"),
    "case_out_of_area": case_step(COUNCIL_STAFF, summary="the placing council's reason for "
                                  "an out-of-area placement (3.13)"),
    "case_plan": case_step(COUNCIL_STAFF, summary="the placing council's risk management "
                           "plan for an out-of-area placement (3.13)"),
    "case_discussion": case_step(COUNCIL_STAFF, summary="a discussion between the placing "
                                 "and receiving councils (3.13)"),
    "case_held": case_step(AGENCY_STAFF, summary="where the full ERA is held (3.3, 3.11)"),
    # NASSO 3.3: the police OMUs record Parts C and D on ViSOR's activity log; ViSOR is
    # the Responsible Authorities' system, and CJSW (the lead agency of a subject on a
    # licence or order, 3.2) records on it for its own council. Housing agency data
    # stays off ViSOR (3.11): no SOLO or landlord; the coordinator and partners read
    # cases but keep no activity log
    "case_visor_extract": case_step(roles("omu_analyst", "cjsw"),
                                    summary="the ViSOR activity-log extract of a decided "
                                            "case: Parts C and D and where the full ERA "
                                            "is held (3.3, 3.11); an audited disclosure"),
    "case_dwelling": case_step(AGENCY_STAFF, summary="what a visit found at a dwelling "
                               "of a candidate's minimum set (3.8, 3.9)"),
    "case_extend_set": case_step(AGENCY_STAFF, summary="extend a candidate's minimum set "
                                 "by risk, with the reason (3.9)"),
    "case_member": case_step(AGENCY_STAFF, summary="add or remove a dwelling of a "
                             "minimum set by hand, with the reason (3.9)"),
    "zone_add": Access(roles("omu_analyst", "mappa_coordinator"), audited=True,
                       summary="record a victim-exclusion zone"),
    "zone_show": Access(CASE_READERS, audited=True, summary="a subject's exclusion zones"),
    "reviews_due": Access(roles("omu_analyst", "mappa_coordinator"), audited=True,
                          summary="subjects due an annual review (3.3)"),
    "reviews_waive": Access(roles("mappa_coordinator"), audited=True,
                            summary="record why no annual review is needed"),
    "audit_export": Access(roles("auditor"), audited=True,
                           summary="the audit trail, with its verification"),
    "import": Access(roles("admin"), audited=True,
                     summary="import reference or restricted layers"),
    "screen": Access(CASE_READERS, audited=True, scoped=True,
                     summary="every void screened and ranked for a subject (5.2, 5.3)"),
    "overconcentration": Access(
        CASE_READERS | LINK, restricted_view=LINK, audited=True, scoped=True,
        restricted_label="published only",
        summary="annual over-concentration report (5.2, 3.13)"),
    "report_geopackage": Access(
        CASE_READERS | LINK, restricted_view=LINK, audited=True, scoped=True,
        restricted_label="published only",
        summary="the over-concentration report's tables as a GeoPackage for GIS (5.2)"),
    "report_placements": Access(
        roles("omu_analyst"), audited=True,
        summary="the internal over-concentration report with the placements as points, "
                "for the OMU's analysts (5.2)"),
    "allocation_check": Access(CASE_READERS | LINK, restricted_view=LINK, audited=True,
                               scoped=True, restricted_label="own voids, flags only",
                               summary="which voids need a sensitive allocation (3.12)"),
    "case_move_in": case_step(AGENCY_STAFF, summary="the subject moved in after a "
                              "manageable Part C or Part D decision"),
    "review_triggers": Access(roles("omu_analyst", "mappa_coordinator"), audited=True,
                              summary="review triggers by subject (3.4)"),
    # enquiries and concerns (NASSO 5.4, 5.2): received by a council's SOLO or a
    # landlord's Link Officer, who see what they raised and never the subject it
    # concerns; the Responsible Authorities record the outcome and the subject
    "enquiry_record": enquiry_step(roles("solo") | HOUSING,
                                   summary="record an enquiry or concern and pass it on "
                                           "(5.4, 5.2)"),
    "enquiry_list": enquiry_step(RESPONSIBLE_AUTHORITIES | HOUSING,
                                 summary="enquiries and concerns, media incidents flagged "
                                         "(5.4)"),
    "enquiry_show": enquiry_step(RESPONSIBLE_AUTHORITIES | HOUSING,
                                 summary="one enquiry or concern (5.4)"),
    "enquiry_confirm": enquiry_step(roles("solo") | HOUSING, subject_data=False,
                                    summary="the 'passed on' confirmation given to the "
                                            "person raising it (5.4)"),
    "enquiry_link": enquiry_step(RESPONSIBLE_AUTHORITIES,
                                 summary="which subject an enquiry concerns (5.4)"),
    "enquiry_outcome": enquiry_step(RESPONSIBLE_AUTHORITIES,
                                    summary="the Responsible Authorities' outcome of an "
                                            "enquiry (5.4)"),
    # Child protection links (Dorset MAPPA procedure §4, §13, §17; NASSO 3.6-3.7, 71):
    # the Responsible Authorities refer and tell Education; the council's Children &
    # Families officers record their checks and what came of a referral, and read the
    # referrals of their council; its Education officers read the notices to Education
    "cp_referral_add": council_records(
        RESPONSIBLE_AUTHORITIES, summary="a referral to child protection on a subject or "
        "case (Dorset §4; NASSO 71)"),
    "cp_referral_outcome": council_records(
        RESPONSIBLE_AUTHORITIES | roles("childrens_social_work"),
        summary="what came of a child protection referral: IRD, investigation, planning "
                "meeting, no further action; the Offender Manager's attendance (§4)"),
    "cp_referral_list": council_records(
        RESPONSIBLE_AUTHORITIES | roles("childrens_social_work"),
        summary="child protection referrals and Children & Families' initial checks"),
    "cp_checks_add": council_records(
        roles("childrens_social_work"), summary="Children & Families' initial checks on "
        "a registered subject they are notified of (§13; NASSO 3.7)"),
    "cp_notice_add": council_records(
        RESPONSIBLE_AUTHORITIES, summary="a notice to the council's nominated Education "
        "contact: a subject living or loitering near a school (§17)"),
    "cp_notice_list": council_records(
        RESPONSIBLE_AUTHORITIES | roles("education_officer"),
        summary="notices to Education"),
    "disclosure_decide": Access(DISCLOSURE_DECIDERS, audited=True, scoped=True,
                                summary="a decision to disclose or not, to whom, what, "
                                        "on whose authority (68, 71; 3.12 restriction "
                                        "wording to a landlord)"),
    "disclosure_made": Access(DISCLOSURE_DECIDERS, audited=True, scoped=True,
                              summary="a disclosure decided was made: an audit "
                                      "disclosure naming its recipient (71)"),
    "disclosure_list": Access(RESPONSIBLE_AUTHORITIES | roles("childrens_social_work"),
                              audited=True, scoped=True,
                              summary="disclosure decisions and Keeping Children Safe "
                                      "applications (71)"),
    "disclosure_kcs": Access(roles("omu_analyst", "mappa_coordinator"), audited=True,
                             summary="a Keeping Children Safe application received "
                                     "(community disclosure scheme)"),
    "disclosure_kcs_outcome": Access(roles("omu_analyst", "mappa_coordinator"),
                                     audited=True,
                                     summary="a Keeping Children Safe application's "
                                             "outcome"),
    # landlord notifications (5.3): the landlord's staff tell, and see what they told
    # and its status; only the Responsible Authorities learn which subject it concerns
    "notice_record": Access(HOUSING, restricted_view=HOUSING, audited=True,
                            subject_data=False, restricted_label="own tenancies, no subject",
                            summary="a Link Officer tells the SOLO of a move, an "
                                    "application, a dispute or possession action (5.3)"),
    "notice_sent": Access(HOUSING, restricted_view=HOUSING, audited=True,
                          subject_data=False, restricted_label="own tenancies, no subject",
                          summary="the landlord's notifications and their status (5.3)"),
    "notice_list": Access(RESPONSIBLE_AUTHORITIES, audited=True, scoped=True,
                          summary="notifications from landlords, new first (5.3); a "
                                  "case's lead agency once its subject has one"),
    "notice_show": Access(RESPONSIBLE_AUTHORITIES, audited=True, scoped=True,
                          summary="one notification from a landlord, received (5.3)"),
    "notice_link": Access(roles("omu_analyst", "solo", "mappa_coordinator"), audited=True,
                          scoped=True, summary="link a landlord's notification to a "
                                               "subject (5.3)"),
    "notice_review": Access(roles("omu_analyst", "solo", "mappa_coordinator"),
                            audited=True, scoped=True,
                            summary="open a review (3.4) of the linked subject's home "
                                    "from a landlord's notification"),
    # staff-safety markers (69-70, 5.3): the Responsible Authorities record, review and
    # read them whole (council staff for their own council); housing staff and the
    # contractor firms named read how to visit safely, never why
    "marker_add": Access(RESPONSIBLE_AUTHORITIES, audited=True, scoped=True,
                         summary="record a staff-safety marker on a property or tenancy "
                                 "(NASSO 69-70, 5.3)"),
    "marker_review": Access(RESPONSIBLE_AUTHORITIES, audited=True, scoped=True,
                            summary="review a staff-safety marker: approve its practical "
                                    "text, set its review date, expiry and owner (69-70)"),
    "marker_list": Access(RESPONSIBLE_AUTHORITIES, audited=True, scoped=True,
                          summary="staff-safety markers in full, with the subject and "
                                  "reason (69-70)"),
    "marker_shared": Access(HOUSING | CONTRACTOR, restricted_view=HOUSING | CONTRACTOR,
                            audited=True, subject_data=False,
                            restricted_label="own stock or firm, instructions only",
                            summary="the current staff-safety instructions on the "
                                    "landlord's homes, or shared with the firm (69-70)"),
    # homelessness and transfers (Dorset MAPPA procedure s19; NASSO 5.2, 3.13): the
    # council's housing duty, recorded by its staff and read by the Responsible
    # Authorities; a Link Officer records a neighbour's application and reads back
    # only their own records, never the subject
    "homeless_present": Access(COUNCIL_STAFF, audited=True, scoped=True,
                               summary="a homeless presentation and the duty owed "
                                       "(Dorset s19, 5.2)"),
    "homeless_place": Access(COUNCIL_STAFF, audited=True, scoped=True,
                             summary="temporary accommodation, screened like a void "
                                     "(Dorset s19, 5.2)"),
    "homeless_advise": Access(COUNCIL_STAFF, audited=True, scoped=True,
                              summary="housing-options advice and the services liaised "
                                      "with (5.2)"),
    "homeless_show": Access(RESPONSIBLE_AUTHORITIES, audited=True, scoped=True,
                            summary="a subject's presentations, temporary accommodation, "
                                    "advice and transfers (Dorset s19, 5.2)"),
    "transfer_request": Access(COUNCIL_STAFF | roles("omu_analyst") | LINK,
                               restricted_view=LINK, audited=True, scoped=True,
                               restricted_label="own records, no subject",
                               summary="a transfer request: the tenant's, the police's, "
                                       "a neighbour's or a family's (Dorset s19)"),
    "transfer_decide": Access(COUNCIL_STAFF, audited=True, scoped=True,
                              summary="a transfer's decision and reasons; a move to "
                                      "another council shared with it (Dorset s19, 5.2, "
                                      "3.13)"),
    "transfer_list": Access(RESPONSIBLE_AUTHORITIES | LINK, restricted_view=LINK,
                            audited=True, scoped=True,
                            restricted_label="own records, no subject",
                            summary="transfer requests, and those into the council "
                                    "(Dorset s19, 5.2)"),
    # a landlord's Link Officer publishes and lets their own stock's voids, told the flags
    # alone; live in screening and allocation checks without a re-import
    "void_publish": Access(LINK, restricted_view=LINK, audited=True, subject_data=False,
                           restricted_label="own voids, flags only",
                           summary="publish a landlord's own voids, live at once (5.3, "
                                   "3.12)"),
    "void_let": Access(LINK, restricted_view=LINK, audited=True, subject_data=False,
                       restricted_label="own voids, flags only",
                       summary="mark a landlord's own voids let (5.3)"),
    "void_live": Access(CASE_READERS | LINK, restricted_view=LINK, audited=True, scoped=True,
                        restricted_label="own voids, flags only",
                        summary="the live voids and why any needs a sensitive allocation "
                                "(5.3, 3.12)"),
    # the annual MAPPA report (1.0) is the Responsible Authorities' to prepare and publish:
    # they and the coordinator have the exact figures, council staff their own council's;
    # a landlord reads the published figures; auditors read the audit trail of who built
    # which report, not the figures
    "report_mappa": Access(CASE_READERS | LINK, restricted_view=LINK, audited=True,
                           scoped=True, restricted_label="published only",
                           summary="annual MAPPA figures, 1 April - 31 March: people "
                                   "managed by category and level, registrations, "
                                   "housing, out-of-area placements (1.0, 3.13)"),
    # OGC API - Features for GIS (QGIS, GDAL): the reference layers, with no household
    # facts, for whoever may look up sites near a property; never the restricted layers
    "ogc_features": Access(ALL - {"auditor"} - PARTNERS - CONTRACTOR, subject_data=False,
                           summary="OGC API - Features: the reference layers (properties "
                                   "without household facts, buildings, sites, streets, "
                                   "areas) for GIS; landing page, conformance, "
                                   "collections"),
    # the assessment of every property against the sites (what 'geo-era proximity'
    # writes: reference data only, counts and distances, so not audited) is the
    # Responsible Authorities' ERA work; a landlord gets the published report only
    "ogc_results": Access(CASE_READERS, subject_data=False,
                          summary="OGC API - Features: assessment results as layers (each "
                                  "property's proximity to the sites of NASSO 3.8)"),
    # management information for the Responsible Authorities (MAPPA guidance §10-11,
    # NASSO 3.1, 3.5): counts and working days, no subject named
    "report_performance": Access(
        CASE_READERS | roles("auditor"), audited=True, scoped=True, subject_data=False,
        summary="ERA performance over a reporting year: within 7/12/21 working days, "
                "agreements, extensions, reviews, triggers (3.3-3.5, 3.11; MAPPA §10-11)"),
}


def _cell(rule: Access, role: str) -> str:
    """What ``role`` gets of an endpoint, in the README's words."""
    if role not in rule.allowed:
        return "—"
    if role in rule.restricted_view:
        return rule.restricted_label
    if rule.scoped and rule.partner_cases and role in CASE_VIEWS:
        return CASE_VIEWS[role].label
    return "own council" if rule.scoped and role in SCOPED_ROLES else "yes"


def matrix_markdown() -> str:
    """The matrix as a Markdown table (printed in the README; a test keeps them equal)."""
    header = "| endpoint | " + " | ".join(ROLES) + " |"
    lines = [header, "|" + "---|" * (len(ROLES) + 1)]
    for name, rule in MATRIX.items():
        cells = [_cell(rule, r) for r in ROLES]
        audited = " (audited)" if rule.audited else ""
        lines.append(f"| `{name}`: {rule.summary}{audited} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


#: Roles that must sign in with a second factor (TOTP) under the default setting
#: (``GEO_ERA_SECOND_FACTOR=subject_data``): every role that has the full view of an
#: audited operation, i.e. may see subjects, cases, zones, placements or the audit trail,
#: or import them (an administrator's upload is the subjects layer itself). Derived from
#: :data:`MATRIX`: a Link Officer gets only restricted views (flags, the published report)
#: and so is not among them unless the setting is ``all``.
SECOND_FACTOR_ROLES = frozenset(
    role for rule in MATRIX.values() if rule.audited and rule.subject_data
    for role in rule.allowed - rule.restricted_view)

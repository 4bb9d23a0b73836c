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
#: Roles confined to the cases of their own organisation (a council).
SCOPED_ROLES = roles("solo", "cjsw")
#: The agency each case-working role records for (NASSO 3.6-3.11): nobody records for
#: another agency.
ROLE_AGENCY = {"omu_analyst": "police_scotland", "cjsw": "cjsw", "solo": "solo"}
LINK = roles("rsl_link_officer")


def case_step(allowed: frozenset[str], *, summary: str) -> Access:
    """A case endpoint: audited, and council staff confined to their council's cases."""
    return Access(allowed, audited=True, summary=summary, scoped=True)


MATRIX: dict[str, Access] = {
    "me": Access(ALL, summary="who the token belongs to"),
    "sites_near": Access(ALL - {"auditor"}, audited=True, subject_data=False,
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
    "case_list": case_step(CASE_READERS, summary="open cases, earliest due"),
    "case_show": case_step(CASE_READERS, summary="one case in full"),
    "case_assess": case_step(AGENCY_STAFF, summary="(re)assess a candidate property"),
    "case_check": case_step(AGENCY_STAFF, summary="record a database or physical check"),
    "case_agree": case_step(AGENCY_STAFF, summary="record the caller's agency's agreement"),
    "case_respond": case_step(AGENCY_STAFF, summary="the lead agency's response to a "
                              "concern or conflict"),
    "case_approve": case_step(AGENCY_STAFF, summary="Part C: approval by the lead agency"),
    "case_decide": case_step(AGENCY_STAFF, summary="Part D: a case conference's decision"),
    "case_consent": case_step(SCOPED_ROLES,
                              summary="the receiving council's consent (3.13)"),
    "case_restrict": case_step(AGENCY_STAFF,
                               summary="a restriction on a neighbour's allocation (3.12)"),
    "case_dwelling": case_step(AGENCY_STAFF, summary="what a visit found at a dwelling "
                               "of a candidate's minimum set (3.8, 3.9)"),
    "case_extend": case_step(AGENCY_STAFF, summary="extend a candidate's minimum set by "
                             "risk, with the reason (3.9)"),
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
    "allocation_check": Access(CASE_READERS | LINK, restricted_view=LINK, audited=True,
                               scoped=True, restricted_label="own voids, flags only",
                               summary="which voids need a sensitive allocation (3.12)"),
}


def matrix_markdown() -> str:
    """The matrix as a Markdown table (printed in the README; a test keeps them equal)."""
    header = "| endpoint | " + " | ".join(ROLES) + " |"
    lines = [header, "|" + "---|" * (len(ROLES) + 1)]
    for name, rule in MATRIX.items():
        cells = [rule.restricted_label if r in rule.restricted_view else
                 ("own council" if r in SCOPED_ROLES and rule.scoped else "yes")
                 if r in rule.allowed else "—" for r in ROLES]
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

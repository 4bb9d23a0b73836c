"""What each role may do and see, written by hand from NASSO (sections 3 and 5) and its
paragraphs 67-78 on information sharing, for the access tests to hold the code to.

This is deliberately not :data:`geo_era.security.access.MATRIX`: a test that reads the
table the code enforces passes whatever the table says. Here each line is a reading of
the strategy, with the paragraph it comes from; the tests fail when the code's table
gives anyone more (or less) than this.

Cells: ``yes`` the whole answer; ``own council`` the whole answer, confined to the
records of the caller's own council; ``own voids, flags only`` a landlord's Link Officer,
for their own organisation's voids, the yes/no flag and nothing of who or why;
``published only`` the report as published, small counts suppressed; ``-`` refused.
``audited``: every call and every refusal leaves an audit entry (DPA 2018 s62, 77).
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("omu_analyst", "cjsw", "solo", "rsl_link_officer", "mappa_coordinator", "auditor",
         "admin")

# endpoint           | omu | cjsw | solo | link | mappa | auditor | admin | audited
TABLE = """
me                   | yes | yes  | yes  | yes  | yes   | yes     | yes   | no
sites_near           | yes | yes  | yes  | yes  | yes   | -       | yes   | yes
parameters           | yes | yes  | yes  | -    | yes   | -       | -     | yes
check                | yes | yes  | yes  | -    | yes   | -       | -     | yes
case_open            | yes | own  | own  | -    | yes   | -       | -     | yes
case_list            | yes | own  | own  | -    | yes   | -       | -     | yes
case_show            | yes | own  | own  | -    | yes   | -       | -     | yes
case_assess          | yes | own  | own  | -    | -     | -       | -     | yes
case_check           | yes | own  | own  | -    | -     | -       | -     | yes
case_agree           | yes | own  | own  | -    | -     | -       | -     | yes
case_respond         | yes | own  | own  | -    | -     | -       | -     | yes
case_approve         | yes | own  | own  | -    | -     | -       | -     | yes
case_decide          | yes | own  | own  | -    | -     | -       | -     | yes
case_consent         | -   | own  | own  | -    | -     | -       | -     | yes
case_restrict        | yes | own  | own  | -    | -     | -       | -     | yes
case_dwelling        | yes | own  | own  | -    | -     | -       | -     | yes
case_extend          | yes | own  | own  | -    | -     | -       | -     | yes
case_member          | yes | own  | own  | -    | -     | -       | -     | yes
zone_add             | yes | -    | -    | -    | yes   | -       | -     | yes
zone_show            | yes | yes  | yes  | -    | yes   | -       | -     | yes
reviews_due          | yes | -    | -    | -    | yes   | -       | -     | yes
reviews_waive        | -   | -    | -    | -    | yes   | -       | -     | yes
audit_export         | -   | -    | -    | -    | -     | yes     | -     | yes
import               | -   | -    | -    | -    | -     | -       | yes   | yes
screen               | yes | own  | own  | -    | yes   | -       | -     | yes
overconcentration    | yes | own  | own  | pub  | yes   | -       | -     | yes
allocation_check     | yes | own  | own  | flag | yes   | -       | -     | yes
"""

#: Why each line reads as it does (the paragraphs of NASSO, or the Data Protection Act).
WHY = {
    "me": "anyone signed in may learn their own role and organisation",
    "sites_near": "schools, parks and shops near a property are public facts; a landlord "
                  "uses them when letting (5.3); an auditor has no need of them. Which "
                  "properties are looked at says where someone may be housed: audited",
    "parameters": "the minimum set (3.9) is the Responsible Authorities' check; with a "
                  "sensitive-allocation flag it would narrow a housed subject's home to a "
                  "close, so a landlord never gets it (5.4: where they are housed is not "
                  "divulged at any time)",
    "check": "a subject against a property is the ERA itself (3.7-3.10), the "
             "Responsible Authorities' work and the MAPPA coordinator's oversight",
    "case_open": "an ERA is opened by the Responsible Authorities (3.2-3.6); council "
                 "staff for their own council; the coordinator convenes MAPPA",
    "case_list": "the cases are the Responsible Authorities' and the coordinator's "
                 "(3.5); council staff see their own council's",
    "case_show": "as case_list",
    "case_assess": "the agencies taking part assess (3.7-3.10)",
    "case_check": "each agency records its own database and physical checks (3.7, 3.8)",
    "case_agree": "each agency agrees or disagrees for itself (3.11)",
    "case_respond": "the lead agency answers in writing every concern and conflict before "
                    "Part C (3.11); the core refuses any other agency",
    "case_approve": "Part C is the lead agency's (3.11): police or CJSW",
    "case_decide": "Part D records a case conference's decision, by the lead agency (3.11)",
    "case_consent": "only the receiving council consents to an out-of-area placement "
                    "(3.13): its own staff",
    "case_restrict": "the Responsible Authorities identify implications for future "
                     "allocations (3.12)",
    "case_dwelling": "the physical checks of the minimum set's households are the "
                     "agencies' (3.8, 3.9), by the best placed agency; a household's "
                     "profile is never a landlord's to see (5.4, 71)",
    "case_extend": "the Responsible Authorities extend the parameters case by case "
                   "depending on the risk (3.9)",
    "case_member": "the set of cottage flats and houses is determined case by case by the "
                   "Responsible Authorities (3.9)",
    "zone_add": "victim-exclusion zones come from police and the MAPPA coordinator (the "
                "licence or order conditions)",
    "zone_show": "zones are victims' information: the Responsible Authorities and the "
                 "coordinator only; never a landlord (5.4, 71)",
    "reviews_due": "annual reviews (3.3) are scheduled by police and the coordinator",
    "reviews_waive": "deciding that no review is needed is the MAPPA coordinator's",
    "audit_export": "the audit trail is read by auditors (DPA 2018 s62)",
    "import": "reference and restricted layers are loaded by the council's administrator",
    "screen": "screening voids for a subject (5.2, 5.3) is the Responsible Authorities' "
              "work; council staff screen their own council's stock",
    "overconcentration": "the annual report (5.2) is the councils' and Responsible "
                         "Authorities'; a landlord reads it as published",
    "allocation_check": "a landlord learns only that a void needs a sensitive allocation "
                        "and to contact the SOLO (3.12, 5.4, 68), for their own stock",
}

CELLS = {"yes": "yes", "own": "own council", "flag": "own voids, flags only",
         "pub": "published only", "-": "-"}


@dataclass(frozen=True)
class Rule:
    """One endpoint of the reference: each role's cell, and whether it is audited."""

    cells: dict[str, str]
    audited: bool

    def allows(self, role: str) -> bool:
        return self.cells[role] != "-"

    def restricted(self, role: str) -> bool:
        """Whether ``role`` gets a restricted view (flags only, published only)."""
        return self.cells[role] in ("own voids, flags only", "published only")

    def confined(self, role: str) -> bool:
        return self.cells[role] == "own council"


def _parse(table: str) -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for line in table.strip().splitlines():
        name, *cells, audited = (c.strip() for c in line.split("|"))
        assert len(cells) == len(ROLES), line
        rules[name] = Rule({r: CELLS[c] for r, c in zip(ROLES, cells, strict=True)},
                           audited == "yes")
    return rules


REFERENCE: dict[str, Rule] = _parse(TABLE)
assert set(REFERENCE) == set(WHY)

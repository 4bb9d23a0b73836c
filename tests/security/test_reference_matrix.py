"""The code's need-to-know table held to the reference written by hand from NASSO
(:mod:`tests.security.reference`), cell by cell: giving a Link Officer household facts on
``parameters``, or zones, or anyone anything more, fails here and in the API's access
tests (tests/api/test_access.py::test_matrix), which send every request by every role.
REQUIREMENTS.md: R71, R84, R95, R98, R103, R104, R125."""

from __future__ import annotations

import pytest

from geo_era.security.access import MATRIX, SCOPED_ROLES
from geo_era.security.users import ROLES
from tests.security.reference import REFERENCE
from tests.security.reference import ROLES as REFERENCE_ROLES


def test_the_reference_names_every_role_and_endpoint() -> None:
    assert REFERENCE_ROLES == ROLES
    assert set(REFERENCE) == set(MATRIX)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(REFERENCE))
def test_each_role_gets_what_the_reference_says(endpoint: str, role: str) -> None:
    rule, code = REFERENCE[endpoint], MATRIX[endpoint]
    assert (role in code.allowed) == rule.allows(role), "who may call it"
    assert (role in code.restricted_view) == rule.restricted(role), "restricted view"
    assert (role in code.allowed and code.scoped and role in SCOPED_ROLES) == \
        rule.confined(role), "confined to their own council"
    assert code.audited == rule.audited, "audited"


def test_a_link_officer_never_reads_subjects_zones_cases_or_households() -> None:
    """Paragraphs 68-71 and 5.4, read directly: whatever else changes, these stay shut
    to a landlord."""
    shut = ("parameters", "check", "case_show", "case_list", "zone_show", "screen",
            "reviews_due", "audit_export")
    assert [e for e in shut if REFERENCE[e].allows("rsl_link_officer")] == []
    assert [e for e in shut if "rsl_link_officer" in MATRIX[e].allowed] == []

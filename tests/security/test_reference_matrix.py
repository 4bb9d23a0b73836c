"""The code's need-to-know table held to the reference written by hand from NASSO
(:mod:`tests.security.reference`), cell by cell: giving a Link Officer household facts on
``parameters``, or zones, or anyone anything more, fails here and in the API's access
tests (tests/api/test_access.py::test_matrix), which send every request by every role.
REQUIREMENTS.md: R71, R84, R95, R98, R103, R104, R125."""

from __future__ import annotations

import pytest

from geo_era.security.access import (
    CASE_VIEWS,
    MATRIX,
    ROLE_AGENCY,
    SCOPED_ROLES,
    SECOND_FACTOR_ROLES,
)
from geo_era.security.users import ROLES
from tests.security.reference import PARTNERS, REFERENCE
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


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(REFERENCE))
def test_partner_agencies_are_confined_to_their_cases(endpoint: str, role: str) -> None:
    """R3, R24: each partner agency of NASSO 3.6 acts only on the cases its agency takes
    part in, and its cell names what it sees of them."""
    rule, code = REFERENCE[endpoint], MATRIX[endpoint]
    confined = (role in code.allowed and code.scoped and code.partner_cases
                and role in CASE_VIEWS and role not in code.restricted_view)
    assert confined == rule.taking_part(role)
    if confined:
        assert CASE_VIEWS[role].label == rule.cells[role]


@pytest.mark.parametrize("role", sorted(PARTNERS))
def test_each_partner_agency_sees_what_nasso_says(role: str) -> None:
    """R3, R24, R28, R29: the NHS (health information only in relation to the offender,
    3.7), SPS and a support worker see nothing of the neighbours; Education, Children &
    Families and Adult Protection check exactly the neighbours; a Link Officer taking
    part sees its own property's cases and nothing of the subject's record."""
    want, view = PARTNERS[role], CASE_VIEWS[role]
    assert (view.agency, view.households, view.subject_record, view.landlord_only) == (
        want.agency, want.households, want.subject_record, want.landlord_only)
    assert ROLE_AGENCY[role] == want.agency


def test_partner_agencies_see_subject_data_so_sign_in_with_a_second_factor() -> None:
    """R3: a partner agency reads cases, which name subjects (a Link Officer's, which
    subject may be housed in its homes): each needs the second factor, as the Responsible
    Authorities do; the flags-only Link Officer still does not."""
    assert set(PARTNERS) <= SECOND_FACTOR_ROLES
    assert "rsl_link_officer" not in SECOND_FACTOR_ROLES

"""Answers of the housing services: void screening for one subject (NASSO 5.2, 5.3) and
the sensitive-allocation check of voids (3.12).

Screening is for the Responsible Authorities only (:data:`~geo_era.security.access.
MATRIX` ``screen``), so it has one audience. The allocation check has two: the full
check with the reasons (:class:`AllocationCheck`, council staff seeing the reasons of
their own council's voids only) and the flags a landlord's Link Officer may be told
(:class:`AllocationFlags`), which declares no subject, reason or household field at all.
Distances are metres; geometry EPSG:27700.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from geo_era.services.answers._base import Answer

Number = int | float


def _absent(value: object) -> bool:
    """Left out of the answer when not given (a field only some records carry)."""
    return value is None


class RowError(Answer):
    """A bad row of a list of voids: its number (1 = the first data row, or the first
    item of a list), the column, the value as written, and what is wrong."""

    row: int
    column: str
    value: str
    problem: str


class Finding(Answer):
    """A hard conflict or a warning of a void, or a note on the whole screening, with its
    evidence (each kind carries its own; a zone's reason and outline are given once,
    under ``zones``)."""

    kind: str
    message: str
    condition: int | None = Field(None, exclude_if=_absent,
                                  description="the number of the order or licence "
                                              "condition")
    condition_type: str | None = Field(None, exclude_if=_absent)
    zone_id: str | None = Field(None, exclude_if=_absent)
    site_id: str | None = Field(None, exclude_if=_absent)
    site_name: str | None = Field(None, exclude_if=_absent)
    category: str | None = Field(None, exclude_if=_absent)
    distance_m: Number | None = Field(None, exclude_if=_absent, description="metres")
    limit_m: Number | None = Field(None, exclude_if=_absent, description="metres")
    area_id: str | None = Field(None, exclude_if=_absent)
    building_id: str | None = Field(None, exclude_if=_absent)
    households_with_children: list[str] | None = Field(None, exclude_if=_absent,
                                                       description="property ids")
    households_unknown: list[str] | None = Field(None, exclude_if=_absent,
                                                 description="property ids")
    victim_profile: str | None = Field(None, exclude_if=_absent)
    properties: list[str] | None = Field(None, exclude_if=_absent,
                                         description="property ids")


class ScreeningCounts(Answer):
    screened: int
    ranked: int
    ruled_out: int
    row_errors: int
    shown: int


class FactorRule(Answer):
    weight: Number
    applies: bool


class Scoring(Answer):
    """How the score is made: the formula, each factor's weight and whether it applies to
    this subject, and the distances (metres) the factors use."""

    formula: str
    factors: dict[str, FactorRule]
    full_credit_walk_m: Number
    nearby_m: Number
    set_size_half_score: Number
    licensed_premises_profiles: list[str]
    walking_network: bool


class Zone(Answer):
    """One of the subject's victim-exclusion zones as screened (GeoJSON, EPSG:27700)."""

    zone_id: str
    zone_reason: str | None
    zone_geometry: dict[str, Any]


class Factor(Answer):
    """One factor of a void: the value behind it, its score (0 least manageable, 1
    most), its weight, whether it applies to the subject, and what the value is."""

    value: Number | None
    unit: str
    score: Number
    weight: Number
    applies: bool
    note: str


class ScreenedVoid(Answer):
    property_id: str
    address: str
    ruled_out: bool
    rank: int | None
    score: Number | None
    reasons: list[Finding]
    warnings: list[Finding]
    factors: dict[str, Factor]


class VoidScreening(Answer):
    """Every void (or the list) screened for one subject, best first: hard conflicts rule
    a void out with the reason; the rest are ranked by a manageability score."""

    subject_id: str
    source: str
    data_version: int
    counts: ScreeningCounts
    scoring: Scoring
    notes: list[Finding]
    zones: list[Zone]
    row_errors: list[RowError]
    voids: list[ScreenedVoid]


class SensitiveBecause(Answer):
    """Why a void needs a sensitive allocation: a subject housed nearby (in its minimum
    set, its building, or at it), or a restriction a case recorded."""

    kind: str
    subject_id: str
    home_property_id: str | None = Field(None, exclude_if=_absent)
    case_id: str | None = Field(None, exclude_if=_absent)
    restriction: str | None = Field(None, exclude_if=_absent)
    message: str


class AllocationCounts(Answer):
    checked: int
    sensitive: int
    row_errors: int
    #: given when any void's reasons are
    housed_subjects: int | None = Field(None, exclude_if=_absent)
    homes_not_in_properties: int | None = Field(None, exclude_if=_absent)


class CheckedVoid(Answer):
    """One void: whether its allocation is sensitive, the flag, and why (absent for a
    void of another council than a council officer's own)."""

    property_id: str
    address: str
    sensitive_allocation: bool
    flag: str | None
    sensitive_because: list[SensitiveBecause] | None = Field(
        None, exclude_if=_absent, description="absent for another council's void")


class AllocationCheck(Answer):
    """Which voids need a sensitive allocation, and why (NASSO 3.12)."""

    source: str
    data_version: int
    counts: AllocationCounts
    row_errors: list[RowError]
    voids: list[CheckedVoid]


class FlagCounts(Answer):
    checked: int
    sensitive: int
    row_errors: int


class DisclosedRestriction(Answer):
    """The wording of an allocation restriction on a void, disclosed to its landlord by
    a recorded decision (3.12): the decision's reference and the wording."""

    reference: str = Field(description="the disclosure decision, DIS-000042")
    wording: str


class FlaggedVoid(Answer):
    property_id: str
    address: str
    sensitive_allocation: bool
    flag: str | None
    disclosed: list[DisclosedRestriction] | None = Field(
        None, exclude_if=_absent,
        description="restriction wordings disclosed to the caller's landlord for this "
                    "void by a recorded decision (3.12); absent otherwise")


class AllocationFlags(Answer):
    """Which voids need a sensitive allocation, as a landlord may be told: the flag
    ("sensitive allocation required - contact the SOLO") and nothing of who or why."""

    source: str
    data_version: int
    counts: FlagCounts
    row_errors: list[RowError]
    voids: list[FlaggedVoid]

"""Typed answers of the case services (NASSO 3.2-3.13): the case list entry and the
whole case.

The Responsible Authorities' case workers and the MAPPA coordinator read cases
(:data:`geo_era.security.access.CASE_READERS`) whole; a partner agency of NASSO 3.6 reads
the same model with what its need to know leaves out removed or withheld
(:data:`geo_era.security.access.CASE_VIEWS`, applied by
:func:`geo_era.casework.participation.case_view`). Dates are ISO 8601 (``YYYY-MM-DD``);
the moments things were recorded are kept as the text the case store gives (ISO 8601 with
the UTC offset), exactly as every door has always printed them.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, JsonValue

from geo_era.services.answers._base import Answer

CaseType = Literal["initial_new", "initial_resident", "annual_review"]
CaseStatus = Literal["open", "approved", "not_approved", "decided"]


class OutOfArea(Answer):
    """An out-of-area placement (NASSO 3.13): who places, who receives, and whether the
    receiving authority's consent is recorded."""

    placing_authority: str
    receiving_authority: str
    consent_recorded: bool


class Extension(Answer):
    """An extension of a deadline for a complex case (NASSO 3.5): from which date to
    which, why, and who granted it."""

    agency: str | None = Field(description="the agency whose deadline moved; None for the "
                                           "case's overall deadline")
    previous_due: dt.date = Field(description="the deadline before")
    new_due: dt.date = Field(description="the deadline after")
    reason: str
    granted_as: str = Field(description="the lead agency or mappa_coordinator")
    recorded_by: str
    recorded_at: str


class AgencyDeadline(Answer):
    """An agency's extended deadline: the original and each extension."""

    original_due: dt.date
    extensions: list[Extension]


class Recorded(Answer):
    """Who recorded a part of an out-of-area placement, for which council, and when."""

    authority: str | None
    recorded_by: str | None
    recorded_at: str


class PlacementReason(Recorded):
    """The placing council's reason for placing out of area (3.13)."""

    ground: str | None = Field(description="no_manageable_housing, risk_in_placing_area "
                                           "or other")
    ground_text: str
    details: str | None


class RiskPlan(Recorded):
    """The plan to manage the associated risk (3.13, R67)."""

    plan: str


class Discussion(Recorded):
    """A discussion between the placing and receiving councils (3.13, R68)."""

    held_on: dt.date | None
    participants: str | None
    agreed: str


class OutOfAreaRecord(Answer):
    """All an out-of-area placement records (3.13): the councils, the receiving one's
    consent, the reason, the current risk management plan (earlier ones kept) and the
    discussions between the councils."""

    placing_authority: str
    receiving_authority: str
    consent: Recorded | None
    reason: PlacementReason | None
    plan: RiskPlan | None
    earlier_plans: list[RiskPlan]
    discussions: list[Discussion]


class EraHeld(Answer):
    """Where the full ERA is held (3.3, 3.11)."""

    system: str
    reference: str
    agency: str
    recorded_by: str
    recorded_at: str


class MoveInRecord(Answer):
    """A move in recorded after the case's decision (NASSO 3.11, 3.13)."""

    property_id: str
    moved_in_on: dt.date
    part: Literal["C", "D"]
    recorded_by: str
    recorded_at: str


class CaseSummary(Answer):
    """One case as the case list shows it."""

    case_id: str = Field(description="the case reference, e.g. ERA-000042")
    subject_id: str = Field(description="the subject's pseudonymous id; a text saying it "
                                        "is withheld for a Link Officer taking part")
    case_type: CaseType
    lead_agency: str = Field(description="police_scotland, or cjsw for a subject on a "
                                         "licence or order (NASSO 3.2)")
    authority: str | None = Field(description="the council the case belongs to")
    status: CaseStatus
    notified: dt.date
    due: dt.date = Field(description="the overall deadline in clear working days (3.5)")
    original_due: dt.date = Field(description="the overall deadline 3.5 gave when the "
                                              "case was opened, before any extension")
    extensions: list[Extension] = Field(description="each extension of the overall "
                                                    "deadline, oldest first (3.5)")
    overdue: bool = Field(description="the current deadline (due) has passed")
    awaiting_move_in: bool = Field(
        False, description="decided manageable (Part C or D) and no move in recorded yet: "
                           "the case stays in hand until the subject moves in (3.11)")
    properties: list[str] = Field(description="the candidate property ids")
    out_of_area: OutOfArea | None


class AgencyPart(Answer):
    """An agency taking part (3.6): its deadline and whether it agrees (3.11)."""

    agency: str
    added_because: str | None = Field(
        description="why the agency takes part: the lead agency, a Responsible Authority, "
                    "named on opening, or the subject's victim profile includes children "
                    "(Children & Families and Education, added automatically); None on "
                    "cases opened before it was recorded")
    due: dt.date = Field(description="the agency's deadline in clear working days (3.5): "
                                     "the SOLO's, or the other agencies'")
    overdue: bool
    agrees: bool | None = Field(description="None while the agency has not said")
    comments: str | None
    recorded_by: str | None
    recorded_at: str | None


class CheckRecord(Answer):
    """A database check (3.7) or a physical check (3.8) of one candidate property and
    its outcome."""

    agency: str
    property_id: str | None = Field(
        description="the candidate property checked; None for a case-wide check recorded "
                    "before checks were per property, which satisfies no approval")
    kind: Literal["database", "physical"]
    item: str = Field(description="the checklist item code of the system checked (3.7), "
                                  "or the site category (physical, 3.8)")
    outcome: Literal["clear", "concern", "not_applicable"]
    notes: str | None
    recorded_by: str
    recorded_at: str


class Assessment(Answer):
    """The assessment of one candidate property: what was around it when assessed, from
    which reference data (sites with straight-line and walking distances in metres,
    EPSG:27700; the minimum set; the subject check). None until it is assessed."""

    property_id: str
    assessed_at: str | None
    snapshot: dict[str, JsonValue] | None = Field(
        description="radius_m, data_version, layers (their versions), proximity, "
                    "minimum_set and check, as the assessment recorded them")


class RestrictionRecord(Answer):
    """A restriction on future allocations of a neighbouring property (3.12)."""

    restriction_id: int | None = Field(None, description="what a decision to disclose "
                                                         "its wording to the landlord "
                                                         "names")
    property_id: str
    restriction: str
    recorded_by: str
    recorded_at: str


class ResponseRecord(Answer):
    """The lead agency's written response to a concern or a hard conflict of one
    candidate property (3.11)."""

    property_id: str
    to: str = Field(description="the concern's check item code, or the conflict's key "
                                "(zone:<zone_id>, condition:<number>)")
    response: str
    agency: str
    recorded_by: str
    recorded_at: str


class DecisionRecord(Answer):
    """Part C (the lead agency's approval) or Part D (a case conference's decision)."""

    part: Literal["C", "D"]
    property_id: str
    manageable: bool
    conclusion: str
    reasons: str
    adjustments: str | None = Field(
        description="monitoring and supervision adjustments (3.11), if any")
    agency: str
    conference_on: dt.date | None = Field(description="Part D: the case conference")
    recorded_by: str
    recorded_at: str


class DwellingRecord(Answer):
    """What a visit found at one dwelling of a candidate property's minimum set (NASSO
    3.8, 3.9): per occupant for shared accommodation."""

    property_id: str = Field(description="the candidate property whose set it is")
    dwelling_id: str
    occupant: str | None = Field(description="shared accommodation: which occupant")
    outcome: Literal["fits_profile", "does_not_fit", "nobody_home"]
    notes: str | None
    seen_on: dt.date
    children: bool | None = Field(description="children in the household, as seen")
    adult_at_risk: bool | None = Field(description="an adult at risk, as seen")
    agency: str
    recorded_by: str
    recorded_at: str


class SetChangeRecord(Answer):
    """An extension of a candidate's minimum set (by metres or rings) or a dwelling
    added or removed by hand, with the reason (NASSO 3.9)."""

    property_id: str
    change: Literal["extend", "add", "remove"]
    dwelling_id: str | None
    metres: float | None
    rings: int | None
    reason: str
    agency: str
    recorded_by: str
    recorded_at: str


class ExtensionInForce(SetChangeRecord):
    """The extension in force on a candidate's set."""

    assessed: bool = Field(description="whether the stored assessment includes it")


class KnownHousehold(Answer):
    """A household of the set as known now: from the records, or from the visits."""

    children: bool | None
    adult_at_risk: bool | None
    known_from: Literal["records", "visit"]


class SetMember(Answer):
    """One dwelling of a candidate's set as it stands, and where its visits stand."""

    dwelling_id: str
    address: str | None
    source: Literal["minimum", "extension", "added"]
    reason: str
    shared: bool
    occupants: int | None
    state: Literal["no outcome", "revisit", "fits profile", "does not fit"]
    outcomes: list[DwellingRecord]
    household: KnownHousehold


class MinimumSetRecord(Answer):
    """A candidate's minimum set as it stands (NASSO 3.9): its dwellings with their
    outcomes, those removed by hand, and the extension in force."""

    property_id: str
    error: str | None
    members: list[SetMember]
    removed: list[SetChangeRecord]
    extension: ExtensionInForce | None


class CaseRecord(CaseSummary):
    """The whole case: agencies and deadlines, checks, assessments, restrictions and
    decisions."""

    agencies: list[AgencyPart]
    checks: list[CheckRecord]
    assessments: list[Assessment]
    restrictions: list[RestrictionRecord]
    responses: list[ResponseRecord]
    decisions: list[DecisionRecord]
    out_of_area_record: OutOfAreaRecord | None = Field(
        description="what an out-of-area placement records (3.13); None otherwise")
    era_held: EraHeld | None = Field(description="where the full ERA is held (3.3, 3.11)")
    agency_deadlines: dict[str, AgencyDeadline] = Field(
        description="per agency whose deadline was extended: its original and extensions")
    dwellings: list[DwellingRecord] = Field(
        default=[], description="every dwelling outcome recorded, oldest first")
    set_changes: list[SetChangeRecord] = Field(
        default=[], description="every extension and change by hand, oldest first")
    minimum_sets: list[MinimumSetRecord] = Field(
        default=[], description="each candidate's set as it stands (NASSO 3.9)")
    moves_in: list[MoveInRecord] = Field(
        default=[], description="the subject's move in after the decision: the placement "
                                "history it wrote")


class CaseAck(Answer):
    """What a change to a case answers when it is made without a justification: that it
    was recorded, and nothing of the case (issue 17, finding 5). Giving the
    justification answers with the whole case (:class:`CaseRecord`) instead, as reading
    it with ``show`` would."""

    case_id: str = Field(description="the case reference, e.g. ERA-000042")
    recorded: str = Field(description="what was recorded, e.g. 'case_agree'")
    status: CaseStatus
    due: dt.date = Field(description="the overall deadline in clear working days (3.5)")
    note: str = Field(default="recorded; give a justification to have the whole case "
                              "in the answer, or read it with show")


class MovedIn(Answer):
    """A subject's recorded move in to a property after a manageable Part C or Part D
    decision: the placement history and the subject's current address now follow it."""

    case_id: str = Field(description="the case whose decision the move follows")
    subject_id: str = Field(description="the subject's pseudonymous id")
    property_id: str = Field(description="the property moved in to, now their address")
    moved_in_on: dt.date
    part: Literal["C", "D"] = Field(description="the decision the move follows")
    out_of_area: OutOfArea | None = Field(
        description="for an out-of-area placement (NASSO 3.13): the authorities and "
                    "whether the receiving authority's consent was recorded on the case")
    previous_recorded_property_id: str | None = Field(
        description="the subject's previous recorded move, ended by this one (a "
                    "placement imported from the layers ends too)")
    recorded_by: str
    recorded_at: str

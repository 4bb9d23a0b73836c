"""A signed-in user's start page (issue 19, item 1): their open cases, earliest due
first (the overdue ones come first, their deadline having passed), what their agency
still has to record on them, and, for the roles the matrix lets see them, the subjects
due a review or needing an ERA (NASSO 3.3), the media incidents among the enquiries and
concerns still open (5.4), the notifications from landlords (5.3) and the staff-safety
markers the caller owns that are due a review (69-70).

Everything is read through the services that own need to know and audit: the case
list (:func:`geo_era.services.casework.list_cases`, one consultation of every case
listed) and the due list (:func:`geo_era.services.records.reviews_due`, one
consultation of the subjects listed), the enquiries
(:func:`geo_era.services.enquiries.list_enquiries`, media incidents with no outcome) and
the notifications from landlords (:func:`geo_era.services.notices.list_notices`, one
consultation of those listed), each with the caller's justification (the
purpose of the session). What the agency has still to record concerns only cases the
list has just shown (:mod:`geo_era.casework.worklist`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from geo_era.casework import worklist
from geo_era.security.access import MATRIX, ROLE_AGENCY
from geo_era.services import casework, enquiries, live_voids, markers, notices, records
from geo_era.services.answers.casework import CaseSummary
from geo_era.services.answers.enquiries import EnquiryLine
from geo_era.services.answers.live_voids import LiveVoid, LiveVoids
from geo_era.services.answers.markers import Marker
from geo_era.services.answers.notices import Notice
from geo_era.services.answers.records import ReviewDue
from geo_era.services.context import Services
from geo_era.services.policy import Caller


@dataclass(frozen=True)
class StartView:
    """What a start page shows."""

    cases: list[CaseSummary]
    #: the agency the caller records for (None for a role that records for none)
    agency: str | None
    #: case reference -> what the caller's agency has still to record on it
    waiting: dict[str, list[str]] = field(default_factory=dict)
    #: the due list (3.3), or None for a role that may not see it
    reviews: list[ReviewDue] | None = None
    #: media incidents with no outcome yet (NASSO 5.4: the Responsible Authorities
    #: liaise about any incident reported in the media), or None for a role that does
    #: not see enquiries whole
    media_incidents: list[EnquiryLine] | None = None
    #: notifications from landlords (5.3), new and unlinked first, or None for a role
    #: that may not see them
    notices: list[Notice] | None = None
    #: the caller's own staff-safety markers due a review (NASSO 69-70), or None for a
    #: role that records none
    markers_due: list[Marker] | None = None
    #: a SOLO's council's voids published by landlords that need a sensitive allocation
    #: or were approved as manageable, with the reasons (NASSO 5.3, 3.12); None for
    #: other roles
    flagged_voids: list[LiveVoid] | None = None

    @property
    def overdue(self) -> list[CaseSummary]:
        return [c for c in self.cases if c.overdue]


def may(caller: Caller, endpoint: str) -> bool:
    """Whether the caller's role may use ``endpoint`` (the matrix, for what to show)."""
    return caller.role in MATRIX[endpoint].allowed


def start_view(services: Services, caller: Caller, *, justification: str | None,
               today: dt.date | None = None) -> StartView:
    """The caller's start page: the case list and the due list as the caller may see
    them, each audited by its service; refused (as those are) without a
    justification."""
    cases = casework.list_cases(services, caller, justification=justification, today=today)
    cases.sort(key=lambda c: (not c.overdue, c.due))
    agency = ROLE_AGENCY.get(caller.role)
    waiting = (worklist.waiting_for(services.engine, agency, [c.case_id for c in cases],
                                    checklists=services.settings.database_checks)
               if agency else {})
    reviews = (records.reviews_due(services, caller, justification=justification,
                                   today=today)
               if may(caller, "reviews_due") else None)
    rule = MATRIX["enquiry_list"]
    media = (enquiries.list_enquiries(services, caller, justification=justification,
                                      media_only=True, open_only=True)
             if caller.role in rule.allowed - rule.restricted_view else None)
    told = (notices.list_notices(services, caller, justification=justification)
            if may(caller, "notice_list") else None)
    due_markers = (markers.markers_due(services, caller, justification=justification,
                                       today=today)
                   if may(caller, "marker_list") else None)
    flagged = None
    if caller.role == "solo":
        found = live_voids.list_live(services, caller, justification=justification,
                                     flagged_only=True, published_only=True)
        flagged = found.voids if isinstance(found, LiveVoids) else None
    return StartView(cases, agency, waiting, reviews,
                     media_incidents=[m for m in media if isinstance(m, EnquiryLine)]
                     if media is not None else None,
                     notices=told, markers_due=due_markers, flagged_voids=flagged)

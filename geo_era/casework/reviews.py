"""Annual reviews (NASSO 3.3), review triggers (3.4), and weeding under the retention
policy (3.11).

Annual review is needed, unless the Responsible Authorities record why not, for:

1. MAPPA levels 2 and 3;
2. MAPPA level 1 with high or very high risk;
3. a Sexual Offences Prevention Order or Risk of Sexual Harm Order (``sopo_or_rsho``);
4. contact offences against children or adults at risk (``contact_offence_against``);
5. any other subject flagged for one (``review_flagged``).

A subject meeting a criterion falls due on their *renewal date*: a review period (12
months, shorter by risk with the ``review_months`` setting) after their last completed
ERA of any type (a Part C or Part D decision), moved on a period by each recorded
waiver; the review is due within 21 clear working days of that date (3.5). Anyone
without a completed ERA, or living somewhere other than their last ERA's property, needs
an ERA ("era_required").

A review *trigger* (3.4) is listed by subject and kind (:mod:`geo_era.casework.triggers`):
a hard conflict at a housed subject's home now, a housed subject never assessed at their
home, a change in the environment since the last assessment (a site of a physical-check
category now within the radius that was not, one gone, a change in the minimum set), a
neighbouring household now recorded with children or an adult at risk, and a new
condition or exclusion zone of the subject's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from itertools import pairwise
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from geo_era import clock
from geo_era.casework.placements import subjects_now
from geo_era.casework.refresh import Refresh, refresh_homes
from geo_era.casework.workdays import TIMESCALES, add_working_days
from geo_era.db.store import (
    Case,
    Decision,
    PlacementMove,
    ReviewWaiver,
    WeedingRecord,
    session_scope,
)
from geo_era.errors import DataError, NotFoundError
from geo_era.housing.homelessness import weed_homelessness
from geo_era.security.audit import Actor
from geo_era.workspace import Workspace

CRITERIA = {
    "mappa_level_2_or_3": "managed at MAPPA level 2 or 3",
    "level_1_high_risk": "MAPPA level 1 and high or very high risk",
    "sopo_or_rsho": "subject to a SOPO or RSHO",
    "contact_offence": "contact offences against children or adults at risk",
    "flagged": "flagged by the Responsible Authorities for an annual review",
}


def review_criteria(subjects: pd.DataFrame) -> pd.Series:
    """Per subject (index: subject_id), the NASSO 3.3 criteria it meets (a list)."""
    frame = subjects.set_index(subjects["subject_id"].astype(str))
    level = frame.get("mappa_level", pd.Series(pd.NA, index=frame.index)).astype("Float64")
    risk = frame.get("risk_level", pd.Series(pd.NA, index=frame.index)).astype("string")

    def flag(column: str) -> pd.Series:
        values = frame.get(column, pd.Series(pd.NA, index=frame.index))
        return values.astype("boolean").fillna(False).astype(bool)

    contact = frame.get("contact_offence_against",
                        pd.Series(pd.NA, index=frame.index)).astype("string").fillna("")
    tests = {
        "mappa_level_2_or_3": level.isin([2, 3]).fillna(False).astype(bool),
        "level_1_high_risk": ((level == 1) & risk.isin(["high", "very_high"])
                              ).fillna(False).astype(bool),
        "sopo_or_rsho": flag("sopo_or_rsho"),
        "contact_offence": contact.str.contains("children|adults_at_risk").astype(bool),
        "flagged": flag("review_flagged"),
    }
    met = pd.DataFrame(tests)
    return met.apply(lambda row: [c for c in CRITERIA if row[c]], axis=1)


def reviews_due(subjects: pd.DataFrame, engine: Engine, *, actor: Actor,
                today: dt.date | None = None, within_days: int = 0,
                review_months: Mapping[str, int] | None = None) -> list[dict[str, Any]]:
    """The reviews and ERAs falling due (NASSO 3.3, 3.5), one entry per subject.

    A subject's last completed ERA is their latest case of any type with a Part C or
    Part D decision (its date is the decision's). Their *renewal date* is that date plus
    their review period (12 months, or fewer by ``review_months``: see
    :func:`review_period_months`), moved on by each recorded waiver (see
    :func:`renewal_date`); ``due`` is 21 clear working days after the renewal date
    (:func:`geo_era.casework.workdays.add_working_days`). A subject meeting a 3.3
    criterion is listed when the renewal date is past or within ``within_days`` days of
    ``today``: ``overdue`` once ``due`` has passed, ``due`` before. Anyone assessed
    within their period is never listed.

    Any subject with no completed ERA (a new registration: the ``registered_on`` of the
    subjects layer, when given, is shown with it), or housed at a property
    other than their last completed ERA's (a change of address; the address follows the
    moves recorded in the case store, :func:`geo_era.casework.placements.subjects_now`),
    is listed as
    ``era_required`` with no renewal date (3.3: an ERA on initial registration and any
    subsequent change of address).

    Consulting the subjects' records needs a justification and is audited as one
    consultation of the subjects listed."""
    actor.require_justification("the subjects due a review")
    if within_days < 0:
        raise DataError(f"the look-ahead is a number of days from today, 0 or more; got "
                        f"{within_days}")
    today = today or clock.today()
    subjects = subjects_now(subjects, engine)  # addresses follow the recorded moves
    criteria = review_criteria(subjects)
    frame = subjects.set_index(subjects["subject_id"].astype(str))
    with session_scope(engine) as session:
        last = _last_completed(session)
        waivers: dict[str, list[dt.date]] = {}
        for waiver in session.scalars(select(ReviewWaiver).order_by(ReviewWaiver.recorded_on)):
            waivers.setdefault(waiver.subject_id, []).append(waiver.recorded_on)
        open_reviews = dict(session.execute(
            select(Case.subject_id, func.min(Case.id)).where(
                Case.status == "open", Case.case_type == "annual_review"
            ).group_by(Case.subject_id)).all())
        due = []
        for key, row in frame.iterrows():
            subject_id = str(key)
            entry = _entry(subject_id, row, criteria[subject_id], last.get(subject_id),
                           waivers.get(subject_id, []), today=today,
                           horizon=today + dt.timedelta(days=within_days),
                           review_months=review_months or {})
            if entry is not None:
                case = open_reviews.get(subject_id)
                entry["open_case"] = None if case is None else f"ERA-{case:06d}"
                due.append(entry)
        due.sort(key=lambda d: (STATUS_ORDER[d["status"]], d["due"] or dt.date.max,
                                d["subject_id"]))
        actor.record(session, operation="consultation", record_type="subject",
                     record_ids=[d["subject_id"] for d in due])
    return due


#: The order of the due list: overdue reviews first, then due ones, then ERAs required.
STATUS_ORDER = {"overdue": 0, "due": 1, "era_required": 2}


def _last_completed(session: Session) -> dict[str, tuple[dt.date, str, str]]:
    """Per subject, their last completed ERA: (decision date, property decided on, case
    reference), the latest Part C or Part D decision of any case type."""
    rows = session.execute(
        select(Case.subject_id, Decision.recorded_at, Decision.property_id, Case.id)
        .join(Decision, Decision.case_id == Case.id)
        .order_by(Decision.recorded_at, Decision.id)).all()
    return {subject: (at.date(), property_id, f"ERA-{case:06d}")
            for subject, at, property_id, case in rows}


def review_period_months(row: pd.Series, review_months: Mapping[str, int]) -> int:
    """A subject's review period in months: 12, or the shortest ``review_months`` gives
    for their risk level (``low`` .. ``very_high``) or MAPPA level (``mappa_1`` ..
    ``mappa_3``)."""
    keys = []
    risk, level = row.get("risk_level"), row.get("mappa_level")
    if isinstance(risk, str):
        keys.append(risk)
    if level is not None and not pd.isna(level):
        keys.append(f"mappa_{int(level)}")
    return min([12, *(review_months[k] for k in keys if k in review_months)])


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus calendar months (31 January + 1 month is the last day of February)."""
    return (pd.Timestamp(day) + pd.DateOffset(months=months)).date()


def renewal_date(last_era: dt.date, months: int, waivers: Sequence[dt.date]) -> dt.date:
    """The renewal date: the last completed ERA plus ``months``, moved on by each waiver
    recorded since that ERA (in date order). A waiver recorded on or before the renewal
    date waives that review: the renewal moves on by one period. One recorded after it
    (a late decision not to review) sets the renewal one period after the waiver."""
    renewal = add_months(last_era, months)
    for waived in sorted(waivers):
        if waived >= last_era:
            renewal = add_months(max(renewal, waived), months)
    return renewal


def _entry(subject_id: str, row: pd.Series, met: list[str],
           last: tuple[dt.date, str, str] | None, waivers: Sequence[dt.date], *,
           today: dt.date, horizon: dt.date, review_months: Mapping[str, int]
           ) -> dict[str, Any] | None:
    """A subject's line of the due list, or None when nothing falls due."""
    entry: dict[str, Any] = {"subject_id": subject_id, "criteria": met,
                             "why": "; ".join(CRITERIA[c] for c in met),
                             "last_era": None, "renewal_date": None, "due": None,
                             "period_months": None}
    home = row.get("current_property_id")
    home = str(home) if isinstance(home, str) and home else None
    registered = row.get("registered_on")
    if registered is not None and not pd.isna(registered):
        entry["registered_on"] = pd.Timestamp(registered).date()
    if last is None:
        return {**entry, "status": "era_required",
                "why": (f"registered on {entry['registered_on'].isoformat()} with no "
                        "completed ERA (an ERA is needed on initial registration)"
                        if "registered_on" in entry else
                        "no completed ERA (a new registration needs one)")}
    decided, property_id, reference = last
    entry["last_era"] = {"case_id": reference, "decided_on": decided,
                         "property_id": property_id}
    if home is not None and home != property_id:
        return {**entry, "status": "era_required",
                "why": f"living at {home}, not at {property_id} where the last completed "
                       f"ERA ({reference}) placed them: a change of address needs an ERA"}
    if not met:
        return None
    months = review_period_months(row, review_months)
    renewal = renewal_date(decided, months, waivers)
    if renewal > horizon:
        return None
    due = add_working_days(renewal, TIMESCALES["annual_review"][2])
    return {**entry, "renewal_date": renewal, "due": due, "period_months": months,
            "waived": sum(1 for w in waivers if w >= decided),
            "status": "overdue" if due < today else "due"}


#: The fewest characters the reasons for not reviewing may have (3.3: "justifiable and
#: defensible").
WAIVER_MIN_CHARS = 20


def waiver_reasons(text: str) -> str:
    """The reasons for not reviewing as recorded (trimmed); refused when they are too
    short to be reasons (fewer than :data:`WAIVER_MIN_CHARS` characters)."""
    if len(text.strip()) < WAIVER_MIN_CHARS:
        raise DataError("record the reasons in full (3.3 asks for justifiable and "
                        "defensible reasons); a few words are not enough")
    return text.strip()


def waive_review(engine: Engine, subject_id: str, *, justification: str, actor: Actor,
                 today: dt.date | None = None) -> dict[str, Any]:
    """Record the Responsible Authorities' reasons for not reviewing (3.3)."""
    reasons = waiver_reasons(justification)
    today = today or clock.today()
    with session_scope(engine) as session:
        session.add(ReviewWaiver(subject_id=subject_id, justification=reasons,
                                 recorded_by=actor.username, recorded_on=today))
        actor.record(session, operation="collection", record_type="subject",
                     record_ids=[subject_id])
    return {"subject_id": subject_id, "waived_on": today.isoformat(),
            "by": actor.username}


def review_triggers(workspace: Workspace, engine: Engine, *, actor: Actor,
                    radius_m: float = 400.0,
                    progress: Callable[[int, int], object] | None = None) -> Refresh:
    """Housed subjects whose surroundings changed since their last assessment: every
    housed subject's home refreshed at once (:func:`geo_era.casework.refresh.refresh_homes`,
    ``radius_m`` metres, EPSG:27700) and compared with its last assessment; the triggers
    are ``.triggers``. ``progress`` is called with the number of subjects done and the
    number of subjects, after each step.

    The triggers are listed by subject and kind (:mod:`geo_era.casework.triggers`);
    homes follow the moves recorded in the case store. The list names subjects and
    their homes: it is audited as one consultation of the subjects it names (with the
    actor's justification, if any)."""
    if not workspace.store.has("subjects"):
        raise NotFoundError("no subjects layer is loaded; import subjects to find reviews")
    snap = workspace.snapshot()
    total = len(snap.subjects)
    refresh = refresh_homes(snap, engine, radius_m=radius_m, progress=None if progress is None
                            else lambda done: progress(min(done, total), total))
    with session_scope(engine) as session:
        actor.record(session, operation="consultation", record_type="subject",
                     record_ids=list(dict.fromkeys(t["subject_id"]
                                                   for t in refresh.triggers)))
    return refresh


def weed(engine: Engine, *, retention_days: dict[str, int], actor: Actor,
         today: dt.date | None = None) -> list[dict[str, Any]]:
    """Delete closed cases, ended recorded placements and review waivers past retention;
    log counts, not content.

    ``retention_days`` maps ``cases`` (closed cases, from their closing),
    ``placements`` (recorded moves, from the day the subject moved on: the next move's
    date) and ``waivers`` to days kept. Open cases and a subject's latest recorded move
    are never weeded.
    """
    today = today or clock.today()
    unknown = set(retention_days) - set(_WEEDERS)
    if unknown:
        raise DataError(f"no retention rule for {', '.join(sorted(unknown))}; "
                        f"rules exist for {', '.join(_WEEDERS)}")
    report = []
    with session_scope(engine) as session:
        for record_type, days in sorted(retention_days.items()):
            if days < 0:
                raise DataError(f"retention for {record_type} cannot be negative")
            cutoff = today - dt.timedelta(days=days)
            erased = _WEEDERS[record_type](session, cutoff)
            if erased:
                actor.record(session, operation="erasure", record_type=record_type,
                             record_ids=erased)
            session.add(WeedingRecord(record_type=record_type, count=len(erased),
                                      retention_days=days, cutoff=cutoff))
            report.append({"record_type": record_type, "weeded": len(erased),
                           "retention_days": days, "cutoff": cutoff.isoformat()})
    return report


def _weed_cases(session: Session, cutoff: dt.date) -> list[str]:
    """Closed cases closed before ``cutoff``, with all their record; their references."""
    cutoff_at = dt.datetime.combine(cutoff, dt.time(), tzinfo=dt.UTC)
    doomed = list(session.scalars(select(Case).where(
        Case.status != "open", Case.closed_at.is_not(None), Case.closed_at < cutoff_at)))
    for case in doomed:
        session.delete(case)  # cascades to its record; a recorded move keeps its reference
    return [c.reference for c in doomed]


def _weed_placements(session: Session, cutoff: dt.date) -> list[str]:
    """Recorded moves that ended (the subject moved on) before ``cutoff``."""
    moves = list(session.scalars(select(PlacementMove).order_by(
        PlacementMove.subject_id, PlacementMove.moved_in_on, PlacementMove.id)))
    doomed = [move for move, after in pairwise(moves)
              if after.subject_id == move.subject_id and after.moved_in_on < cutoff]
    for move in doomed:
        session.delete(move)
    return [f"placement-{m.id}" for m in doomed]


def _weed_waivers(session: Session, cutoff: dt.date) -> list[str]:
    """Review waivers recorded before ``cutoff``."""
    expired = list(session.scalars(select(ReviewWaiver).where(
        ReviewWaiver.recorded_on < cutoff)))
    for waiver in expired:
        session.delete(waiver)
    return [f"waiver-{w.id}" for w in expired]


#: The retention rules: record type -> what deletes its records past a cutoff.
_WEEDERS: dict[str, Callable[[Session, dt.date], list[str]]] = {
    "cases": _weed_cases, "placements": _weed_placements, "waivers": _weed_waivers,
    "homelessness": weed_homelessness}

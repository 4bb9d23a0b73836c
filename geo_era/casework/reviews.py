"""Annual reviews (NASSO 3.3), review triggers (3.4), and weeding under the retention
policy (3.11).

Annual review is needed, unless the Responsible Authorities record why not, for:

1. MAPPA levels 2 and 3;
2. MAPPA level 1 with high or very high risk;
3. a Sexual Offences Prevention Order or Risk of Sexual Harm Order (``sopo_or_rsho``);
4. contact offences against children or adults at risk (``contact_offence_against``);
5. any other subject flagged for one (``review_flagged``).

A subject is *due* when a criterion holds and neither an annual-review case nor a
recorded waiver falls in the last 12 months.

A review *trigger* is a change in the environment of a housed subject's home since its
last assessment: a site of a physical-check category now within the radius that was
not (a new play park within 400 m), one gone, or a change in the minimum set.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select

from geo_era.casework.refresh import Refresh, refresh_homes
from geo_era.db.store import Case, ReviewWaiver, WeedingRecord, session_scope
from geo_era.errors import DataError, NotFoundError
from geo_era.security.audit import Actor
from geo_era.workspace import Workspace

CRITERIA = {
    "mappa_level_2_or_3": "managed at MAPPA level 2 or 3",
    "level_1_high_risk": "MAPPA level 1 and high or very high risk",
    "sopo_or_rsho": "subject to a SOPO or RSHO",
    "contact_offence": "contact offences against children or adults at risk",
    "flagged": "flagged by the Responsible Authorities for an annual review",
}
REVIEW_PERIOD = dt.timedelta(days=365)


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
                today: dt.date | None = None) -> list[dict[str, Any]]:
    """Subjects needing an annual review now, with the criteria they meet. Consulting
    the subjects' records needs a justification and is audited."""
    actor.require_justification("the subjects due a review")
    today = today or dt.date.today()
    since = today - REVIEW_PERIOD
    criteria = review_criteria(subjects)
    with session_scope(engine) as session:
        reviewed = set(session.scalars(select(Case.subject_id).where(
            Case.case_type == "annual_review", Case.notified_on > since)))
        waived = {w.subject_id: w for w in session.scalars(
            select(ReviewWaiver).where(ReviewWaiver.recorded_on > since))}
        due = _due(criteria, reviewed, waived)
        actor.record(session, operation="consultation", record_type="subject",
                     record_ids=[d["subject_id"] for d in due])
    return due


def _due(criteria: pd.Series, reviewed: set[str], waived: dict[str, ReviewWaiver]
         ) -> list[dict[str, Any]]:
    due = []
    for subject_id, met in criteria.items():
        if not met or subject_id in reviewed:
            continue
        entry: dict[str, Any] = {"subject_id": subject_id, "criteria": met,
                                 "why": "; ".join(CRITERIA[c] for c in met)}
        if subject_id in waived:
            w = waived[subject_id]
            entry["waived"] = {"justification": w.justification, "by": w.recorded_by,
                               "on": w.recorded_on.isoformat()}
            continue
        due.append(entry)
    return due


def waive_review(engine: Engine, subject_id: str, *, justification: str, actor: Actor,
                 today: dt.date | None = None) -> dict[str, Any]:
    """Record the Responsible Authorities' reasons for not reviewing (3.3)."""
    if len(justification.strip()) < 20:
        raise DataError("record the reasons in full (3.3 asks for justifiable and "
                        "defensible reasons); a few words are not enough")
    today = today or dt.date.today()
    with session_scope(engine) as session:
        session.add(ReviewWaiver(subject_id=subject_id, justification=justification.strip(),
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

    The list names subjects and their homes: it is audited as one consultation of the
    subjects it names (with the actor's justification, if any)."""
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
    """Delete closed cases and review waivers past retention; log counts, not content.

    ``retention_days`` maps ``cases`` (closed cases, from their closing) and ``waivers``
    to days kept. Open cases are never weeded.
    """
    today = today or dt.date.today()
    unknown = set(retention_days) - {"cases", "waivers"}
    if unknown:
        raise DataError(f"no retention rule for {', '.join(sorted(unknown))}; "
                        "rules exist for cases and waivers")
    report = []
    with session_scope(engine) as session:
        for record_type, days in sorted(retention_days.items()):
            if days < 0:
                raise DataError(f"retention for {record_type} cannot be negative")
            cutoff = today - dt.timedelta(days=days)
            if record_type == "cases":
                cutoff_at = dt.datetime.combine(cutoff, dt.time(), tzinfo=dt.UTC)
                doomed = list(session.scalars(select(Case).where(
                    Case.status != "open", Case.closed_at.is_not(None),
                    Case.closed_at < cutoff_at)))
                for case in doomed:
                    session.delete(case)  # cascades to its record
                count = len(doomed)
                erased = [c.reference for c in doomed]
            else:
                expired = list(session.scalars(select(ReviewWaiver).where(
                    ReviewWaiver.recorded_on < cutoff)))
                for waiver in expired:
                    session.delete(waiver)
                count = len(expired)
                erased = [f"waiver-{w.id}" for w in expired]
            if erased:
                actor.record(session, operation="erasure", record_type=record_type,
                             record_ids=erased)
            session.add(WeedingRecord(record_type=record_type, count=count,
                                      retention_days=days, cutoff=cutoff))
            report.append({"record_type": record_type, "weeded": count,
                           "retention_days": days, "cutoff": cutoff.isoformat()})
    return report

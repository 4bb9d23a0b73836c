"""ERA performance over a reporting year (NASSO 3.3-3.5, 3.11, 5.3; MAPPA guidance §10-11;
R126, R131): internal management information for the MAPPA coordinator, the Strategic
Oversight Group and the auditors. OFFICIAL-SENSITIVE; counts and working days only, no
subject or case named.

The reporting year ``YYYY`` runs from 1 April ``YYYY-1`` to 31 March ``YYYY``. Figures
are read from the case store as it stands (cases weeded under the retention policy are
not counted), as at the end of the year or today, whichever is earlier (``as_at``).

Measures, with their rules:

- **ERAs completed** (``timeliness*``): a case is completed on the day of its Part C
  approval or Part D decision (the date in Europe/London of the decision's recording). Its
  working days are :func:`~geo_era.casework.workdays.working_days_between` the
  notification and that day (clear working days: the notification day is not counted,
  weekends and Scottish public holidays are not counted); it is *within* when they are
  no more than its type's timescale (:data:`~geo_era.casework.workdays.TIMESCALES`:
  initial_new 7, initial_resident 12, annual_review 21), *late* otherwise; ``late_extended``
  are the late ones decided by a deadline extended before the decision. By type, by lead
  agency and by council (the case's council, where the candidate property lies), with
  the median and the 90th percentile of the working days (linear interpolation between
  the ordered values, :meth:`pandas.Series.quantile`).
- **ERAs not completed** (``outstanding``): cases notified by ``as_at`` and not completed
  by then, by type, and how many were past their deadline in force on ``as_at``.
- **Agencies' agreement** (``agreements``): each agency's recorded agreement or
  disagreement (3.11), by the day it was recorded, in working days from the case's
  notification; ``on_time`` when recorded by the agency's deadline in force (after any
  extension of it). Only the latest recording of an agency on a case is kept by the store.
- **Extensions** (``extensions``): deadline extensions granted in the year (3.5), by whose
  deadline (the case's or an agency's) and who granted it, with the working days added.
- **Annual reviews** (``reviews``, ``waivers``): a subject meeting a 3.3 criterion (as the
  subjects layer records them now) falls due for review 21 clear working days after the
  renewal date following each completed ERA (its review period, moved on by each waiver
  recorded before the next completed ERA: :func:`geo_era.casework.reviews.renewal_date`).
  A review is *due in the year* when that due date is in it, *done on time* when the
  subject's next completed ERA (of any type) is on or before it, *done late* when after it
  (by ``as_at``), *overdue* when not done by ``as_at`` and *not yet due* otherwise. Waivers
  are those recorded in the year, by the criterion the subject meets.
- **Triggers** (``triggers``): the landlord notifications of 5.3 recorded in the year (the
  stored triggers of 3.4), received, acted on (linked to a subject or a review opened
  from them) and with a review opened.

What the store does not hold is said in :attr:`Performance.notes` rather than estimated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from geo_era import clock
from geo_era.casework.reviews import CRITERIA, renewal_date, review_criteria, review_period_months
from geo_era.casework.workdays import CASE_TYPES, TIMESCALES, add_working_days, working_days_between
from geo_era.db.store import (
    Case,
    CaseAgency,
    DeadlineExtension,
    Decision,
    LandlordNotification,
    ReviewWaiver,
    session_scope,
)
from geo_era.errors import DataError

MARKING = "OFFICIAL-SENSITIVE"
#: The earliest reporting year accepted (1 April 1999 to 31 March 2000); geo_era's case
#: store holds nothing older.
FIRST_YEAR = 2000
#: Where a case's dates are read: the recorded times are UTC, the working day is Scotland's.
LONDON = clock.SCOTLAND
#: How a case without a recorded council is shown.
NO_COUNCIL = "(not recorded)"

#: What each table holds, in the report's order (file stem -> title).
TITLES: dict[str, str] = {
    "timeliness": "ERAs completed within the timescale, by type",
    "timeliness_by_agency": "ERAs completed within the timescale, by lead agency",
    "timeliness_by_council": "ERAs completed within the timescale, by council",
    "outstanding": "ERAs not completed at the end of the year (or today), by type",
    "agreements": "Agencies' agreement (3.11), working days from notification",
    "extensions": "Deadline extensions granted (3.5)",
    "reviews": "Annual reviews due in the year (3.3, 3.5), by council",
    "waivers": "Annual reviews waived in the year (3.3), by the criterion met",
    "triggers": "Landlord notifications (5.3) raised and acted on",
}

TIMELINESS_COLUMNS = ("timescale_days", "completed", "within", "late", "late_extended",
                      "median_days", "p90_days")


@dataclass(frozen=True)
class Period:
    """A reporting year: ``year`` ends on 31 March ``year`` and starts on 1 April of the
    year before; ``as_at`` is the day figures are read as at (the end, or today)."""

    year: int
    start: dt.date
    end: dt.date
    as_at: dt.date

    @property
    def label(self) -> str:
        return f"1 April {self.year - 1} to 31 March {self.year}"

    def holds(self, day: dt.date | None) -> bool:
        return day is not None and self.start <= day <= self.end


def reporting_year(year: int, *, today: dt.date | None = None) -> Period:
    """The reporting year ending 31 March ``year``; refused (a :class:`DataError` saying
    which years may be asked for) before :data:`FIRST_YEAR` or when it has not started."""
    today = today or clock.today()
    latest = today.year + 1 if today >= dt.date(today.year, 4, 1) else today.year
    if not FIRST_YEAR <= year <= latest:
        raise DataError(f"year {year} is not a reporting year geo_era can report on: give "
                        f"the year in which it ends on 31 March, from {FIRST_YEAR} to "
                        f"{latest} (the current one, 1 April {latest - 1} to 31 March "
                        f"{latest})")
    end = dt.date(year, 3, 31)
    return Period(year, dt.date(year - 1, 4, 1), end, min(end, today))


@dataclass(frozen=True)
class Performance:
    """The ERA performance of one council (or all, ``authority`` None) over a reporting
    year: its tables (file stem -> table, :data:`TITLES`) and the notes on what they
    measure and what cannot be measured."""

    period: Period
    authority: str | None
    tables: dict[str, pd.DataFrame]
    notes: list[str]
    fictional: bool
    generated: dt.datetime = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0))
    marking: str = MARKING

    @property
    def scope_label(self) -> str:
        return self.authority or "all councils"


def local_day(moment: dt.datetime) -> dt.date:
    """The day in Scotland of a recorded time (stored as UTC; naive from SQLite)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(LONDON).date()


# --- reading the store ---------------------------------------------------------------


def known_authority(authority: str, names: Iterable[str]) -> str:
    """``authority`` as the councils ``names`` spell it (case and spaces aside), or a
    :class:`DataError` saying how to find a council's name."""
    for name in names:
        if _same(authority)(name):
            return name
    raise DataError(f"no council called {authority!r} is known (neither in the areas layer "
                    "nor on any case); give the council's name as the areas layer spells "
                    "it, e.g. 'City of Edinburgh', or leave the authority out for all "
                    "councils")


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _same(authority: str) -> Callable[[str], bool]:
    """Whether a council name recorded on a record is ``authority`` (case and spaces
    aside)."""
    wanted = _key(authority)
    return lambda name: _key(str(name)) == wanted


def case_councils(engine: Engine) -> list[str]:
    """The councils named on cases (sorted)."""
    with session_scope(engine) as session:
        return sorted({a for a in session.scalars(select(Case.authority).distinct())
                       if a})


def _frame(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(columns))


def _cases(session: Session) -> pd.DataFrame:
    """One row per case: its type, lead agency, council, notification and deadline, and
    the day of its first decision (None while undecided)."""
    decided = dict(session.execute(
        select(Decision.case_id, Decision.recorded_at).order_by(Decision.id.desc())).all())
    extended = {c for c in session.scalars(select(DeadlineExtension.case_id).where(
        DeadlineExtension.agency.is_(None)))}
    rows = [{"case_id": c.id, "subject_id": c.subject_id, "case_type": c.case_type,
             "lead_agency": c.lead_agency, "council": c.authority or NO_COUNCIL,
             "notified_on": c.notified_on, "due_on": c.due_on,
             "decided_on": local_day(decided[c.id]) if c.id in decided else None,
             "extended": c.id in extended}
            for c in session.scalars(select(Case).order_by(Case.id))]
    return _frame(rows, ["case_id", "subject_id", "case_type", "lead_agency", "council",
                         "notified_on", "due_on", "decided_on", "extended"])


# --- the measures ----------------------------------------------------------------------


def _quantile(days: pd.Series, q: float) -> float:
    """The ``q`` quantile of working days (linear interpolation), to one decimal; NaN
    when none were measured."""
    return round(float(days.quantile(q)), 1) if len(days) else float("nan")


def _timeliness_row(group: pd.DataFrame, case_type: str) -> dict[str, Any]:
    scale = TIMESCALES[case_type][2]
    days = group["days"].astype(float)
    late = group[group["days"] > scale]
    late_extended = late[late["extended"] & (late["decided_on"] <= late["due_on"])]
    return {"timescale_days": scale, "completed": len(group),
            "within": int((group["days"] <= scale).sum()), "late": len(late),
            "late_extended": len(late_extended),
            "median_days": _quantile(days, 0.5), "p90_days": _quantile(days, 0.9)}


def timeliness(completed: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """ERAs completed within their type's timescale, by case type and the columns ``by``
    (every type listed when ``by`` is empty, only those with a completed case
    otherwise)."""
    rows = []
    if not by:
        for case_type in CASE_TYPES:
            group = completed[completed["case_type"] == case_type]
            rows.append({"case_type": case_type, **_timeliness_row(group, case_type)})
    else:
        for keys, group in completed.groupby([*by, "case_type"], sort=True):
            *values, kind = keys
            rows.append({**dict(zip(by, values, strict=True)), "case_type": kind,
                         **_timeliness_row(group, str(kind))})
    return _typed(_frame(rows, [*by, "case_type", *TIMELINESS_COLUMNS]))


def outstanding(cases: pd.DataFrame, period: Period) -> pd.DataFrame:
    """ERAs notified by ``as_at`` and not completed by then, by type: how many, and how
    many past their deadline in force (after any extension) on ``as_at``."""
    waiting = cases[(cases["notified_on"] <= period.as_at) & cases["decided_on"].map(
        lambda day: day is None or day > period.as_at).astype(bool)]
    rows = [{"case_type": kind, "timescale_days": TIMESCALES[kind][2],
             "not_completed": int((waiting["case_type"] == kind).sum()),
             "overdue": int(((waiting["case_type"] == kind)
                             & (waiting["due_on"] < period.as_at)).sum())}
            for kind in CASE_TYPES]
    return _typed(_frame(rows, ["case_type", "timescale_days", "not_completed", "overdue"]))


def _typed(table: pd.DataFrame) -> pd.DataFrame:
    """Counts as integers and working days as floats (NaN where nothing was measured)."""
    for column in table.columns:
        if column.startswith(("median_", "p90_")):
            table[column] = table[column].astype(float)
        elif column not in ("case_type", "council", "lead_agency", "agency", "deadline",
                            "granted_as", "criterion", "kind", "meaning"):
            table[column] = table[column].astype("int64")
    return table


def _agreements(session: Session, cases: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Agencies' agreements recorded in the year on the cases given, by agency."""
    notified = dict(zip(cases["case_id"], cases["notified_on"], strict=True))
    rows = []
    for row in session.scalars(select(CaseAgency).where(CaseAgency.recorded_at.is_not(None))):
        if row.case_id not in notified or row.recorded_at is None or row.agrees is None:
            continue
        day = local_day(row.recorded_at)
        if period.holds(day):
            rows.append({"agency": row.agency, "agrees": row.agrees,
                         "days": working_days_between(notified[row.case_id], day),
                         "on_time": day <= row.due_on})
    frame = _frame(rows, ["agency", "agrees", "days", "on_time"])
    out = [{"agency": agency, "recorded": len(group),
            "agreed": int(group["agrees"].astype(bool).sum()),
            "disagreed": int((~group["agrees"].astype(bool)).sum()),
            "on_time": int(group["on_time"].astype(bool).sum()),
            "late": int((~group["on_time"].astype(bool)).sum()),
            "median_days": _quantile(group["days"].astype(float), 0.5),
            "p90_days": _quantile(group["days"].astype(float), 0.9)}
           for agency, group in frame.groupby("agency", sort=True)]
    return _typed(_frame(out, ["agency", "recorded", "agreed", "disagreed", "on_time",
                               "late", "median_days", "p90_days"]))


def _extensions(session: Session, cases: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Extensions granted in the year on the cases given, by whose deadline and who
    granted them."""
    lead = dict(zip(cases["case_id"], cases["lead_agency"], strict=True))
    rows = [{"deadline": "case" if e.agency is None else e.agency,
             "granted_as": ("mappa_coordinator" if e.granted_as == "mappa_coordinator"
                            else "lead agency" if e.granted_as == lead[e.case_id]
                            else e.granted_as),
             "case_id": e.case_id,
             "days": working_days_between(e.previous_due, e.new_due)}
            for e in session.scalars(select(DeadlineExtension))
            if e.case_id in lead and period.holds(local_day(e.recorded_at))]
    frame = _frame(rows, ["deadline", "granted_as", "case_id", "days"])
    out = [{"deadline": deadline, "granted_as": granted, "extensions": len(group),
            "cases": group["case_id"].nunique(),
            "median_days_added": _quantile(group["days"].astype(float), 0.5)}
           for (deadline, granted), group in frame.groupby(["deadline", "granted_as"],
                                                           sort=True)]
    return _typed(_frame(out, ["deadline", "granted_as", "extensions", "cases",
                               "median_days_added"]))


def _triggers(session: Session, period: Period, authority: str | None) -> pd.DataFrame:
    """Landlord notifications recorded in the year (for the council, when one is given),
    by kind: raised, received, acted on (linked or a review opened), review opened."""
    rows = [{"kind": n.kind, "received": n.received_at is not None,
             "acted_on": n.subject_id is not None or n.case_reference is not None,
             "review_opened": n.case_reference is not None}
            for n in session.scalars(select(LandlordNotification))
            if period.holds(local_day(n.recorded_at))
            and (authority is None or _same(authority)(n.authority or ""))]
    frame = _frame(rows, ["kind", "received", "acted_on", "review_opened"])
    out = [{"kind": kind, "raised": len(group),
            **{c: int(group[c].astype(bool).sum())
               for c in ("received", "acted_on", "review_opened")}}
           for kind, group in frame.groupby("kind", sort=True)]
    return _typed(_frame(out, ["kind", "raised", "received", "acted_on", "review_opened"]))


@dataclass(frozen=True)
class _Reviews:
    """The subjects' completed ERAs (day, council) and waivers (day), by subject."""

    completed: dict[str, list[tuple[dt.date, str]]]
    waivers: dict[str, list[dt.date]]


def _review_history(session: Session, cases: pd.DataFrame) -> _Reviews:
    done = cases[cases["decided_on"].notna()].sort_values(["decided_on", "case_id"])
    completed: dict[str, list[tuple[dt.date, str]]] = {}
    for subject, decided, council in zip(done["subject_id"], done["decided_on"],
                                         done["council"], strict=True):
        completed.setdefault(str(subject), []).append((decided, str(council)))
    waivers: dict[str, list[dt.date]] = {}
    for waiver in session.scalars(select(ReviewWaiver).order_by(ReviewWaiver.recorded_on)):
        waivers.setdefault(waiver.subject_id, []).append(waiver.recorded_on)
    return _Reviews(completed, waivers)


def _outcome(next_done: dt.date | None, due: dt.date, as_at: dt.date) -> str:
    if next_done is not None and next_done <= due:
        return "done_on_time"
    if next_done is not None and next_done <= as_at:
        return "done_late"
    return "overdue" if due < as_at else "not_yet_due"


REVIEW_OUTCOMES = ("done_on_time", "done_late", "overdue", "not_yet_due")


def _reviews(history: _Reviews, subjects: pd.DataFrame, period: Period,
             review_months: Mapping[str, int], authority: str | None) -> pd.DataFrame:
    """Reviews falling due in the year, by council (the council of the completed ERA the
    review follows) and outcome."""
    criteria = review_criteria(subjects)
    frame = subjects.set_index(subjects["subject_id"].astype(str))
    rows = []
    for key, row in frame.iterrows():
        subject = str(key)
        if not criteria[subject]:
            continue
        months = review_period_months(row, review_months)
        done = history.completed.get(subject, [])
        for k, (decided, council) in enumerate(done):
            following = done[k + 1][0] if k + 1 < len(done) else None
            waived = [w for w in history.waivers.get(subject, [])
                      if decided <= w and (following is None or w < following)]
            due = add_working_days(renewal_date(decided, months, waived),
                                   TIMESCALES["annual_review"][2])
            if period.holds(due) and (authority is None or _same(authority)(council)):
                rows.append({"council": council,
                             "outcome": _outcome(following, due, period.as_at)})
    table = _frame(rows, ["council", "outcome"])
    out = [{"council": council, "due": len(group),
            **{o: int((group["outcome"] == o).sum()) for o in REVIEW_OUTCOMES}}
           for council, group in table.groupby("council", sort=True)]
    return _typed(_frame(out, ["council", "due", *REVIEW_OUTCOMES]))


def _waiver_council(done: list[tuple[dt.date, str]], waived: dt.date) -> str:
    """The council of the subject's last completed ERA on or before the waiver."""
    before = [council for day, council in done if day <= waived]
    return before[-1] if before else NO_COUNCIL


def _waivers(history: _Reviews, subjects: pd.DataFrame | None, period: Period,
             authority: str | None) -> pd.DataFrame:
    """Waivers recorded in the year by the 3.3 criterion the subject meets now (a subject
    meeting several counts under each; ``all`` counts each waiver once)."""
    criteria = review_criteria(subjects) if subjects is not None else pd.Series(dtype=object)
    counts = dict.fromkeys([*CRITERIA, "none_now", "unknown"], 0)
    total = 0
    for subject, days in history.waivers.items():
        for day in days:
            council = _waiver_council(history.completed.get(subject, []), day)
            if not period.holds(day) or (authority is not None
                                         and not _same(authority)(council)):
                continue
            total += 1
            if subjects is None or subject not in criteria.index:
                counts["unknown"] += 1
                continue
            for criterion in criteria[subject] or ["none_now"]:
                counts[criterion] += 1
    meaning = {**CRITERIA, "none_now": "meets no criterion now",
               "unknown": "not in the subjects layer (or no subjects layer)",
               "all": "every waiver, once"}
    rows = [{"criterion": c, "meaning": meaning[c], "waivers": n}
            for c, n in [*counts.items(), ("all", total)]]
    return _typed(_frame(rows, ["criterion", "meaning", "waivers"]))


NOTES = [
    "An ERA is completed on the day of its Part C approval or Part D decision (Europe/"
    "London). Working days are clear working days from the notification (for an annual "
    "review, the renewal date) to that day: the notification day is not counted, nor "
    "weekends or Scottish public holidays. Within means no more than the type's timescale "
    "(initial_new 7, initial_resident 12, annual_review 21); late_extended counts the late "
    "ones decided by a deadline extended for them (NASSO 3.5).",
    "Medians and 90th percentiles interpolate linearly between the ordered values and are "
    "given to one decimal.",
    "Agreements: the store keeps only each agency's latest recording on a case; an agency "
    "that changed its view is counted once, on the day of its last recording. On time "
    "means by the agency's deadline in force, after any extension.",
    "Extension reasons are free text and carry no recorded category: extensions are "
    "grouped by whose deadline was extended and who granted it, not by reason.",
    "Waiver reasons are free text and carry no recorded category: waivers are grouped by "
    "the NASSO 3.3 criterion the subject meets now, and placed in the council of the "
    "subject's last completed ERA before the waiver.",
    "Review triggers of NASSO 3.4 found by the refresh of homes (a new conflict, a change "
    "of environment or household, a new condition or zone) are worked out when asked and "
    "not stored: how many were raised and acted on in the year cannot be measured. The "
    "triggers table counts the landlord notifications of 5.3, which are stored.",
    "ERAs not completed are judged against each case's deadline as it stands now (an "
    "extension recorded after the end of the year counts).",
    "Cases weeded under the retention policy are not counted; councils are the case's "
    "(where its candidate property lies).",
]

NO_SUBJECTS = ("No subjects layer is loaded: the reviews due, done and overdue cannot be "
               "worked out (they need each subject's NASSO 3.3 criteria and review "
               "period), and waivers are not placed by criterion.")


def performance(engine: Engine, *, year: int, authority: str | None = None,
                subjects: pd.DataFrame | None = None,
                review_months: Mapping[str, int] | None = None,
                councils: Iterable[str] = (), today: dt.date | None = None) -> Performance:
    """The ERA performance of the reporting year ending 31 March ``year``, for the council
    ``authority`` (a name as the areas layer ``councils`` or a case spells it) or for all
    councils (None).

    ``subjects`` (the subjects layer) gives each subject's 3.3 criteria and review period
    (``review_months``, as ``GEO_ERA_REVIEW_MONTHS``); without it the reviews due cannot
    be worked out and the notes say so. Reads only; the caller audits the reading.

    Raises
    ------
    DataError
        A year that is not a reporting year (before 2000, or not started), an unknown
        council.
    """
    period = reporting_year(year, today=today)
    if authority is not None:
        authority = known_authority(authority, [*councils, *case_councils(engine)])
    with session_scope(engine) as session:
        cases = _cases(session)
        history = _review_history(session, cases)
        mine = cases if authority is None else \
            cases[cases["council"].map(_same(authority)).astype(bool)]
        done = mine[mine["decided_on"].map(period.holds).astype(bool)].copy()
        done["days"] = [working_days_between(n, d) for n, d in
                        zip(done["notified_on"], done["decided_on"], strict=True)]
        tables = {"timeliness": timeliness(done),
                  "timeliness_by_agency": timeliness(done, ["lead_agency"]),
                  "timeliness_by_council": timeliness(done, ["council"]),
                  "outstanding": outstanding(mine, period),
                  "agreements": _agreements(session, mine, period),
                  "extensions": _extensions(session, mine, period)}
        if subjects is not None:
            tables["reviews"] = _reviews(history, subjects, period, review_months or {},
                                         authority)
        tables["waivers"] = _waivers(history, subjects, period, authority)
        tables["triggers"] = _triggers(session, period, authority)
    subject_ids = [*cases["subject_id"].astype(str), *history.waivers]
    return Performance(period, authority, tables,
                       NOTES if subjects is not None else [*NOTES, NO_SUBJECTS],
                       fictional=any(s.startswith("FICTIONAL") for s in subject_ids))

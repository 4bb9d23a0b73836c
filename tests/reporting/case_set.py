"""A small FICTIONAL case set for the ERA performance report (R126, R131), built through
the casework core on chosen days (the clock set with ``time_machine``), and the figures
it must give, worked by hand from the calendar (not from geo_era's working-day code).

Scottish public holidays met below: Mon 4 Aug 2025 (summer bank holiday; Mon 25 Aug is
England's, a working day in Scotland), Mon 1 Dec 2025 (St Andrew's Day, Sun 30 Nov,
observed), Thu 25 and Fri 26 Dec 2025, Thu 1 and Fri 2 Jan 2026. Reporting year 2026:
1 April 2025 to 31 March 2026; the reports are made on 1 May 2026 (as at 31 March 2026).

====  ================  =====  =========  ========================  =====================
case  type              lead   council    notified -> decided       working days
====  ================  =====  =========  ========================  =====================
C9    initial_new       pol    Abermoray  Thu 20 Mar -> Tue 25 Mar  before the year
C10   initial_new       pol    Abermoray  Mon 13 Jan -> Mon 20 Jan  before the year
C11   initial_new       pol    Baldour    Mon 13 Jan -> Mon 20 Jan  before the year
C1    initial_new       pol    Abermoray  Thu 31 Jul -> Tue 12 Aug  7 (within)
C8    initial_resident  pol    Baldour    Mon 18 Aug -> Tue 2 Sep   11 (within)
C2    initial_new       pol    Abermoray  Mon 24 Nov -> Fri 5 Dec   8 (late, extended)
C3    initial_resident  cjsw   Baldour    Mon 15 Dec -> Tue 6 Jan   12 (within; Part D)
C4    annual_review     pol    Baldour    Mon 2 Mar -> Tue 31 Mar   21 (within)
C5    annual_review     pol    Baldour    Mon 2 Mar -> Wed 1 Apr    after the year
C6    annual_review     pol    Abermoray  Mon 2 Jun, open           not completed
====  ================  =====  =========  ========================  =====================

- C1: Fri 1 Aug (1), [Mon 4 Aug], Tue 5 (2), Wed 6 (3), Thu 7 (4), Fri 8 (5), Mon 11 (6),
  Tue 12 (7). Its Part C is recorded at 23:30 UTC on Mon 11 Aug, which is 00:30 on Tue
  12 Aug in Scotland (BST): the day counted is the 12th.
- C8: Tue 19 (1), Wed 20 (2), Thu 21 (3), Fri 22 (4), Mon 25 (5), Tue 26 (6), Wed 27 (7),
  Thu 28 (8), Fri 29 (9), Mon 1 Sep (10), Tue 2 (11).
- C2: Tue 25 (1), Wed 26 (2), Thu 27 (3), Fri 28 (4), [Mon 1 Dec], Tue 2 (5), Wed 3 (6),
  Thu 4 (7: the deadline), Fri 5 (8). Its deadline was extended by one working day to
  Fri 5 Dec on Thu 4 Dec by the lead agency (police): late, but decided by the extension.
- C3: Tue 16 (1), Wed 17 (2), Thu 18 (3), Fri 19 (4), Mon 22 (5), Tue 23 (6), Wed 24 (7),
  [25, 26], Mon 29 (8), Tue 30 (9), Wed 31 (10), [1, 2 Jan], Mon 5 (11), Tue 6 (12).
- C4: Tue 3 .. Fri 6 Mar (4), 9-13 (9), 16-20 (14), 23-27 (19), Mon 30 (20), Tue 31 (21).

Agreements (working days from notification; agency deadlines from notification: SOLO 2,
others 5 for initial_new, 10 for initial_resident, 21 for an annual review):

- C1 police and SOLO agree Tue 5 Aug: 2 days (SOLO due Tue 5 Aug, police Fri 8 Aug: on
  time).
- C8 police and SOLO agree Tue 2 Sep: 11 days (SOLO due Wed 20 Aug, police Mon 1 Sep:
  both late).
- C2 police and SOLO agree Wed 3 Dec: 6 days (SOLO due Wed 26 Nov, police Tue 2 Dec: both
  late; only the case's deadline was extended).
- C3 police disagrees Fri 19 Dec: 4 days (due Wed 31 Dec, on time); CJSW and SOLO agree
  Mon 22 Dec: 5 days (CJSW due Wed 31 Dec; the SOLO's Wed 17 Dec, extended on Wed 17 Dec
  by the MAPPA coordinator by 3 working days, Thu 18 (1), Fri 19 (2), Mon 22 (3): on
  time).
- C4 police and SOLO agree Mon 30 Mar: 20 days (due Tue 31 Mar: on time).
- C9, C10, C11 agreed before the year, C5 on Wed 1 Apr 2026 (after it): not counted.

Annual reviews (subjects layer; review periods: 12 months, 6 for very high risk):

- S8 (level 1, very high risk: 6 months): C8 decided Tue 2 Sep 2025, renewal Mon 2 Mar
  2026, due 21 working days later, Tue 31 Mar 2026 (as C4's count): in the year; C4
  decided Tue 31 Mar: done on time (Baldour, C8's council).
- S9 (level 3, very high risk: 6 months): C9 decided Tue 25 Mar 2025, renewal Thu 25 Sep
  2025, due Fri 26 Sep (1), 29 Sep-3 Oct (6), 6-10 (11), 13-17 (16), 20-24 (21): Fri 24 Oct
  2025; C2 (S9's next ERA) decided Fri 5 Dec: done late (Abermoray).
- S10 (level 2: 12 months): C10 decided Mon 20 Jan 2025, renewal Tue 20 Jan 2026, due Wed
  21-Fri 23 (3), 26-30 (8), Feb 2-6 (13), 9-13 (18), Mon 16 (19), Tue 17 (20), Wed 18 Feb
  (21); no ERA since: overdue at 31 March (Abermoray).
- S11 (level 2): C11 decided Mon 20 Jan 2025; a waiver recorded Thu 15 Jan 2026, before the
  renewal (Tue 20 Jan 2026), moves it to 20 Jan 2027: not due in the year; one waiver
  (Baldour, criterion mappa_level_2_or_3).
- S12 (not in the subjects layer): a waiver on Tue 3 Feb 2026, no ERA: council not
  recorded, criterion unknown.
- S1 (level 2): C1 decided 12 Aug 2025: renewal August 2026, not due. S3 (level 1, low):
  no criterion.

Landlord notifications: N1 possession (Abermoray) recorded Mon 2 Jun 2025, linked to S1
and review C6 opened from it; N2 tenancy_complaint (Baldour) recorded Fri 10 Oct 2025,
received, nothing else; N3 possession (Abermoray) recorded Wed 1 Apr 2026, after the year.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
import time_machine
from sqlalchemy import Engine

from geo_era.casework.cases import approve, decide, open_case, record_agreement
from geo_era.casework.extensions import extend_deadline
from geo_era.casework.reviews import waive_review
from geo_era.housing import notifications
from tests.casework.test_cases import complete_checks
from tests.conftest import officer

D = dt.date
NAN = math.nan
ABERMORAY, BALDOUR = "FICTIONAL Abermoray", "FICTIONAL Baldour"
TODAY = D(2026, 5, 1)
REVIEW_MONTHS = {"very_high": 6}


@contextmanager
def on(day: dt.date, hour: int = 10, minute: int = 0) -> Iterator[None]:
    """The clock stopped at ``hour``:``minute`` UTC on ``day``."""
    with time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, minute,
                                         tzinfo=dt.UTC), tick=False):
        yield


def _open(engine: Engine, subject: str, case_type: str, notified: dt.date, council: str,
          *, licence: bool = False) -> str:
    with on(notified):
        doc = open_case(engine, subject_id=subject, property_ids=["P1"],
                        case_type=case_type, notified=notified,
                        on_licence_or_order=licence, authority=council, today=notified,
                        assess=lambda s, p: {"property_id": p}, actor=officer())
    return str(doc["case_id"])


def _agree(engine: Engine, case: str, agencies: list[str], day: dt.date,
           agrees: bool = True) -> None:
    with on(day):
        for agency in agencies:
            record_agreement(engine, case, agency=agency, agrees=agrees, actor=officer(),
                             comments=None if agrees else "FICTIONAL: a school nearby")


def _approve(engine: Engine, case: str, day: dt.date, hour: int = 10,
             minute: int = 0) -> None:
    with on(day, hour, minute):
        approve(engine, case, agency="police_scotland", property_id="P1", manageable=True,
                conclusion="FICTIONAL: manageable", reasons="FICTIONAL: no concerns",
                actor=officer())


def _complete(engine: Engine, subject: str, case_type: str, notified: dt.date,  # noqa: PLR0917
              council: str, agreed: dt.date, decided: dt.date) -> str:
    """A police-led case agreed by police and SOLO on ``agreed``, approved on
    ``decided``."""
    case = _open(engine, subject, case_type, notified, council)
    complete_checks(engine, case, ["police_scotland", "solo"])
    _agree(engine, case, ["police_scotland", "solo"], agreed)
    _approve(engine, case, decided)
    return case


def build_case_set(engine: Engine) -> dict[str, str]:
    """The case set of the module's docstring; its case references by name."""
    cases = {
        "C9": _complete(engine, "FICTIONAL-S9", "initial_new", D(2025, 3, 20), ABERMORAY,
                        D(2025, 3, 25), D(2025, 3, 25)),
        "C10": _complete(engine, "FICTIONAL-S10", "initial_new", D(2025, 1, 13), ABERMORAY,
                         D(2025, 1, 20), D(2025, 1, 20)),
        "C11": _complete(engine, "FICTIONAL-S11", "initial_new", D(2025, 1, 13), BALDOUR,
                         D(2025, 1, 20), D(2025, 1, 20)),
        "C1": _open(engine, "FICTIONAL-S1", "initial_new", D(2025, 7, 31), ABERMORAY),
    }
    complete_checks(engine, cases["C1"], ["police_scotland", "solo"])
    _agree(engine, cases["C1"], ["police_scotland", "solo"], D(2025, 8, 5))
    _approve(engine, cases["C1"], D(2025, 8, 11), 23, 30)  # 00:30 BST on Tue 12 Aug
    cases["C8"] = _complete(engine, "FICTIONAL-S8", "initial_resident", D(2025, 8, 18),
                            BALDOUR, D(2025, 9, 2), D(2025, 9, 2))
    cases["C2"] = case = _open(engine, "FICTIONAL-S9", "initial_new", D(2025, 11, 24),
                               ABERMORAY)
    complete_checks(engine, case, ["police_scotland", "solo"])
    _agree(engine, case, ["police_scotland", "solo"], D(2025, 12, 3))
    with on(D(2025, 12, 4)):
        extend_deadline(engine, case, granted_as="police_scotland", working_days=1,
                        reason="FICTIONAL: the landlord's void inspection moved",
                        actor=officer())
    _approve(engine, case, D(2025, 12, 5))
    cases["C3"] = case = _open(engine, "FICTIONAL-S3", "initial_resident", D(2025, 12, 15),
                               BALDOUR, licence=True)
    with on(D(2025, 12, 17)):
        extend_deadline(engine, case, granted_as="mappa_coordinator", agency="solo",
                        working_days=3, reason="FICTIONAL: the SOLO's visit needs a pair",
                        actor=officer())
    _agree(engine, case, ["police_scotland"], D(2025, 12, 19), agrees=False)
    _agree(engine, case, ["cjsw", "solo"], D(2025, 12, 22))
    with on(D(2026, 1, 6)):
        decide(engine, case, agency="cjsw", property_id="P1", manageable=True,
               conclusion="FICTIONAL: manageable with conditions",
               reasons="FICTIONAL: the conference weighed the school",
               conference_on=D(2026, 1, 5), actor=officer())
    cases["C4"] = _complete(engine, "FICTIONAL-S8", "annual_review", D(2026, 3, 2), BALDOUR,
                            D(2026, 3, 30), D(2026, 3, 31))
    cases["C5"] = _complete(engine, "FICTIONAL-S5", "annual_review", D(2026, 3, 2), BALDOUR,
                            D(2026, 4, 1), D(2026, 4, 1))
    waive_review(engine, "FICTIONAL-S11", actor=officer(), today=D(2026, 1, 15),
                 justification="FICTIONAL: in hospital long term, reviewed by the panel")
    waive_review(engine, "FICTIONAL-S12", actor=officer(), today=D(2026, 2, 3),
                 justification="FICTIONAL: leaving Scotland, handed over to the receiving area")
    _notifications(engine, cases)
    return cases


def _notifications(engine: Engine, cases: dict[str, str]) -> None:
    def notice(day: dt.date, kind: str, council: str) -> str:
        with on(day):
            doc = notifications.record_notice(
                engine, property_id="P1", landlord="FICTIONAL Housing", authority=council,
                kind=kind, occurred_on=day, details="FICTIONAL: the tenant's neighbour "
                "reports a dispute", landlord_reference="FICTIONAL-T1", actor=officer(),
                today=day)
        return str(doc["reference"])

    n1 = notice(D(2025, 6, 2), "possession", ABERMORAY)
    with on(D(2025, 6, 2)):
        cases["C6"] = case = _open(engine, "FICTIONAL-S1", "annual_review", D(2025, 6, 2),
                                   ABERMORAY)
        notifications.link(engine, n1, subject_id="FICTIONAL-S1", note=None,
                           actor=officer())
        notifications.mark_review(engine, n1, case_id=int(case.removeprefix("ERA-")),
                                  case_reference=case, actor=officer())
    n2 = notice(D(2025, 10, 10), "tenancy_complaint", BALDOUR)
    with on(D(2025, 10, 13)):
        notifications.show_notice(engine, n2, actor=officer(), receive=True)
    notice(D(2026, 4, 1), "possession", ABERMORAY)


def subjects_layer() -> pd.DataFrame:
    """The subjects layer's columns the reviews read (FICTIONAL)."""
    return pd.DataFrame({
        "subject_id": ["FICTIONAL-S1", "FICTIONAL-S3", "FICTIONAL-S8", "FICTIONAL-S9",
                       "FICTIONAL-S10", "FICTIONAL-S11"],
        "mappa_level": [2, 1, 1, 3, 2, 2],
        "risk_level": ["medium", "low", "very_high", "very_high", "medium", "medium"],
    })


COLUMNS = ["timescale_days", "completed", "within", "late", "late_extended",
           "median_days", "p90_days"]


def rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    """A table's rows, NaN as None (so that equal tables compare equal)."""
    return [{str(k): (None if isinstance(v, float) and math.isnan(v) else v)
             for k, v in row.items()} for row in table.to_dict("records")]


#: Every table of the report for all councils, worked by hand (module docstring).
#: Medians and 90th percentiles interpolate: the 90th of n ordered values lies at
#: position 0.9 (n - 1), e.g. of [7, 8]: 7 + 0.9 x 1 = 7.9; of [2, 4, 6, 11, 20]:
#: position 3.6, 11 + 0.6 x 9 = 16.4.
EXPECTED_ALL: dict[str, list[dict[str, Any]]] = {
    "timeliness": [
        {"case_type": "initial_new", "timescale_days": 7, "completed": 2, "within": 1,
         "late": 1, "late_extended": 1, "median_days": 7.5, "p90_days": 7.9},
        {"case_type": "initial_resident", "timescale_days": 12, "completed": 2, "within": 2,
         "late": 0, "late_extended": 0, "median_days": 11.5, "p90_days": 11.9},
        {"case_type": "annual_review", "timescale_days": 21, "completed": 1, "within": 1,
         "late": 0, "late_extended": 0, "median_days": 21.0, "p90_days": 21.0},
    ],
    "timeliness_by_agency": [
        {"lead_agency": "cjsw", "case_type": "initial_resident", "timescale_days": 12,
         "completed": 1, "within": 1, "late": 0, "late_extended": 0, "median_days": 12.0,
         "p90_days": 12.0},
        {"lead_agency": "police_scotland", "case_type": "annual_review",
         "timescale_days": 21, "completed": 1, "within": 1, "late": 0, "late_extended": 0,
         "median_days": 21.0, "p90_days": 21.0},
        {"lead_agency": "police_scotland", "case_type": "initial_new", "timescale_days": 7,
         "completed": 2, "within": 1, "late": 1, "late_extended": 1, "median_days": 7.5,
         "p90_days": 7.9},
        {"lead_agency": "police_scotland", "case_type": "initial_resident",
         "timescale_days": 12, "completed": 1, "within": 1, "late": 0, "late_extended": 0,
         "median_days": 11.0, "p90_days": 11.0},
    ],
    "timeliness_by_council": [
        {"council": ABERMORAY, "case_type": "initial_new", "timescale_days": 7,
         "completed": 2, "within": 1, "late": 1, "late_extended": 1, "median_days": 7.5,
         "p90_days": 7.9},
        {"council": BALDOUR, "case_type": "annual_review", "timescale_days": 21,
         "completed": 1, "within": 1, "late": 0, "late_extended": 0, "median_days": 21.0,
         "p90_days": 21.0},
        {"council": BALDOUR, "case_type": "initial_resident", "timescale_days": 12,
         "completed": 2, "within": 2, "late": 0, "late_extended": 0, "median_days": 11.5,
         "p90_days": 11.9},
    ],
    # C6 (annual review notified Mon 2 Jun 2025: Jun 3-6 (4), 9-13 (9), 16-20 (14), 23-27
    # (19), Mon 30 (20), Tue 1 Jul (21): due 1 Jul 2025) open: overdue at 31 March; C5
    # (decided 1 April, after the year) was due Tue 31 Mar: not completed, not overdue
    "outstanding": [
        {"case_type": "initial_new", "timescale_days": 7, "not_completed": 0, "overdue": 0},
        {"case_type": "initial_resident", "timescale_days": 12, "not_completed": 0,
         "overdue": 0},
        {"case_type": "annual_review", "timescale_days": 21, "not_completed": 2,
         "overdue": 1},
    ],
    "agreements": [
        {"agency": "cjsw", "recorded": 1, "agreed": 1, "disagreed": 0, "on_time": 1,
         "late": 0, "median_days": 5.0, "p90_days": 5.0},
        # days 2 (C1), 4 (C3, disagrees), 6 (C2), 11 (C8), 20 (C4)
        {"agency": "police_scotland", "recorded": 5, "agreed": 4, "disagreed": 1,
         "on_time": 3, "late": 2, "median_days": 6.0, "p90_days": 16.4},
        # days 2 (C1), 5 (C3, extended), 6 (C2), 11 (C8), 20 (C4)
        {"agency": "solo", "recorded": 5, "agreed": 5, "disagreed": 0, "on_time": 3,
         "late": 2, "median_days": 6.0, "p90_days": 16.4},
    ],
    "extensions": [
        {"deadline": "case", "granted_as": "lead agency", "extensions": 1, "cases": 1,
         "median_days_added": 1.0},
        {"deadline": "solo", "granted_as": "mappa_coordinator", "extensions": 1,
         "cases": 1, "median_days_added": 3.0},
    ],
    "reviews": [
        {"council": ABERMORAY, "due": 2, "done_on_time": 0, "done_late": 1, "overdue": 1,
         "not_yet_due": 0},
        {"council": BALDOUR, "due": 1, "done_on_time": 1, "done_late": 0, "overdue": 0,
         "not_yet_due": 0},
    ],
    "waivers": [
        {"criterion": c, "waivers": n} for c, n in [
            ("mappa_level_2_or_3", 1), ("level_1_high_risk", 0), ("sopo_or_rsho", 0),
            ("contact_offence", 0), ("flagged", 0), ("none_now", 0), ("unknown", 1),
            ("all", 2)]
    ],
    "triggers": [
        {"kind": "possession", "raised": 1, "received": 1, "acted_on": 1,
         "review_opened": 1},
        {"kind": "tenancy_complaint", "raised": 1, "received": 1, "acted_on": 0,
         "review_opened": 0},
    ],
}

#: The same for Abermoray alone: its cases C1, C2 (and C6 open); its reviews (S9, S10);
#: no waiver (S11's is Baldour's, S12's no council's); N1 only.
EXPECTED_ABERMORAY: dict[str, list[dict[str, Any]]] = {
    "timeliness": [
        EXPECTED_ALL["timeliness"][0],
        {"case_type": "initial_resident", "timescale_days": 12, "completed": 0,
         "within": 0, "late": 0, "late_extended": 0, "median_days": None,
         "p90_days": None},
        {"case_type": "annual_review", "timescale_days": 21, "completed": 0, "within": 0,
         "late": 0, "late_extended": 0, "median_days": None, "p90_days": None},
    ],
    "timeliness_by_agency": [EXPECTED_ALL["timeliness_by_agency"][2]],
    "timeliness_by_council": [EXPECTED_ALL["timeliness_by_council"][0]],
    "outstanding": [  # C6 only (C5 is Baldour's)
        *EXPECTED_ALL["outstanding"][:2],
        {"case_type": "annual_review", "timescale_days": 21, "not_completed": 1,
         "overdue": 1},
    ],
    "agreements": [  # days 2 (C1), 6 (C2): median 4, 90th 2 + 0.9 x 4 = 5.6
        {"agency": "police_scotland", "recorded": 2, "agreed": 2, "disagreed": 0,
         "on_time": 1, "late": 1, "median_days": 4.0, "p90_days": 5.6},
        {"agency": "solo", "recorded": 2, "agreed": 2, "disagreed": 0, "on_time": 1,
         "late": 1, "median_days": 4.0, "p90_days": 5.6},
    ],
    "extensions": [EXPECTED_ALL["extensions"][0]],
    "reviews": [EXPECTED_ALL["reviews"][0]],
    "waivers": [{**w, "waivers": 0} for w in EXPECTED_ALL["waivers"]],
    "triggers": [EXPECTED_ALL["triggers"][0]],
}

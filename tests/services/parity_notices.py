"""Audited operations of the landlord notifications (NASSO 5.3), for the audit-parity
test: each through ``geo-era notices`` and through the API.

Each ``prepare`` makes the state the step needs through the core, the same in each copy
of the home, so both copies hold notification LN-000001 (and for a review, case
ERA-000001).
"""

from __future__ import annotations

from sqlalchemy import update

from geo_era import clock
from geo_era.db.store import session_scope
from geo_era.housing import notifications
from geo_era.security.users import User
from tests.conftest import iso_today, officer
from tests.services.parity import WHY, ApiCall, Home, Parity

#: The demo town's housing association whose Link Officer tells the SOLO.
LANDLORD = "Rowanlea Housing Association"
DETAILS = "FICTIONAL: proceedings for possession raised at the sheriff court"
REF = "LN-000001"


def _their_home(home: Home) -> str:
    props = home.store.read_attributes("properties", ["property_id", "landlord"])
    return str(props.loc[props["landlord"] == LANDLORD, "property_id"].iloc[0])


def _housed_subject(home: Home) -> str:
    subjects = home.store.read_attributes("subjects", ["subject_id", "current_property_id"])
    return str(subjects.loc[subjects["current_property_id"].notna(), "subject_id"].iloc[0])


def _link_officer_of_landlord(home: Home) -> None:
    """The Link Officer acts for the landlord (their organisation)."""
    engine = home.engine()
    with session_scope(engine) as session:
        session.execute(update(User).where(User.username == "user.rsl_link_officer")
                        .values(organisation=LANDLORD))
    engine.dispose()


def _told(home: Home, *, link: bool = False) -> None:
    """The Link Officer's organisation as the landlord, and notification LN-000001 about
    one of its homes (linked to a housed subject with ``link``)."""
    _link_officer_of_landlord(home)
    engine = home.engine()
    notifications.record_notice(
        engine, property_id=_their_home(home), landlord=LANDLORD, authority=home.council,
        kind="possession", occurred_on=clock.today(), details=DETAILS,
        landlord_reference="RHA/T/0042", actor=officer())
    if link:
        notifications.link(engine, REF, subject_id=_housed_subject(home), note=None,
                           actor=officer())
    engine.dispose()


PARITY: list[Parity] = [
    Parity("notice_record", "rsl_link_officer", prepare=_link_officer_of_landlord,
           cli=lambda h: ["notices", "record", _their_home(h), "--kind", "possession",
                          "--date", iso_today(), "--details", DETAILS,
                          "--reference", "RHA/T/0042"],
           api=lambda h: ApiCall("/notices/record", {
               "property_id": _their_home(h), "kind": "possession",
               "occurred_on": iso_today(), "details": DETAILS,
               "landlord_reference": "RHA/T/0042"})),
    Parity("notice_sent", "rsl_link_officer", prepare=_told,
           cli=lambda h: ["notices", "sent", "--landlord", LANDLORD],
           api=lambda h: ApiCall("/notices/sent", {})),
    Parity("notice_list", "omu_analyst", prepare=_told,
           cli=lambda h: ["notices", "list", "--justification", WHY],
           api=lambda h: ApiCall("/notices/list", {"justification": WHY})),
    Parity("notice_show", "omu_analyst", prepare=_told,
           cli=lambda h: ["notices", "show", REF, "--justification", WHY],
           api=lambda h: ApiCall("/notices/show", {"reference": REF,
                                                   "justification": WHY})),
    Parity("notice_link", "omu_analyst", prepare=_told,
           cli=lambda h: ["notices", "link", REF, _housed_subject(h)],
           api=lambda h: ApiCall("/notices/link", {"reference": REF,
                                                   "subject_id": _housed_subject(h)})),
    Parity("notice_review", "omu_analyst", prepare=lambda h: _told(h, link=True),
           cli=lambda h: ["notices", "review", REF, "--justification", WHY],
           api=lambda h: ApiCall("/notices/review", {"reference": REF,
                                                     "justification": WHY}),
           entries=2),
]

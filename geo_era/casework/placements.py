"""From decision to home (NASSO 3.11, 3.13): a subject moving in after a manageable
Part C or Part D decision, and the placements every reader uses.

:func:`record_move_in` writes a subject's move to the case store's placement history
(:class:`~geo_era.db.store.PlacementMove`). The placements *now* are the imported
``placements`` layer overlaid with those recorded moves (:func:`current_placements`):
per subject with a recorded move, the rows are put in order of their start date and
each placement still open when a later one starts ends on that later start. A subject's
current address (``current_property_id``) is then their latest placement's property
(:func:`current_homes`).

This module is the one place the placements are read from: the allocation check and the
refresh of homes behind the review triggers take a snapshot through :func:`with_moves`,
the due list its subjects through :func:`subjects_now`, and the over-concentration
report its placements through :func:`placements_now`. None of them needs an import to
follow a decision.

An out-of-area move (3.13) carries the placing authority and whether the receiving
authority's consent was recorded on the case: the out-of-area counts come from it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select

from geo_era import clock
from geo_era.casework.cases import _case_property, _load
from geo_era.db.store import Case, PlacementMove, session_scope
from geo_era.errors import NotFoundError, WorkflowRefusedError
from geo_era.security.audit import Actor
from geo_era.workspace import Snapshot

#: The columns of the placements frame (the ``placements`` layer's, DATA-CONTRACT.md).
COLUMNS = ("subject_id", "property_id", "start_date", "end_date", "placing_authority",
           "consent_recorded")


def _decision(case: Case, property_id: str) -> tuple[str, dt.date]:
    """The part and date of the case's manageable decision on ``property_id``; refused
    with what is missing otherwise."""
    _case_property(case, property_id)
    decisions = [d for d in case.decisions if d.property_id == property_id]
    if not decisions:
        raise WorkflowRefusedError(
            f"case {case.reference} has no Part C or Part D decision on {property_id}; "
            "a subject moves in only after the property is found manageable")
    last = decisions[-1]
    if not last.manageable:
        raise WorkflowRefusedError(
            f"case {case.reference} found {property_id} not manageable (Part {last.part}); "
            "the subject cannot be recorded as moving in there")
    return last.part, last.recorded_at.date()


def _out_of_area(case: Case) -> bool:
    return bool(case.placing_authority and case.receiving_authority
                and case.placing_authority != case.receiving_authority)


def record_move_in(engine: Engine, case_id: str | int, *, property_id: str,
                   moved_in_on: dt.date, actor: Actor, today: dt.date | None = None
                   ) -> dict[str, Any]:
    """Record that the case's subject moved in to ``property_id`` on ``moved_in_on``.

    Allowed only after a manageable Part C (approved) or Part D decision of this case on
    that property, on or after the decision's date and not after ``today``; and only once
    per case, and never before a move already recorded for the subject (the history is
    kept in order). The move ends the subject's previous placement. Recorded as one
    collection (a new record of where the subject lives), audited in the same
    transaction; the answer is the move as :func:`move_document` gives it.
    """
    today = today or clock.today()
    with session_scope(engine) as session:
        case = _load(session, case_id, actor)
        part, decided_on = _decision(case, property_id)
        if moved_in_on > today:
            raise WorkflowRefusedError(f"the move-in date {moved_in_on.isoformat()} is in "
                                       "the future; record a move once it has happened")
        if moved_in_on < decided_on:
            raise WorkflowRefusedError(
                f"the move-in date {moved_in_on.isoformat()} is before the Part {part} "
                f"decision of {decided_on.isoformat()} on {property_id}")
        earlier = session.scalars(select(PlacementMove).where(
            PlacementMove.subject_id == case.subject_id).order_by(
            PlacementMove.moved_in_on, PlacementMove.id)).all()
        for move in earlier:
            if move.case_reference == case.reference:
                raise WorkflowRefusedError(
                    f"case {case.reference} already records a move in to "
                    f"{move.property_id} on {move.moved_in_on.isoformat()}")
        if earlier and earlier[-1].moved_in_on > moved_in_on:
            raise WorkflowRefusedError(
                f"a later move of this subject is already recorded "
                f"({earlier[-1].moved_in_on.isoformat()}); moves are recorded in order")
        outside = _out_of_area(case)
        move = PlacementMove(
            subject_id=case.subject_id, property_id=property_id, moved_in_on=moved_in_on,
            case_id=case.id, case_reference=case.reference, part=part,
            authority=case.receiving_authority if outside else case.authority,
            placing_authority=case.placing_authority if outside else None,
            consent_recorded=(case.consent_recorded_at is not None) if outside else None,
            recorded_by=actor.username)
        session.add(move)
        session.flush()
        actor.record(session, operation="collection", record_type="case",
                     record_ids=[case.reference, case.subject_id])
        previous = earlier[-1].property_id if earlier else None
        return {**move_document(move), "status": case.status, "due": case.due_on,
                "previous_recorded_property_id": previous}


def move_document(move: PlacementMove) -> dict[str, Any]:
    """A recorded move as a JSON-ready document."""
    out_of_area = None
    if move.placing_authority:
        out_of_area = {"placing_authority": move.placing_authority,
                       "receiving_authority": move.authority,
                       "consent_recorded": bool(move.consent_recorded)}
    return {"case_id": move.case_reference, "subject_id": move.subject_id,
            "property_id": move.property_id, "moved_in_on": move.moved_in_on,
            "part": move.part, "out_of_area": out_of_area,
            "recorded_by": move.recorded_by, "recorded_at": move.recorded_at.isoformat()}


def recorded_moves(engine: Engine) -> pd.DataFrame:
    """Every recorded move as rows of the ``placements`` layer, in the order recorded:
    open (no end date) but for a temporary-accommodation placement's end
    (``ends_on``)."""
    with session_scope(engine) as session:
        rows = session.execute(select(
            PlacementMove.subject_id, PlacementMove.property_id, PlacementMove.moved_in_on,
            PlacementMove.placing_authority, PlacementMove.consent_recorded,
            PlacementMove.ends_on)
            .order_by(PlacementMove.moved_in_on, PlacementMove.id)).all()
    return pd.DataFrame({
        "subject_id": pd.array([r[0] for r in rows], dtype="string"),
        "property_id": pd.array([r[1] for r in rows], dtype="string"),
        "start_date": pd.to_datetime(pd.Series([r[2] for r in rows], dtype=object)),
        "end_date": pd.to_datetime(pd.Series([r[5] for r in rows], dtype=object)
                                   ).astype("datetime64[us]"),
        "placing_authority": pd.array([r[3] for r in rows], dtype="string"),
        "consent_recorded": pd.array([r[4] for r in rows], dtype="boolean")})


def current_placements(imported: pd.DataFrame | None, moves: pd.DataFrame
                       ) -> pd.DataFrame | None:
    """The placements now: the ``imported`` layer (None: none imported) overlaid with
    the recorded ``moves`` (:func:`recorded_moves`).

    Subjects with no recorded move keep their imported rows as they are. For each
    subject with one, their rows (imported and recorded) are put in order of start date
    (a recorded move after an imported row starting the same day) and every row still
    open when a later row starts ends on that later row's start (and a recorded temporary
    placement planned to end after it ends then too): the latest start is the current
    placement. A move already in ``imported`` (the overlay applied twice) is
    not added again. Columns beyond :data:`COLUMNS` of imported rows are kept."""
    if not len(moves):
        return imported
    base = imported if imported is not None else pd.DataFrame(
        {c: pd.Series(dtype=moves[c].dtype) for c in COLUMNS})
    base = base.reset_index(drop=True)
    frame = pd.concat([base.assign(_recorded=False),
                       moves.assign(_recorded=True)], ignore_index=True)
    frame["start_date"] = pd.to_datetime(frame["start_date"], errors="coerce")
    frame["end_date"] = pd.to_datetime(frame["end_date"], errors="coerce")
    key = frame[["subject_id", "property_id"]].astype(str).assign(
        start=frame["start_date"])
    frame = frame[~(key.duplicated(keep="first") & frame["_recorded"])]
    moved = frame["subject_id"].astype(str).isin(set(moves["subject_id"].astype(str)))
    ordered = frame[moved].sort_values(["start_date", "_recorded"], kind="stable")
    following = ordered.groupby(ordered["subject_id"].astype(str), sort=False)[
        "start_date"].shift(-1)
    end = ordered["end_date"]
    # a recorded temporary placement whose planned end is after the next move ends then
    cut = ordered["_recorded"] & end.notna() & following.notna() & (end > following)
    ends = end.where(end.notna() | following.isna(), following).where(~cut, following)
    frame.loc[ends.index, "end_date"] = ends
    return frame.drop(columns="_recorded").reset_index(drop=True)


def current_homes(subjects: pd.DataFrame, placements: pd.DataFrame | None,
                  moves: pd.DataFrame) -> pd.DataFrame:
    """``subjects`` with ``current_property_id`` of every subject with a recorded move
    set to the property of their latest open placement in ``placements`` (the frame
    :func:`current_placements` gives; a placement whose end date is still to come, a
    temporary one, is open)."""
    if not len(moves) or placements is None:
        return subjects
    moved = set(moves["subject_id"].astype(str))
    end = pd.to_datetime(placements["end_date"], errors="coerce")
    not_ended = end.isna() | (end > pd.Timestamp.today().normalize())
    open_rows = placements[not_ended & placements["subject_id"].astype(str).isin(moved)]
    latest = (open_rows.sort_values("start_date", kind="stable")
              .groupby(open_rows["subject_id"].astype(str))["property_id"].last())
    out = subjects.copy()
    ids = out["subject_id"].astype(str)
    new = ids.map(latest)
    column = (out["current_property_id"].astype("string")
              if "current_property_id" in out.columns
              else pd.Series(pd.NA, index=out.index, dtype="string"))
    out["current_property_id"] = column.where(new.isna(), new.astype("string"))
    return out


def placements_now(imported: pd.DataFrame | None, engine: Engine) -> pd.DataFrame | None:
    """The imported placements overlaid with the moves recorded in ``engine``."""
    return current_placements(imported, recorded_moves(engine))


def subjects_now(subjects: pd.DataFrame, engine: Engine,
                 imported: pd.DataFrame | None = None) -> pd.DataFrame:
    """The subjects layer with each moved subject's current address from the recorded
    moves (and the imported placements, when given, for a later imported start)."""
    moves = recorded_moves(engine)
    return current_homes(subjects, current_placements(imported, moves), moves)


def with_moves(snap: Snapshot, engine: Engine) -> Snapshot:
    """``snap`` with its placements and its subjects' current addresses following the
    recorded moves (:func:`current_placements`, :func:`current_homes`); ``snap`` itself
    when nothing has been recorded."""
    moves = recorded_moves(engine)
    if not len(moves):
        return snap
    placements = current_placements(snap.placements, moves)
    try:
        subjects: pd.DataFrame | None = current_homes(snap.subjects, placements, moves)
    except NotFoundError:  # no subjects layer: the placements alone
        subjects = None
    return snap.with_records(placements=placements, subjects=subjects)

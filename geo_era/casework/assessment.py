"""The assessment a case keeps: what was around a candidate property when it was
assessed, from which reference data (NASSO 3.8-3.10).

The snapshot (:meth:`geo_era.workspace.Workspace.assess`, the only place it is made)
holds the sites near the property (straight-line and walking distances), its minimum
parameter set with the households to check, and the subject's conflicts and warnings,
with the version of every reference layer used, so that a signed decision never changes
when the reference data is re-imported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine

from geo_era.analysis.areas import council_of
from geo_era.analysis.proximity import find_properties
from geo_era.casework.cases import Assessor, open_case
from geo_era.casework.participation import profile_includes_children
from geo_era.data.layer_store import LayerStore
from geo_era.errors import NotFoundError, WorkflowRefusedError
from geo_era.security.audit import Actor
from geo_era.workspace import Workspace


def _subject_facts(store: LayerStore, subject_id: str) -> tuple[bool, bool]:
    """Whether the subject is on a licence or order (their lead agency is then CJSW), and
    whether their victim profile includes children (Children & Families and Education
    then take part); an unknown subject is refused."""
    if not store.has("subjects"):
        return False, False
    subjects = store.read_attributes("subjects", ["subject_id", "on_licence_or_order",
                                                  "victim_profile"])
    match = subjects[subjects["subject_id"].astype(str) == subject_id]
    if match.empty:
        raise NotFoundError(f"subject {subject_id!r} not found in layer 'subjects'")
    on_licence = ("on_licence_or_order" in match.columns
                  and bool(match["on_licence_or_order"].fillna(False).iloc[0]))
    children = ("victim_profile" in match.columns
                and profile_includes_children(match["victim_profile"].iloc[0]))
    return on_licence, children


def _require_where_it_lies(lies_in: str, *, receiving: str | None,
                           authority: str | None) -> None:
    """The council of a case, and the receiving authority of an out-of-area placement
    (NASSO 3.13), is the council the candidate property lies in: a case cannot claim
    another (which would let council staff act, and consent, for a council not theirs)."""
    for named, what in ((receiving, "receiving authority"), (authority, "council")):
        if named is not None and named != lies_in:
            raise WorkflowRefusedError(f"the {what} of this case is {lies_in}, where the "
                                       f"property lies, not {named}")


def open_assessed_case(store: LayerStore, engine: Engine, *, subject_id: str,
                       property_ids: Sequence[str], case_type: str, notified: dt.date,
                       actor: Actor, agencies: Sequence[str] = (), assess_now: bool = True,
                       authority: str | None = None, placing_authority: str | None = None,
                       receiving_authority: str | None = None,
                       assessor: Assessor | None = None,
                       today: dt.date | None = None,
                       reading: str = "from_notification") -> dict[str, Any]:
    """Open a case from what the layers say: the lead agency from the subject's licence
    or order (3.2), Children & Families and Education when their victim profile includes
    children (Dorset MAPPA procedures 13, 17), the council from where the first property
    lies, and (with ``assess_now``) a snapshot of each property by ``assessor``: a workspace's
    :meth:`~geo_era.workspace.Workspace.assess` (the services pass their own, kept
    loaded; by default one over ``store``); ``reading`` as
    :func:`geo_era.casework.cases.open_case`. Unknown subjects and properties are refused
    before anything is written."""
    on_licence, children = _subject_facts(store, subject_id)
    if store.has("properties"):
        find_properties(store, list(property_ids))
    lies_in = (council_of(store, property_ids[0])
               if property_ids and store.has("properties") else None)
    if lies_in is not None:
        _require_where_it_lies(lies_in, receiving=receiving_authority, authority=authority)
        authority = lies_in
    run: Assessor | None = None
    if assess_now and store.has("properties") and store.has("sites"):
        run = assessor or Workspace(store).assess
    return open_case(engine, subject_id=subject_id, property_ids=property_ids,
                     case_type=case_type, notified=notified, on_licence_or_order=on_licence,
                     agencies=agencies, assess=run, authority=authority, children=children,
                     placing_authority=placing_authority,
                     receiving_authority=receiving_authority, actor=actor, today=today,
                     reading=reading)

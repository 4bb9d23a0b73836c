"""Review triggers by subject (NASSO 3.4: "when … the circumstances of the registered sex
offender or the environment in which they live has changed … consider whether the ERA
should be reviewed").

Every trigger names the subject, their home and its *kind*:

- ``conflict_at_home``: a hard conflict at the home now (inside one of the subject's
  exclusion zones, an order condition broken), whether or not it was known before;
- ``never_assessed``: a housed subject with no assessment of this home in the case
  store (a new registration or a move without an ERA);
- ``environment``: a site of a physical-check category now within the radius that was
  not, one gone, or dwellings joining or leaving the minimum set;
- ``household``: a neighbouring household of the minimum set now recorded with
  children or an adult at risk where the assessment had not;
- ``subject_record``: a condition or exclusion zone of the subject's that the
  assessment did not know (for an assessment made before it kept the subject's record,
  a hard conflict now that it did not find).

The functions here compare one home's state now with the snapshot of its last
assessment (:meth:`geo_era.workspace.Workspace.assess`); the batch over every housed
subject is :func:`geo_era.casework.refresh.refresh_homes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from geo_era.casework.cases import conflict_key
from geo_era.workspace import Snapshot, subject_record

#: The kinds of trigger, and what each means.
KINDS = {
    "conflict_at_home": "a hard conflict at the subject's home now",
    "never_assessed": "housed, with no assessment of this home recorded",
    "environment": "sites within the radius or the minimum set changed",
    "household": "a neighbouring household of the minimum set changed",
    "subject_record": "a new condition or exclusion zone",
}

#: Household facts whose appearance is a trigger, and how they are named.
HOUSEHOLD_FACTS = (("children_in_household", "children"),
                   ("adult_at_risk_in_household", "an adult at risk"))


def trigger(subject_id: str, property_id: str, kind: str, changes: list[str],
            assessed_at: str | None) -> dict[str, Any]:
    """One trigger: whose, where, which kind, what changed and when last assessed."""
    assert kind in KINDS, kind
    return {"subject_id": subject_id, "property_id": property_id, "kind": kind,
            "assessed_at": assessed_at, "changes": changes}


def _recorded(value: object) -> bool:
    """Whether a household fact is recorded as present (missing is not)."""
    if value is None:
        return False
    try:
        if pd.isna(value):  # type: ignore[call-overload]
            return False
    except (TypeError, ValueError):
        return False
    return bool(value)


def household_changes(snap: Snapshot, before: dict[str, Any], members: Sequence[str]
                      ) -> list[str]:
    """The households of the minimum set ``members`` (property ids) now recorded with
    children or an adult at risk where the assessment snapshot ``before`` did not
    record them (a dwelling new to the set counts as not recorded before)."""
    then = {str(p.get("property_id")): p.get("household") or {}
            for p in (before.get("minimum_set") or {}).get("properties", [])
            if isinstance(p, dict)}
    rows = snap.properties.rows_by_id
    changes = []
    for column, label in HOUSEHOLD_FACTS:
        values = snap.engine.household(column)
        if values is None:
            continue
        for pid in members:
            row = rows.get(pid)
            if row is not None and _recorded(values[row]) and not _recorded(
                    then.get(pid, {}).get(column)):
                changes.append(f"{label} now recorded in the household at {pid}")
    return changes


def subject_changes(snap: Snapshot, subject_id: str, before: dict[str, Any],
                    conflicts: Sequence[tuple[str, str]]) -> list[str]:
    """The subject's conditions and exclusion zones the assessment ``before`` did not
    know. ``conflicts`` are the hard conflicts at home now as (key, message), keys as
    :func:`geo_era.casework.cases.conflict_key` names them; they are compared instead
    when the assessment kept no record of the subject."""
    then = before.get("subject_record")
    if not isinstance(then, dict):
        known = {conflict_key(f) for f in (before.get("check") or {}).get("conflicts") or []
                 if isinstance(f, dict)}
        return [f"{message} (not found by the last assessment)"
                for key, message in conflicts if key not in known]
    now = subject_record(snap.subject(subject_id),
                         snap.zones_of(subject_id)["zone_id"].tolist())
    changes = [f"new exclusion zone {zone}" for zone in now["zone_ids"]
               if zone not in set(then.get("zone_ids") or [])]
    old = set(then.get("conditions") or [])
    changes += [f"new condition {number}: {text}"
                for number, text in enumerate(now["conditions"], start=1)
                if text not in old]
    return changes

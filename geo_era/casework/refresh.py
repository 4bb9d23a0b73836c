"""The environment of every housed subject's home, refreshed in one batch (NASSO 3.3,
3.4): the national job behind the review triggers.

For every subject housed now (``current_property_id`` of ``subjects`` and the
placements with no end date, following the moves recorded in the case store:
:func:`geo_era.casework.placements.with_moves`,
:func:`geo_era.housing.allocations.housed_subjects`) the refresh
works out, from one catalog snapshot:

- the sites within the assessment radius of the home (straight line, metres,
  EPSG:27700), in one sparse distance join for all homes (:meth:`SiteIndex.within`);
- the home's NASSO 3.9 minimum set, for all homes in one batch
  (:meth:`ParameterEngine.member_pairs`);
- the subject's hard conflicts at home now: inside one of their exclusion zones (one
  vectorised distance of every zone to its own subject's home) or a broken order
  condition (:func:`geo_era.analysis.subject_check.condition_findings`, for the subjects that have
  conditions);

and compares the sites, the minimum set, its households and the subject's own record
with the last assessment of the same subject at the same property recorded in the case
store (one query for all of them). The review triggers (3.4) are listed by subject and
kind (:mod:`geo_era.casework.triggers`): every hard conflict at home now, a home never
assessed, a site now within the radius that was not (a new play park within 400 m) or
one gone, a dwelling that joined or left the minimum set, a neighbouring household now
recorded with children or an adult at risk, and a new condition or exclusion zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from sqlalchemy import Engine, select

from geo_era.analysis.subject_check import condition_findings
from geo_era.casework.cases import conflict_key
from geo_era.casework.placements import with_moves
from geo_era.casework.triggers import household_changes, subject_changes, trigger
from geo_era.db.store import Case, CaseProperty, session_scope
from geo_era.housing.allocations import housed_subjects
from geo_era.workspace import Snapshot

IntArray = npt.NDArray[np.int64]
#: Subjects whose conditions are checked per batch step (for the progress bar).
CHUNK = 500


@dataclass(frozen=True)
class Refresh:
    """The refreshed environment of every housed subject's home (row ``k``: subject
    ``subject_id[k]`` at ``property_id[k]``, row ``home[k]`` of the properties layer).

    ``sites[k]`` are the site ids within ``radius_m`` (nearest first);
    ``members[k]`` the minimum set's property ids; ``conflicts[k]`` the messages of the
    hard conflicts at home now; ``triggers`` the review triggers by subject
    (:mod:`geo_era.casework.triggers`), each with ``subject_id``, ``property_id``,
    ``kind``, ``assessed_at`` and ``changes``.
    """

    radius_m: float
    subject_id: npt.NDArray[np.object_]
    property_id: npt.NDArray[np.object_]
    home: IntArray
    sites: list[list[str]]
    members: list[list[str]]
    conflicts: list[list[str]]
    triggers: list[dict[str, Any]] = field(default_factory=list)
    assessed: int = 0

    def summary(self) -> dict[str, Any]:
        return {"housed": len(self.home), "assessed_before": self.assessed,
                "triggers": len(self.triggers),
                "subjects_to_review": len({t["subject_id"] for t in self.triggers}),
                "with_conflicts": sum(1 for c in self.conflicts if c),
                "radius_m": self.radius_m}


def refresh_homes(snap: Snapshot, engine: Engine | None, *, radius_m: float = 400.0,
                  progress: Callable[[int], object] | None = None) -> Refresh:
    """Refresh every housed subject's home (see the module); ``engine`` is the case
    store to compare with (None: no comparison, no triggers). ``progress`` is called
    with the number of homes done after each step."""
    if engine is not None:
        snap = with_moves(snap, engine)
    housed = housed_subjects(snap)
    homes = housed.home
    n = len(homes)
    xy = snap.properties.xy[homes]
    ids = snap.properties.ids

    pairs = snap.sites.within(xy, radius_m)
    site_ids = snap.sites.site_ids
    sites = _grouped(pairs.query, site_ids[pairs.site], n)
    names = snap.sites.names
    site_info = {str(site_ids[s]): (str(snap.sites.categories[s]), str(names[s]) or None)
                 for s in np.unique(pairs.site).tolist()}
    distance = {(int(q), str(site_ids[s])): float(d) for q, s, d in zip(
        pairs.query.tolist(), pairs.site.tolist(), pairs.distance.tolist(), strict=True)}
    if progress:
        progress(0)

    i, j = snap.engine.member_pairs(homes)
    by_row = _grouped(i, ids[j], len(snap.properties.ids))
    members = [by_row[h] for h in homes.tolist()]
    problems = snap.engine.set_problems(homes)

    keyed = _zone_conflicts(snap, housed.subject_id, xy)
    _condition_conflicts(snap, housed.subject_id, homes, xy, out=keyed,
                         progress=progress)
    conflicts = [[message for _, message in row] for row in keyed]

    refresh = Refresh(radius_m, housed.subject_id, ids[homes], homes, sites, members,
                      conflicts)
    if engine is None:
        return refresh
    last = _last_assessments(engine, housed.subject_id, ids[homes])
    triggers = _triggers(snap, last, housed.subject_id, ids[homes],
                         now=(sites, members, problems, keyed),
                         site_info=site_info, distance=distance, radius_m=radius_m)
    return Refresh(radius_m, housed.subject_id, ids[homes], homes, sites, members,
                   conflicts, triggers, assessed=len(last))


#: The hard conflicts at each home now: (key, message) pairs, keys as
#: :func:`geo_era.casework.cases.conflict_key` names them.
Keyed = list[list[tuple[str, str]]]


def _triggers(snap: Snapshot,
              last: dict[tuple[str, str], tuple[dt.datetime | None, dict[str, Any]]],
              subject_ids: npt.NDArray[np.object_], property_ids: npt.NDArray[np.object_],
              *, now: tuple[list[list[str]], list[list[str]], npt.NDArray[np.object_], Keyed],
              site_info: dict[str, tuple[str, str | None]],
              distance: dict[tuple[int, str], float], radius_m: float
              ) -> list[dict[str, Any]]:
    """Every row's triggers (:mod:`geo_era.casework.triggers`), by subject: ``now`` holds
    each row's sites within the radius, its minimum set, why the set cannot be worked
    out ("" when it can) and its hard conflicts."""
    sites, members, problems, keyed = now
    triggers = []
    for k in range(len(subject_ids)):
        subject_id, property_id = str(subject_ids[k]), str(property_ids[k])
        if keyed[k]:
            triggers.append(trigger(subject_id, property_id, "conflict_at_home",
                                    [message for _, message in keyed[k]], None))
        found = last.get((subject_id, property_id))
        if found is None:
            triggers.append(trigger(
                subject_id, property_id, "never_assessed",
                ["no assessment of this home is recorded: an ERA is needed"], None))
            continue
        at, before = found
        assessed_at = at.isoformat() if at else None
        triggers += [trigger(subject_id, property_id, kind, changes, assessed_at)
                     for kind, changes in (
                         ("environment", _environment(
                             before, sites[k], members[k], problems[k], k,
                             site_info=site_info, distance=distance, radius_m=radius_m)),
                         ("household", household_changes(snap, before, members[k])),
                         ("subject_record", subject_changes(snap, subject_id, before,
                                                            keyed[k])))
                     if changes]
    return triggers


def _environment(before: dict[str, Any], sites: list[str], members: list[str],
                 problem: str, k: int, *, site_info: dict[str, tuple[str, str | None]],
                 distance: dict[tuple[int, str], float], radius_m: float) -> list[str]:
    """Sites and minimum-set members that changed since the assessment ``before``."""
    changes = _site_changes(before, sites, k, site_info=site_info, distance=distance,
                            radius_m=radius_m)
    then_set = {p["property_id"] for p in
                (before.get("minimum_set") or {}).get("properties", [])}
    if problem:
        changes.append(f"the minimum set can no longer be worked out: {problem}")
        now_set = then_set
    else:
        now_set = set(members)
    if now_set - then_set:
        changes.append(f"{len(now_set - then_set)} dwelling(s) joined the minimum set")
    if then_set - now_set:
        changes.append(f"{len(then_set - now_set)} dwelling(s) left the minimum set")
    return changes


def _grouped(keys: IntArray, values: npt.NDArray[Any], n: int) -> list[list[str]]:
    """``values`` grouped by ``keys`` (0..n-1; ``keys`` sorted), as lists of strings."""
    keys = np.asarray(keys, dtype=np.int64)
    bounds = np.searchsorted(keys, np.arange(n + 1))
    flat = [str(v) for v in values.tolist()]
    return [flat[a:b] for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(),
                                      strict=True)]


def _zone_conflicts(snap: Snapshot, subject_ids: npt.NDArray[np.object_],
                    xy: npt.NDArray[np.float64]) -> Keyed:
    """Which homes lie inside one of their own subject's exclusion zones: one
    vectorised distance of every zone to its subject's home."""
    out: Keyed = [[] for _ in range(len(subject_ids))]
    zones = snap.zones
    if zones is None or not len(zones) or not len(subject_ids):
        return out
    # every (zone, home) pair of the same subject, a subject at two homes included
    pairs = pd.merge(
        pd.DataFrame({"subject": zones["subject_id"].astype(str).to_numpy(),
                      "zone": np.arange(len(zones))}),
        pd.DataFrame({"subject": subject_ids.astype(str), "home": np.arange(len(subject_ids))}),
        on="subject").sort_values(["home", "zone"], kind="stable")
    rows = pairs["zone"].to_numpy(np.int64)
    k = pairs["home"].to_numpy(np.int64)
    inside = shapely.distance(zones.geometry.to_numpy()[rows], shapely.points(xy[k])) == 0
    zone_ids = zones["zone_id"].astype(str).to_numpy()
    for row, home in zip(rows[inside].tolist(), k[inside].tolist(), strict=True):
        out[home].append((f"zone:{zone_ids[row]}", "the home is inside the subject's "
                          f"exclusion zone {zone_ids[row]}"))
    return out


def _condition_conflicts(snap: Snapshot, subject_ids: npt.NDArray[np.object_],
                         homes: IntArray, xy: npt.NDArray[np.float64], *,
                         out: Keyed,
                         progress: Callable[[int], object] | None) -> None:
    """Broken order conditions at home, for the subjects that have conditions."""
    try:
        subjects = snap.subjects
    except Exception:
        return
    if "conditions" not in subjects.columns:
        return
    text = subjects["conditions"].astype("string").fillna("").str.strip()
    with_conditions = set(subjects["subject_id"].astype(str)[
        ~text.isin(["", "[]", "null"]).to_numpy()])
    for k, subject_id in enumerate(subject_ids.tolist()):
        if subject_id in with_conditions:
            found = condition_findings(snap.subject(subject_id), homes[k:k + 1],
                                       xy[k:k + 1], engine=snap.engine, sites=snap.sites,
                                       areas=snap.areas)
            out[k] += [(conflict_key(f.to_dict(need_to_know=True)), f.message)
                       for f in found.conflicts[0]]
        if progress and (k + 1) % CHUNK == 0:
            progress(k + 1)
    if progress:
        progress(len(subject_ids))


def _last_assessments(engine: Engine, subject_ids: npt.NDArray[np.object_],
                      property_ids: npt.NDArray[np.object_]
                      ) -> dict[tuple[str, str], tuple[dt.datetime | None, dict[str, Any]]]:
    """The latest assessment snapshot of each (subject, property) pair, in one query."""
    wanted = set(zip(subject_ids.astype(str).tolist(), property_ids.astype(str).tolist(),
                     strict=True))
    if not wanted:
        return {}
    subjects = sorted({s for s, _ in wanted})
    found: dict[tuple[str, str], tuple[dt.datetime | None, dict[str, Any]]] = {}
    with session_scope(engine) as session:
        for start in range(0, len(subjects), 900):  # bound the IN list
            rows = session.execute(
                select(Case.subject_id, CaseProperty.property_id, CaseProperty.assessed_at,
                       CaseProperty.snapshot).join(Case)
                .where(Case.subject_id.in_(subjects[start:start + 900]),
                       CaseProperty.snapshot.is_not(None))
                .order_by(CaseProperty.assessed_at.desc()))
            for subject_id, property_id, assessed_at, snapshot in rows:
                key = (str(subject_id), str(property_id))
                if key in wanted and key not in found and snapshot is not None:
                    found[key] = (assessed_at, snapshot)
    return found


def _site_changes(before: dict[str, Any], now: list[str], k: int, *,
                  site_info: dict[str, tuple[str, str | None]],
                  distance: dict[tuple[int, str], float], radius_m: float) -> list[str]:
    then_sites = before.get("proximity", {}).get("sites", [])
    then_ids = {s["site_id"] for s in then_sites}
    now_ids = set(now)
    changes = []
    for site_id in now:
        if site_id not in then_ids:
            category, name = site_info[site_id]
            changes.append(f"new {category} {name or site_id} "
                           f"{distance[(k, site_id)]:.0f} m away")
    changes += [f"{s['category']} {s['name'] or s['site_id']} is no longer within "
                f"{radius_m:g} m" for s in then_sites if s["site_id"] not in now_ids]
    return changes

"""FICTIONAL sensitive layers of the demo town: subjects, exclusion zones, placements.

Every row is invented and marked: ids start with ``FICTIONAL-``, each row has
``fictional = True`` and every zone's reason starts with ``FICTIONAL:``. No row describes a
real person, victim or place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo_era.contract.schema import BNG, RISK_LEVELS
from geo_era.demo._tables import AnyArray, BoolArray, FloatArray, IntArray, or_none

#: Dates are relative to this fixed day so that the output is the same on every run.
REFERENCE_DATE = date(2025, 3, 31)

_VICTIM_PROFILES = ("children", "adults_at_risk", "women", "children,women", "men",
                    "elderly", "women,adults_at_risk", "children,adults_at_risk")
_VICTIM_P = (0.3, 0.1, 0.25, 0.12, 0.08, 0.05, 0.05, 0.05)
_SITE_CONDITIONS = ("school", "nursery", "play_park")


@dataclass
class PeopleInput:
    """What the sensitive layers are drawn from (all towns together).

    ``prop_town`` is each property's town number, ``dz_town`` each data zone's;
    ``councils`` the council name of every town and ``spare_councils`` names of
    councils outside the demo area (for out-of-area placements).
    """

    property_ids: AnyArray
    prop_town: IntArray
    prop_x: FloatArray
    prop_y: FloatArray
    prop_void: BoolArray
    dz_ids: AnyArray
    dz_town: IntArray
    dz_geom: AnyArray
    councils: list[str]
    spare_councils: list[str]


def _date(days_before: int) -> str:
    return (REFERENCE_DATE - timedelta(days=int(days_before))).isoformat()


def build_people(rng: np.random.Generator,
                 src: PeopleInput) -> tuple[pd.DataFrame, gpd.GeoDataFrame, pd.DataFrame]:
    """FICTIONAL subjects (about one per 370 properties, at least 5), their exclusion
    zones (about half of them; polygons in EPSG:27700, radius 200-600 m or a data zone)
    and placements (current ones and past ones back to about five years before
    :data:`REFERENCE_DATE`).

    Returns
    -------
    ``(subjects, exclusion_zones, placements)``.
    """
    n_prop = len(src.property_ids)
    n = max(5, round(n_prop / 370))
    subject_ids = [f"FICTIONAL-S{k:06d}" for k in range(1, n + 1)]
    housed = np.zeros(n, dtype=bool)
    housed[rng.choice(n, size=round(0.85 * n), replace=False)] = True
    candidates = np.flatnonzero(~src.prop_void)
    home = np.full(n, -1, dtype=np.int64)
    home[housed] = rng.choice(candidates, size=int(housed.sum()), replace=False)
    town = np.where(home >= 0, src.prop_town[np.maximum(home, 0)],
                    rng.integers(0, len(src.councils), n))
    dz_by_town = [np.flatnonzero(src.dz_town == t) for t in range(len(src.councils))]
    conditions = [_conditions(rng, src, dz_by_town[town[k]]) for k in range(n)]
    subjects = pd.DataFrame({
        "subject_id": pd.Series(subject_ids, dtype="str"),
        "mappa_category": rng.choice([1, 2, 3], size=n, p=[0.8, 0.12, 0.08]),
        "mappa_level": rng.choice([1, 2, 3], size=n, p=[0.85, 0.12, 0.03]),
        "risk_level": pd.Series(rng.choice(np.array(RISK_LEVELS), size=n,
                                           p=[0.3, 0.4, 0.22, 0.08]), dtype="str"),
        "victim_profile": pd.Series(rng.choice(np.array(_VICTIM_PROFILES), size=n,
                                               p=_VICTIM_P), dtype="str"),
        "conditions": pd.Series(conditions, dtype="str"),
        "current_property_id": pd.Series(
            or_none(src.property_ids[np.maximum(home, 0)], home >= 0), dtype="str"),
        "on_licence_or_order": rng.random(n) < 0.4,
        "registered_on": _registered(rng, n),
        "fictional": np.ones(n, dtype=bool),
    })
    zones = _zones(rng, src, subject_ids, dz_by_town)
    placements = _placements(rng, src, subject_ids, home, town)
    return subjects, zones, placements


def _registered(rng: np.random.Generator, n: int) -> pd.Series:
    """FICTIONAL registration dates (the annual MAPPA figures count new registrations):
    up to ten years before :data:`REFERENCE_DATE`, every twentieth (the fifth, the
    twenty-fifth, ...) not recorded.
    Drawn from a generator of their own, spawned from ``rng``, so that every other
    draw of the demo is what it was before the column was added."""
    own = rng.spawn(1)[0]
    days = own.integers(0, 3653, size=n)
    missing = np.arange(n) % 20 == 4
    return pd.Series([None if gone else _date(int(d)) for d, gone in zip(days, missing,
                                                                          strict=True)],
                     dtype="string")


def _conditions(rng: np.random.Generator, src: PeopleInput, town_zones: IntArray) -> str:
    """One subject's conditions (JSON): none to three of a distance from a kind of
    site, a data zone of its town to keep out of, and no building shared with
    children."""
    items: list[dict[str, object]] = []
    for kind in rng.choice(3, size=int(rng.choice(3, p=[0.5, 0.35, 0.15])), replace=False):
        if kind == 0:
            items.append({"type": "no_residence_within",
                          "category": str(rng.choice(_SITE_CONDITIONS)),
                          "metres": int(rng.choice(np.arange(200, 1001, 50)))})
        elif kind == 1:
            items.append({"type": "no_residence_in_area",
                          "area_id": str(src.dz_ids[rng.choice(town_zones)])})
        else:
            items.append({"type": "no_residence_same_building_as_children"})
    return json.dumps(items)


def _zones(rng: np.random.Generator, src: PeopleInput, subject_ids: list[str],
           dz_by_town: list[IntArray]) -> gpd.GeoDataFrame:
    """Exclusion zones of about half the subjects (at least one): a circle-ish polygon
    (radius 200-600 m) round a made-up victim location, or a data zone."""
    n_prop = len(src.property_ids)
    with_zone = np.flatnonzero(rng.random(len(subject_ids)) < 0.5)
    if len(with_zone) == 0:
        with_zone = np.array([0])
    m = len(with_zone)
    anchor = rng.integers(0, n_prop, m)
    circle = shapely.buffer(
        shapely.points(src.prop_x[anchor] + rng.uniform(-150, 150, m),
                       src.prop_y[anchor] + rng.uniform(-150, 150, m)),
        rng.uniform(200, 600, m), quad_segs=8)
    use_dz = rng.random(m) < 0.25
    dz_pick = np.array([rng.choice(dz_by_town[src.prop_town[a]]) for a in anchor],
                       dtype=np.int64)
    geom = np.where(use_dz, src.dz_geom[dz_pick], circle)
    return gpd.GeoDataFrame({
        "zone_id": pd.Series([f"FICTIONAL-Z{k:06d}" for k in range(1, m + 1)], dtype="str"),
        "subject_id": pd.Series(np.array(subject_ids, dtype=object)[with_zone], dtype="str"),
        "reason": pd.Series(np.where(use_dz, "FICTIONAL: victim's neighbourhood (data zone)",
                                     "FICTIONAL: victim's home area"), dtype="str"),
        "fictional": np.ones(m, dtype=bool),
    }, geometry=gpd.GeoSeries(geom, crs=BNG))


def _placements(rng: np.random.Generator, src: PeopleInput, subject_ids: list[str],
                home: IntArray, town: IntArray) -> pd.DataFrame:
    """Current placements of housed subjects and up to two earlier ones each (dates back
    to about five years before :data:`REFERENCE_DATE`); about one in ten, and at least
    two, are out-of-area placements (NASSO 3.13), one with consent recorded and one
    without."""
    n_prop = len(src.property_ids)
    subject: list[str] = []
    prop: list[int] = []
    start_day: list[int] = []
    end_day: list[int | None] = []
    for k, sid in enumerate(subject_ids):
        later = 0
        if home[k] >= 0:
            later = int(rng.integers(30, 5 * 365))
            subject.append(sid)
            prop.append(int(home[k]))
            start_day.append(later)
            end_day.append(None)
        elif rng.random() < 0.5:
            later = int(rng.integers(0, 365))
        else:
            continue
        for _ in range(int(rng.choice(3, p=[0.4, 0.4, 0.2]))):
            end = later + int(rng.integers(1, 60))
            start = end + int(rng.integers(90, 900))
            if start > 5 * 365 + 180:
                break
            subject.append(sid)
            prop.append(int(rng.integers(0, n_prop)))
            start_day.append(start)
            end_day.append(end)
            later = start
    n = len(subject)
    authority: list[str | None] = [None] * n
    consent: list[bool | None] = [None] * n
    n_out = min(n, max(2, round(0.1 * n)))
    for rank, row in enumerate(rng.choice(n, size=n_out, replace=False)):
        here = int(src.prop_town[prop[row]])
        others = [c for t, c in enumerate(src.councils) if t != here] or src.spare_councils
        authority[row] = str(rng.choice(others))
        consent[row] = rank != 1 and bool(rng.random() < 0.8 or rank == 0)
    frame = pd.DataFrame({
        "subject_id": pd.Series(subject, dtype="str"),
        "property_id": pd.Series([str(src.property_ids[q]) for q in prop], dtype="str"),
        "start_date": pd.Series([_date(d) for d in start_day], dtype="str"),
        "end_date": pd.Series([None if d is None else _date(d) for d in end_day],
                              dtype="str"),
        "placing_authority": pd.Series(authority, dtype="str"),
        "consent_recorded": pd.array(consent, dtype="boolean"),
        "fictional": np.ones(n, dtype=bool),
    })
    return frame

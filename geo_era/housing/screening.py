"""Void screening (NASSO 5.2, 5.3): which voids could house one subject, best first.

A SOLO with someone to house screens every void in the store (or a landlord's list) at
once instead of checking them one at a time.

**Hard conflicts** rule a void out, each with its reason: inside one of the subject's
victim-exclusion zones, or an order or licence condition broken (no residence within a
distance of a kind of site, in an area, or in a building where children live). They are
the conflicts ``geo-era check`` finds
(:mod:`geo_era.analysis.subject_check`), computed in one batch.

**Soft factors** score every void from 0 (least manageable) to 1, each shown with the
value behind it:

==================  ==========================================  ===========================
factor              value                                       score
==================  ==========================================  ===========================
school, nursery,    walking distance (m) to the nearest one     min(d / full_credit_walk_m,
play_park           (straight line when the void or the sites   1); 1 when there is none
                    are off the walking network)
profile_households  households in the minimum set that fit the  1 / (1 + n)
                    victim profile, or have no record of it
                    (only for profiles the data can show:
                    ``children``, ``adults_at_risk``)
licensed_premises   licensed premises within ``nearby_m``       1 / (1 + n)
                    (only for ``licensed_premises_profiles``)
cctv                CCTV cameras within ``nearby_m``            1 if any, else 0
set_size            dwellings in the minimum set (NASSO 3.9)    1 / (1 + n / half), half =
                                                                ``set_size_half_score``
==================  ==========================================  ===========================

A void's **score** is 100 x the weighted mean of the factors that apply to the subject
(weights and distances: :class:`geo_era.settings.ScreeningSettings`). A factor that
cannot be measured (a void with no building has no minimum set) scores 0: unknown counts
as least manageable, and says why. Voids not ruled out are ranked by score, highest
first, then by property id; ruled-out voids follow, unranked.

Everything is computed over arrays for a chunk of voids at a time (straight-line
distances by k-d tree, walking distances from the per-category distance fields of the
:class:`~geo_era.analysis.network.WalkNetwork`, minimum sets by
:meth:`~geo_era.analysis.minimum_set.ParameterEngine.member_pairs`). Metres, EPSG:27700.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo_era.analysis.subject_check import (
    DEFAULT_ZONE_WARNING_M,
    PROFILE_COLUMNS,
    Finding,
    condition_findings,
    zone_findings,
)
from geo_era.housing.void_lists import VoidList
from geo_era.settings import ScreeningSettings
from geo_era.workspace import Snapshot

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: The categories whose walking distance is a factor.
WALK_CATEGORIES = ("school", "nursery", "play_park")
#: Every factor, in the order shown.
FACTORS = (*WALK_CATEGORIES, "profile_households", "licensed_premises", "cctv", "set_size")
LABELS = {"school": "school", "nursery": "nursery", "play_park": "play park",
          "licensed_premises": "licensed premises", "cctv": "CCTV"}
#: Voids screened per batch (bounds memory; the progress bar moves per batch).
CHUNK = 2_000


def profile_words(profile: object) -> set[str]:
    """The words of a ``victim_profile`` value, lower case."""
    if profile is None or (isinstance(profile, float) and np.isnan(profile)) or \
            pd.isna(profile):  # type: ignore[call-overload]
        return set()
    return {w.strip().lower() for w in str(profile).split(",") if w.strip()}


def applying_factors(words: set[str], config: ScreeningSettings) -> dict[str, bool]:
    """Which factors count for a subject with these victim-profile words."""
    applies = dict.fromkeys(FACTORS, True)
    applies["profile_households"] = bool(words & set(PROFILE_COLUMNS))
    applies["licensed_premises"] = bool(words & set(config.licensed_premises_profiles))
    return applies


@dataclass(frozen=True)
class _Ask:
    """What is screened for: the subject, their zones, the household columns that show
    their victim profile, and the settings."""

    subject: pd.Series
    zones: gpd.GeoDataFrame
    profile_columns: list[str]
    config: ScreeningSettings
    zone_warning_m: float


@dataclass
class _Chunk:
    """What a batch of voids measured (or every batch, :meth:`join`-ed): per void, arrays
    in the order the voids were listed."""

    rows: IntArray
    conflicts: list[list[Finding]]
    warnings: list[list[Finding]]
    walk: dict[str, tuple[FloatArray, npt.NDArray[np.bool_], IntArray]]
    counts: dict[str, IntArray]
    set_size: IntArray
    profile_with: IntArray
    profile_unknown: IntArray
    set_problem: npt.NDArray[np.object_]

    @classmethod
    def join(cls, chunks: list[_Chunk]) -> _Chunk:
        def cat(name: str) -> npt.NDArray[Any]:
            return np.concatenate([getattr(c, name) for c in chunks])

        walk = {k: (np.concatenate([c.walk[k][0] for c in chunks]),
                    np.concatenate([c.walk[k][1] for c in chunks]),
                    np.concatenate([c.walk[k][2] for c in chunks]))
                for k in WALK_CATEGORIES}
        return cls(cat("rows"), [f for c in chunks for f in c.conflicts],
                   [f for c in chunks for f in c.warnings], walk,
                   {k: np.concatenate([c.counts[k] for c in chunks]) for k in chunks[0].counts},
                   cat("set_size"), cat("profile_with"), cat("profile_unknown"),
                   cat("set_problem"))

    @property
    def known(self) -> npt.NDArray[np.bool_]:
        """Whether each void's minimum set could be worked out."""
        known: npt.NDArray[np.bool_] = self.set_problem == ""
        return known


@dataclass
class Screening:
    """The screened voids of one subject, best first (see the module's docstring)."""

    subject_id: str
    source: str
    config: ScreeningSettings
    applies: dict[str, bool]
    walking_network: bool
    data_version: int
    voids: list[dict[str, Any]]
    notes: list[Finding]
    zones: list[dict[str, Any]]
    row_errors: list[dict[str, Any]]
    #: address points of ``voids`` in the same order, (n, 2) EPSG:27700
    xy: FloatArray = field(repr=False)

    @property
    def ranked(self) -> list[dict[str, Any]]:
        return [v for v in self.voids if not v["ruled_out"]]

    def to_dict(self, *, top: int | None = None) -> dict[str, Any]:
        """JSON-ready; ``top`` keeps the first ``top`` voids of the list (counts stay
        those of the whole screening)."""
        ruled_out = sum(v["ruled_out"] for v in self.voids)
        weights = self.config.weights.model_dump()
        return {
            "subject_id": self.subject_id,
            "source": self.source,
            "data_version": self.data_version,
            "counts": {"screened": len(self.voids), "ranked": len(self.voids) - ruled_out,
                       "ruled_out": ruled_out, "row_errors": len(self.row_errors),
                       "shown": len(self.voids) if top is None else min(top, len(self.voids))},
            "scoring": {
                "formula": "100 x the weighted mean of the scores (0-1) of the factors "
                           "that apply; ranked highest first, then by property id",
                "factors": {f: {"weight": weights[f], "applies": self.applies[f]}
                            for f in FACTORS},
                "full_credit_walk_m": self.config.full_credit_walk_m,
                "nearby_m": self.config.nearby_m,
                "set_size_half_score": self.config.set_size_half_score,
                "licensed_premises_profiles": list(self.config.licensed_premises_profiles),
                "walking_network": self.walking_network,
            },
            "notes": [_finding(f) for f in self.notes],
            "zones": self.zones,
            "row_errors": self.row_errors,
            "voids": self.voids if top is None else self.voids[:top],
        }


def _finding(finding: Finding) -> dict[str, Any]:
    """A finding with its evidence; a zone's reason and outline are given once, under
    ``zones``, not with every void."""
    return {"kind": finding.kind, "message": finding.message, **finding.evidence}


def screen(snap: Snapshot, subject_id: str, voids: VoidList, *,
           config: ScreeningSettings | None = None,
           zone_warning_m: float = DEFAULT_ZONE_WARNING_M,
           progress: Callable[[int], None] | None = None,
           chunk: int = CHUNK) -> Screening:
    """Screen ``voids`` for one subject: hard conflicts, factors, score and rank.
    ``progress`` is called with the number of voids done after each batch."""
    config = config or ScreeningSettings()
    subject = snap.subject(subject_id)
    zones = snap.zones_of(subject_id)
    words = profile_words(subject.get("victim_profile"))
    applies = applying_factors(words, config)
    ask = _Ask(subject, zones, [PROFILE_COLUMNS[w] for w in sorted(words)
                                if w in PROFILE_COLUMNS], config, zone_warning_m)
    chunks: list[_Chunk] = []
    notes: list[Finding] = []
    for start in range(0, len(voids.rows), chunk):
        rows = voids.rows[start:start + chunk]
        part, notes = _measure(snap, ask, rows)
        chunks.append(part)
        if progress is not None:
            progress(len(rows))
    if not chunks:  # an empty list: the subject's notes still stand
        _, notes = _measure(snap, ask, np.empty(0, dtype=np.int64))
    unmeasurable = sorted(words - set(PROFILE_COLUMNS))
    for word in unmeasurable:
        notes.append(Finding(
            "victim_profile_unchecked",
            f"the victim profile includes '{word}', which the data cannot show; look for it "
            "in the physical check (NASSO 3.8)", {"victim_profile": word}))
    documents, xy = _rank(snap, chunks, applies, config)
    return Screening(
        subject_id=subject_id, source=voids.source, config=config, applies=applies,
        walking_network=snap.network is not None, data_version=snap.data_version,
        voids=documents, notes=notes, zones=_zone_documents(zones),
        row_errors=[e.to_dict() for e in voids.errors], xy=xy)


def _zone_documents(zones: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    reasons = zones["reason"] if "reason" in zones.columns else [None] * len(zones)
    return [{"zone_id": str(z), "zone_reason": None if pd.isna(r) else str(r),
             "zone_geometry": json.loads(shapely.to_geojson(g))}
            for z, r, g in zip(zones["zone_id"], reasons, zones.geometry.to_numpy(),
                               strict=True)]


def _measure(snap: Snapshot, ask: _Ask, rows: IntArray) -> tuple[_Chunk, list[Finding]]:
    """Hard conflicts and factor values of one batch of voids."""
    xy = snap.properties.xy[rows]
    zoned = zone_findings(xy, ask.zones, warning_m=ask.zone_warning_m)
    found = condition_findings(ask.subject, rows, xy, engine=snap.engine, sites=snap.sites,
                               areas=snap.areas)
    conflicts = [a + b for a, b in zip(zoned.conflicts, found.conflicts, strict=True)]
    warnings = [a + b for a, b in zip(zoned.warnings, found.warnings, strict=True)]

    walk = _walk_distances(snap, xy)
    pairs = snap.sites.within(xy, ask.config.nearby_m)
    categories = snap.sites.categories[pairs.site]
    counts = {c: np.bincount(pairs.query[categories == c], minlength=len(rows)).astype(np.int64)
              for c in ("licensed_premises", "cctv")}

    engine = snap.engine
    problem = engine.set_problems(rows)
    i, j = engine.member_pairs(rows)
    sorter = np.argsort(rows, kind="stable")
    local = sorter[np.searchsorted(rows, i, sorter=sorter)]
    size = np.bincount(local, minlength=len(rows)).astype(np.int64)
    with_, unknown = np.zeros(len(rows), np.int64), np.zeros(len(rows), np.int64)
    if ask.profile_columns and len(j):
        fits = np.zeros(len(j), dtype=bool)
        missing = np.zeros(len(j), dtype=bool)
        for column in ask.profile_columns:
            values = engine.household(column)
            flags = (pd.Series(values[j], dtype="boolean") if values is not None
                     else pd.Series(pd.NA, index=range(len(j)), dtype="boolean"))
            fits |= flags.fillna(False).to_numpy(bool)
            missing |= flags.isna().to_numpy()
        missing &= ~fits
        with_ = np.bincount(local, weights=fits, minlength=len(rows)).astype(np.int64)
        unknown = np.bincount(local, weights=missing, minlength=len(rows)).astype(np.int64)
    part = _Chunk(rows, conflicts, warnings, walk, counts, size, with_, unknown, problem)
    return part, found.notes


def _walk_distances(snap: Snapshot, xy: FloatArray
                    ) -> dict[str, tuple[FloatArray, npt.NDArray[np.bool_], IntArray]]:
    """Per category: distance (m; inf when the category has no site), whether it was
    walked (else straight line), and the site's row (-1 when none)."""
    straight = snap.sites.nearest(xy, categories=WALK_CATEGORIES)
    out: dict[str, tuple[FloatArray, npt.NDArray[np.bool_], IntArray]] = {}
    walked: dict[str, tuple[FloatArray, IntArray]] = {}
    network = snap.network
    if network is not None and len(xy) and set(WALK_CATEGORIES) & set(network.per_category):
        walked = network.graph.nearest_by_category(network.graph.snap(xy), network.table,
                                                   network.access, WALK_CATEGORIES)
    for col, category in enumerate(WALK_CATEGORIES):
        d = straight.distance[:, col].copy()
        site = straight.site[:, col].copy()
        is_walk = np.zeros(len(xy), dtype=bool)
        if category in walked:
            wd, ws = walked[category]
            ok = np.isfinite(wd) & (ws >= 0)
            d[ok], site[ok], is_walk[ok] = wd[ok], ws[ok], True
        out[category] = (d, is_walk, site)
    return out


def _factor_scores(m: _Chunk, config: ScreeningSettings) -> dict[str, FloatArray]:
    """Each factor's score (0 least manageable, 1 most) of every void."""
    scores: dict[str, FloatArray] = {}
    for category in WALK_CATEGORIES:
        d = m.walk[category][0]
        scores[category] = np.where(np.isfinite(d),
                                    np.minimum(d / config.full_credit_walk_m, 1.0), 1.0)
    profile_n = m.profile_with + m.profile_unknown
    scores["profile_households"] = np.where(m.known, 1.0 / (1.0 + profile_n), 0.0)
    scores["licensed_premises"] = (1.0 / (1.0 + m.counts["licensed_premises"])
                                   ).astype(np.float64)
    scores["cctv"] = (m.counts["cctv"] > 0).astype(float)
    scores["set_size"] = np.where(m.known, 1.0 / (1.0 + m.set_size
                                                  / config.set_size_half_score), 0.0)
    return scores


def _rank(snap: Snapshot, chunks: list[_Chunk], applies: dict[str, bool],
          config: ScreeningSettings) -> tuple[list[dict[str, Any]], FloatArray]:
    """Score every void, order them, and write each one's document."""
    if not chunks:
        return [], np.empty((0, 2))
    m = _Chunk.join(chunks)
    scores = _factor_scores(m, config)
    weights = config.weights.model_dump()
    used = {f: weights[f] if applies[f] else 0.0 for f in FACTORS}
    total = sum(used.values()) or 1.0
    score = np.round(100.0 * sum(used[f] * scores[f] for f in FACTORS) / total, 1)

    ruled_out = np.array([bool(c) for c in m.conflicts], dtype=bool)
    pids = snap.engine.properties["property_id"].astype(str).to_numpy(dtype=object)[m.rows]
    key = np.where(ruled_out, -1.0, score)
    order = np.lexsort((pids, -key))  # manageable by score, then id; ruled out last by id
    rank = np.zeros(len(m.rows), dtype=np.int64)
    manageable_order = order[~ruled_out[order]]
    rank[manageable_order] = np.arange(1, len(manageable_order) + 1)

    writer = _Documents(snap, m, scores, applies, config)
    addresses = snap.properties.address[m.rows]
    documents = [{
        "property_id": str(pids[k]), "address": str(addresses[k]),
        "ruled_out": bool(ruled_out[k]),
        "rank": None if ruled_out[k] else int(rank[k]),
        "score": None if ruled_out[k] else float(score[k]),
        "reasons": [_finding(f) for f in m.conflicts[k]],
        "warnings": [_finding(f) for f in m.warnings[k]],
        "factors": writer.factors(k),
    } for k in order.tolist()]
    return documents, snap.properties.xy[m.rows][order]


class _Documents:
    """Writes each void's factors: value, unit, score, weight, whether it applies, and
    a note saying what the value is."""

    def __init__(self, snap: Snapshot, measured: _Chunk, scores: dict[str, FloatArray],
                 applies: dict[str, bool], config: ScreeningSettings) -> None:
        self.m, self.scores, self.applies, self.config = measured, scores, applies, config
        self.weights = config.weights.model_dump()
        network = snap.network
        self.walked_ids = network.site_ids if network is not None else snap.sites.site_ids
        self.walked_names = network.site_names if network is not None else snap.sites.names
        self.straight_ids, self.straight_names = snap.sites.site_ids, snap.sites.names

    def _factor(self, name: str, value: float | None, unit: str, score: float,
                note: str) -> dict[str, Any]:
        return {"value": value, "unit": unit, "score": round(float(score), 3),
                "weight": self.weights[name], "applies": self.applies[name], "note": note}

    def factors(self, k: int) -> dict[str, dict[str, Any]]:
        """The factors of the void at position ``k``, in :data:`FACTORS` order."""
        m, scores = self.m, self.scores
        factors = {category: self._walk(category, k) for category in WALK_CATEGORIES}
        if m.known[k]:
            n_with, n_unknown = int(m.profile_with[k]), int(m.profile_unknown[k])
            factors["profile_households"] = self._factor(
                "profile_households", n_with + n_unknown, "households",
                scores["profile_households"][k],
                f"{n_with} fit the victim profile, {n_unknown} have no record")
            factors["set_size"] = self._factor("set_size", int(m.set_size[k]), "dwellings",
                                               scores["set_size"][k],
                                               "dwellings in the NASSO 3.9 minimum set")
        else:
            why = f"unknown: {m.set_problem[k]}; counted as least manageable"
            factors["profile_households"] = self._factor("profile_households", None,
                                                         "households", 0.0, why)
            factors["set_size"] = self._factor("set_size", None, "dwellings", 0.0, why)
        for category, unit in (("licensed_premises", "premises"), ("cctv", "cameras")):
            factors[category] = self._factor(
                category, int(m.counts[category][k]), unit, scores[category][k],
                f"within {self.config.nearby_m:g} m in a straight line")
        return {name: factors[name] for name in FACTORS}

    def _walk(self, category: str, k: int) -> dict[str, Any]:
        """A walking-distance factor: on foot where walked, else in a straight line."""
        d, is_walk, site = (self.m.walk[category][0][k], self.m.walk[category][1][k],
                            int(self.m.walk[category][2][k]))
        if site < 0:
            value, note = None, f"no {LABELS[category]} in the data"
        else:
            ids, names = ((self.walked_ids, self.walked_names) if is_walk else
                          (self.straight_ids, self.straight_names))
            value = round(float(d), 1)
            how = "on foot" if is_walk else "in a straight line (no walking route)"
            note = f"{names[site] or ids[site]} ({ids[site]}), {value:g} m {how}"
        return self._factor(category, value, "m", self.scores[category][k], note)

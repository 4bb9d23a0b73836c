"""Over-concentration of placements (NASSO 5.2): counts, rates, location quotients and
hot spots per area, as at 31 March of a year.

A *placement* (the ``placements`` layer) is current on a date when it started on or
before it and has not ended by it (``end_date`` empty or later). Each placement counts
in the areas its property's address point lies in (EPSG:27700, point in polygon; a point
on a shared boundary counts once, in the first area in layer order).

For each area of one type (``data_zone``, ``ward``, ``council``) within an authority:

- ``count``: current placements on 31 March;
- ``rate_per_100k``: count per 100,000 residents (``population``);
- ``rate_per_1k_households``: count per 1,000 households (``households``);
- ``location_quotient``: the area's share of the authority's placements over its share of
  the authority's population, (count_i / pop_i) / (count_all / pop_all): 1 is the
  authority's rate, 2 twice it. Undefined (None) where the population is unknown or 0,
  or the authority has no placements;
- ``change``: count minus the count a year before, and the counts of earlier years.

Hot spots are Getis-Ord Gi* (esda ``G_Local`` with ``star=True``) of the rate per 1,000
households over queen-contiguity weights (libpysal), with permutation inference and the
false-discovery-rate threshold of esda (Benjamini-Hochberg) across all areas.
"""

from __future__ import annotations

import datetime as dt
import sys
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo_era.errors import DataError

if TYPE_CHECKING:
    from types import ModuleType

    from libpysal.weights import W

#: The date in each year the published figures are taken at.
SNAPSHOT_MONTH_DAY = (3, 31)
#: Significance level for hot spots, after false-discovery-rate control.
ALPHA = 0.05
#: Permutations for Gi* pseudo p-values.
PERMUTATIONS = 999


def as_at(year: int) -> dt.date:
    """31 March of ``year``."""
    return dt.date(year, *SNAPSHOT_MONTH_DAY)


def current_on(placements: pd.DataFrame, day: dt.date) -> npt.NDArray[np.bool_]:
    """Which placements are current on ``day``: started on or before it, not ended by
    it."""
    start = pd.to_datetime(placements["start_date"], errors="coerce")
    if start.isna().any():
        rows = np.flatnonzero(start.isna().to_numpy())[:5] + 1
        raise DataError(f"placements rows {', '.join(map(str, rows))} have no valid "
                        "start_date; give ISO dates such as 2025-03-31")
    end = (pd.to_datetime(placements["end_date"], errors="coerce")
           if "end_date" in placements.columns else pd.Series(pd.NaT, index=placements.index))
    when = pd.Timestamp(day)
    current: npt.NDArray[np.bool_] = ((start <= when) & (end.isna() | (end > when))).to_numpy()
    return current


def areas_of(areas: gpd.GeoDataFrame, area_type: str, *, within: str | None = None
             ) -> gpd.GeoDataFrame:
    """The areas of one type, optionally only those whose ``parent_id`` is ``within`` or
    that lie inside the area named or identified ``within`` (an authority)."""
    chosen = areas[areas["area_type"].astype(str) == area_type]
    if within is None:
        return chosen.reset_index(drop=True)
    parent = areas[(areas["area_id"].astype(str) == within)
                   | (areas.get("name", pd.Series(dtype=str)).astype(str) == within)]
    if "parent_id" in chosen.columns and len(parent):
        by_parent = chosen["parent_id"].astype(str).isin(parent["area_id"].astype(str))
        if by_parent.any():
            return chosen[by_parent].reset_index(drop=True)
    if not len(parent):
        names = sorted(areas.loc[areas["area_type"].astype(str) == "council", "name"]
                       .dropna().astype(str))
        raise DataError(f"authority {within!r} is not in the areas layer; councils loaded: "
                        f"{', '.join(names) or 'none'}")
    outline = shapely.union_all(parent.geometry.to_numpy())
    inside = shapely.within(shapely.point_on_surface(chosen.geometry.to_numpy()), outline)
    return chosen[inside].reset_index(drop=True)


def locate(points: npt.NDArray[np.float64], areas: gpd.GeoDataFrame) -> npt.NDArray[np.int64]:
    """For each point (``(n, 2)``, EPSG:27700) the position of the area holding it (-1
    outside every one): one STRtree query."""
    out = np.full(len(points), -1, dtype=np.int64)
    if not len(points) or not len(areas):
        return out
    tree = shapely.STRtree(areas.geometry.to_numpy())
    point, area = tree.query(shapely.points(points), predicate="intersects")
    order = np.lexsort((area, point))  # the first area in layer order wins
    point, area = point[order], area[order]
    first = np.r_[True, point[1:] != point[:-1]]
    out[point[first]] = area[first]
    return out


@dataclass(frozen=True)
class AreaCounts:
    """Counts per area for a run of years (columns: years ascending)."""

    areas: gpd.GeoDataFrame
    counts: pd.DataFrame


def count_by_area(placements: pd.DataFrame, properties: gpd.GeoDataFrame,
                  areas: gpd.GeoDataFrame, years: list[int]) -> AreaCounts:
    """Current placements on 31 March of each year, per area (rows in ``areas``'
    order)."""
    xy_of = pd.Series(np.arange(len(properties)),
                      index=properties["property_id"].astype(str))
    rows = xy_of.reindex(placements["property_id"].astype(str).to_numpy()).to_numpy()
    placed = ~np.isnan(rows)
    points = shapely.get_coordinates(properties.geometry.to_numpy()).reshape(-1, 2)
    where = np.full(len(placements), -1, dtype=np.int64)
    where[placed] = locate(points[rows[placed].astype(np.int64)], areas)
    counts = {}
    for year in years:
        now = current_on(placements, as_at(year)) & (where >= 0)
        counts[year] = np.bincount(where[now], minlength=len(areas))
    return AreaCounts(areas, pd.DataFrame(counts, index=areas["area_id"].astype(str)))


def _ratio(numerator: npt.NDArray[Any], denominator: npt.NDArray[Any], scale: float
           ) -> npt.NDArray[np.float64]:
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    out = np.full(len(num), np.nan)
    ok = np.isfinite(den) & (den > 0)
    out[ok] = num[ok] / den[ok] * scale
    return out


def rates(counts: pd.Series, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Rates per 100,000 residents and per 1,000 households, and location quotients
    against the whole of ``areas`` (the authority), for one year's counts."""
    population = pd.to_numeric(areas.get("population"), errors="coerce").to_numpy(float) \
        if "population" in areas.columns else np.full(len(areas), np.nan)
    households = pd.to_numeric(areas.get("households"), errors="coerce").to_numpy(float) \
        if "households" in areas.columns else np.full(len(areas), np.nan)
    count = counts.to_numpy(dtype=float)
    rate = _ratio(count, population, 100_000)
    known = np.isfinite(population) & (population > 0)
    overall = count[known].sum() / population[known].sum() * 100_000 \
        if known.any() and population[known].sum() > 0 else np.nan
    lq = rate / overall if np.isfinite(overall) and overall > 0 else np.full(len(count), np.nan)
    return pd.DataFrame({"count": counts.to_numpy(dtype=np.int64),
                         "population": population, "households": households,
                         "rate_per_100k": rate,
                         "rate_per_1k_households": _ratio(count, households, 1_000),
                         "location_quotient": lq}, index=counts.index)


@dataclass(frozen=True)
class HotSpots:
    """Gi* of each area: z-score, pseudo p-value, and whether it is a hot (or cold)
    spot at :data:`ALPHA` after false-discovery-rate control."""

    z: npt.NDArray[np.float64]
    p: npt.NDArray[np.float64]
    threshold: float
    hot: npt.NDArray[np.bool_]
    cold: npt.NDArray[np.bool_]


def queen_weights(areas: gpd.GeoDataFrame) -> W:
    """Queen contiguity weights of the areas (libpysal), in ``areas``' order; an area
    with no neighbour (an island) keeps only itself under Gi*."""
    from libpysal.weights import Queen  # noqa: PLC0415  (slow import)

    return Queen.from_dataframe(areas.reset_index(drop=True), use_index=False,
                                silence_warnings=True)


def _esda() -> ModuleType:
    """esda, its numba functions run as the plain Python they are written in.

    With numba installed (geo_era's proximity kernels use it) esda compiles its
    permutation test afresh in every process, uncached: 20-35 s before the first Gi* on
    this machine, against well under a second for the same test in Python on a
    council's few hundred data zones. Its results are the same either way.
    """
    import esda  # noqa: PLC0415  (slow import)

    global _esda_plain  # noqa: PLW0603
    if not _esda_plain:
        from numba import prange, types  # noqa: PLC0415
        from numba.core.registry import CPUDispatcher  # noqa: PLC0415

        for name, module in list(sys.modules.items()):
            if module is None or not (name == "esda" or name.startswith("esda.")):
                continue
            for attr, value in list(vars(module).items()):
                if isinstance(value, CPUDispatcher):
                    setattr(module, attr, value.py_func)
                elif value is prange:
                    setattr(module, attr, range)
                elif value is types.boolean:
                    setattr(module, attr, bool)
        _esda_plain = True
    plain: ModuleType = esda
    return plain


_esda_plain = False


def hot_spots(values: npt.NDArray[np.float64], weights: W | None, *, seed: int = 0,
              permutations: int = PERMUTATIONS, alpha: float = ALPHA) -> HotSpots:
    """Getis-Ord Gi* of ``values`` with esda, permutation p-values, and the
    Benjamini-Hochberg threshold (``esda.fdr``)."""
    esda = _esda()
    y = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
    if not len(y) or np.all(y == y[0]):
        empty = np.zeros(len(y), dtype=bool)
        return HotSpots(np.zeros(len(y)), np.ones(len(y)), 0.0, empty, empty)
    with warnings.catch_warnings():
        # esda 2.x announces a future change of its permutation test's default
        # alternative, which G_Local does not let a caller choose; results are esda's own
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="esda")
        g = esda.G_Local(y, weights, star=True, permutations=permutations, seed=seed,
                         transform="B", n_jobs=1)
    threshold = float(esda.fdr(g.p_sim, alpha))
    significant = g.p_sim <= threshold
    z = np.asarray(g.Zs, dtype=float)
    return HotSpots(z, np.asarray(g.p_sim, dtype=float), threshold,
                    significant & (z > 0), significant & (z < 0))


@dataclass(frozen=True)
class OutOfArea:
    """Current out-of-area placements (NASSO 3.13) on a date: counts by placing
    (rows) and receiving (columns) authority, and those with no recorded consent of
    the receiving authority (for internal reports only: they name subjects)."""

    counts: pd.DataFrame
    without_consent: pd.DataFrame


def out_of_area(placements: pd.DataFrame, properties: gpd.GeoDataFrame,
                councils: gpd.GeoDataFrame, day: dt.date) -> OutOfArea:
    """Out-of-area placements current on ``day``: the receiving authority is the
    council the property lies in, the placing one ``placing_authority`` (the same
    council when empty)."""
    row_of = pd.Series(np.arange(len(properties)), index=properties["property_id"].astype(str))
    rows = row_of.reindex(placements["property_id"].astype(str).to_numpy()).to_numpy()
    placed = ~np.isnan(rows)
    points = shapely.get_coordinates(properties.geometry.to_numpy()).reshape(-1, 2)
    where = np.full(len(placements), -1, dtype=np.int64)
    where[placed] = locate(points[rows[placed].astype(np.int64)], councils)
    names = councils["name"].astype("string").fillna(councils["area_id"].astype("string"))
    receiving = pd.Series(np.where(where >= 0, names.to_numpy(dtype=object)[where], None),
                          index=placements.index, dtype="string")
    placing = (placements["placing_authority"].astype("string").str.strip()
               if "placing_authority" in placements.columns
               else pd.Series(pd.NA, index=placements.index, dtype="string"))
    placing = placing.mask(placing == "")
    placing = placing.fillna(receiving)
    moved = (current_on(placements, day) & receiving.notna().to_numpy()
             & (placing != receiving).fillna(False).to_numpy())
    chosen = pd.DataFrame({"placing_authority": placing[moved],
                           "receiving_authority": receiving[moved]})
    counts = pd.crosstab(chosen["placing_authority"], chosen["receiving_authority"])
    consent = (placements["consent_recorded"].astype("boolean")
               if "consent_recorded" in placements.columns
               else pd.Series(pd.NA, index=placements.index, dtype="boolean"))
    lacking = moved & ~consent.fillna(False).to_numpy(bool)
    without = pd.DataFrame({
        "subject_id": placements["subject_id"].astype(str)[lacking],
        "property_id": placements["property_id"].astype(str)[lacking],
        "placing_authority": placing[lacking], "receiving_authority": receiving[lacking],
        "start_date": placements["start_date"].astype(str)[lacking]}).reset_index(drop=True)
    return OutOfArea(counts, without)

"""The annual over-concentration report of one authority (NASSO 5.2; the annual MAPPA
figures): the tables, the areas of concern and the narrative, internal or for
publication.

What it holds, as at 31 March of the year and the years before it:

- **the authority**: current placements, per 100,000 residents and per 1,000
  households, and the change on each earlier year;
- **each level of area** inside the authority the ``areas`` layer has (``ward``,
  ``data_zone``): counts per year, the change on the year before, rates, location
  quotients against the authority, and Getis-Ord Gi* of the rate per 1,000 households
  with its permutation p-value and hot (cold) spot after false-discovery-rate control;
- **areas of concern**: contiguous groups of Gi* hot spots (queen contiguity), each
  named by its areas' neighbourhoods, with its placements, rate and how many times the
  authority's rate it is;
- **out-of-area placements** (NASSO 3.13) into and out of the authority by placing and
  receiving authority, and, internally, those with no recorded consent.

Two versions:

- **internal** (``published=False``): exact figures, the hot-spot statistics of every
  area and the placements without consent (they name subjects). Marked
  OFFICIAL-SENSITIVE.
- **for publication** (``published=True``): disclosure control
  (:func:`geo_era.overconcentration.disclosure.publishable`) on every count table: under 10
  suppressed
  (``[c]``), the rest rounded to base 5, complementary suppression until no suppressed
  count can be narrowed below 10 from the totals. Each year's table of one level is
  protected as one table with the authority's total, so only one level is published
  (the finest, or the one asked for): a ward table beside a data-zone table would let
  a reader difference them. Rates are worked from the published counts (an exact rate
  would give the exact count away), and location quotients compare each area's
  published rate with the authority's published rate (its published total over its
  whole population), never with the published areas alone, which are the ones with the
  most placements; the change on a year is the
  difference of the published counts. Gi* statistics are not published; an area of
  concern is named (no figures) only when its group holds at least the threshold of
  placements. The consent list is left out.

Geometry is EPSG:27700 (metres); rates count residents and households of the areas
layer (``population``, ``households``).

This module holds the report and how it is built from the layers' frames; the map
classes and how figures are shown are in :mod:`~geo_era.overconcentration.classes`, the
narrative in :mod:`~geo_era.overconcentration.narrative`, and reading the layers of a
store (audited) in :mod:`~geo_era.overconcentration.loading`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components

from geo_era.errors import DataError, NotFoundError
from geo_era.overconcentration.classes import lq_classes, shown_number
from geo_era.overconcentration.disclosure import (
    BASE,
    MARKER,
    THRESHOLD,
    TOTAL,
    publishable,
    round_to_base,
)
from geo_era.overconcentration.narrative import narrative
from geo_era.overconcentration.statistics import (
    PERMUTATIONS,
    AreaCounts,
    HotSpots,
    areas_of,
    as_at,
    count_by_area,
    current_on,
    hot_spots,
    locate,
    out_of_area,
    queen_weights,
    rates,
)

__all__ = ["BASE", "HISTORY", "INTERNAL_MARKING", "LEVELS", "PUBLISHED_MARKING",
           "THRESHOLD", "Concern", "LevelTable", "Report", "authority_row", "build_report"]

#: Protective marking of the internal report.
INTERNAL_MARKING = "OFFICIAL-SENSITIVE"
#: Marking of the version for publication.
PUBLISHED_MARKING = "OFFICIAL — FOR PUBLICATION (disclosure control applied)"
#: Sub-council levels, coarsest first, and how the report names them.
LEVELS = {"ward": ("Ward", "wards"), "data_zone": ("Data zone", "data zones")}
#: Years shown before the report's year.
HISTORY = 4


@dataclass(frozen=True)
class LevelTable:
    """One level of areas inside the authority.

    ``table`` is indexed by ``area_id`` with ``name``, ``population``, ``households``,
    ``count_<year>`` for each year (nullable integers: ``<NA>`` where suppressed),
    ``count`` (the report's year), ``change`` (on the year before), ``rate_per_100k``,
    ``rate_per_1k_households``, ``location_quotient``, ``lq_class`` (the map's class,
    a label of :data:`LQ_CLASSES`) and, internally, ``gi_z``, ``gi_p`` and
    ``hot_spot`` (``hot``, ``cold`` or empty). ``areas`` are the polygons in the
    table's order (EPSG:27700)."""

    level: str
    areas: gpd.GeoDataFrame
    table: pd.DataFrame
    hot: HotSpots
    suppressed: int

    @property
    def title(self) -> str:
        return LEVELS.get(self.level, (self.level.replace("_", " ").capitalize(), ""))[0]

    @property
    def plural(self) -> str:
        return LEVELS.get(self.level, ("", self.level.replace("_", " ") + "s"))[1]


@dataclass(frozen=True)
class Concern:
    """A contiguous group of Gi* hot spots of one level."""

    label: str
    area_ids: list[str]
    names: list[str]
    count: int
    households: float
    rate_per_1k_households: float
    times_authority: float
    change: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "areas": len(self.area_ids), "area_ids": self.area_ids,
                "names": self.names, "count": self.count,
                "rate_per_1k_households": _finite(self.rate_per_1k_households),
                "times_authority": _finite(self.times_authority), "change": self.change}


@dataclass(frozen=True)
class Report:
    """The over-concentration report of one authority and year (see the module)."""

    authority: str
    authority_id: str
    year: int
    years: list[int]
    published: bool
    fictional: bool
    data_version: int | None
    generated: dt.datetime
    authority_table: pd.DataFrame
    levels: list[LevelTable]
    concern_level: str | None
    concerns: list[Concern]
    out_of_area: pd.DataFrame
    without_consent: pd.DataFrame | None
    narrative: list[str] = field(default_factory=list)
    seed: int = 0
    permutations: int = PERMUTATIONS
    #: internally and when asked: the placements current on 31 March in the authority,
    #: as points (EPSG:27700), with the subject, property, start and data zone
    placements: gpd.GeoDataFrame | None = None

    @property
    def as_at(self) -> dt.date:
        return as_at(self.year)

    @property
    def marking(self) -> str:
        return PUBLISHED_MARKING if self.published else INTERNAL_MARKING

    def level(self, name: str) -> LevelTable:
        for table in self.levels:
            if table.level == name:
                return table
        raise DataError(f"the report has no {name} table; it has "
                        f"{', '.join(t.level for t in self.levels) or 'none'}")

    def tables(self) -> dict[str, pd.DataFrame]:
        """The report's tables as written to CSV, by file stem: ``authority``, one per
        level, ``areas_of_concern``, ``out_of_area`` and, internally,
        ``out_of_area_without_consent``. Suppressed counts are :data:`MARKER`."""
        authority = _shown(self.authority_table)
        authority.loc[0, "change"] = ""  # the first year has none to compare with
        out: dict[str, pd.DataFrame] = {"authority": authority}
        for level in self.levels:
            out[level.level] = _shown(level.table)
        out["areas_of_concern"] = pd.DataFrame(
            [_concern_row(c, self.published) for c in self.concerns],
            columns=_concern_columns(self.published))
        out["out_of_area"] = self.out_of_area
        if self.without_consent is not None:
            out["out_of_area_without_consent"] = self.without_consent
        return out

    def layers(self) -> dict[str, pd.DataFrame]:
        """The report's tables for a GeoPackage (:mod:`geo_era.documents.geopackage`),
        by layer name: each level's areas with their figures as polygons (EPSG:27700;
        suppressed counts NULL), ``areas_of_concern`` as the outlines of their areas,
        and the tables with no place (``authority``, ``out_of_area``, internally
        ``out_of_area_without_consent``) as attribute tables; with the placements as
        points when the internal report was asked for them."""
        out: dict[str, pd.DataFrame] = {"authority": self.authority_table}
        for level in self.levels:
            out[level.level] = gpd.GeoDataFrame(
                level.table, geometry=level.areas.geometry.to_numpy(), crs=level.areas.crs)
        finest = self.level(self.concern_level) if self.concern_level else self.levels[-1]
        by_id = finest.areas.set_index(finest.areas["area_id"].astype(str)).geometry
        rows = [_concern_row(c, self.published) for c in self.concerns]
        outlines = [shapely.union_all(by_id.loc[c.area_ids].to_numpy()) for c in self.concerns]
        out["areas_of_concern"] = gpd.GeoDataFrame(
            pd.DataFrame(rows, columns=_concern_columns(self.published)),
            geometry=outlines, crs=finest.areas.crs)
        out["out_of_area"] = self.out_of_area
        if self.without_consent is not None:
            out["out_of_area_without_consent"] = self.without_consent
        if self.placements is not None:
            out["placements"] = self.placements
        return out

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON: marking, narrative, areas of concern, the tables
        (suppressed counts ``[c]``, unknown figures ``None``) and the Gi* settings."""
        tables = {name: frame.astype(object).where(frame.notna(), None).to_dict("records")
                  for name, frame in self.tables().items()}
        return {"marking": self.marking, "authority": self.authority,
                "as_at": self.as_at.isoformat(), "years": self.years,
                "published": self.published, "fictional": self.fictional,
                "data_version": self.data_version, "narrative": self.narrative,
                "areas_of_concern": tables.pop("areas_of_concern"), "tables": tables,
                "gi_star": {"permutations": self.permutations, "seed": self.seed,
                            "authority_rate_per_1k_households": shown_number(
                                self.authority_table["rate_per_1k_households"].iloc[-1],
                                2)}}


def build_report(areas: gpd.GeoDataFrame, properties: gpd.GeoDataFrame,
                 placements: pd.DataFrame, *, authority: str, year: int,
                 published: bool = False, level: str | None = None,
                 history: int = HISTORY, seed: int = 0,
                 permutations: int = PERMUTATIONS, data_version: int | None = None,
                 now: dt.datetime | None = None, with_placements: bool = False) -> Report:
    """The report of ``authority`` (a council's name or area id in ``areas``) as at 31
    March ``year``, with ``history`` years before it.

    ``level`` chooses the one level a published report shows (default: the finest the
    authority has); an internal report shows every level. ``seed`` and
    ``permutations`` are Gi*'s (same seed, same p-values). ``with_placements`` adds
    the placements current on 31 March in the authority as points (internal only: a
    report for publication refuses them).

    Raises :class:`DataError` for an unknown authority or level, or an authority with no
    areas inside it.
    """
    if with_placements and published:
        raise DataError("placements as points are never published: ask for the internal "
                        "report to have them")
    if not 1990 <= year <= 2100:
        raise DataError(f"year {year} is out of range: give the year of the 31 March "
                        "snapshot, e.g. 2026")
    if not 0 <= history <= 20:
        raise DataError("history is the number of earlier years shown, 0 to 20")
    council = authority_row(areas, authority)
    within = str(council["area_id"])
    years = list(range(year - history, year + 1))
    shown = _shown_levels(areas, within, authority, level=level, published=published)
    counted = {name: count_by_area(placements, properties,
                                   areas_of(areas, name, within=within), years)
               for name in shown}
    authority_table = _authority_table(council, counted[shown[-1]], years,
                                       published=published)
    per_person = _per_person(authority_table.loc[year, "count"],
                             authority_table.loc[year, "population"])
    tables = [_level_table(name, counted[name], years, per_person, published=published,
                           seed=seed, permutations=permutations) for name in shown]
    concern_level = "data_zone" if "data_zone" in shown else tables[-1].level
    concern_table = next(t for t in tables if t.level == concern_level)
    concerns = _concerns(concern_table, counted[concern_level], authority_table, year,
                         published=published)
    name = str(council["name"])
    flows, without = _out_of_area(areas, properties, placements, name, year,
                                  published=published)
    report = Report(
        authority=name, authority_id=within, year=year, years=years, published=published,
        fictional=_fictional(placements), data_version=data_version,
        generated=now or dt.datetime.now(dt.UTC), authority_table=authority_table,
        levels=tables, concern_level=concern_level, concerns=concerns, out_of_area=flows,
        without_consent=without, seed=seed, permutations=permutations,
        placements=_points(placements, properties, areas_of(areas, tables[-1].level,
                                                            within=within), year)
        if with_placements else None)
    report.narrative.extend(narrative(report))
    return report


def _shown_levels(areas: gpd.GeoDataFrame, within: str, authority: str, *,
                  level: str | None, published: bool) -> list[str]:
    """The levels the report shows: every level the authority has (internal), or the
    one asked for or the finest (published)."""
    present = [name for name in _level_names(areas)
               if len(areas_of(areas, name, within=within))]
    if level is not None and level not in present:
        raise NotFoundError(f"{authority} has no {level!r} areas in the areas layer; it has "
                            f"{', '.join(present) or 'none'}")
    if not present:
        raise DataError(f"no ward or data zone lies in {authority}: load its areas "
                        "(area_type 'ward' or 'data_zone', parent_id the council's "
                        "area_id) before reporting")
    return present if not published else [level or present[-1]]


def _out_of_area(areas: gpd.GeoDataFrame, properties: gpd.GeoDataFrame,
                 placements: pd.DataFrame, name: str, year: int, *, published: bool
                 ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The out-of-area placements into and out of council ``name`` (NASSO 3.13) as a
    table, and, internally, those of them with no recorded consent."""
    councils = areas[areas["area_type"].astype(str) == "council"].reset_index(drop=True)
    moved = out_of_area(placements, properties, councils, as_at(year))
    touching = moved.counts
    if len(touching):
        rows = [r for r in touching.index if r == name]
        columns = [c for c in touching.columns if c == name]
        touching = touching.loc[:, columns] if columns else touching.iloc[:, :0]
        into = touching.rename(columns={name: f"into {name}"})
        out_of = moved.counts.loc[rows].T.rename(columns={name: f"placed by {name}"}) \
            if rows else pd.DataFrame()
        flows = pd.concat([into, out_of], axis=1).fillna(0).astype(np.int64)
        flows = flows[(flows.sum(axis=1) > 0)] if len(flows) else flows
    else:
        flows = pd.DataFrame()
    without = None
    if not published:
        lacking = moved.without_consent
        mine = (lacking["placing_authority"] == name) | (lacking["receiving_authority"] == name)
        without = lacking[mine.fillna(False).to_numpy(bool)].reset_index(drop=True)
    return _flows_table(flows, name, published=published), without


def _points(placements: pd.DataFrame, properties: gpd.GeoDataFrame,
            areas: gpd.GeoDataFrame, year: int) -> gpd.GeoDataFrame:
    """The placements current on 31 March ``year`` whose property lies in one of
    ``areas`` (the authority's finest level), as points with the area they lie in."""
    located = properties.drop_duplicates("property_id").set_index(
        properties["property_id"].drop_duplicates().astype(str))
    ids = placements["property_id"].astype(str)
    now = current_on(placements, as_at(year)) & ids.isin(located.index).to_numpy()
    chosen = placements[now]
    points = located.geometry.reindex(chosen["property_id"].astype(str)).to_numpy()
    where = locate(shapely.get_coordinates(points).reshape(-1, 2), areas)
    inside = where >= 0
    area_ids = areas["area_id"].astype(str).to_numpy()
    columns = [c for c in ("subject_id", "property_id", "start_date", "placing_authority",
                           "consent_recorded") if c in chosen.columns]
    table = chosen[columns].astype(object).where(chosen[columns].notna(), None)
    table = table[inside].reset_index(drop=True).astype({"subject_id": str,
                                                          "property_id": str})
    table["start_date"] = table["start_date"].astype(str)
    table["area_id"] = area_ids[where[inside]]
    return gpd.GeoDataFrame(table, geometry=points[inside], crs=properties.crs)


def _fictional(placements: pd.DataFrame) -> bool:
    """Whether the placements are FICTIONAL (demo data): flagged, or by subject id."""
    # the flag as imported (bool, or text once recorded moves without it are overlaid)
    flag = placements.get("fictional", pd.Series(dtype=object)).astype(object)
    flagged = flag.map(lambda v: v is True or str(v).strip().lower() in ("true", "1"))
    return bool(flagged.any()
                or placements["subject_id"].astype(str).str.startswith("FICTIONAL").any())


def authority_row(areas: gpd.GeoDataFrame, authority: str) -> pd.Series:
    councils = areas[areas["area_type"].astype(str) == "council"]
    key = authority.strip().casefold()
    found = councils[(councils["area_id"].astype(str).str.casefold() == key)
                     | (councils["name"].astype(str).str.casefold() == key)]
    if not len(found):
        names = sorted(councils["name"].dropna().astype(str))
        raise NotFoundError(f"authority {authority!r} is not in the areas layer; councils "
                        f"loaded: {', '.join(names) or 'none'} (give one of these names)")
    row: pd.Series = found.iloc[0]
    return row


def _level_names(areas: gpd.GeoDataFrame) -> list[str]:
    kinds = set(areas["area_type"].astype(str)) - {"council"}
    known = [name for name in LEVELS if name in kinds]
    return known + sorted(kinds - set(LEVELS))


def _published_counts(exact: pd.DataFrame) -> tuple[pd.DataFrame, list[int | None], int]:
    """Each year's column protected with its total as one table: the published counts
    (``Int64``, NA suppressed), the published totals and how many cells were
    suppressed in the report's year (the last column)."""
    columns, totals = {}, []
    suppressed = 0
    for year in exact.columns:
        done = publishable(exact[[year]], threshold=THRESHOLD, base=BASE)
        columns[year] = done.cells[year]
        totals.append(done.grand_total)
        suppressed = int(done.suppressed[year].sum())
    return pd.DataFrame(columns, index=exact.index), totals, suppressed


def _per_person(count: object, population: object) -> float:
    """The authority's rate per resident in the report's year, from its row of the
    authority table: its (published, when published) count over its whole population.
    NaN when the count is suppressed or the population unknown."""
    people = float(pd.to_numeric(pd.Series([population]), errors="coerce").iloc[0])
    if count is None or count is pd.NA or not np.isfinite(people) or people <= 0:
        return float("nan")
    return float(count) / people  # type: ignore[arg-type]


def _level_table(level: str, counted: AreaCounts, years: list[int], per_person: float, *,
                 published: bool, seed: int, permutations: int) -> LevelTable:
    """One level's table; location quotients are each area's rate over the authority's
    (``per_person``, a rate per resident: the authority table's own)."""
    areas = counted.areas
    exact = counted.counts
    year = years[-1]
    if published:
        counts, _totals, suppressed = _published_counts(exact)
    else:
        counts, suppressed = exact.astype("Int64"), 0
    now = counts[year]
    figures = rates(now.fillna(0).astype(np.int64), areas)
    unknown = now.isna().to_numpy()
    if published:  # rates from the published counts alone
        figures.loc[unknown, ["rate_per_100k", "rate_per_1k_households"]] = np.nan
    figures["location_quotient"] = _quotients(now, areas, per_person)
    table = pd.DataFrame({"name": areas["name"].astype(str).to_numpy()}, index=exact.index)
    table["population"] = figures["population"].astype("Int64") \
        if figures["population"].notna().all() else figures["population"]
    table["households"] = figures["households"].astype("Int64") \
        if figures["households"].notna().all() else figures["households"]
    for y in years:
        table[f"count_{y}"] = counts[y]
    table["count"] = now
    table["change"] = (now - counts[years[-2]]) if len(years) > 1 else pd.NA
    table["rate_per_100k"] = figures["rate_per_100k"].round(1)
    table["rate_per_1k_households"] = figures["rate_per_1k_households"].round(2)
    table["location_quotient"] = figures["location_quotient"].round(2)
    table["lq_class"] = lq_classes(figures["location_quotient"].to_numpy(float),
                                   unknown, figures["population"].to_numpy(float))
    # Gi* of the exact rate per 1,000 households (only shown internally)
    exact_rates = rates(exact[year], areas)["rate_per_1k_households"].to_numpy(float)
    hot = hot_spots(exact_rates, queen_weights(areas), seed=seed,
                    permutations=permutations) if len(areas) > 1 else hot_spots(
        np.zeros(len(areas)), None)
    if not published:
        table["gi_z"] = np.round(hot.z, 3)
        table["gi_p"] = np.round(hot.p, 4)
        table["hot_spot"] = np.where(hot.hot, "hot", np.where(hot.cold, "cold", ""))
    table.index.name = "area_id"
    return LevelTable(level, areas, table, hot, suppressed)


def _quotients(counts: pd.Series, areas: gpd.GeoDataFrame, per_person: float
               ) -> npt.NDArray[np.float64]:
    """Location quotients: each area's rate over the authority's rate ``per_person``
    (its total over its whole population; published: its published total). Never
    against the published areas alone: those are the areas with the most placements,
    and the comparison would make an area at many times the authority's rate look
    ordinary. NaN where the count is suppressed, the population unknown, or the
    authority's rate unknown or 0."""
    population = pd.to_numeric(areas["population"], errors="coerce").to_numpy(float) \
        if "population" in areas.columns else np.full(len(areas), np.nan)
    count = counts.to_numpy(dtype=float, na_value=np.nan)
    known = np.isfinite(count) & np.isfinite(population) & (population > 0)
    out = np.full(len(count), np.nan)
    if np.isfinite(per_person) and per_person > 0:
        out[known] = count[known] / population[known] / per_person
    return out


def _authority_table(council: pd.Series, counted: AreaCounts, years: list[int], *,
                     published: bool) -> pd.DataFrame:
    areas = counted.areas
    population = _total(council.get("population"), areas.get("population"))
    households = _total(council.get("households"), areas.get("households"))
    exact = counted.counts.sum(axis=0).to_numpy(np.int64)
    if published:
        counts = pd.array([None if v < THRESHOLD else int(round_to_base(v, BASE))
                           for v in exact], dtype="Int64")
    else:
        counts = pd.array(exact, dtype="Int64")
    frame = pd.DataFrame({"year": years, "as_at": [as_at(y).isoformat() for y in years],
                          "count": counts})
    frame["change"] = frame["count"].diff().astype("Int64")
    frame["population"] = _whole(population)
    frame["households"] = _whole(households)
    values = frame["count"].to_numpy(dtype=float, na_value=np.nan)
    frame["rate_per_100k"] = np.round(values / population * 100_000, 1) \
        if population and population > 0 else np.nan
    frame["rate_per_1k_households"] = np.round(values / households * 1_000, 2) \
        if households and households > 0 else np.nan
    return frame.set_index("year")


def _whole(value: float) -> int | float:
    return int(value) if np.isfinite(value) and value == int(value) else value


def _total(own: object, parts: pd.Series | None) -> float:
    value = pd.to_numeric(pd.Series([own]), errors="coerce").iloc[0]
    if pd.notna(value) and value > 0:
        return float(value)
    if parts is None:
        return float("nan")
    summed = pd.to_numeric(parts, errors="coerce")
    return float(summed.sum()) if summed.notna().any() else float("nan")


def _neighbourhood(name: str) -> str:
    """A data zone's neighbourhood: 'Abbeyhill - 01' -> 'Abbeyhill'."""
    return name.rsplit(" - ", 1)[0].strip() if " - " in name else name.strip()


def _concerns(level: LevelTable, counted: AreaCounts, authority: pd.DataFrame, year: int,
              *, published: bool) -> list[Concern]:
    """Contiguous groups of hot spots with at least one area whose own rate per 1,000
    households is above the authority's, most placements first. (A group of hot spots
    none of which is above the authority's rate is high only through its neighbours:
    the edge of a cluster, not a place of concern of its own.)"""
    exact_rate = rates(counted.counts[year], level.areas)["rate_per_1k_households"]
    households_all = pd.to_numeric(level.areas.get("households"), errors="coerce")
    overall = (float(counted.counts[year].sum()) / float(households_all.sum()) * 1_000
               if households_all is not None and households_all.sum() > 0 else np.nan)
    above = exact_rate.to_numpy(float) > overall if np.isfinite(overall) else np.zeros(
        len(level.areas), dtype=bool)
    hot = np.flatnonzero(level.hot.hot)
    if not len(hot):
        return []
    weights = queen_weights(level.areas)
    adjacency = sp.csr_matrix(weights.sparse)[hot][:, hot]
    _n, group = connected_components(adjacency, directed=False)
    exact = counted.counts
    households = pd.to_numeric(level.areas.get("households"), errors="coerce") \
        .to_numpy(float) if "households" in level.areas.columns else np.full(
        len(level.areas), np.nan)
    authority_rate = float(exact[year].sum()) / np.nansum(households) * 1_000 \
        if np.nansum(households) > 0 else np.nan
    names = level.areas["name"].astype(str).to_numpy()
    ids = exact.index.to_numpy()
    found = []
    for g in np.unique(group):
        members = hot[group == g]
        if not above[members].any():
            continue
        count = int(exact[year].iloc[members].sum())
        if published and count < THRESHOLD:
            continue
        hh = float(np.nansum(households[members]))
        rate = count / hh * 1_000 if hh > 0 else np.nan
        before = int(exact[year - 1].iloc[members].sum()) if year - 1 in exact.columns \
            else None
        hoods = pd.Series([_neighbourhood(n) for n in names[members]]).value_counts()
        label = "; ".join(hoods.index[:3]) + ("; and nearby" if len(hoods) > 3 else "")
        found.append(Concern(label, [str(i) for i in ids[members]],
                             [str(n) for n in names[members]], count, hh, rate,
                             rate / authority_rate if authority_rate else np.nan,
                             None if before is None else count - before))
    return sorted(found, key=lambda c: (-c.count, c.label))


def _flows_table(flows: pd.DataFrame, name: str, *, published: bool) -> pd.DataFrame:
    """Out-of-area placements as a table: one row per other authority, with how many it
    placed into ``name`` and how many ``name`` placed into it."""
    columns = [f"into {name}", f"placed by {name}"]
    flows = flows.reindex(columns=columns, fill_value=0).fillna(0).astype(np.int64)
    flows.index.name = "other authority"
    if not published or not len(flows):
        total = pd.DataFrame([flows.sum(axis=0).to_numpy()], columns=columns, index=[TOTAL])
        return pd.concat([flows, total]).rename_axis("other authority").reset_index()
    shown = publishable(flows, threshold=THRESHOLD, base=BASE).to_frame()
    if TOTAL not in shown.index:  # one other authority: its row is the total
        shown = pd.concat([shown, shown.iloc[:1].rename(index={shown.index[0]: TOTAL})])
    shown = shown.drop(columns=[TOTAL], errors="ignore").rename_axis("other authority")
    shown.columns.name = None
    return shown.reset_index()


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    """A table for CSV: nullable counts with NA shown as :data:`MARKER`."""
    out = frame.copy()
    for column in out.columns:
        if str(out[column].dtype) == "Int64":
            out[column] = out[column].astype(object).where(out[column].notna(), MARKER)
    return out.reset_index()


def _concern_columns(published: bool) -> list[str]:
    return (["label", "areas", "names"] if published else
            ["label", "areas", "names", "count", "rate_per_1k_households",
             "times_authority", "change"])


def _concern_row(concern: Concern, published: bool) -> dict[str, Any]:
    row = concern.to_dict()
    row["names"] = "; ".join(concern.names)
    return {k: row[k] for k in _concern_columns(published)}


def _finite(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 2)

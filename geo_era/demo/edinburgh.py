"""FICTIONAL placements laid on the real City of Edinburgh data zones.

The annual over-concentration report (:mod:`geo_era.overconcentration.statistics`) needs placements
over real geography to be tried out, and real offender data never exists in this
project. ``build_edinburgh(data_dir)`` therefore combines real open geography and
statistics from ``../shared/data`` (see ``SOURCES.md`` there):

- ``edinburgh_datazones_2011_population.geojson``: the 597 Data Zones 2011 of the City of
  Edinburgh with their 2011 population and household counts;
- ``scotland_council_areas_2023.geojson``: council boundaries (the City of Edinburgh and
  its neighbours Midlothian, East Lothian, West Lothian and Fife);
- ``scotland_census2011_household_tenure_by_datazone2011.csv``: Census 2011 household
  tenure per data zone,

with an invented, seeded and FICTIONAL set of ``subjects``, ``placements`` and the
``properties`` they were placed in. Nothing about a person or an address is real: subject
ids start with ``FICTIONAL-``, subjects and placements carry ``fictional = True`` and every
address starts with ``FICTIONAL``.

How the FICTIONAL placements are made:

- Each subject has one spell on the register (arrival to departure) made of one or more
  tenancies (placements) back to back. Spells arrive through the six years before
  ``reference_date`` at a rate that changes from year to year (so the counts on 31 March
  differ between years) and last about four years on average; a first caseload starts
  during the first year. The subjects current on ``reference_date`` are then thinned at
  random, or more like them added, so that exactly ``subjects`` placements inside
  Edinburgh are current on that day; earlier years keep their ups and downs.
- Each placement is in a data zone drawn with weight ``social rented households +
  0.25 x private rented households + 1`` (Census 2011), so placements concentrate where
  social housing is and Getis-Ord Gi* hot spots appear as they would with real data.
- Its property is a FICTIONAL address point drawn uniformly at random inside the data zone
  (and inside the council boundary), one property per placement.
- Out-of-area placements (NASSO 3.13): about 5% of the subjects housed in Edinburgh were
  placed by a neighbouring council (``placing_authority``; receiving consent mostly
  recorded, at least two current ones without), and about a dozen placements were made by
  the City of Edinburgh into FICTIONAL addresses near real town centres of the
  neighbouring councils (at least one current one without consent). Placements made by
  Edinburgh inside Edinburgh have no ``placing_authority``: empty means the council the
  property is in.

Every layer with geometry is in British National Grid (EPSG:27700), coordinates in
metres. The same inputs and ``seed`` always give identical output; only
``numpy.random.default_rng(seed)`` is used.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo_era.contract.schema import BNG
from geo_era.data.imports import ImportReport, import_files
from geo_era.data.layer_store import LayerStore
from geo_era.demo._tables import AnyArray, BoolArray, FloatArray, IntArray
from geo_era.demo.demotown import write_layers
from geo_era.errors import ConfigurationError, DataError

T = TypeVar("T")

__all__ = ["EDINBURGH", "EDINBURGH_CODE", "NEIGHBOURS", "NEIGHBOUR_CODES", "SOURCE_FILES",
           "build_edinburgh", "import_edinburgh", "write_edinburgh"]

#: The council's name, as in the council-areas file.
EDINBURGH = "City of Edinburgh"
#: The council's GSS code, its ``area_id`` in the ``areas`` layer.
EDINBURGH_CODE = "S12000036"
#: Neighbouring councils written as ``council`` areas, so that out-of-area placements
#: have somewhere to come from and go to.
NEIGHBOURS: tuple[str, ...] = ("Midlothian", "East Lothian", "West Lothian", "Fife")
#: GSS codes of the neighbouring councils (their ``area_id``).
NEIGHBOUR_CODES: dict[str, str] = {"Midlothian": "S12000019", "East Lothian": "S12000010",
                                   "West Lothian": "S12000040", "Fife": "S12000047"}

DATA_ZONES_FILE = "edinburgh_datazones_2011_population.geojson"
COUNCILS_FILE = "scotland_council_areas_2023.geojson"
TENURE_FILE = "scotland_census2011_household_tenure_by_datazone2011.csv"
#: The open-data files :func:`build_edinburgh` reads from its ``data_dir``.
SOURCE_FILES: tuple[str, ...] = (DATA_ZONES_FILE, COUNCILS_FILE, TENURE_FILE)
#: Subdirectory of ``GEO_ERA_HOME`` that :func:`import_edinburgh` writes the layers to.
SOURCE_DIR = "edinburgh-source"

#: Real town centres (name, council, x, y; EPSG:27700, metres) in the neighbouring
#: councils. FICTIONAL addresses of Edinburgh's out-of-area placements are drawn within
#: :data:`TOWN_RADIUS_M` of one.
NEIGHBOUR_TOWNS: tuple[tuple[str, str, float, float], ...] = (
    ("Dalkeith", "Midlothian", 333_300.0, 667_500.0),
    ("Bonnyrigg", "Midlothian", 331_000.0, 665_000.0),
    ("Penicuik", "Midlothian", 323_500.0, 659_900.0),
    ("Musselburgh", "East Lothian", 334_500.0, 672_600.0),
    ("Tranent", "East Lothian", 340_300.0, 672_800.0),
    ("Haddington", "East Lothian", 351_300.0, 673_800.0),
    ("Livingston", "West Lothian", 305_500.0, 668_000.0),
    ("Broxburn", "West Lothian", 308_300.0, 672_300.0),
    ("Bathgate", "West Lothian", 297_500.0, 668_800.0),
    ("Dunfermline", "Fife", 309_300.0, 687_500.0),
    ("Kirkcaldy", "Fife", 327_700.0, 691_900.0),
    ("Inverkeithing", "Fife", 313_000.0, 683_000.0),
)
#: Radius in metres round a town centre for out-of-area addresses.
TOWN_RADIUS_M = 1_000.0

#: Years of placement history before ``reference_date``.
HISTORY_YEARS = 6
#: Mean time in days a subject spends on the register in Edinburgh (one spell).
MEAN_SPELL_DAYS = 4 * 365.25
#: Mean length in days of one tenancy (placement) within a spell.
MEAN_TENANCY_DAYS = 2.5 * 365.25
#: Shortest spell and tenancy in days.
MIN_SPELL_DAYS = 30
MIN_TENANCY_DAYS = 14
#: Share of the subjects housed in Edinburgh placed there by a neighbouring council.
INCOMING_SHARE = 0.05
#: The smallest ``subjects`` accepted (room for the out-of-area cases).
MIN_SUBJECTS = 20

_STREET_TYPES = ("Road", "Street", "Terrace", "Crescent", "Place", "Gardens", "Avenue",
                 "Court")


def _require_files(data_dir: Path) -> None:
    """Raise :class:`DataError` naming what is missing from ``data_dir``."""
    where = ("the open data is expected in ../shared/data beside the repository (see "
             "shared/data/SOURCES.md for the files and where they come from)")
    if not data_dir.is_dir():
        raise DataError(f"data directory {data_dir} does not exist; {where}")
    missing = [name for name in SOURCE_FILES if not (data_dir / name).is_file()]
    if missing:
        raise DataError(f"{', '.join(missing)} missing from {data_dir}; {where}")


def _read(name: str, read: Callable[[], T]) -> T:
    """``read()``, with a failure to read or parse file ``name`` as a :class:`DataError`."""
    try:
        return read()
    except (OSError, ValueError, RuntimeError) as exc:
        raise DataError(f"cannot read {name} ({exc}); use the file described in "
                        "shared/data/SOURCES.md") from None


def _read_sources(data_dir: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, FloatArray]:
    """The data zones and the five councils (EPSG:27700) and each zone's placement
    weight from tenure."""
    zones = _read(DATA_ZONES_FILE, partial(
        gpd.read_file, data_dir / DATA_ZONES_FILE,
        columns=["DataZone", "Name", "TotPop2011", "HHCnt2011"]))
    needed = {"DataZone", "Name", "TotPop2011", "HHCnt2011"} - set(zones.columns)
    if needed or not len(zones):
        raise DataError(f"{DATA_ZONES_FILE} lacks {', '.join(sorted(needed)) or 'rows'}; "
                        "use the file described in shared/data/SOURCES.md")
    zones = zones.to_crs(BNG)

    councils = _read(COUNCILS_FILE, partial(gpd.read_file, data_dir / COUNCILS_FILE,
                                            columns=["name"]))
    if "name" not in councils.columns:
        raise DataError(f"{COUNCILS_FILE} has no 'name' field; use the file described in "
                        "shared/data/SOURCES.md")
    councils = councils[councils["name"].isin((EDINBURGH, *NEIGHBOURS))]
    absent = sorted(set((EDINBURGH, *NEIGHBOURS)) - set(councils["name"]))
    if absent:
        raise DataError(f"{COUNCILS_FILE} has no council named {', '.join(absent)}; use the "
                        "file described in shared/data/SOURCES.md")
    order = {name: k for k, name in enumerate((EDINBURGH, *NEIGHBOURS))}
    councils = councils.iloc[np.argsort(councils["name"].map(order).to_numpy())]
    councils = councils.to_crs(BNG).reset_index(drop=True)

    tenure = _read(TENURE_FILE, lambda: pd.read_csv(
        data_dir / TENURE_FILE, encoding="utf-8-sig",
        usecols=["DataZone", "SclRent_2011", "PrtRent_2011"]))
    tenure = tenure.drop_duplicates("DataZone").set_index("DataZone")
    joined = tenure.reindex(zones["DataZone"].astype(str).to_numpy())
    if joined.isna().any(axis=None):
        lacking = joined.index[joined.isna().any(axis=1)][:5]
        raise DataError(f"{TENURE_FILE} has no tenure for data zones "
                        f"{', '.join(map(str, lacking))}; use the file described in "
                        "shared/data/SOURCES.md")
    weight = (joined["SclRent_2011"].to_numpy(float)
              + 0.25 * joined["PrtRent_2011"].to_numpy(float) + 1.0)
    return zones, councils, weight


def _areas(zones: gpd.GeoDataFrame, councils: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The councils (Edinburgh first) and Edinburgh's data zones, EPSG:27700."""
    n_zones, n_councils = len(zones), len(councils)
    population = zones["TotPop2011"].to_numpy(np.int64)
    households = zones["HHCnt2011"].to_numpy(np.int64)
    council_ids = [EDINBURGH_CODE, *(NEIGHBOUR_CODES[str(name)]
                                     for name in councils["name"].iloc[1:])]
    nulls = [None] * (n_councils - 1)
    return gpd.GeoDataFrame({
        "area_id": pd.Series([*council_ids, *zones["DataZone"].astype(str)], dtype="str"),
        "area_type": pd.Series(["council"] * n_councils + ["data_zone"] * n_zones,
                               dtype="str"),
        "name": pd.Series([*councils["name"].astype(str), *zones["Name"].astype(str)],
                          dtype="str"),
        "population": pd.array([int(population.sum()), *nulls, *population.tolist()],
                               dtype="Int64"),
        "households": pd.array([int(households.sum()), *nulls, *households.tolist()],
                               dtype="Int64"),
        "parent_id": pd.Series([None] * n_councils + [EDINBURGH_CODE] * n_zones, dtype="str"),
    }, geometry=gpd.GeoSeries([*councils.geometry.to_numpy(), *zones.geometry.to_numpy()],
                              crs=BNG))


def _points_in(rng: np.random.Generator, shapes: AnyArray, within: AnyArray,
               which: IntArray, outside: BaseGeometry) -> FloatArray:
    """For each ``i`` a point (``(n, 2)``, metres) uniformly at random in
    ``shapes[which[i]]``, within ``within[which[i]]`` (its council) and not within
    ``outside``.

    Rejection sampling in bounding boxes, all rows at once in rounds: the first of the
    uniform candidates of a row that lands in its region is uniform over the region.
    """
    shapely.prepare(shapes)
    shapely.prepare(within)
    shapely.prepare(outside)
    bounds = shapely.bounds(shapes)
    fill = shapely.area(shapes) / np.maximum(
        (bounds[:, 2] - bounds[:, 0]) * (bounds[:, 3] - bounds[:, 1]), 1e-9)
    xy = np.full((len(which), 2), np.nan)
    todo = np.arange(len(which))
    for _ in range(20):
        if not len(todo):
            break
        # enough candidates that about 99% of rows succeed in one round
        k = int(np.clip(math.ceil(5.0 / max(float(fill[which[todo]].min()), 0.01)), 8, 500))
        row = np.repeat(todo, k)
        box = bounds[which[row]]
        x = rng.uniform(box[:, 0], box[:, 2])
        y = rng.uniform(box[:, 1], box[:, 3])
        ok = (shapely.contains_xy(shapes[which[row]], x, y)
              & shapely.contains_xy(within[which[row]], x, y)
              & ~shapely.contains_xy(outside, x, y)).reshape(-1, k)
        done = ok.any(axis=1)
        pick = np.flatnonzero(done) * k + ok.argmax(axis=1)[done]
        xy[todo[done]] = np.column_stack([x[pick], y[pick]])
        todo = todo[~done]
    if len(todo):
        raise DataError("could not place FICTIONAL addresses inside some data zones; check "
                        f"that {DATA_ZONES_FILE} and {COUNCILS_FILE} overlap")
    return xy


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _spells(rng: np.random.Generator, target: int, days: int) -> tuple[IntArray, IntArray]:
    """Start and end day (days after the start of the record; end ``days + 1`` = still
    current on the last day ``days``) of each subject's spell on the register, with
    exactly ``target`` spells current on day ``days``."""
    first = round(target * rng.uniform(0.75, 0.9))
    start = [rng.integers(0, 365, first)]
    edges = np.linspace(0, days + 1, HISTORY_YEARS + 1).round().astype(np.int64)
    rate = target / MEAN_SPELL_DAYS
    for lo, hi in itertools.pairwise(edges):
        arrivals = rng.poisson(rate * rng.uniform(0.7, 1.3) * (hi - lo))
        start.append(rng.integers(lo, hi, arrivals))
    begin = np.concatenate(start).astype(np.int64)
    end = begin + MIN_SPELL_DAYS + rng.exponential(MEAN_SPELL_DAYS, len(begin)).astype(
        np.int64)
    end = np.minimum(end, days + 1)
    current = np.flatnonzero(end > days)
    if len(current) > target:  # thin the current caseload (and its past) at random
        drop = rng.choice(current, size=len(current) - target, replace=False)
        begin, end = np.delete(begin, drop), np.delete(end, drop)
    elif len(current) < target:  # more like those current, arriving about when they did
        extra = (np.clip(begin[rng.choice(current, size=target - len(current))]
                         + rng.integers(-90, 91, target - len(current)), 0, days)
                 if len(current) else rng.integers(days - 364, days + 1, target))
        begin = np.concatenate([begin, extra])
        end = np.concatenate([end, np.full(len(extra), days + 1)])
    order = np.lexsort((end, begin))
    return begin[order], end[order]


def _tenancies(rng: np.random.Generator, begin: IntArray, end: IntArray, days: int
               ) -> tuple[IntArray, IntArray, IntArray]:
    """Split each spell into back-to-back tenancies: (spell, start day, end day) of each,
    end ``-1`` when still current on day ``days``."""
    most = 12
    length = MIN_TENANCY_DAYS + rng.exponential(MEAN_TENANCY_DAYS, (len(begin), most)
                                                ).astype(np.int64)
    bound = begin[:, None] + np.cumsum(length, axis=1)
    bound[:, -1] = np.iinfo(np.int64).max  # the last tenancy lasts to the spell's end
    starts = np.column_stack([begin, bound[:, :-1]])
    keep = starts < end[:, None]
    spell = np.broadcast_to(np.arange(len(begin))[:, None], keep.shape)[keep]
    start = starts[keep]
    stop = np.minimum(bound[keep], end[spell])
    stop = np.where(stop > days, -1, stop)
    return spell.astype(np.int64), start.astype(np.int64), stop.astype(np.int64)


def _street_stem(zone_name: str) -> str:
    """``"Barnton, Cammo and Cramond South - 01"`` -> ``"Barnton"``."""
    base = re.sub(r"\s+-\s+\d+$", "", zone_name)
    return re.split(r",| and |\(", base)[0].strip() or base


def build_edinburgh(data_dir: Path, *, seed: int = 0, subjects: int = 480,
                    reference_date: dt.date = dt.date(2026, 3, 31)
                    ) -> dict[str, gpd.GeoDataFrame | pd.DataFrame]:
    """Build FICTIONAL placements over the real City of Edinburgh data zones.

    Parameters
    ----------
    data_dir
        The open data (``../shared/data``; see ``SOURCES.md`` there), holding
        :data:`SOURCE_FILES`.
    seed
        Seed of ``numpy.random.default_rng``; the same inputs and seed give identical
        output.
    subjects
        Placements current on ``reference_date`` inside Edinburgh (exactly this many;
        at least :data:`MIN_SUBJECTS`). The ``subjects`` layer also holds everyone placed
        in the six years before, about 2.4 times as many.
    reference_date
        The last day of the data (31 March of the latest report year): placements start
        from six years before it.

    Returns
    -------
    The contract layers by name: ``areas`` (GeoDataFrame, EPSG:27700, metres: the City
    of Edinburgh as council ``S12000036`` with 2011 population and households summed over
    its data zones, its 597 data zones with ``parent_id`` ``S12000036``, and the
    neighbouring councils of :data:`NEIGHBOURS` with no population), ``properties``
    (GeoDataFrame, EPSG:27700: one FICTIONAL address point per placement),
    ``subjects`` and ``placements`` (DataFrames, FICTIONAL, ``fictional = True``).

    Raises
    ------
    DataError
        If ``data_dir`` or one of its files is missing or lacks what is needed.
    ConfigurationError
        If ``seed`` is negative or ``subjects`` below :data:`MIN_SUBJECTS`.
    """
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise ConfigurationError(f"seed {seed!r} is invalid; use a non-negative integer")
    if not isinstance(subjects, int | np.integer) or subjects < MIN_SUBJECTS:
        raise ConfigurationError(f"subjects {subjects!r} is too small; use an integer of at "
                                 f"least {MIN_SUBJECTS}")
    data_dir = Path(data_dir)
    _require_files(data_dir)
    zones, councils, weight = _read_sources(data_dir)
    areas = _areas(zones, councils)
    rng = np.random.default_rng(int(seed))

    first_day = _years_before(reference_date, HISTORY_YEARS)
    days = (reference_date - first_day).days
    n_out_now = max(2, round(subjects / 60))  # Edinburgh's current placements elsewhere
    begin, end = _spells(rng, int(subjects) + n_out_now, days)
    spell, start, stop = _tenancies(rng, begin, end, days)
    who = _authorities(rng, begin=begin, end=end, spell=spell, stop=stop, days=days,
                       subjects=int(subjects), n_out_now=n_out_now)
    where = _locations(rng, zones, councils, weight, who.out)
    properties = _properties(rng, zones, where)
    subject_frame, placements = _subjects_and_placements(
        properties["property_id"].to_numpy(dtype=object), n_spells=len(begin), spell=spell,
        start=start, stop=stop, first_day=first_day, who=who)
    return {"areas": areas, "properties": properties, "subjects": subject_frame,
            "placements": placements}


def _subjects_and_placements(property_ids: AnyArray, *, n_spells: int, spell: IntArray,
                             start: IntArray, stop: IntArray, first_day: dt.date,
                             who: _Authorities) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``subjects`` layer (one FICTIONAL subject per spell, housed at its current
    tenancy's address) and the ``placements`` layer (one per tenancy)."""
    subject_ids = np.array([f"FICTIONAL-E{k:05d}" for k in range(1, n_spells + 1)],
                           dtype=object)
    home = np.full(n_spells, None, dtype=object)
    home[spell[who.is_now]] = property_ids[who.is_now]
    subject_frame = pd.DataFrame({
        "subject_id": pd.Series(subject_ids, dtype="str"),
        "current_property_id": pd.Series(home, dtype="str"),
        "fictional": np.ones(n_spells, dtype=bool),
    })
    day0 = np.datetime64(first_day, "D")
    start_text = np.datetime_as_string(day0 + start, unit="D").astype(object)
    stop_text = np.datetime_as_string(day0 + np.maximum(stop, 0), unit="D").astype(object)
    stop_text[who.is_now] = None
    placements = pd.DataFrame({
        "subject_id": pd.Series(subject_ids[spell], dtype="str"),
        "property_id": pd.Series(property_ids, dtype="str"),
        "start_date": pd.Series(start_text, dtype="str"),
        "end_date": pd.Series(stop_text, dtype="str"),
        "placing_authority": pd.Series(who.authority, dtype="str"),
        "consent_recorded": who.consent,
        "fictional": np.ones(len(spell), dtype=bool),
    })
    return subject_frame, placements


@dataclass(frozen=True)
class _Authorities:
    """Per tenancy: current on the last day (``is_now``), one of Edinburgh's placements
    out of its area (``out``), the placing authority (None: Edinburgh placing in its own
    area) and whether consent was recorded (None: not asked)."""

    is_now: BoolArray
    out: BoolArray
    authority: AnyArray
    consent: pd.arrays.BooleanArray


def _authorities(rng: np.random.Generator, *, begin: IntArray, end: IntArray,
                 spell: IntArray, stop: IntArray, days: int, subjects: int,
                 n_out_now: int) -> _Authorities:
    """Who placed each tenancy: Edinburgh, or a neighbour placing into Edinburgh
    (:data:`INCOMING_SHARE` of spells); Edinburgh's out-of-area placements (the current
    tenancy of some spells, some past tenancies of others); consent, with a few current
    cross-border placements lacking it."""
    n_out_past = max(1, round(subjects / 120))
    # placing authority per spell: -1 Edinburgh, else a neighbour's position
    placer = np.full(len(begin), -1, dtype=np.int64)
    current = rng.permutation(np.flatnonzero(end > days))
    n_in_now = max(2, round(INCOMING_SHARE * subjects))
    incoming_now = current[:n_in_now]
    outgoing_now = current[n_in_now:n_in_now + n_out_now]
    ended = np.flatnonzero(end <= days)
    incoming = np.concatenate([incoming_now, ended[rng.random(len(ended)) < INCOMING_SHARE]])
    placer[incoming] = rng.integers(0, len(NEIGHBOURS), len(incoming))

    out = np.zeros(len(spell), dtype=bool)
    is_now = stop < 0
    out[is_now & np.isin(spell, outgoing_now)] = True
    past_ok = np.flatnonzero(~is_now & (placer[spell] < 0) & ~np.isin(spell, outgoing_now))
    out[rng.choice(past_ok, size=min(n_out_past, len(past_ok)), replace=False)] = True

    authority = np.full(len(spell), None, dtype=object)
    by_neighbour = placer[spell] >= 0
    authority[by_neighbour] = np.array(NEIGHBOURS, dtype=object)[placer[spell][by_neighbour]]
    authority[out] = EDINBURGH
    consent = pd.array([None] * len(spell), dtype="boolean")
    consent[by_neighbour] = rng.random(int(by_neighbour.sum())) < 0.9
    consent[out] = rng.random(int(out.sum())) < 0.85
    lacking = np.concatenate([
        np.flatnonzero(is_now & np.isin(spell, incoming_now[:2])),
        np.flatnonzero(is_now & np.isin(spell, outgoing_now[:1]))])
    consent[lacking] = False
    return _Authorities(is_now, out, authority, consent)


@dataclass(frozen=True)
class _Locations:
    """Where each tenancy's address is (``xy``, EPSG:27700): tenancies ``inside``
    Edinburgh in data zone ``zone``; those ``away`` in neighbour town ``town``."""

    xy: FloatArray
    inside: IntArray
    zone: IntArray
    away: IntArray
    town: IntArray


def _locations(rng: np.random.Generator, zones: gpd.GeoDataFrame,
               councils: gpd.GeoDataFrame, weight: FloatArray, out: BoolArray
               ) -> _Locations:
    """A point per tenancy: in Edinburgh, in a data zone drawn by ``weight`` (social
    and private renting); out of its area, in a neighbouring town."""
    inside = np.flatnonzero(~out)
    zone = rng.choice(len(zones), size=len(inside), p=weight / weight.sum())
    zone_geoms = zones.geometry.to_numpy()
    edinburgh = councils.geometry.iloc[0]
    elsewhere = shapely.union_all(councils.geometry.iloc[1:].to_numpy())
    xy = np.empty((len(out), 2))
    xy[inside] = _points_in(rng, zone_geoms, np.full(len(zones), edinburgh, dtype=object),
                            zone, elsewhere)
    away = np.flatnonzero(out)
    town = rng.integers(0, len(NEIGHBOUR_TOWNS), len(away))
    circles = shapely.buffer(shapely.points([(t[2], t[3]) for t in NEIGHBOUR_TOWNS]),
                             TOWN_RADIUS_M)
    town_council = councils.geometry.to_numpy()[
        [NEIGHBOURS.index(t[1]) + 1 for t in NEIGHBOUR_TOWNS]]
    xy[away] = _points_in(rng, circles, town_council, town,
                          shapely.union(edinburgh, shapely.union_all(zone_geoms)))
    return _Locations(xy, inside, zone, away, town)


def _properties(rng: np.random.Generator, zones: gpd.GeoDataFrame, where: _Locations
                ) -> gpd.GeoDataFrame:
    """The ``properties`` layer: a FICTIONAL address per tenancy, in a street named
    after its data zone (or in the neighbouring town), every address distinct."""
    n = len(where.xy)
    stems = np.array([_street_stem(str(s)) for s in zones["Name"]], dtype=object)
    place = np.empty(n, dtype=object)
    place[where.inside] = stems[where.zone] + " " + np.array(_STREET_TYPES, dtype=object)[
        rng.integers(0, len(_STREET_TYPES), len(where.inside))] + ", Edinburgh"
    place[where.away] = [f"{NEIGHBOUR_TOWNS[t][0]} Road, {NEIGHBOUR_TOWNS[t][0]}"
                         for t in where.town]
    drawn = rng.integers(1, 200, n)
    street_number = pd.Series(drawn.astype(str).astype(object) + " " + place)
    # a number drawn twice in one street moves up by 200s: every address is distinct
    drawn += 200 * street_number.groupby(street_number, sort=False).cumcount().to_numpy()
    number = drawn.astype(str).astype(object)
    property_ids = np.array([f"ED-{k:06d}" for k in range(1, n + 1)], dtype=object)
    return gpd.GeoDataFrame({
        "property_id": pd.Series(property_ids, dtype="str"),
        "address": pd.Series("FICTIONAL " + number + " " + place, dtype="str"),
    }, geometry=gpd.GeoSeries(shapely.points(where.xy), crs=BNG))


def write_edinburgh(layers: dict[str, gpd.GeoDataFrame | pd.DataFrame], out_dir: Path
                    ) -> list[Path]:
    """Write the layers of :func:`build_edinburgh` for import.

    Layers with geometry go to ``out_dir/<layer>.parquet`` (GeoParquet, EPSG:27700,
    metres), the others to ``out_dir/<layer>.csv``, each whole (:func:`geo_era._io.atomic_path`),
    the sensitive layers (subjects, placements) 0600, the others 0644.

    Parameters
    ----------
    layers
        Contract layers by name (``geo_era.contract.schema.LAYERS``); other names are ignored.
    out_dir
        Directory to write to (created when missing).

    Returns
    -------
    The files written, in ``schema.LAYERS`` order.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return write_layers(layers, out_dir)


def import_edinburgh(data_dir: Path, store: LayerStore, *, seed: int = 0) -> ImportReport:
    """Build the FICTIONAL Edinburgh data set (:func:`build_edinburgh`), write it to
    ``store.home / "edinburgh-source"`` and import it into ``store`` (validated against
    the data contract; EPSG:27700, metres).

    Raises
    ------
    DataError
        If the open data is missing (see :func:`build_edinburgh`).
    ImportRefusedError
        If the layers fail validation; the store is then unchanged.
    """
    layers = build_edinburgh(data_dir, seed=seed)
    files = write_edinburgh(layers, store.home / SOURCE_DIR)
    return import_files(files, store=store)

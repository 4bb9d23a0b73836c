"""A deterministic, seeded synthetic Scottish town written to the data contract.

``build_demo_town(scale=1, seed=0)`` makes about 2,000 addresses (properties) in a
fictional town in EPSG:27700 (British National Grid, metres) with every contract layer
(``properties``, ``buildings``, ``plots``, ``sites``, ``streets``, ``areas``, and the
FICTIONAL sensitive layers ``subjects``, ``exclusion_zones`` and ``placements``), the
ground truth a test needs to check what geo_era derives (floor, close, property type,
adjacency, garden neighbours, NASSO 3.9 minimum sets) and extra layers for maps
(``railways``, ``parks``). Addresses grow linearly with ``scale`` (about 2,000 x scale);
beyond 100,000 addresses the data holds several towns, each at most about 100,000
addresses, placed apart on land-ish parts of central and eastern Scotland.

Layout (see :mod:`geo_era.demo._layout`): a grid of 160 m x 100 m street blocks;
tenement ranges (several closes to a footprint, shared back greens), multi-storey towers
(grounds plots), four-in-a-block cottage flats (a garden quadrant each), terraces,
semi-detached and detached houses (a garden strip each, the two sides' back gardens
meeting at the block's middle line), shared houses (HMOs), schools, parks with play parks
and footpaths, civic blocks, and a railway along the middle of one row of blocks that
streets cross at only 1-3 places. Addresses use Scottish flat notation: Edinburgh style
(``3F2 12 Oak Road, Inverallan``, ``GF1``/``PF1``/``MF1``, ``BF1``) in some districts and
Glasgow style (``Flat 2/1, 15 Elm Street, Inverallan``, ``0/1``, ``G/L``, ``1/R``) in
others; cottage flats are ``Lower Flat, 14 ...``/``Upper Flat, 16 ...``.

The same ``(scale, seed)`` always gives identical output; only
``numpy.random.default_rng(seed)`` (and generators spawned from it) is used.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely
from numpy.dtypes import StringDType

from geo_era._io import PRIVATE, SHARED, atomic_path
from geo_era.contract.schema import BNG, LAYERS, PROPERTY_TYPES
from geo_era.demo._names import FIRST_TOWN, TOWN_NAMES
from geo_era.demo._people import PeopleInput, build_people
from geo_era.demo._tables import AnyArray, BoolArray, IntArray, or_none
from geo_era.demo._town import TownParts, build_town
from geo_era.demo._truth import list_array
from geo_era.errors import ConfigurationError

__all__ = ["ADDRESSES_PER_SCALE", "MAX_SCALE", "MAX_TOWN_ADDRESSES", "NATIONAL_SCALE",
           "NATIONAL_TOWNS", "DemoTown", "build_demo_town", "write_demo_town",
           "write_layers"]

#: Addresses (properties) per unit of ``scale``.
ADDRESSES_PER_SCALE = 2_000
#: The largest town; bigger scales make several towns.
MAX_TOWN_ADDRESSES = 100_000
#: The largest scale accepted (about 4,000,000 addresses in 40 towns).
MAX_SCALE = 2_000.0
#: ``--scale national``: Scotland's size, about 2.6 million addresses (National Records
#: of Scotland count about 2.6 million dwellings), in 32 towns, one per council.
NATIONAL_SCALE = 1_300.0
NATIONAL_TOWNS = 32
#: Centre (x, y) of the first town, metres in EPSG:27700 (central belt).
FIRST_TOWN_CENTRE = (265_000.0, 665_000.0)
#: Boxes (minx, miny, maxx, maxy; EPSG:27700, metres) of land-ish central and eastern
#: Scotland where further towns are placed: the central belt west of the Forth, the
#: Lothians, Fife, Perthshire, Angus, Aberdeenshire and Moray.
TOWN_REGIONS: tuple[tuple[float, float, float, float], ...] = (
    (220_000.0, 645_000.0, 290_000.0, 690_000.0),
    (290_000.0, 645_000.0, 340_000.0, 672_000.0),
    (300_000.0, 700_000.0, 350_000.0, 720_000.0),
    (230_000.0, 700_000.0, 320_000.0, 800_000.0),
    (330_000.0, 745_000.0, 370_000.0, 790_000.0),
    (340_000.0, 790_000.0, 390_000.0, 860_000.0),
    (300_000.0, 810_000.0, 340_000.0, 860_000.0),
)
#: Minimum distance in metres between town centres (a town is at most about 6 km across).
TOWN_SPACING = 12_000.0

_SDT = StringDType()


@dataclass
class DemoTown:
    """A synthetic data set: contract layers, ground truth and extra map layers.

    Attributes
    ----------
    layers
        The contract layers by name (``geo_era.contract.schema.LAYERS``): GeoDataFrames in
        EPSG:27700 (metres) for ``properties``, ``buildings``, ``plots``, ``sites``,
        ``streets``, ``areas`` and ``exclusion_zones``; DataFrames for ``subjects`` and
        ``placements``. Sensitive rows are FICTIONAL and carry ``fictional = True``.
    truth
        One row per property, in the order of ``layers["properties"]``: ``property_id``,
        ``building_id`` (true), ``floor`` (0 ground, -1 basement, houses 0),
        ``close_key`` (opaque; shared by every dwelling of one common stair or entrance,
        unique for a house or cottage flat), ``property_type`` (``schema.PROPERTY_TYPES``),
        list columns ``adjacent``, ``garden_neighbours`` and ``minimum_set`` (property ids;
        NASSO 3.9), ``occupants``, plus ``town``, ``data_zone``, ``household_size`` and
        ``address_style`` (``edinburgh``/``glasgow`` for flats of tenements and towers).
    extras
        Non-contract layers for maps: ``railways`` (LineString) and ``parks`` (Polygon),
        EPSG:27700.
    """

    layers: dict[str, gpd.GeoDataFrame | pd.DataFrame]
    truth: pd.DataFrame
    extras: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)


def _str_series(values: AnyArray, missing: BoolArray | None = None) -> pd.Series:
    """A pandas ``str`` Series from a numpy (StringDType or object) array, fast."""
    if values.dtype == _SDT:
        array = pa.array(values, mask=missing)
    else:
        array = pa.array(values.astype(object), type=pa.string(), mask=missing,
                         from_pandas=True)
    return pd.Series(array.to_pandas(types_mapper={pa.string(): pd.StringDtype(
        "pyarrow", na_value=np.nan)}.get))


def _ids(prefix: str, n: int, width: int, start: int = 1) -> AnyArray:
    """``prefix`` + zero-padded numbers ``start .. start + n - 1`` (StringDType)."""
    numbers = np.arange(start, start + n).astype(_SDT)
    return np.strings.add(prefix, np.strings.zfill(numbers, width))


def _town_centres(rng: np.random.Generator, n: int) -> list[tuple[float, float]]:
    """The first town near :data:`FIRST_TOWN_CENTRE`, the others on a 12 km lattice of
    slots inside :data:`TOWN_REGIONS`, at least :data:`TOWN_SPACING` apart."""
    first = (round(FIRST_TOWN_CENTRE[0] + rng.uniform(-2_000, 2_000)),
             round(FIRST_TOWN_CENTRE[1] + rng.uniform(-2_000, 2_000)))
    slots: list[tuple[float, float]] = []
    for minx, miny, maxx, maxy in TOWN_REGIONS:
        for x in np.arange(minx, maxx + 1, TOWN_SPACING):
            for y in np.arange(miny, maxy + 1, TOWN_SPACING):
                slots.append((float(x), float(y)))
    chosen: list[tuple[float, float]] = [first]
    for k in rng.permutation(len(slots)):
        if len(chosen) == n:
            break
        x, y = slots[k]
        if all(math.hypot(x - a, y - b) >= TOWN_SPACING for a, b in chosen):
            chosen.append((x, y))
    if len(chosen) < n:
        raise ConfigurationError(f"cannot place {n} demo towns in the demo regions; "
                                 f"use a scale of at most {MAX_SCALE:g}")
    return chosen


def build_demo_town(*, scale: float = 1.0, seed: int = 0, towns: int | None = None
                    ) -> DemoTown:
    """Build the synthetic data set.

    Parameters
    ----------
    scale
        Size: about ``2,000 * scale`` addresses (properties), in one town up to scale 50
        and in ``ceil(2,000 * scale / 100,000)`` towns beyond. ``0 < scale <= 2000``.
    seed
        Seed of ``numpy.random.default_rng``; the same (scale, seed) gives identical
        output.
    towns
        How many towns (councils) to spread the addresses over, instead of as few as
        the town size allows (:data:`NATIONAL_TOWNS` for ``--scale national``).

    Returns
    -------
    The layers (EPSG:27700, metres), the ground truth and the extra map layers.

    Raises
    ------
    ConfigurationError
        If ``scale`` is not a number in ``(0, 2000]`` or ``seed`` is negative.
    """
    if not isinstance(scale, int | float) or not math.isfinite(scale) \
            or not 0 < scale <= MAX_SCALE:
        raise ConfigurationError(f"scale {scale!r} is out of range; use a number greater "
                                 f"than 0 and at most {MAX_SCALE:g} (1 = about "
                                 f"{ADDRESSES_PER_SCALE:,} addresses)")
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise ConfigurationError(f"seed {seed!r} is invalid; use a non-negative integer")
    target = max(50, round(ADDRESSES_PER_SCALE * scale))
    n_towns = math.ceil(target / MAX_TOWN_ADDRESSES)
    if towns is not None:
        if not isinstance(towns, int) or not n_towns <= towns <= 64:
            raise ConfigurationError(f"towns {towns!r}: give {n_towns} to 64 towns for "
                                     f"scale {scale:g} (at most {MAX_TOWN_ADDRESSES:,} "
                                     "addresses a town)")
        n_towns = towns
    root = np.random.default_rng(int(seed))
    town_rng, people_rng, *rngs = root.spawn(2 + n_towns)
    centres = _town_centres(town_rng, n_towns)
    others = [str(s) for s in town_rng.permutation(np.array(TOWN_NAMES))]
    names = [FIRST_TOWN, *others[:n_towns - 1]]
    spare = [f"{s} Council" for s in others[n_towns - 1:n_towns + 2]]
    targets = [target // n_towns + (1 if k < target % n_towns else 0) for k in range(n_towns)]
    parts = [build_town(rngs[k], names[k], targets[k], centres[k]) for k in range(n_towns)]
    return _assemble(parts, people_rng, spare)


@dataclass(frozen=True)
class _Towns:
    """Several towns' parts with the offsets that make their local indices global."""

    towns: list[TownParts]
    dw_off: IntArray
    b_off: IntArray
    dz_off: IntArray
    n_dw: IntArray
    n_dz: IntArray

    @classmethod
    def of(cls, towns: list[TownParts]) -> _Towns:
        n_dw = np.array([len(t.d_x) for t in towns])
        n_b = np.array([len(t.b_geom) for t in towns])
        n_dz = np.array([len(t.dz_geom) for t in towns])
        return cls(towns, np.r_[0, np.cumsum(n_dw)], np.r_[0, np.cumsum(n_b)],
                   np.r_[0, np.cumsum(n_dz)], n_dw, n_dz)

    def cat(self, name: str) -> AnyArray:
        """One attribute of every town, concatenated."""
        return np.concatenate([getattr(t, name) for t in self.towns])

    def global_rows(self, name: str, offsets: IntArray) -> IntArray:
        """A town-local index attribute (-1: none) made global with ``offsets``."""
        return np.concatenate([np.where(getattr(t, name) >= 0,
                                        getattr(t, name) + offsets[k], -1)
                               for k, t in enumerate(self.towns)])


def _assemble(towns: list[TownParts], people_rng: np.random.Generator,
              spare_councils: list[str]) -> DemoTown:
    """Concatenate towns into the contract layers, with global ids and the truth."""
    tw = _Towns.of(towns)
    n = int(tw.dw_off[-1])
    prop_ids = _ids("DT-", n, 7)
    bldg_ids = _ids("DT-B", int(tw.b_off[-1]), 7)
    town_of = np.repeat(np.arange(len(towns)), tw.n_dw)
    d_bldg = tw.cat("d_bldg") + np.repeat(tw.b_off[:-1], tw.n_dw)
    d_dz = tw.cat("d_dz") + np.repeat(tw.dz_off[:-1], tw.n_dw)
    dz_ids = _ids("DZ-DEMO-", int(tw.dz_off[-1]), 4)
    dz_town = np.repeat(np.arange(len(towns)), tw.n_dz)
    subjects, zones, placements = build_people(people_rng, PeopleInput(
        property_ids=prop_ids.astype(object), prop_town=town_of, prop_x=tw.cat("d_x"),
        prop_y=tw.cat("d_y"), prop_void=tw.cat("d_void"), dz_ids=dz_ids.astype(object),
        dz_town=dz_town, dz_geom=tw.cat("dz_geom"), councils=[t.council for t in towns],
        spare_councils=spare_councils))
    layers: dict[str, gpd.GeoDataFrame | pd.DataFrame] = {
        "properties": _properties(tw, prop_ids, bldg_ids, d_bldg),
        "buildings": _buildings(tw, bldg_ids),
        "plots": _plots(tw, prop_ids, bldg_ids),
        "sites": _sites(tw), "streets": _streets(tw),
        "areas": _areas(tw, dz_ids, dz_town),
        "subjects": subjects, "exclusion_zones": zones, "placements": placements,
    }
    truth = _truth(towns, prop_ids=prop_ids, bldg_ids=bldg_ids, d_bldg=d_bldg,
                   dw_off=tw.dw_off, town_of=town_of, dz=dz_ids[d_dz])
    return DemoTown(layers=layers, truth=truth, extras=_extras(tw))


def _properties(tw: _Towns, prop_ids: AnyArray, bldg_ids: AnyArray, d_bldg: IntArray
                ) -> gpd.GeoDataFrame:
    """The ``properties`` layer (a building id hidden where the town hides it)."""
    occupants = tw.cat("d_occupants")
    properties = gpd.GeoDataFrame({
        "property_id": _str_series(prop_ids),
        "address": _str_series(tw.cat("d_address")),
        "building_id": _str_series(bldg_ids[d_bldg], missing=tw.cat("d_hide_bldg")),
        "landlord": _str_series(tw.cat("d_landlord")),
        "is_void": tw.cat("d_void"),
        "occupants": pd.array(np.where(occupants > 0, occupants, 0), dtype="Int64"),
        "children_in_household": tw.cat("d_children"),
        "adult_at_risk_in_household": tw.cat("d_adult"),
    }, geometry=gpd.GeoSeries(shapely.points(tw.cat("d_x"), tw.cat("d_y")), crs=BNG))
    properties.loc[occupants == 0, "occupants"] = pd.NA
    return properties


def _buildings(tw: _Towns, bldg_ids: AnyArray) -> gpd.GeoDataFrame:
    """The ``buildings`` layer (houses in multiple occupation typed as such)."""
    return gpd.GeoDataFrame({
        "building_id": _str_series(bldg_ids),
        "levels": tw.cat("b_levels").astype(np.int64),
        "building_type": _str_series(
            or_none(np.array("house_in_multiple_occupation"), tw.cat("b_hmo"))),
    }, geometry=gpd.GeoSeries(tw.cat("b_geom"), crs=BNG))


def _plots(tw: _Towns, prop_ids: AnyArray, bldg_ids: AnyArray) -> gpd.GeoDataFrame:
    """The ``plots`` layer: each plot's dwelling and building where it has one."""
    n_p = np.array([len(t.p_geom) for t in tw.towns])
    p_dw = tw.global_rows("p_dw", tw.dw_off)
    p_bl = tw.global_rows("p_bldg", tw.b_off)
    return gpd.GeoDataFrame({
        "plot_id": _str_series(_ids("DT-P", int(n_p.sum()), 7)),
        "property_id": _str_series(prop_ids[np.maximum(p_dw, 0)], missing=p_dw < 0),
        "building_id": _str_series(bldg_ids[np.maximum(p_bl, 0)], missing=p_bl < 0),
    }, geometry=gpd.GeoSeries(tw.cat("p_geom"), crs=BNG))


def _sites(tw: _Towns) -> gpd.GeoDataFrame:
    """The ``sites`` layer."""
    site_geom = tw.cat("site_geom")
    return gpd.GeoDataFrame({
        "site_id": _str_series(_ids("DT-S", len(site_geom), 6)),
        "category": _str_series(tw.cat("site_cat")),
        "name": _str_series(tw.cat("site_name")),
    }, geometry=gpd.GeoSeries(site_geom, crs=BNG))


def _streets(tw: _Towns) -> gpd.GeoDataFrame:
    """The ``streets`` layer."""
    st_geom = tw.cat("st_geom")
    return gpd.GeoDataFrame({
        "street_id": _str_series(_ids("DT-W", len(st_geom), 6)),
        "name": _str_series(tw.cat("st_name")),
        "highway": _str_series(tw.cat("st_highway")),
    }, geometry=gpd.GeoSeries(st_geom, crs=BNG))


def _areas(tw: _Towns, dz_ids: AnyArray, dz_town: IntArray) -> gpd.GeoDataFrame:
    """The ``areas`` layer: one council per town, then every data zone (parent: its
    council)."""
    towns = tw.towns
    council_ids = [f"CA-DEMO-{k + 1:02d}" for k in range(len(towns))]
    dz_names = np.concatenate([[f"{t.name} {k + 1:02d}" for k in range(len(t.dz_geom))]
                               for t in towns]).astype(object)
    return gpd.GeoDataFrame({
        "area_id": _str_series(np.concatenate([np.array(council_ids, dtype=object),
                                               dz_ids.astype(object)])),
        "area_type": _str_series(np.array(["council"] * len(towns) + ["data_zone"] * len(
            dz_ids), dtype=object)),
        "name": _str_series(np.concatenate([[t.council for t in towns], dz_names]).astype(
            object)),
        "population": np.concatenate([[int(t.dz_population.sum()) for t in towns],
                                      tw.cat("dz_population")]).astype(np.int64),
        "households": np.concatenate([[int(t.dz_households.sum()) for t in towns],
                                      tw.cat("dz_households")]).astype(np.int64),
        "parent_id": _str_series(np.concatenate([np.full(len(towns), None, dtype=object),
                                                 np.array(council_ids, dtype=object)[
                                                     dz_town]])),
    }, geometry=gpd.GeoSeries(np.concatenate([np.array([t.council_geom for t in towns],
                                                       dtype=object), tw.cat("dz_geom")]),
                              crs=BNG))


def _extras(tw: _Towns) -> dict[str, gpd.GeoDataFrame]:
    """The layers for maps only: each town's railway and parks."""
    towns = tw.towns
    return {
        "railways": gpd.GeoDataFrame({
            "name": pd.Series([f"{t.name} Railway" for t in towns], dtype="str"),
            "railway": pd.Series(["rail"] * len(towns), dtype="str"),
        }, geometry=gpd.GeoSeries([t.rail_geom for t in towns], crs=BNG)),
        "parks": gpd.GeoDataFrame({
            "name": pd.Series(np.concatenate([[f"{t.name} Park {k + 1}" for k in range(len(
                t.park_geom))] for t in towns]).astype(object), dtype="str"),
        }, geometry=gpd.GeoSeries(tw.cat("park_geom"), crs=BNG)),
    }


def _truth(towns: list[TownParts], *, prop_ids: AnyArray, bldg_ids: AnyArray,
           d_bldg: IntArray, dw_off: IntArray, town_of: IntArray,
           dz: AnyArray) -> pd.DataFrame:
    """The ground-truth frame (see :class:`DemoTown`)."""
    n = len(prop_ids)
    ptype = np.concatenate([t.d_ptype for t in towns])
    floor = np.concatenate([t.d_floor for t in towns])
    close = np.concatenate([t.d_close for t in towns])
    ids = pa.array(prop_ids)

    def pairs(name: str) -> tuple[IntArray, IntArray]:
        i = np.concatenate([getattr(t, name)[0] + dw_off[k] for k, t in enumerate(towns)])
        j = np.concatenate([getattr(t, name)[1] + dw_off[k] for k, t in enumerate(towns)])
        return i.astype(np.int64), j.astype(np.int64)

    adj_i, adj_j = pairs("adj")
    adj_i, adj_j = np.concatenate([adj_i, adj_j]), np.concatenate([adj_j, adj_i])
    gar_i, gar_j = pairs("garden")
    grp_i, grp_j = pairs("groups")
    house_like = np.isin(ptype, [PROPERTY_TYPES.index(p) for p in
                                 ("cottage_flat", "terraced", "semi_detached", "detached")])
    min_i = np.concatenate([adj_i[house_like[adj_i]], gar_i[house_like[gar_i]], grp_i])
    min_j = np.concatenate([adj_j[house_like[adj_i]], gar_j[house_like[gar_i]], grp_j])
    town_code = np.strings.add("T", np.strings.zfill(town_of.astype(_SDT), 2))
    local = np.arange(n) - dw_off[town_of]
    own_key = np.strings.add(np.strings.add(town_code, "-D"),
                             np.strings.zfill(local.astype(_SDT), 7))
    close_key = np.strings.add(np.strings.add(town_code, "-C"),
                               np.strings.zfill(np.maximum(close, 0).astype(_SDT), 6))
    close_key = np.where(close >= 0, close_key, own_key)
    flat = np.isin(ptype, [PROPERTY_TYPES.index("tenement_flat"),
                           PROPERTY_TYPES.index("multi_storey_flat")])
    edinburgh = np.concatenate([t.d_edinburgh for t in towns])
    occupants = np.concatenate([t.d_occupants for t in towns])
    truth = pd.DataFrame({
        "property_id": _str_series(prop_ids),
        "building_id": _str_series(bldg_ids[d_bldg]),
        "floor": floor.astype(np.int64),
        "close_key": _str_series(close_key),
        "property_type": _str_series(np.array(PROPERTY_TYPES, dtype=object)[ptype]),
        "adjacent": pd.arrays.ArrowExtensionArray(list_array(n, adj_i, adj_j, ids)),
        "garden_neighbours": pd.arrays.ArrowExtensionArray(list_array(n, gar_i, gar_j, ids)),
        "minimum_set": pd.arrays.ArrowExtensionArray(list_array(n, min_i, min_j, ids)),
        "occupants": pd.array(occupants, dtype="Int64"),
        "town": _str_series(np.array([t.name for t in towns], dtype=object)[town_of]),
        "data_zone": _str_series(dz),
        "household_size": np.concatenate([t.d_size for t in towns]).astype(np.int64),
        "address_style": _str_series(or_none(np.where(edinburgh, "edinburgh", "glasgow"),
                                             flat)),
    })
    truth.loc[occupants == 0, "occupants"] = pd.NA
    return truth


def write_demo_town(town: DemoTown, out_dir: Path) -> list[Path]:
    """Write the data set: the contract layers, the truth and the extras.

    Geometry layers go to ``out_dir/<layer>.parquet`` (GeoParquet, EPSG:27700), the
    layers without geometry to ``out_dir/subjects.csv`` and ``out_dir/placements.csv``,
    the truth to ``out_dir/ground_truth/ground_truth.parquet`` and each extra layer to
    ``out_dir/extras/<name>.parquet``. Each file is written whole through
    :func:`geo_era._io.atomic_path` (a reader never sees a half-written file): the
    sensitive layers 0600, the others 0644.

    Parameters
    ----------
    town
        The data set from :func:`build_demo_town`.
    out_dir
        Directory to write to (created when missing).

    Returns
    -------
    The contract files written (not the truth or the extras), in ``schema.LAYERS`` order.
    """
    out_dir = Path(out_dir)
    (out_dir / "ground_truth").mkdir(parents=True, exist_ok=True)
    (out_dir / "extras").mkdir(parents=True, exist_ok=True)
    written = write_layers(town.layers, out_dir)
    # without pandas metadata: pandas cannot rebuild an Arrow list dtype from it, so
    # readers get the list columns as arrays of property ids
    truth = pa.Table.from_pandas(town.truth, preserve_index=False).replace_schema_metadata()
    with atomic_path(out_dir / "ground_truth" / "ground_truth.parquet", mode=SHARED) as tmp:
        pq.write_table(truth, tmp)
    for name, frame in town.extras.items():
        with atomic_path(out_dir / "extras" / f"{name}.parquet", mode=SHARED) as tmp:
            frame.to_parquet(tmp, index=False)
    return written


def write_layers(layers: Mapping[str, pd.DataFrame], out_dir: Path) -> list[Path]:
    """Write the contract layers in ``layers`` into ``out_dir`` (which must exist), each
    whole (:func:`geo_era._io.atomic_path`): geometry layers as GeoParquet
    (``<layer>.parquet``), the others as CSV (``<layer>.csv``); the sensitive layers
    (subjects, exclusion zones, placements) 0600, the others 0644. Returns the paths in
    ``schema.LAYERS`` order."""
    written: list[Path] = []
    for name in LAYERS:
        if name not in layers:
            continue
        frame = layers[name]
        mode = PRIVATE if LAYERS[name].sensitive else SHARED
        if isinstance(frame, gpd.GeoDataFrame):
            path = out_dir / f"{name}.parquet"
            with atomic_path(path, mode=mode) as tmp:
                frame.to_parquet(tmp, index=False)
        else:
            path = out_dir / f"{name}.csv"
            with atomic_path(path, mode=mode) as tmp:
                frame.to_csv(tmp, index=False)
        written.append(path)
    return written

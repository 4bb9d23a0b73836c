"""One synthetic town: block plan, grid placement, world coordinates and addresses.

:func:`build_town` plans a stream of street blocks (tenements, multi-storey blocks and
sides of cottage flats, terraces, semi-detached and detached houses), generates their
layouts (:mod:`geo_era.demo._layout`), keeps blocks until the town has its target
number of dwellings, adds schools, parks and civic blocks, and places everything on a
grid of ``CELL_W`` x ``CELL_H`` metre cells in EPSG:27700 (:mod:`geo_era.demo._grid`):
denser blocks towards the centre, a railway along the middle of one row of blocks
(crossed by 1-3 streets), named street sections, Scottish addresses
(:mod:`geo_era.demo._addresses`), households, sites and data zones. The result is plain arrays
(:class:`TownParts`); :mod:`geo_era.demo.demotown` turns the towns into the contract layers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import shapely

from geo_era.demo import _layout as lay
from geo_era.demo import _places as places
from geo_era.demo._addresses import StreetNames, addresses, edinburgh_blocks, street_names
from geo_era.demo._grid import Grid, place_town
from geo_era.demo._layout import B_MS, B_PARK, B_SIDES, B_TEN
from geo_era.demo._names import RSL_NAMES
from geo_era.demo._tables import (
    AnyArray,
    BoolArray,
    FloatArray,
    IntArray,
    Tables,
    or_none,
    ragged,
)
from geo_era.demo._truth import garden_pairs, group_pairs

_POOL_BLOCKS = np.array([B_TEN] * 3 + [B_MS] + [B_SIDES] * 16)
_POOL_SIDES = np.array([lay.COT] * 8 + [lay.TER] * 10 + [lay.SEM] * 8 + [lay.DET] * 6)
#: dwellings per block, on average over the pool (a first guess for the stream length)
_MEAN_DWELLINGS = 55

#: (council, RSL) probability of the landlord by property type (schema order)
_LANDLORD_P = np.array([[0.8, 0.2], [0.12, 0.25], [0.6, 0.2], [0.3, 0.15], [0.2, 0.05],
                        [0.0, 0.02], [0.0, 0.0]])
_HOUSEHOLD_P = np.array([0.38, 0.36, 0.13, 0.10, 0.03])  # sizes 1-5, mean about 2.1



@dataclass
class TownParts:
    """One town as plain arrays, coordinates in metres in EPSG:27700.

    Dwelling arrays (``d_*``) have one row per property; ``d_bldg`` indexes the town's
    building arrays, ``d_close`` is a town-local close number (-1 for a house or cottage
    flat), ``d_dz`` indexes the town's data zones. Pair arrays hold town-local dwelling
    indices, both directions.
    """

    name: str
    council: str
    d_x: FloatArray
    d_y: FloatArray
    d_address: AnyArray
    d_bldg: IntArray
    d_floor: IntArray
    d_ptype: IntArray
    d_close: IntArray
    d_landlord: AnyArray
    d_void: BoolArray
    d_occupants: IntArray
    d_children: BoolArray
    d_adult: BoolArray
    d_size: IntArray
    d_hide_bldg: BoolArray
    d_dz: IntArray
    d_edinburgh: BoolArray
    b_geom: AnyArray
    b_levels: IntArray
    b_hmo: BoolArray
    p_geom: AnyArray
    p_dw: IntArray
    p_bldg: IntArray
    adj: tuple[IntArray, IntArray]
    garden: tuple[IntArray, IntArray]
    groups: tuple[IntArray, IntArray]
    st_geom: AnyArray
    st_name: AnyArray
    st_highway: AnyArray
    site_geom: AnyArray
    site_cat: AnyArray
    site_name: AnyArray
    dz_geom: AnyArray
    dz_households: IntArray
    dz_population: IntArray
    council_geom: shapely.Polygon
    rail_geom: shapely.LineString
    park_geom: AnyArray


def _stream(rng: np.random.Generator, target: int) -> tuple[Tables, IntArray, IntArray]:
    """Plan and lay out blocks until they hold ``target`` dwellings.

    Returns the tables (with the side table), the kept blocks' kinds, and per side the
    court road's ``u`` (-1 where none).
    """
    n_est = math.ceil(target / _MEAN_DWELLINGS * 1.2) + 6
    while True:
        n_pools = math.ceil(n_est / len(_POOL_BLOCKS))
        kinds = np.concatenate([rng.permutation(_POOL_BLOCKS) for _ in range(n_pools)])
        n_side = np.where(kinds == B_MS, 1, 2)
        side_block, side_side = ragged(n_side)
        side_type = np.where(kinds[side_block] == B_TEN, lay.TEN, lay.MS)
        free = np.flatnonzero(kinds[side_block] == B_SIDES)
        n_pool = math.ceil(len(free) / len(_POOL_SIDES))
        side_type[free] = np.concatenate(
            [rng.permutation(_POOL_SIDES) for _ in range(n_pool)])[:len(free)]
        ids = np.arange(len(side_block), dtype=np.int64)
        is_house = np.isin(side_type, [lay.TER, lay.SEM, lay.DET])
        tower_tables, court = lay.towers(rng, ids[side_type == lay.MS])
        parts = [lay.tenements(rng, ids[side_type == lay.TEN]),
                 lay.cottages(rng, ids[side_type == lay.COT]),
                 lay.houses(rng, ids[is_house], side_type[is_house]),
                 tower_tables]
        side_table = Tables()
        side_table.set("side", block=side_block, side=side_side, type=side_type)
        tables = Tables.concat([*parts, side_table])
        court_u = np.full(len(ids), -1, dtype=np.int64)
        court_u[side_type == lay.MS] = court
        per_block = np.bincount(side_block[tables.col("dw", "side")], minlength=len(kinds))
        total = np.cumsum(per_block)
        if total[-1] >= target:
            break
        n_est *= 2
    n_keep = int(np.searchsorted(total, target)) + 1
    n_keep_sides = int(np.searchsorted(side_block, n_keep))
    tables.take("side", np.arange(n_keep_sides, dtype=np.int64))
    for name in ("bldg", "plot", "unit", "close", "dw"):
        tables.take(name, np.flatnonzero(tables.col(name, "side") >= 0))
    adj_i, adj_j = tables.col("adj", "i"), tables.col("adj", "j")
    tables.take("adj", np.flatnonzero((adj_i >= 0) & (adj_j >= 0)))
    return tables, kinds[:n_keep], court_u[:n_keep_sides]


def _data_zones(households: IntArray, rows: int, cols: int) -> IntArray:
    """Group whole cells (blocks) into data zones of about 300-400 households.

    Cells are walked in bands of two rows, zigzagging column by column, so that
    consecutive cells are neighbours; a zone is a run of consecutive cells, never starting
    at a cell whose successor is not a neighbour, so every zone is one connected polygon.
    Returns the zone index of every cell (row-major).
    """
    path: list[tuple[int, int]] = []
    for b, r0 in enumerate(range(0, rows, 2)):
        band = [r0] if r0 + 1 >= rows else [r0, r0 + 1]
        columns = range(cols) if b % 2 == 0 else range(cols - 1, -1, -1)
        for t, c in enumerate(columns):
            for r in band if t % 2 == 0 else band[::-1]:
                path.append((r, c))
    adjacent = [abs(a[0] - b[0]) + abs(a[1] - b[1]) == 1 for a, b in pairwise(path)]
    adjacent.append(True)
    zone = np.zeros(rows * cols, dtype=np.int64)
    current, acc = 0, 0
    for p, (r, c) in enumerate(path):
        h = int(households[r * cols + c])
        if acc > 0 and h > 0 and (acc >= 300 or (acc >= 200 and acc + h > 420)) \
                and adjacent[p]:
            current, acc = current + 1, 0
        zone[r * cols + c] = current
        acc += h
    remaining = households.sum() - np.bincount(zone, weights=households)[:current].sum()
    if current > 0 and remaining < 150:
        zone[zone == current] = current - 1
    return zone


def _order_dwellings(t: Tables, g: Grid, edin_b: BoolArray) -> None:
    """Drop basements where the Glasgow notation is used (it has none), then put the
    dwellings in property order: by block (row by row), side, position along the
    street, floor, door."""
    d_blk = g.s_blk[t.col("dw", "side")]
    t.take("dw", np.flatnonzero((t.col("dw", "floor") >= 0) | edin_b[d_blk]))
    d_side = t.col("dw", "side")
    d_blk = g.s_blk[d_side]
    t.take("dw", np.lexsort((t.col("dw", "door"), t.col("dw", "floor"),
                             t.col("unit", "order")[t.col("dw", "unit")], d_side,
                             g.brow[d_blk] * g.cols + g.bcol[d_blk])))


@dataclass(frozen=True)
class _Households:
    """Per dwelling: type (houses in multiple occupation made ``shared``), occupants of
    an HMO, landlord, void, children, adult at risk, household size, building id hidden;
    per building: holds an HMO."""

    ptype: IntArray
    occupants: IntArray
    b_hmo: BoolArray
    landlord: AnyArray
    void: BoolArray
    children: BoolArray
    adult: BoolArray
    size: IntArray
    hide: BoolArray


def _households(rng: np.random.Generator, t: Tables, name: str) -> _Households:
    """Households and tenure: about 3% of houses are HMOs; council and RSL landlords by
    property type; 2% of social homes void; children, adults at risk, sizes."""
    ptype = t.col("dw", "ptype")
    n_dw = t.length("dw")
    house_idx = np.flatnonzero(np.isin(ptype, [lay.P_TER, lay.P_SEM, lay.P_DET]))
    n_hmo = max(1, round(0.03 * len(house_idx))) if len(house_idx) else 0
    hmo = np.zeros(n_dw, dtype=bool)
    hmo[rng.choice(house_idx, size=n_hmo, replace=False)] = True
    ptype = np.where(hmo, lay.P_SHARED, ptype)
    occupants = np.where(hmo, rng.integers(3, 9, n_dw), 0)
    b_hmo = np.zeros(t.length("bldg"), dtype=bool)
    b_hmo[t.col("dw", "bldg")[hmo]] = True
    r = rng.random(n_dw)
    p_council, p_rsl = _LANDLORD_P[ptype, 0], _LANDLORD_P[ptype, 1]
    landlord_kind = np.where(r < p_council, 1, np.where(r < p_council + p_rsl, 2, 0))
    rsl = rng.choice(np.array(_rsl_pool(rng), dtype=object), size=n_dw)
    landlord = or_none(np.where(landlord_kind == 1, f"{name} Council", rsl), landlord_kind > 0)
    social = np.flatnonzero(landlord_kind > 0)
    void = np.zeros(n_dw, dtype=bool)
    void[rng.choice(social, size=min(len(social), round(0.02 * n_dw)), replace=False)] = True
    children = (rng.random(n_dw) < 0.25) & ~void
    adult = (rng.random(n_dw) < 0.03) & ~void
    size = rng.choice(np.arange(1, 6), size=n_dw, p=_HOUSEHOLD_P)
    size = np.where(children, np.maximum(size, 2), size)
    size = np.where(hmo, occupants, np.where(void, 0, size))
    hide = rng.random(n_dw) < 0.3
    return _Households(ptype=ptype, occupants=occupants, b_hmo=b_hmo, landlord=landlord,
                       void=void, children=children, adult=adult, size=size, hide=hide)


def _truth_pairs(t: Tables, g: Grid, ptype: IntArray
                 ) -> tuple[tuple[IntArray, IntArray], tuple[IntArray, IntArray],
                            tuple[IntArray, IntArray]]:
    """The true pairs (town-local dwelling indices, both directions): adjacent
    dwellings, garden neighbours, and flats in one close (tenements) or on one floor of
    one tower."""
    adj = (t.col("adj", "i"), t.col("adj", "j"))
    plot_dw = t.col("plot", "dw")
    own = np.flatnonzero(plot_dw >= 0)
    p_side = t.col("plot", "side")[own]
    g_i, g_j = garden_pairs(
        p_side, col=t.col("plot", "col")[own], level=t.col("plot", "level")[own],
        u0=t.col("plot", "u0")[own], u1=t.col("plot", "u1")[own], block=g.s_blk[p_side],
        north=g.s_north[p_side], rail=g.rail[g.s_blk[p_side]])
    garden = (plot_dw[own][g_i], plot_dw[own][g_j])
    close, floor = t.col("dw", "close"), t.col("dw", "floor")
    flat_key = np.where(ptype == lay.P_MS, close * 64 + floor + 1,
                        np.where(ptype == lay.P_TEN, close * 64, -1))
    return adj, garden, group_pairs(flat_key)


def _streets(rng: np.random.Generator, g: Grid, sn: StreetNames, court_side: IntArray
             ) -> tuple[AnyArray, AnyArray, AnyArray]:
    """The streets (geometry, name, highway): the grid's streets and footpaths and one
    service road into each tower block's court."""
    st_geom, st_name, st_highway = places.streets(
        rng, g.xs, g.ys, rail_row=g.rail_row, sec_h=sn.sec_h, sec_v=sn.sec_v,
        nsec_h=sn.nsec_h, nsec_v=sn.nsec_v, names=sn.names, kinds=g.kinds, bcol=g.bcol,
        brow=g.brow)
    ms_sides = np.flatnonzero(court_side >= 0)
    cu = court_side[ms_sides]
    cb = g.s_blk[ms_sides]
    court_geom = shapely.linestrings(np.stack(
        [np.stack([g.bx0[cb] + cu, g.ys[g.brow[cb]]], axis=1),
         np.stack([g.bx0[cb] + cu, g.by0[cb] + 60], axis=1)], axis=1))
    return (np.concatenate([st_geom, court_geom]),
            np.concatenate([st_name, sn.names[sn.court_of_block[cb]].astype(object)]),
            np.concatenate([st_highway, np.full(len(cb), "service", dtype=object)]))


def _zones(g: Grid, d_blk: IntArray, size: IntArray
           ) -> tuple[AnyArray, IntArray, IntArray, IntArray]:
    """Data zones of whole blocks: their geometry, each dwelling's zone, and each
    zone's households and population."""
    cell_of_block = g.brow * g.cols + g.bcol
    hh_cell = np.zeros(g.rows * g.cols, dtype=np.int64)
    np.add.at(hh_cell, cell_of_block[d_blk], 1)
    zone_of_cell = _data_zones(hh_cell, g.rows, g.cols)
    n_dz = int(zone_of_cell.max()) + 1
    cells = shapely.box(np.tile(g.xs[:-1], g.rows), np.repeat(g.ys[:-1], g.cols),
                        np.tile(g.xs[1:], g.rows), np.repeat(g.ys[1:], g.cols))
    order_cells = np.argsort(zone_of_cell, kind="stable")
    bounds = np.searchsorted(zone_of_cell[order_cells], np.arange(n_dz + 1))
    dz_geom = np.array([shapely.coverage_union_all(cells[order_cells[a:b]])
                        for a, b in pairwise(bounds)], dtype=object)
    d_dz = zone_of_cell[cell_of_block[d_blk]]
    dz_households = np.bincount(d_dz, minlength=n_dz)
    dz_population = np.bincount(d_dz, weights=size, minlength=n_dz).astype(np.int64)
    return dz_geom, d_dz, dz_households, dz_population


def build_town(rng: np.random.Generator, name: str, target: int,
               centre: tuple[float, float]) -> TownParts:
    """Build one town of about ``target`` dwellings centred near ``centre`` (EPSG:27700, m).

    Parameters
    ----------
    rng
        The town's own random generator.
    name
        Town name (the locality of its addresses).
    target
        Number of dwellings to reach (the town ends with the block that reaches it).
    centre
        Approximate centre (x, y) in metres, British National Grid.
    """
    t, kinds_res, court_side = _stream(rng, target)
    g = place_town(rng, t, kinds_res, target, centre)
    edin_b = edinburgh_blocks(rng, g)
    _order_dwellings(t, g, edin_b)
    d_blk = g.s_blk[t.col("dw", "side")]
    sn = street_names(rng, g)
    edin = edin_b[d_blk]
    address = addresses(t, g, edin, sn, name)
    d_north = g.s_north[t.col("dw", "side")]
    d_x = g.bx0[d_blk] + t.col("dw", "u")
    d_y = np.where(d_north, g.by1[d_blk] - t.col("dw", "v"), g.by0[d_blk] + t.col("dw", "v"))
    hh = _households(rng, t, name)
    adj, garden, groups = _truth_pairs(t, g, hh.ptype)
    st_geom, st_name, st_highway = _streets(rng, g, sn, court_side)
    y_rail = g.ys[g.rail_row] + lay.CELL_H / 2
    site_geom, site_cat, site_name = places.sites(
        rng, target, kinds=g.kinds, bx0=g.bx0, by0=g.by0, xs=g.xs, ys=g.ys, st_geom=st_geom,
        st_highway=st_highway)
    parks = np.flatnonzero(g.kinds == B_PARK)
    dz_geom, d_dz, dz_households, dz_population = _zones(g, d_blk, hh.size)
    return TownParts(
        name=name, council=f"{name} Council", d_x=d_x.astype(np.float64),
        d_y=d_y.astype(np.float64), d_address=address, d_bldg=t.col("dw", "bldg"),
        d_floor=t.col("dw", "floor"), d_ptype=hh.ptype, d_close=t.col("dw", "close"),
        d_landlord=hh.landlord, d_void=hh.void, d_occupants=hh.occupants,
        d_children=hh.children, d_adult=hh.adult, d_size=hh.size, d_hide_bldg=hh.hide,
        d_dz=d_dz, d_edinburgh=edin,
        b_geom=g.rects(t.col("bldg", "side"), t.col("bldg", "u0"), t.col("bldg", "u1"),
                       t.col("bldg", "v0"), t.col("bldg", "v1")),
        b_levels=t.col("bldg", "levels"), b_hmo=hh.b_hmo,
        p_geom=g.rects(t.col("plot", "side"), t.col("plot", "u0"), t.col("plot", "u1"),
                       t.col("plot", "v0"), t.col("plot", "v1")),
        p_dw=t.col("plot", "dw"), p_bldg=t.col("plot", "bldg"), adj=adj, garden=garden,
        groups=groups, st_geom=st_geom, st_name=st_name, st_highway=st_highway,
        site_geom=site_geom, site_cat=site_cat, site_name=site_name, dz_geom=dz_geom,
        dz_households=dz_households, dz_population=dz_population,
        council_geom=shapely.box(g.xs[0], g.ys[0], g.xs[-1], g.ys[-1]),
        rail_geom=shapely.LineString([(g.xs[0] - 300.0, y_rail), (g.xs[-1] + 300.0, y_rail)]),
        park_geom=shapely.box(g.bx0[parks], g.by0[parks], g.bx0[parks] + lay.SIDE_L,
                              g.by1[parks]))


def _rsl_pool(rng: np.random.Generator) -> list[str]:
    idx = rng.choice(len(RSL_NAMES), size=2, replace=False)
    return [RSL_NAMES[i] for i in idx]

"""One synthetic town: block plan, grid placement, world coordinates and addresses.

:func:`build_town` plans a stream of street blocks (tenements, multi-storey blocks and
sides of cottage flats, terraces, semi-detached and detached houses), generates their
layouts (:mod:`geo_era.demo._layout`), keeps blocks until the town has its target
number of dwellings, adds schools, parks and civic blocks, and places everything on a
grid of ``CELL_W`` x ``CELL_H`` metre cells in EPSG:27700: denser blocks towards the
centre, a railway along the middle of one row of blocks (crossed by 1-3 streets), named
street sections, Scottish addresses, sites and data zones. The result is plain arrays
(:class:`TownParts`); :mod:`geo_era.demo.demotown` turns the towns into the contract layers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import numpy as np
import shapely
from numpy.dtypes import StringDType

from geo_era.demo import _layout as lay
from geo_era.demo import _places as places
from geo_era.demo._layout import (
    B_CIVIC,
    B_MS,
    B_OPEN,
    B_PARK,
    B_SCHOOL,
    B_SIDES,
    B_TEN,
)
from geo_era.demo._names import (
    COURT_TYPES,
    RSL_NAMES,
    STREET_TYPES,
    STREET_WORDS,
)
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
from geo_era.errors import DataError

_POOL_BLOCKS = np.array([B_TEN] * 3 + [B_MS] + [B_SIDES] * 16)
_POOL_SIDES = np.array([lay.COT] * 8 + [lay.TER] * 10 + [lay.SEM] * 8 + [lay.DET] * 6)
#: dwellings per block, on average over the pool (a first guess for the stream length)
_MEAN_DWELLINGS = 55

# address label variants
V_HOUSE, V_COT, V_EGF, V_EPF, V_EMF, V_GNUM, V_GLR = range(7)

#: (council, RSL) probability of the landlord by property type (schema order)
_LANDLORD_P = np.array([[0.8, 0.2], [0.12, 0.25], [0.6, 0.2], [0.3, 0.15], [0.2, 0.05],
                        [0.0, 0.02], [0.0, 0.0]])
_HOUSEHOLD_P = np.array([0.38, 0.36, 0.13, 0.10, 0.03])  # sizes 1-5, mean about 2.1

SDT = StringDType()


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


@lru_cache(maxsize=1)
def label_table() -> AnyArray:
    """Flat-position prefixes by (variant, floor + 1, door): ``'3F2 '``, ``'Flat 2/1, '``."""
    table = np.full((7, 22, 9), "", dtype=object)
    for f in range(-1, 21):
        for d in range(9):
            table[V_COT, f + 1, d] = "Lower Flat, " if f == 0 else "Upper Flat, "
            for variant, ground in ((V_EGF, "GF"), (V_EPF, "PF"), (V_EMF, "MF")):
                code = "BF" if f < 0 else ground if f == 0 else f"{f}F"
                table[variant, f + 1, d] = f"{code}{d} "
            table[V_GNUM, f + 1, d] = f"Flat {f}/{d}, "
            table[V_GLR, f + 1, d] = f"Flat {'G' if f == 0 else f}/{'L' if d == 1 else 'R'}, "
    labels: AnyArray = table.astype(SDT)
    return labels


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


def _place(rng: np.random.Generator, kinds: IntArray, dwellings: IntArray, *, rows: int,
           cols: int, rail_row: int) -> tuple[IntArray, IntArray]:
    """Assign blocks to grid cells: denser blocks nearer the centre; only blocks with
    street-facing sides (or open land) in the railway row. Returns (col, row) per block."""
    n = len(kinds)
    res = np.isin(kinds, [B_SIDES, B_TEN, B_MS])
    score = np.zeros(n)
    score[res] = dwellings[res] * np.exp(rng.normal(0.0, 0.35, int(res.sum())))
    ref = np.sort(score[res])
    for kind, lo, hi in ((B_SCHOOL, 0.3, 0.7), (B_PARK, 0.1, 0.9), (B_CIVIC, 0.7, 0.95)):
        sel = kinds == kind
        q = rng.uniform(lo, hi, int(sel.sum()))
        score[sel] = ref[np.minimum((q * len(ref)).astype(np.int64), len(ref) - 1)]
    score[kinds == B_OPEN] = -1.0
    priority = np.argsort(-score, kind="stable")
    grid_c, grid_r = np.meshgrid(np.arange(cols), np.arange(rows))
    cc, rr = grid_c.ravel(), grid_r.ravel()
    dist = np.hypot((cc + 0.5 - cols / 2) * lay.CELL_W, (rr + 0.5 - rows / 2) * lay.CELL_H)
    cell_order = np.argsort(dist + rng.normal(0.0, 60.0, len(dist)), kind="stable")
    allowed_rail = np.isin(kinds, [B_SIDES, B_TEN, B_OPEN])
    used = np.zeros(n, dtype=bool)
    col = np.zeros(n, dtype=np.int64)
    row = np.zeros(n, dtype=np.int64)
    rail_left = int((rr == rail_row).sum())
    allowed_left = int(allowed_rail.sum())
    pointer = 0
    for cell in cell_order:
        rail_cell = rr[cell] == rail_row
        # keep enough allowed blocks back for the railway cells still to fill
        need_other = not rail_cell and allowed_left <= rail_left
        while used[priority[pointer]]:
            pointer += 1
        k = pointer
        while used[priority[k]] or (rail_cell and not allowed_rail[priority[k]]) or (
                need_other and allowed_rail[priority[k]]):
            k += 1
        block = priority[k]
        used[block] = True
        allowed_left -= int(allowed_rail[block])
        rail_left -= int(rail_cell)
        col[block], row[block] = cc[cell], rr[cell]
    return col, row


def _names(rng: np.random.Generator, n: int, words: tuple[str, ...],
           types: tuple[str, ...]) -> list[str]:
    combos = len(words) * len(types)
    if n > combos:
        raise DataError(f"the demo town needs {n:,} street names but only {combos:,} exist; "
                        "use a smaller town size")
    idx = rng.choice(combos, size=n, replace=False)
    return [f"{words[i // len(types)]} {types[i % len(types)]}" for i in idx]


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
    dw_side = t.col("dw", "side")
    side_block = t.col("side", "block")
    dwellings = np.bincount(side_block[dw_side], minlength=len(kinds_res))
    n_school = max(1, math.ceil(target / 2500))
    n_park = max(1, round(target / 1500))
    n_civic = max(1, round(target / 4000))
    specials = np.array([B_SCHOOL] * n_school + [B_PARK] * n_park + [B_CIVIC] * n_civic)
    n_blocks = len(kinds_res) + len(specials)
    cols = max(2, round(math.sqrt(n_blocks / (lay.CELL_W / lay.CELL_H))))
    rows = max(3, math.ceil(n_blocks / cols))
    # the railway row takes only blocks with street-facing sides or open land
    while np.isin(kinds_res, [B_SIDES, B_TEN]).sum() + rows * cols - n_blocks < cols:
        rows += 1
    kinds = np.concatenate([kinds_res, specials,
                            np.full(rows * cols - n_blocks, B_OPEN)]).astype(np.int64)
    dwellings = np.concatenate([dwellings, np.zeros(len(kinds) - len(dwellings),
                                                    dtype=np.int64)])
    rail_row = int(np.clip(rows // 2 + rng.integers(-1, 2), 1, rows - 2))
    bcol, brow = _place(rng, kinds, dwellings, rows=rows, cols=cols, rail_row=rail_row)
    x0 = round(centre[0] - cols * lay.CELL_W / 2)
    y0 = round(centre[1] - rows * lay.CELL_H / 2)
    xs = x0 + lay.CELL_W * np.arange(cols + 1)
    ys = y0 + lay.CELL_H * np.arange(rows + 1)
    bx0 = xs[bcol] + lay.MARGIN
    by0 = ys[brow] + lay.MARGIN
    by1 = by0 + lay.FULL_D
    rail = brow == rail_row

    s_blk = side_block
    s_north = t.col("side", "side") == 1
    s_back = np.where(rail[s_blk], lay.RAIL_BACK_D, lay.BACK_D)

    def rects(side: IntArray, u0: IntArray, u1: IntArray, v0: IntArray,
              v1: IntArray) -> AnyArray:
        v1 = np.where(v1 < 0, s_back[side], v1)
        b = s_blk[side]
        north = s_north[side]
        y_lo = np.where(north, by1[b] - v1, by0[b] + v0)
        y_hi = np.where(north, by1[b] - v0, by0[b] + v1)
        boxes: AnyArray = shapely.box(bx0[b] + u0, y_lo, bx0[b] + u1, y_hi)
        return boxes

    # address style per district (4 x 4 blocks): Edinburgh or Glasgow notation
    district = (bcol // 4) * 10_000 + brow // 4
    codes, dist_idx = np.unique(district, return_inverse=True)
    edin_d = rng.random(len(codes)) < 0.5
    ten_d = np.unique(dist_idx[kinds == B_TEN])
    if len(ten_d) >= 2 and edin_d[ten_d].all() == edin_d[ten_d].any():
        flip = ten_d[rng.integers(len(ten_d))]
        edin_d[flip] = not edin_d[flip]
    edin_b = edin_d[dist_idx]
    # basements only where the Edinburgh notation (BF1) is used
    d_blk = s_blk[t.col("dw", "side")]
    t.take("dw", np.flatnonzero((t.col("dw", "floor") >= 0) | edin_b[d_blk]))
    # property order: by block (row by row), side, position along the street, floor, door
    d_side = t.col("dw", "side")
    d_blk = s_blk[d_side]
    t.take("dw", np.lexsort((t.col("dw", "door"), t.col("dw", "floor"),
                             t.col("unit", "order")[t.col("dw", "unit")], d_side,
                             brow[d_blk] * cols + bcol[d_blk])))
    d_side = t.col("dw", "side")
    d_blk = s_blk[d_side]
    n_dw = len(d_side)

    # street names: horizontal and vertical sections of 3-5 blocks, courts for towers
    sec_h = int(rng.integers(3, 6))
    sec_v = int(rng.integers(3, 6))
    nsec_h = math.ceil(cols / sec_h)
    nsec_v = math.ceil(rows / sec_v)
    ms_blocks = np.flatnonzero(kinds == B_MS)
    names = _names(rng, (rows + 1) * nsec_h + (cols + 1) * nsec_v, STREET_WORDS,
                   STREET_TYPES)
    court_names = _names(rng, len(ms_blocks), STREET_WORDS, COURT_TYPES)
    all_names = np.array(names + court_names, dtype=SDT)
    court_of_block = np.full(len(kinds), -1, dtype=np.int64)
    court_of_block[ms_blocks] = len(names) + np.arange(len(ms_blocks))

    # numbering: odd numbers on the north side of a street, even on the south side
    u_side = t.col("unit", "side")
    u_blk = s_blk[u_side]
    parity = s_north[u_side].astype(np.int64)
    line = brow[u_blk] + parity
    section = bcol[u_blk] // sec_h
    group = (line * nsec_h + section) * 2 + parity
    order = bcol[u_blk] * 10_000 + t.col("unit", "order")
    perm = np.lexsort((order, group))
    g_sorted = group[perm]
    starts = np.flatnonzero(np.r_[True, g_sorted[1:] != g_sorted[:-1]])
    rank = np.empty(len(perm), dtype=np.int64)
    rank[perm] = np.arange(len(perm)) - np.repeat(starts, np.diff(np.r_[starts, len(perm)]))
    court = t.col("unit", "court")
    number = np.where(court, t.col("unit", "fixed"), 2 * rank + 1 + parity)
    street_idx = np.where(court, court_of_block[u_blk], line * nsec_h + section)

    # flat position labels
    ptype = t.col("dw", "ptype")
    close = t.col("dw", "close")
    edin = edin_b[d_blk]
    # (a town without closes still needs one row to index)
    c_ground = np.r_[t.col("close", "ground"), 0][np.where(close >= 0, close, -1)]
    c_lr = np.r_[t.col("close", "lr"), False][np.where(close >= 0, close, -1)]
    variant = np.select(
        [ptype == lay.P_COT, ptype == lay.P_TEN, ptype == lay.P_MS],
        [V_COT, np.where(edin, V_EGF + c_ground, np.where(c_lr, V_GLR, V_GNUM)),
         np.where(edin, V_EGF, V_GNUM)], V_HOUSE)
    floor = t.col("dw", "floor")
    labels = label_table()[variant, floor + 1, t.col("dw", "door")]
    unit = t.col("dw", "unit")
    address = np.strings.add(labels, number[unit].astype(SDT))
    address = np.strings.add(address, " ")
    address = np.strings.add(address, all_names[street_idx[unit]])
    address = np.strings.add(address, f", {name}")

    # geometry: buildings, plots, dwelling points
    b_geom = rects(t.col("bldg", "side"), t.col("bldg", "u0"), t.col("bldg", "u1"),
                   t.col("bldg", "v0"), t.col("bldg", "v1"))
    p_geom = rects(t.col("plot", "side"), t.col("plot", "u0"), t.col("plot", "u1"),
                   t.col("plot", "v0"), t.col("plot", "v1"))
    du, dv = t.col("dw", "u"), t.col("dw", "v")
    d_north = s_north[d_side]
    d_x = bx0[d_blk] + du
    d_y = np.where(d_north, by1[d_blk] - dv, by0[d_blk] + dv)

    # households and tenure
    is_house = np.isin(ptype, [lay.P_TER, lay.P_SEM, lay.P_DET])
    house_idx = np.flatnonzero(is_house)
    n_hmo = max(1, round(0.03 * len(house_idx))) if len(house_idx) else 0
    hmo = np.zeros(n_dw, dtype=bool)
    hmo[rng.choice(house_idx, size=n_hmo, replace=False)] = True
    ptype = np.where(hmo, lay.P_SHARED, ptype)
    occupants = np.where(hmo, rng.integers(3, 9, n_dw), 0)
    d_bldg = t.col("dw", "bldg")
    b_hmo = np.zeros(t.length("bldg"), dtype=bool)
    b_hmo[d_bldg[hmo]] = True
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

    # truth pairs
    adj = (t.col("adj", "i"), t.col("adj", "j"))
    plot_dw = t.col("plot", "dw")
    own = np.flatnonzero(plot_dw >= 0)
    p_side = t.col("plot", "side")[own]
    g_i, g_j = garden_pairs(
        p_side, col=t.col("plot", "col")[own], level=t.col("plot", "level")[own],
        u0=t.col("plot", "u0")[own], u1=t.col("plot", "u1")[own], block=s_blk[p_side],
        north=s_north[p_side], rail=rail[s_blk[p_side]])
    garden = (plot_dw[own][g_i], plot_dw[own][g_j])
    flat_key = np.where(ptype == lay.P_MS, close * 64 + floor + 1,
                        np.where(ptype == lay.P_TEN, close * 64, -1))
    groups = group_pairs(flat_key)

    # streets
    st_geom, st_name, st_highway = places.streets(
        rng, xs, ys, rail_row=rail_row, sec_h=sec_h, sec_v=sec_v, nsec_h=nsec_h,
        nsec_v=nsec_v, names=all_names, kinds=kinds, bcol=bcol, brow=brow)
    ms_sides = np.flatnonzero(court_side >= 0)
    cu = court_side[ms_sides]
    cb = s_blk[ms_sides]
    court_geom = shapely.linestrings(np.stack(
        [np.stack([bx0[cb] + cu, ys[brow[cb]]], axis=1),
         np.stack([bx0[cb] + cu, by0[cb] + 60], axis=1)], axis=1))
    st_geom = np.concatenate([st_geom, court_geom])
    st_name = np.concatenate([st_name, all_names[court_of_block[cb]].astype(object)])
    st_highway = np.concatenate([st_highway, np.full(len(cb), "service", dtype=object)])
    y_rail = ys[rail_row] + lay.CELL_H / 2
    rail_geom = shapely.LineString([(xs[0] - 300.0, y_rail), (xs[-1] + 300.0, y_rail)])

    # sites
    site_geom, site_cat, site_name = places.sites(rng, target, kinds=kinds, bx0=bx0, by0=by0,
                                            xs=xs, ys=ys, st_geom=st_geom,
                                            st_highway=st_highway)
    parks = np.flatnonzero(kinds == B_PARK)
    park_geom = shapely.box(bx0[parks], by0[parks], bx0[parks] + lay.SIDE_L, by1[parks])

    # data zones of whole blocks
    cell_of_block = brow * cols + bcol
    hh_cell = np.zeros(rows * cols, dtype=np.int64)
    np.add.at(hh_cell, cell_of_block[d_blk], 1)
    zone_of_cell = _data_zones(hh_cell, rows, cols)
    n_dz = int(zone_of_cell.max()) + 1
    cells = shapely.box(np.tile(xs[:-1], rows), np.repeat(ys[:-1], cols),
                        np.tile(xs[1:], rows), np.repeat(ys[1:], cols))
    order_cells = np.argsort(zone_of_cell, kind="stable")
    bounds = np.searchsorted(zone_of_cell[order_cells], np.arange(n_dz + 1))
    dz_geom = np.array([shapely.coverage_union_all(cells[order_cells[a:b]])
                        for a, b in pairwise(bounds)], dtype=object)
    d_dz = zone_of_cell[cell_of_block[d_blk]]
    dz_households = np.bincount(d_dz, minlength=n_dz)
    dz_population = np.bincount(d_dz, weights=size, minlength=n_dz).astype(np.int64)

    return TownParts(
        name=name, council=f"{name} Council", d_x=d_x.astype(np.float64),
        d_y=d_y.astype(np.float64), d_address=address, d_bldg=d_bldg, d_floor=floor,
        d_ptype=ptype, d_close=close, d_landlord=landlord, d_void=void, d_occupants=occupants,
        d_children=children, d_adult=adult, d_size=size, d_hide_bldg=hide, d_dz=d_dz,
        d_edinburgh=edin, b_geom=b_geom, b_levels=t.col("bldg", "levels"), b_hmo=b_hmo,
        p_geom=p_geom, p_dw=plot_dw, p_bldg=t.col("plot", "bldg"), adj=adj, garden=garden,
        groups=groups, st_geom=st_geom, st_name=st_name, st_highway=st_highway,
        site_geom=site_geom, site_cat=site_cat, site_name=site_name, dz_geom=dz_geom,
        dz_households=dz_households, dz_population=dz_population,
        council_geom=shapely.box(xs[0], ys[0], xs[-1], ys[-1]), rail_geom=rail_geom,
        park_geom=park_geom)


def _rsl_pool(rng: np.random.Generator) -> list[str]:
    idx = rng.choice(len(RSL_NAMES), size=2, replace=False)
    return [RSL_NAMES[i] for i in idx]

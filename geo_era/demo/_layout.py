"""Block-side layouts of the demo town, in side-local coordinates.

A street block is a ``CELL_W`` x ``CELL_H`` metre grid cell whose edges are street
centrelines; its usable rectangle is inset by ``MARGIN`` metres (the street and pavement).
Each block has two *sides*: side 0 faces the street along the block's southern edge and
side 1 the street along its northern edge. A side is described in local coordinates:
``u`` metres along the street from the block's western edge (0 .. ``SIDE_L``) and ``v``
metres from the front (street) line towards the block's middle (back) line. A plot whose
``v1`` is -1 runs to the back line, which is ``BACK_D`` metres deep, or ``RAIL_BACK_D``
where a railway runs along the middle of the block. Multi-storey blocks use one
pseudo-side (side 0) spanning the whole usable depth ``FULL_D``.

Every generator here is vectorised over all sides of its kind: it draws per-unit
parameters as (sides x units) arrays, packs the units along the side with
:func:`pack_units` and flattens the kept ones. Coordinates are integers (metres) wherever
shapes must meet exactly (shared walls, plot boundaries); points may be fractional.
"""

from __future__ import annotations

import numpy as np

from geo_era.demo._tables import BoolArray, FloatArray, IntArray, Tables, ragged

CELL_W = 160
CELL_H = 100
MARGIN = 6
SIDE_L = CELL_W - 2 * MARGIN  # 148 m of frontage per block side
FULL_D = CELL_H - 2 * MARGIN  # 88 m usable depth of a block
BACK_D = FULL_D // 2  # 44 m from the front line to the block's back line
RAIL_HALF = 6  # half-width of the railway corridor along a block's middle line
RAIL_BACK_D = BACK_D - RAIL_HALF

# block kinds: sides of houses/cottages/tenements, tenement, multi-storey, school, park,
# civic (community centre, church, sheltered housing), open land
B_SIDES, B_TEN, B_MS, B_SCHOOL, B_PARK, B_CIVIC, B_OPEN = range(7)

# side (neighbourhood) types
TEN, COT, TER, SEM, DET, MS = range(6)

# property types, as indices into geo_era.contract.schema.PROPERTY_TYPES
P_MS, P_TEN, P_COT, P_TER, P_SEM, P_DET, P_SHARED = range(7)

# close kinds
CLOSE_TEN, CLOSE_MS = 0, 1


def pack_units(unit_w: IntArray, gap: IntArray, length: int,
               margin: int) -> tuple[BoolArray, IntArray, IntArray, IntArray]:
    """Pack candidate units along sides, left to right, and tile the sides with regions.

    Parameters
    ----------
    unit_w, gap
        (sides x units) widths of each candidate unit and of the gap after it, metres.
    length
        Side length in metres.
    margin
        Minimum distance in metres between the first/last unit and the side's ends.

    Returns
    -------
    ``keep`` (which candidates fit, always a prefix of each row and never empty), ``u0``
    (each unit's start), and ``reg0``/``reg1``: each kept unit's region, the units'
    extents widened to the middle of the gaps and to the side's ends, so that the regions
    of a side tile ``[0, length]`` exactly.
    """
    n_sides, n_units = unit_w.shape
    avail = length - 2 * margin
    if np.any(unit_w[:, 0] > avail):
        raise ValueError("a first unit is wider than its side")
    ends = np.cumsum(unit_w + gap, axis=1) - gap
    keep = ends <= avail
    n_kept = keep.sum(axis=1)
    rows = np.arange(n_sides)
    start = margin + (avail - ends[rows, n_kept - 1]) // 2
    u0 = start[:, None] + ends - unit_w
    bound = u0 + unit_w + gap // 2
    is_last = np.arange(n_units)[None, :] == (n_kept - 1)[:, None]
    reg1 = np.where(is_last, length, bound)
    reg0 = np.concatenate([np.zeros((n_sides, 1), dtype=np.int64), bound[:, :-1]], axis=1)
    return keep, u0, reg0, reg1


def _by_type(types: IntArray, shape: tuple[int, ...], **choices: IntArray | int) -> IntArray:
    """Pick, per side, the array drawn for its type (keywords ``ter``, ``sem``, ``det``)."""
    t = types.reshape((-1,) + (1,) * (len(shape) - 1))
    out = np.broadcast_to(np.asarray(choices["det"]), shape)
    out = np.where(t == SEM, np.broadcast_to(np.asarray(choices["sem"]), shape), out)
    out = np.where(t == TER, np.broadcast_to(np.asarray(choices["ter"]), shape), out)
    return out.astype(np.int64)


def houses(rng: np.random.Generator, sides: IntArray, types: IntArray) -> Tables:
    """Terraces (rows of 3-8), semi-detached pairs and detached houses, one type per side.

    Every house has its own footprint (sharing walls within a row or pair, detached
    houses touching nothing) and its own garden plot: a strip from the front line to the
    back line; the plots of a side tile it exactly.

    Parameters
    ----------
    rng
        Random generator.
    sides
        Global side ids.
    types
        The side types (``TER``, ``SEM`` or ``DET``), one per side.
    """
    n_sides, n_units = len(sides), 16
    shape = (n_sides, n_units)
    n = _by_type(types, shape, ter=rng.integers(3, 9, shape), sem=2, det=1)
    w = _by_type(types, shape, ter=rng.integers(5, 8, shape), sem=rng.integers(7, 10, shape),
                 det=rng.integers(9, 13, shape))
    gap = _by_type(types, shape, ter=rng.integers(3, 6, shape), sem=rng.integers(3, 7, shape),
                   det=rng.integers(4, 9, shape))
    setback = _by_type(types, shape, ter=rng.integers(3, 7, shape),
                       sem=rng.integers(5, 8, shape), det=rng.integers(6, 9, shape))
    depth = _by_type(types, shape, ter=rng.integers(8, 11, shape),
                     sem=rng.integers(8, 10, shape), det=rng.integers(9, 12, shape))
    levels = _by_type(types, shape, ter=2, sem=2, det=rng.choice([1, 2], size=shape,
                                                                    p=[0.4, 0.6]))
    ptype = _by_type(types, shape, ter=P_TER, sem=P_SEM, det=P_DET)
    keep, u0, reg0, reg1 = pack_units(n * w, gap, SIDE_L, 1)
    si, ki = np.nonzero(keep)
    n_in = n[si, ki]
    unit, pos = ragged(n_in)
    hs, hk = si[unit], ki[unit]
    hw = w[hs, hk]
    hu0 = u0[hs, hk] + pos * hw
    hu1 = hu0 + hw
    first = pos == 0
    last = pos == n_in[unit] - 1
    pu0 = np.where(first, reg0[hs, hk], hu0)
    pu1 = np.where(last, reg1[hs, hk], hu1)
    _, col = ragged(np.bincount(hs, minlength=n_sides))
    n_h = len(hs)
    idx = np.arange(n_h, dtype=np.int64)
    none = np.full(n_h, -1, dtype=np.int64)
    side = sides[hs]
    hv0 = setback[hs, hk]
    hv1 = hv0 + depth[hs, hk]
    out = Tables()
    out.set("bldg", side=side, u0=hu0, u1=hu1, v0=hv0, v1=hv1, levels=levels[hs, hk])
    out.set("plot", side=side, u0=pu0, u1=pu1, v0=np.zeros(n_h, dtype=np.int64), v1=none,
            dw=idx, bldg=none, col=col, level=np.zeros(n_h, dtype=np.int64))
    out.set("unit", side=side, order=hu0 * 10, fixed=none, court=np.zeros(n_h, dtype=bool))
    out.set("dw", side=side, bldg=idx, unit=idx, plot=idx, close=none,
            floor=np.zeros(n_h, dtype=np.int64), door=np.zeros(n_h, dtype=np.int64),
            u=(hu0 + hu1) / 2.0, v=(hv0 + hv1) / 2.0, ptype=ptype[hs, hk])
    out.set("adj", i=idx[~last], j=idx[~last] + 1)
    return out


def cottages(rng: np.random.Generator, sides: IntArray) -> Tables:
    """Four-in-a-block cottage flats: one two-storey footprint holding four flats.

    The side is split into equal units (22-26 m); each unit holds one 14 m wide footprint
    centred on it and four garden quadrants meeting at the footprint's centre: the lower
    flats get the front quadrants and the upper flats the back ones. Each flat has its own
    street number (lower left, upper left, upper right, lower right).
    """
    n_sides = len(sides)
    width = rng.integers(22, 27, n_sides)
    n_units = SIDE_L // width
    base = SIDE_L // n_units
    rem = SIDE_L - base * n_units
    owner, k = ragged(n_units)
    uw = base[owner] + (k < rem[owner])
    r1 = np.cumsum(uw)
    first = np.cumsum(n_units) - n_units
    r1 = r1 - np.repeat(r1[first] - uw[first], n_units)
    r0 = r1 - uw
    uc = (r0 + r1) // 2
    setback = rng.integers(5, 8, n_sides)[owner]
    split = setback + 5
    n_b = len(owner)
    side = sides[owner]
    bidx = np.arange(n_b, dtype=np.int64)
    out = Tables()
    out.set("bldg", side=side, u0=uc - 7, u1=uc + 7, v0=setback, v1=setback + 10,
            levels=np.full(n_b, 2, dtype=np.int64))
    # plots per building: front-left, back-left, front-right, back-right
    p_left = np.array([True, True, False, False])
    p_front = np.array([True, False, True, False])
    rep = np.repeat(bidx, 4)
    left = np.tile(p_left, n_b)
    front = np.tile(p_front, n_b)
    n_p = 4 * n_b
    out.set("plot", side=side[rep], u0=np.where(left, r0[rep], uc[rep]),
            u1=np.where(left, uc[rep], r1[rep]),
            v0=np.where(front, 0, split[rep]), v1=np.where(front, split[rep], -1),
            dw=np.full(n_p, -1, dtype=np.int64), bldg=np.full(n_p, -1, dtype=np.int64),
            col=2 * k[rep] + (~left).astype(np.int64), level=np.where(front, 1, 2))
    # flats per building: lower left, upper left, upper right, lower right
    floor = np.tile(np.array([0, 1, 1, 0]), n_b)
    du = np.tile(np.array([-3.5, -3.5, 3.5, 3.5]), n_b)
    plot = 4 * rep + np.tile(np.array([0, 1, 3, 2]), n_b)
    dw_idx = np.arange(n_p, dtype=np.int64)
    out.data["plot"]["dw"][plot] = dw_idx
    out.set("unit", side=side[rep], order=uc[rep] * 10 + np.tile(np.arange(4), n_b),
            fixed=np.full(n_p, -1, dtype=np.int64), court=np.zeros(n_p, dtype=bool))
    out.set("dw", side=side[rep], bldg=rep, unit=dw_idx, plot=plot,
            close=np.full(n_p, -1, dtype=np.int64), floor=floor,
            door=np.zeros(n_p, dtype=np.int64), u=uc[rep] + du,
            v=setback[rep] + np.where(floor == 0, 3.0, 7.0),
            ptype=np.full(n_p, P_COT, dtype=np.int64))
    base4 = 4 * bidx
    # beside on the same floor (LL-LR, UL-UR) and directly above/below (LL-UL, LR-UR)
    out.set("adj", i=np.concatenate([base4, base4 + 1, base4, base4 + 3]),
            j=np.concatenate([base4 + 3, base4 + 2, base4 + 1, base4 + 2]))
    return out


def tenements(rng: np.random.Generator, sides: IntArray) -> Tables:
    """Tenement ranges: one 3-5 storey footprint per range holding 2-5 closes.

    Each close has 2-4 doors a floor (close frontage ``6 * doors + 2`` m) and, for 15 %
    of closes, a basement with 1-2 doors (kept only where addresses use the Edinburgh
    notation). Each range has one shared back-green plot (``bldg`` set, no dwelling)
    running from the front line to the back line.
    """
    n_sides, n_units, n_closes = len(sides), 6, 5
    shape = (n_sides, n_units)
    ncl = rng.integers(2, 6, shape)
    doors = rng.choice(np.array([2, 3, 4]), size=(*shape, n_closes), p=[0.45, 0.35, 0.2])
    valid = np.arange(n_closes)[None, None, :] < ncl[..., None]
    cw = np.where(valid, 6 * doors + 2, 0)
    gap = rng.integers(4, 9, shape)
    keep, u0, reg0, reg1 = pack_units(cw.sum(axis=2), gap, SIDE_L, 1)
    levels = rng.choice(np.array([3, 4, 5]), size=shape, p=[0.3, 0.45, 0.25])
    setback = rng.integers(1, 4, shape)
    depth = rng.integers(12, 15, shape)
    si, ki = np.nonzero(keep)
    n_r = len(si)
    ridx = np.arange(n_r, dtype=np.int64)
    none_r = np.full(n_r, -1, dtype=np.int64)
    rside = sides[si]
    out = Tables()
    out.set("bldg", side=rside, u0=u0[si, ki], u1=u0[si, ki] + cw[si, ki].sum(axis=1),
            v0=setback[si, ki], v1=setback[si, ki] + depth[si, ki], levels=levels[si, ki])
    out.set("plot", side=rside, u0=reg0[si, ki], u1=reg1[si, ki],
            v0=np.zeros(n_r, dtype=np.int64), v1=none_r, dw=none_r, bldg=ridx, col=none_r,
            level=none_r)
    rng_of_close, c = ragged(ncl[si, ki])
    cs, ck = si[rng_of_close], ki[rng_of_close]
    cum = np.cumsum(cw, axis=2) - cw
    cu0 = u0[cs, ck] + cum[cs, ck, c]
    cwidth = cw[cs, ck, c]
    cdoors = doors[cs, ck, c]
    n_c = len(c)
    bdoors = np.where(rng.random(n_c) < 0.15, rng.integers(1, 3, n_c), 0)
    ground = rng.choice(np.array([0, 1, 2]), size=n_c, p=[0.7, 0.2, 0.1])
    lr = (cdoors == 2) & (rng.random(n_c) < 0.5)
    cside = sides[cs]
    out.set("close", side=cside, kind=np.full(n_c, 0, dtype=np.int64), doors=cdoors,
            ground=ground, lr=lr)
    out.set("unit", side=cside, order=cu0 * 10, fixed=np.full(n_c, -1, dtype=np.int64),
            court=np.zeros(n_c, dtype=bool))
    _tenement_flats(out, levels=levels[cs, ck], doors=cdoors, basement_doors=bdoors,
                    u0=cu0, width=cwidth, setback=setback[cs, ck], depth=depth[cs, ck],
                    side=cside, building=rng_of_close)
    out.set("adj", i=np.zeros(0, dtype=np.int64), j=np.zeros(0, dtype=np.int64))
    return out


def _tenement_flats(out: Tables, *, levels: IntArray, doors: IntArray,
                    basement_doors: IntArray, u0: IntArray, width: IntArray,
                    setback: IntArray, depth: IntArray, side: IntArray,
                    building: IntArray) -> None:
    """The flats of every close (one row per close in the arguments): ``levels`` floors
    of ``doors`` flats over ``basement_doors`` basement flats, doors spread along the
    close's frontage (``u0``, ``width``), higher floors further back (set in ``out``
    as table ``dw``)."""
    owner, kk = ragged(levels * doors + basement_doors)
    b = basement_doors[owner]
    dr = doors[owner]
    basement = kk < b
    floor = np.where(basement, -1, (kk - b) // dr)
    door = np.where(basement, kk + 1, (kk - b) % dr + 1)
    per_floor = np.where(basement, b, dr)
    u = u0[owner] + (door - 0.5) * width[owner] / per_floor
    v = setback[owner] + 1 + (depth[owner] - 2) * (floor + 1.5) / (levels[owner] + 2)
    n_d = len(owner)
    out.set("dw", side=side[owner], bldg=building[owner], unit=owner,
            plot=np.full(n_d, -1, dtype=np.int64), close=owner, floor=floor, door=door,
            u=u.astype(np.float64), v=v.astype(np.float64),
            ptype=np.full(n_d, P_TEN, dtype=np.int64))


def towers(rng: np.random.Generator, sides: IntArray) -> tuple[Tables, IntArray]:
    """Multi-storey blocks: 1-3 towers of 8-20 floors and 4-8 flats a floor per block.

    The block is split into equal strips, one grounds plot (``bldg`` set) and one tower
    per strip; each tower is one close on the block's court (an access road), numbered
    10, 20, 30.

    Returns
    -------
    The tables and, per side, the ``u`` (metres) of the court's access road, which runs
    from the block's southern street to its middle between the towers.
    """
    n_sides = len(sides)
    n_t = rng.choice(np.array([1, 2, 3]), size=n_sides, p=[0.35, 0.45, 0.2])
    owner, i = ragged(n_t)
    base = SIDE_L // n_t
    rem = SIDE_L - base * n_t
    sw = base[owner] + (i < rem[owner])
    r1 = np.cumsum(sw)
    first = np.cumsum(n_t) - n_t
    r1 = r1 - np.repeat(r1[first] - sw[first], n_t)
    r0 = r1 - sw
    court_u = np.where(n_t >= 2, r1[first], 20)
    n_b = len(owner)
    tw = rng.integers(24, 33, n_b)
    td = rng.integers(16, 21, n_b)
    uc = (r0 + r1) // 2
    tu0 = uc - tw // 2
    tv0 = FULL_D // 2 - td // 2
    floors = rng.integers(8, 21, n_b)
    per = rng.integers(4, 9, n_b)
    bidx = np.arange(n_b, dtype=np.int64)
    none = np.full(n_b, -1, dtype=np.int64)
    side = sides[owner]
    out = Tables()
    out.set("bldg", side=side, u0=tu0, u1=tu0 + tw, v0=tv0, v1=tv0 + td, levels=floors)
    out.set("plot", side=side, u0=r0, u1=r1, v0=np.zeros(n_b, dtype=np.int64),
            v1=np.full(n_b, FULL_D, dtype=np.int64), dw=none, bldg=bidx, col=none,
            level=none)
    out.set("close", side=side, kind=np.full(n_b, 1, dtype=np.int64), doors=per,
            ground=np.zeros(n_b, dtype=np.int64), lr=np.zeros(n_b, dtype=bool))
    out.set("unit", side=side, order=i, fixed=10 * (i + 1), court=np.ones(n_b, dtype=bool))
    t, k = ragged(floors * per)
    floor = k // per[t]
    door = k % per[t] + 1
    u: FloatArray = tu0[t] + 1 + (tw[t] - 2) * (door - 0.5) / per[t]
    v: FloatArray = tv0[t] + 1 + (td[t] - 2) * (floor + 0.5) / floors[t]
    n_d = len(t)
    out.set("dw", side=side[t], bldg=t, unit=t, plot=np.full(n_d, -1, dtype=np.int64),
            close=t, floor=floor, door=door, u=u, v=v,
            ptype=np.full(n_d, P_MS, dtype=np.int64))
    out.set("adj", i=np.zeros(0, dtype=np.int64), j=np.zeros(0, dtype=np.int64))
    return out, court_u

"""A town's addresses in Scottish notation: Edinburgh style (``3F2 12 Oak Road``,
``GF1``/``PF1``/``MF1``, ``BF1``) or Glasgow style (``Flat 2/1, 15 Elm Street``, ``0/1``,
``G/L``, ``1/R``) by district, cottage flats ``Lower Flat``/``Upper Flat``; street names
by sections of 3-5 blocks, courts for tower blocks; odd numbers on the north side of a
street, even on the south."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.dtypes import StringDType

from geo_era.demo import _layout as lay
from geo_era.demo._grid import Grid
from geo_era.demo._layout import B_MS, B_TEN
from geo_era.demo._names import COURT_TYPES, STREET_TYPES, STREET_WORDS
from geo_era.demo._tables import AnyArray, BoolArray, IntArray, Tables
from geo_era.errors import DataError

# address label variants
V_HOUSE, V_COT, V_EGF, V_EPF, V_EMF, V_GNUM, V_GLR = range(7)

SDT = StringDType()


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


def _names(rng: np.random.Generator, n: int, words: tuple[str, ...],
           types: tuple[str, ...]) -> list[str]:
    combos = len(words) * len(types)
    if n > combos:
        raise DataError(f"the demo town needs {n:,} street names but only {combos:,} exist; "
                        "use a smaller town size")
    idx = rng.choice(combos, size=n, replace=False)
    return [f"{words[i // len(types)]} {types[i % len(types)]}" for i in idx]


@dataclass(frozen=True)
class StreetNames:
    """Street names: horizontal sections of ``sec_h`` blocks and vertical ones of
    ``sec_v`` (``nsec_h`` / ``nsec_v`` per line), then one court per tower block."""

    sec_h: int
    sec_v: int
    nsec_h: int
    nsec_v: int
    names: AnyArray
    court_of_block: IntArray


def street_names(rng: np.random.Generator, g: Grid) -> StreetNames:
    """Name the street sections (3-5 blocks long) and the courts of tower blocks."""
    sec_h = int(rng.integers(3, 6))
    sec_v = int(rng.integers(3, 6))
    nsec_h = math.ceil(g.cols / sec_h)
    nsec_v = math.ceil(g.rows / sec_v)
    ms_blocks = np.flatnonzero(g.kinds == B_MS)
    names = _names(rng, (g.rows + 1) * nsec_h + (g.cols + 1) * nsec_v, STREET_WORDS,
                   STREET_TYPES)
    court_names = _names(rng, len(ms_blocks), STREET_WORDS, COURT_TYPES)
    court_of_block = np.full(len(g.kinds), -1, dtype=np.int64)
    court_of_block[ms_blocks] = len(names) + np.arange(len(ms_blocks))
    return StreetNames(sec_h, sec_v, nsec_h, nsec_v,
                        np.array(names + court_names, dtype=SDT), court_of_block)


def _unit_numbers(t: Tables, g: Grid, sn: StreetNames) -> tuple[IntArray, IntArray]:
    """Each unit's (house or stair) number and street: odd numbers on the north side of
    a street, even on the south side, counted along each street section; a tower's
    fixed number in its court."""
    u_side = t.col("unit", "side")
    u_blk = g.s_blk[u_side]
    parity = g.s_north[u_side].astype(np.int64)
    line = g.brow[u_blk] + parity
    section = g.bcol[u_blk] // sn.sec_h
    group = (line * sn.nsec_h + section) * 2 + parity
    order = g.bcol[u_blk] * 10_000 + t.col("unit", "order")
    perm = np.lexsort((order, group))
    g_sorted = group[perm]
    starts = np.flatnonzero(np.r_[True, g_sorted[1:] != g_sorted[:-1]])
    rank = np.empty(len(perm), dtype=np.int64)
    rank[perm] = np.arange(len(perm)) - np.repeat(starts, np.diff(np.r_[starts, len(perm)]))
    court = t.col("unit", "court")
    number = np.where(court, t.col("unit", "fixed"), 2 * rank + 1 + parity)
    street_idx = np.where(court, sn.court_of_block[u_blk], line * sn.nsec_h + section)
    return number, street_idx


def addresses(t: Tables, g: Grid, edin: BoolArray, sn: StreetNames, name: str
               ) -> AnyArray:
    """Each dwelling's address: flat position label, number, street, town."""
    ptype = t.col("dw", "ptype")
    close = t.col("dw", "close")
    # (a town without closes still needs one row to index)
    c_ground = np.r_[t.col("close", "ground"), 0][np.where(close >= 0, close, -1)]
    c_lr = np.r_[t.col("close", "lr"), False][np.where(close >= 0, close, -1)]
    variant = np.select(
        [ptype == lay.P_COT, ptype == lay.P_TEN, ptype == lay.P_MS],
        [V_COT, np.where(edin, V_EGF + c_ground, np.where(c_lr, V_GLR, V_GNUM)),
         np.where(edin, V_EGF, V_GNUM)], V_HOUSE)
    labels = label_table()[variant, t.col("dw", "floor") + 1, t.col("dw", "door")]
    unit = t.col("dw", "unit")
    number, street_idx = _unit_numbers(t, g, sn)
    address = np.strings.add(labels, number[unit].astype(SDT))
    address = np.strings.add(address, " ")
    address = np.strings.add(address, sn.names[street_idx[unit]])
    out: AnyArray = np.strings.add(address, f", {name}")
    return out


def edinburgh_blocks(rng: np.random.Generator, g: Grid) -> BoolArray:
    """Per block: Edinburgh address notation (else Glasgow), chosen per district of 4 x 4
    blocks, with tenements in both notations where a town has tenements in two
    districts."""
    district = (g.bcol // 4) * 10_000 + g.brow // 4
    codes, dist_idx = np.unique(district, return_inverse=True)
    edin_d = rng.random(len(codes)) < 0.5
    ten_d = np.unique(dist_idx[g.kinds == B_TEN])
    if len(ten_d) >= 2 and edin_d[ten_d].all() == edin_d[ten_d].any():
        flip = ten_d[rng.integers(len(ten_d))]
        edin_d[flip] = not edin_d[flip]
    edin_b: BoolArray = edin_d[dist_idx]
    return edin_b

"""Streets, paths and sites of a demo town (EPSG:27700, metres).

Streets are the centrelines of the block grid, split at every junction so that they form
a walking network, named in sections of 3-5 blocks; the streets running across the
railway row stop 15 m short of the railway except at 1-3 crossings (bridges), where
they stay continuous. Parks get both diagonals as footpaths. Sites (NASSO 3.8) are school
grounds and play parks as polygons and the other categories as points.
"""

from __future__ import annotations

import numpy as np
import shapely

from geo_era.demo import _layout as lay
from geo_era.demo._layout import B_CIVIC, B_PARK, B_SCHOOL
from geo_era.demo._names import SITE_WORDS
from geo_era.demo._tables import AnyArray, IntArray


def streets(rng: np.random.Generator, xs: IntArray, ys: IntArray, *, rail_row: int,
             sec_h: int, sec_v: int, nsec_h: int, nsec_v: int, names: AnyArray,
             kinds: IntArray, bcol: IntArray,
             brow: IntArray) -> tuple[AnyArray, AnyArray, AnyArray]:
    """Street centrelines split at every junction, cut at the railway except at 1-3
    crossings, plus diagonal paths across parks. Returns (geometry, name, highway)."""
    rows, cols = len(ys) - 1, len(xs) - 1
    off_h, off_v = int(rng.integers(0, 4)), int(rng.integers(0, 4))
    main_h = (np.arange(rows + 1) % 4 == off_h) | (np.arange(rows + 1) == rows // 2)
    main_v = (np.arange(cols + 1) % 4 == off_v) | (np.arange(cols + 1) == cols // 2)
    # horizontal segments (line j, column c)
    j, c = np.divmod(np.arange((rows + 1) * cols), cols)
    h_start = np.stack([xs[c], ys[j]], axis=1)
    h_end = np.stack([xs[c + 1], ys[j]], axis=1)
    h_name = names[j * nsec_h + c // sec_h]
    h_hw = np.where(main_h[j], "tertiary", "residential")
    # vertical segments (line i, row r)
    i, r = np.divmod(np.arange((cols + 1) * rows), rows)
    n_cross = int(rng.integers(1, 4))
    inner = np.arange(1, cols) if cols > 1 else np.arange(cols + 1)
    crossings = rng.choice(inner, size=min(n_cross, len(inner)), replace=False)
    cut = (r == rail_row) & ~np.isin(i, crossings)
    y_rail = ys[rail_row] + lay.CELL_H / 2
    whole = ~cut
    v_x = np.concatenate([xs[i[whole]], xs[i[cut]], xs[i[cut]]])
    v_y0 = np.concatenate([ys[r[whole]], ys[r[cut]], np.full(int(cut.sum()), y_rail + 15.0)])
    v_y1 = np.concatenate([ys[r[whole] + 1], np.full(int(cut.sum()), y_rail - 15.0),
                           ys[r[cut] + 1]])
    v_i = np.concatenate([i[whole], i[cut], i[cut]])
    v_r = np.concatenate([r[whole], r[cut], r[cut]])
    v_start = np.stack([v_x, v_y0], axis=1)
    v_end = np.stack([v_x, v_y1], axis=1)
    v_name = names[(rows + 1) * nsec_h + v_i * nsec_v + v_r // sec_v]
    v_hw = np.where(main_v[v_i], "tertiary", "residential")
    # park paths: both diagonals of the cell, split at the centre
    parks = np.flatnonzero(kinds == B_PARK)
    pc, pr = bcol[parks], brow[parks]
    centre = np.stack([(xs[pc] + xs[pc + 1]) / 2, (ys[pr] + ys[pr + 1]) / 2], axis=1)
    corners = [np.stack([xs[pc + a], ys[pr + b]], axis=1) for a, b in
               ((0, 0), (1, 1), (0, 1), (1, 0))]
    p_start = np.concatenate(corners)
    p_end = np.concatenate([centre] * 4)
    p_hw = np.repeat(np.array(["footway", "footway", "path", "path"], dtype=object),
                     len(parks))
    start = np.concatenate([h_start, v_start, p_start]).astype(np.float64)
    end = np.concatenate([h_end, v_end, p_end]).astype(np.float64)
    geom = shapely.linestrings(np.stack([start, end], axis=1))
    name = np.concatenate([h_name.astype(object), v_name.astype(object),
                           np.full(len(p_start), None, dtype=object)])
    highway = np.concatenate([h_hw.astype(object), v_hw.astype(object), p_hw])
    return geom, name, highway


class _Sites:
    """Sites collected in order, each named by a random word and its label."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.geoms: list[AnyArray] = []
        self.cats: list[str] = []
        self.names: list[str] = []

    def add(self, geom: AnyArray, category: str, label: str) -> None:
        self.geoms.append(geom)
        n = len(geom)
        self.cats.extend([category] * n)
        words = self.rng.choice(np.array(SITE_WORDS, dtype=object), size=n)
        self.names.extend(f"{w} {label}" for w in words)


def _along(rng: np.random.Generator, n: int, segments: AnyArray) -> AnyArray:
    """``n`` points 4 m to one side of random points of random ``segments`` (straight
    streets)."""
    if n <= 0:
        return np.zeros(0, dtype=object)
    seg = segments[rng.choice(len(segments), size=n)]
    pts = shapely.line_interpolate_point(seg, rng.uniform(0.15, 0.85, n), normalized=True)
    start = shapely.get_coordinates(shapely.get_point(seg, 0))
    end = shapely.get_coordinates(shapely.get_point(seg, 1))
    horizontal = start[:, 1] == end[:, 1]
    sign = rng.choice(np.array([-1.0, 1.0]), size=n)
    xy = shapely.get_coordinates(pts)
    xy[:, 0] += np.where(horizontal, 0.0, 4.0 * sign)
    xy[:, 1] += np.where(horizontal, 4.0 * sign, 0.0)
    points: AnyArray = shapely.points(xy)
    return points


def sites(rng: np.random.Generator, target: int, *, kinds: IntArray, bx0: IntArray,
          by0: IntArray, xs: IntArray, ys: IntArray, st_geom: AnyArray,
          st_highway: AnyArray) -> tuple[AnyArray, AnyArray, AnyArray]:
    """Sites of a physical check (NASSO 3.8). Returns (geometry, category, name)."""
    out = _Sites(rng)
    schools = np.flatnonzero(kinds == B_SCHOOL)
    sw = rng.integers(100, 131, len(schools))
    su0 = bx0[schools] + (lay.SIDE_L - sw) // 2
    out.add(shapely.box(su0, by0[schools] + 4, su0 + sw, by0[schools] + 84), "school",
            "Primary School")
    parks = np.flatnonzero(kinds == B_PARK)
    pw = rng.integers(24, 35, len(parks))
    pv0 = by0[parks] + 29
    out.add(shapely.box(bx0[parks] + 2, pv0, bx0[parks] + 2 + pw, pv0 + pw), "play_park",
            "Play Park")
    two = parks[rng.random(len(parks)) < 0.5]
    pw2 = rng.integers(24, 35, len(two))
    out.add(shapely.box(bx0[two] + 146 - pw2, by0[two] + 29, bx0[two] + 146,
                        by0[two] + 29 + pw2), "play_park", "Play Park")
    civic = np.flatnonzero(kinds == B_CIVIC)
    out.add(shapely.points(bx0[civic] + 30.0, by0[civic] + 25.0), "community_centre",
            "Community Centre")
    out.add(shapely.points(bx0[civic] + 110.0, by0[civic] + 25.0), "place_of_worship",
            "Parish Church")
    out.add(shapely.points(bx0[civic] + 74.0, by0[civic] + 65.0), "sheltered_housing",
            "Court (sheltered housing)")
    out.add(shapely.points(bx0[schools] + 10.0, by0[schools] + 86.0), "nursery", "Nursery")
    # points along the main streets
    main = st_geom[np.flatnonzero(st_highway == "tertiary")]
    out.add(_along(rng, max(3, round(target / 150)), main), "shop", "Stores")
    out.add(_along(rng, max(1, round(target / 500)), main), "licensed_premises", "Bar")
    out.add(_along(rng, max(0, round(target / 2500) - len(civic)), main), "place_of_worship",
            "Church")
    out.add(_along(rng, max(0, round(target / 2000) - len(schools)), main), "nursery",
            "Nursery")
    n_cctv = max(1, round(target / 700))
    rows, cols = len(ys) - 1, len(xs) - 1
    jj, ii = np.meshgrid(np.arange(rows + 1), np.arange(cols + 1), indexing="ij")
    pick = rng.choice(jj.size, size=min(n_cctv, jj.size), replace=False)
    out.add(shapely.points(xs[ii.ravel()[pick]] + 3.0, ys[jj.ravel()[pick]] + 3.0), "cctv",
            "CCTV camera")
    # a registered care home beside the first civic block's sheltered court (added last,
    # so that no other site's id or place moves)
    first = civic[:1]
    out.add(shapely.points(bx0[first] + 40.0, by0[first] + 65.0), "care_home",
            "Braeside House (care home)")
    geom: AnyArray = np.concatenate(out.geoms)
    return geom, np.array(out.cats, dtype=object), np.array(out.names, dtype=object)

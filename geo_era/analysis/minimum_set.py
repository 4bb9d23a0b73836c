"""The NASSO minimum parameters (3.9): which neighbouring dwellings an ERA must check.

==========================  ==========================================================
property type               minimum set
==========================  ==========================================================
multi-storey flat           every dwelling on the same floor of the same building
tenement flat               every dwelling in the same close (common stair), not the
                            whole range: one tenement range holds several closes
shared accommodation        all its occupants (the number to check) and the property
cottage flat, semi-detached every adjacent dwelling (a shared wall between footprints;
detached, terraced          for a cottage flat also the flat above or below and the one
                            beside it) and every dwelling whose garden borders its own
==========================  ==========================================================

NASSO's table names cottage flats, semi-detached and detached properties; a terraced
house is assessed by the same adjacency rule. The set can be *extended* case by case
(3.9, last paragraph) by distance or by rings of neighbours; extensions are kept apart
from the minimum set.

Everything is computed in batch over arrays (pairs of property positions); a single
property's set is the batch restricted to it. Coordinates are EPSG:27700 metres.

A :class:`ParameterEngine` keeps what does not depend on the property asked about (the
groupings by building, floor and close, the STRtrees of footprints and plots) once it
has been needed, so that an engine kept between questions (see
:class:`geo_era.workspace.Workspace`) answers each in milliseconds; such an engine is
only read once :meth:`ParameterEngine.prepare` has run, and can serve many threads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pandas.api.extensions import ExtensionArray
from scipy.spatial import cKDTree

from geo_era.analysis.gardens import (
    Gardens,
    estimated_gardens,
    garden_neighbour_pairs,
    gardens_from_plots,
)
from geo_era.analysis.minimum_set_rules import (
    ADJACENCY_RULE,
    ADJACENCY_TYPES,
    HOUSEHOLD_COLUMNS,
    NASSO_RULES,
    REASONS,
    Members,
    MinimumSet,
    member_records,
)
from geo_era.data.dwellings import WALL_RULE
from geo_era.data.layer_store import LayerStore
from geo_era.errors import DataError, NotFoundError
from geo_era.geometry.adjacency import Groups, bordering_pairs, cross_pairs
from geo_era.geometry.lookup import positions
from geo_era.geometry.tiled import TiledTree
from geo_era.pacing import give_way

__all__ = ["ADJACENCY_RULE", "ADJACENCY_TYPES", "HOUSEHOLD_COLUMNS", "NASSO_RULES", "REASONS",
           "SIDE_TOLERANCE_M", "ChildrenByBuilding", "MinimumSet", "ParameterEngine",
           "member_sets", "point_xy"]

IntArray = npt.NDArray[np.int64]

#: A cottage-flat door this close (metres) to the middle of its block, along the
#: block's long axis, cannot be placed left or right; every flat in the block is then
#: treated as adjacent.
SIDE_TOLERANCE_M = 0.5


@dataclass(frozen=True)
class ChildrenByBuilding:
    """Per row: a household with children (``yes``), no record (``unknown``); per
    building code: how many of each (``yes_count``, ``unknown_count``)."""

    yes: npt.NDArray[np.bool_]
    unknown: npt.NDArray[np.bool_]
    yes_count: IntArray
    unknown_count: IntArray


def point_xy(properties: pd.DataFrame) -> npt.NDArray[np.float64]:
    """The ``(n, 2)`` address points (EPSG:27700, metres) of a properties frame: from its
    geometry, or from columns ``x`` and ``y`` where it has none (as the workspace reads
    the layer)."""
    if isinstance(properties, gpd.GeoDataFrame) and "geometry" in properties.columns:
        xy: npt.NDArray[np.float64] = shapely.get_coordinates(
            properties.geometry.to_numpy()).reshape(-1, 2)
        return xy
    # column by column: a frame's to_numpy interleaves its blocks (0.1 s at 2.6 million
    # rows, holding the interpreter lock)
    return np.column_stack([properties["x"].to_numpy(dtype=np.float64),
                            properties["y"].to_numpy(dtype=np.float64)])


class ParameterEngine:
    """Minimum parameter sets over a properties layer and its buildings and plots."""

    def __init__(self, properties: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame, *,
                 plots: gpd.GeoDataFrame | None = None,
                 streets: gpd.GeoDataFrame | None = None,
                 data_version: dict[str, int] | None = None,
                 row_of: Mapping[str, int] | None = None,
                 ids: npt.NDArray[np.object_] | None = None) -> None:
        self.properties = properties.reset_index(drop=True)
        self.buildings = buildings.reset_index(drop=True)
        self.plots = plots
        self.streets = streets
        self.data_version = data_version or {}
        props = self.properties
        # ids and rows may come from a caller that holds them already (the workspace's
        # property table): 2.6 million id strings are ~160 MB each time they are made
        self._pid = ids if ids is not None else props["property_id"].astype(str).to_numpy(
            dtype=object)
        # the row of each id: given by a caller that has built it already (the
        # workspace's property table; a dict of 2.6 million ids takes ~4 s and ~300 MB)
        self._row: Mapping[str, int] = row_of if row_of is not None else dict(
            zip(self._pid.tolist(), range(len(self._pid)), strict=True))
        # one Python string per type shared by every row (a categorical's values, taken
        # by code), not one per row: 2.6 million rows would otherwise hold ~150 MB of
        # copies, made in one call that held the interpreter lock for 0.2 s
        types = pd.Categorical(props["property_type"].astype("string").fillna(""))
        self._type = np.asarray(types.categories, dtype=object)[types.codes]
        # which rows have which type, asked of the codes (small integers): comparing
        # 2.6 million strings took 0.12 s per type, in calls holding the interpreter lock
        self._type_codes = types.codes
        self._type_names: list[str] = list(types.categories)
        building = props["building_id"].astype("string")
        self._building, self._building_ids = pd.factorize(building, use_na_sentinel=True)
        self._floor = props["floor"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        self._xy = point_xy(props)

    @classmethod
    def from_store(cls, store: LayerStore) -> ParameterEngine:
        """Build from the layers in ``GEO_ERA_HOME`` (plots and streets when present)."""
        properties = store.read("properties")
        buildings = store.read("buildings")
        plots = store.read("plots") if store.has("plots") else None
        streets = store.read("streets") if store.has("streets") and plots is None else None
        assert isinstance(properties, gpd.GeoDataFrame)
        assert isinstance(buildings, gpd.GeoDataFrame)
        versions = {name: store.version(name).version
                    for name in ("properties", "buildings", "plots") if store.has(name)}
        return cls(properties, buildings, plots=plots,
                   streets=streets, data_version=versions)

    def prepare(self) -> ParameterEngine:
        """Build now everything kept between questions (it is otherwise built when first
        needed); after this the engine is only read, so threads may share it."""
        for name in ("_type_masks", "_floor_groups", "_close_groups", "_cottage_groups",
                     "_dwellings", "_adjacency_type", "_footprints", "_point_tree",
                     "_addresses", "_household", "children_by_building"):
            give_way()  # a server's reload: requests being answered go first
            getattr(self, name)
        if self.plots is not None:
            _ = self._plot_gardens
        for column in self.properties.columns:  # pandas builds its column lookup lazily
            self.properties[column]
        return self

    # --- what does not depend on the question -------------------------------------------

    @cached_property
    def _type_masks(self) -> dict[str, npt.NDArray[np.bool_]]:
        return {t: self._type_in(t) for t in set(NASSO_RULES)}

    def _type_in(self, *names: str) -> npt.NDArray[np.bool_]:
        """The rows whose property type is one of ``names``."""
        codes = [code for code, name in enumerate(self._type_names) if name in names]
        mask: npt.NDArray[np.bool_] = np.isin(self._type_codes, codes)
        return mask

    @cached_property
    def _adjacency_type(self) -> npt.NDArray[np.bool_]:
        return self._type_in(*ADJACENCY_TYPES)

    @cached_property
    def _floor_groups(self) -> Groups:
        """Multi-storey flats by building and floor."""
        msf = self._type_masks["multi_storey_flat"] & (self._building >= 0) & \
            ~np.isnan(self._floor)
        key = np.where(msf, self._building * 1000 + np.nan_to_num(self._floor, nan=0) + 100,
                       -1).astype(np.int64)
        return Groups(key)

    @cached_property
    def _close_groups(self) -> Groups:
        """Tenement flats by close (within the same building, as a close is)."""
        ten = self._type_masks["tenement_flat"]
        close = self.properties["close_id"].astype("string").fillna("") + "|" + \
            self.properties["building_id"].astype("string").fillna("")
        codes = pd.factorize(close)[0].astype(np.int64)
        return Groups(np.where(ten & (close != "|").to_numpy(), codes, -1))

    @cached_property
    def _cottage_groups(self) -> Groups:
        """Cottage flats by building (block)."""
        cottage = self._type_masks["cottage_flat"] & (self._building >= 0)
        return Groups(np.where(cottage, self._building, -1))

    @cached_property
    def _dwellings(self) -> Groups:
        """Every dwelling by building."""
        return Groups(self._building)

    @cached_property
    def _footprints(self) -> tuple[npt.NDArray[np.object_], IntArray, IntArray, TiledTree]:
        """Building footprints, the footprint of each building code (-1: none), the
        building code of each footprint (-1: no dwelling), and their spatial index (built
        in tiles: a server keeps answering while a reload builds it)."""
        footprints = self.buildings.geometry.to_numpy()
        pos_of_code = positions(pd.Series(self._building_ids),
                                self.buildings["building_id"])
        code_of_pos = np.full(len(footprints), -1, dtype=np.int64)
        code_of_pos[pos_of_code[pos_of_code >= 0]] = np.flatnonzero(pos_of_code >= 0)
        return footprints, pos_of_code, code_of_pos, TiledTree(footprints)

    @cached_property
    def _point_tree(self) -> cKDTree:
        return cKDTree(self._xy)

    @cached_property
    def _addresses(self) -> ExtensionArray:
        """The addresses as an Arrow-backed array (no Python string per address)."""
        addresses: ExtensionArray = self.properties["address"].astype(str).array
        return addresses

    @cached_property
    def _household(self) -> dict[str, np.ndarray]:
        props = self.properties
        return {c: props[c].to_numpy() for c in HOUSEHOLD_COLUMNS if c in props.columns}

    @cached_property
    def _plot_gardens(self) -> Gardens:
        assert self.plots is not None
        return gardens_from_plots(self.plots, self.properties)

    # --- lookups -------------------------------------------------------------------------

    def position(self, property_id: str) -> int:
        """Row position of a property; a clear error if it is unknown."""
        try:
            return self._row[property_id]
        except (KeyError, TypeError):
            raise NotFoundError(
                f"property_id {property_id!r} not found in layer 'properties' "
                f"({len(self._pid):,} rows); check the id or the import") from None

    def same_building(self, row: int) -> IntArray:
        """Row positions of the other dwellings in the building of the dwelling at
        ``row`` (in row order; none when it has no building)."""
        code = int(self._building[row])
        if code < 0:
            return np.empty(0, dtype=np.int64)
        lo, size = self._dwellings.ranges([code])
        rows: IntArray = self._dwellings.order[int(lo[0]):int(lo[0] + size[0])]
        out: IntArray = rows[rows != row]
        return out

    @property
    def plots_estimated(self) -> bool:
        return self.plots is None

    def _gardens_for(self, among: npt.NDArray[np.bool_]) -> Gardens:
        if self.plots is not None:
            return self._plot_gardens
        # estimate only the street blocks holding the buildings in question
        codes = np.unique(self._building[among & (self._building >= 0)])
        return estimated_gardens(self.properties, self.buildings, self.streets,
                                 building_ids=np.asarray(self._building_ids[codes]))

    # --- pairs ---------------------------------------------------------------------------

    def pairs(self, among: npt.NDArray[np.bool_] | None = None) -> pd.DataFrame:
        """Long form of the minimum sets: columns ``i``, ``j`` (row positions) and
        ``reason``, for every property ``i`` in ``among`` (all when None)."""
        i, j, reason = self._pair_arrays(among)
        if not len(i):
            return pd.DataFrame({"i": np.empty(0, np.int64), "j": np.empty(0, np.int64),
                                 "reason": np.empty(0, object)})
        return pd.DataFrame({"i": i, "j": j, "reason": reason})

    def _pair_arrays(self, among: npt.NDArray[np.bool_] | None = None
                     ) -> tuple[IntArray, IntArray, npt.NDArray[np.object_]]:
        """:meth:`pairs` as three arrays: ``i``, ``j`` and ``reason``."""
        n = len(self._pid)
        among = np.ones(n, dtype=bool) if among is None else among
        parts: list[tuple[IntArray, IntArray, str]] = []

        def add(i: IntArray, j: IntArray, reason: str) -> None:
            if len(i):
                parts.append((i, j, reason))

        add(*self._floor_groups.pairs(among), "same_floor")    # multi-storey
        add(*self._close_groups.pairs(among), "same_close")    # tenement
        # adjacency rule: walls between buildings, flats in a cottage block, gardens
        adj = self._adjacency_type & among
        if adj.any():
            add(*self._wall_pairs(adj), "shared_wall")
            above, beside = self._cottage_pairs(adj & self._type_masks["cottage_flat"])
            add(*above, "flat_above_or_below")
            add(*beside, "flat_beside")
            i, j = garden_neighbour_pairs(self._gardens_for(adj), among=adj)
            keep = adj[i]
            add(i[keep], j[keep], "garden_border")
        if not parts:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty, np.empty(0, dtype=object)
        return (np.concatenate([p[0] for p in parts]).astype(np.int64),
                np.concatenate([p[1] for p in parts]).astype(np.int64),
                np.repeat(np.array([p[2] for p in parts], dtype=object),
                          [len(p[0]) for p in parts]))

    def _wall_pairs(self, among: npt.NDArray[np.bool_]) -> tuple[IntArray, IntArray]:
        """Dwellings in buildings that share a wall with the building of a dwelling in
        ``among`` (every dwelling of the neighbouring building)."""
        footprints, pos_of_code, code_of_pos, tree = self._footprints
        wanted = np.zeros(len(footprints), dtype=bool)
        codes = np.unique(self._building[among & (self._building >= 0)])
        wanted[pos_of_code[codes][pos_of_code[codes] >= 0]] = True
        walls = bordering_pairs(footprints, WALL_RULE, among=wanted, tree=tree)
        if not len(walls):
            empty = np.empty(0, dtype=np.int64)
            return empty, empty
        # building position -> dwellings: every dwelling of one with every one of the other
        a = np.r_[code_of_pos[walls.a], code_of_pos[walls.b]]
        b = np.r_[code_of_pos[walls.b], code_of_pos[walls.a]]
        ok = (a >= 0) & (b >= 0)
        i, j = cross_pairs(self._dwellings, a[ok], self._dwellings, b[ok])
        keep = among[i]
        return i[keep], j[keep]

    def _cottage_pairs(self, among: npt.NDArray[np.bool_]
                       ) -> tuple[tuple[IntArray, IntArray], tuple[IntArray, IntArray]]:
        """Within cottage blocks: (above/below pairs, beside pairs) for ``among``.

        A flat's side is where its door point lies along the block's long axis; the flat
        above or below is on the same side, the one beside on the same floor. The flat
        diagonally across is not adjacent. Where a side or floor cannot be told, every
        flat in the block counts as beside it (the safe direction).
        """
        i, j = self._cottage_groups.pairs(among)
        if not len(i):
            empty = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
            return empty, empty
        side = self._cottage_sides(np.unique(np.r_[i, j]))
        fi, fj = self._floor[i], self._floor[j]
        known = (side[i] != 0) & (side[j] != 0) & ~np.isnan(fi) & ~np.isnan(fj)
        above = known & (side[i] == side[j]) & (fi != fj)
        beside = (known & (side[i] != side[j]) & (fi == fj)) | ~known
        return (i[above], j[above]), (i[beside], j[beside])

    def _cottage_sides(self, rows: IntArray) -> npt.NDArray[np.int64]:
        """-1 / +1 for the side of its block each dwelling's point lies on, 0 unknown."""
        side = np.zeros(len(self._pid), dtype=np.int64)
        footprints, pos_of_code, _, _ = self._footprints
        pos = pos_of_code[self._building[rows]]
        ok = pos >= 0
        rows, pos = rows[ok], pos[ok]
        rect = shapely.oriented_envelope(footprints[pos])
        corners = shapely.get_coordinates(shapely.get_exterior_ring(rect)).reshape(len(pos), -1, 2)
        e1 = corners[:, 1] - corners[:, 0]
        e2 = corners[:, 2] - corners[:, 1]
        long_axis = np.where((np.hypot(*e1.T) >= np.hypot(*e2.T))[:, None], e1, e2)
        unit = long_axis / np.hypot(*long_axis.T)[:, None]
        centre = corners[:, :4].mean(axis=1)
        along = ((self._xy[rows] - centre) * unit).sum(axis=1)
        side[rows] = np.where(np.abs(along) < SIDE_TOLERANCE_M, 0, np.sign(along))
        return side

    # --- many properties at once ---------------------------------------------------------

    @property
    def building_codes(self) -> IntArray:
        """Each property's building as a code (-1: none); equal codes, same building."""
        codes: IntArray = np.asarray(self._building, dtype=np.int64)
        return codes

    @property
    def xy(self) -> npt.NDArray[np.float64]:
        """Each row's address point, ``(n, 2)``, EPSG:27700 metres."""
        return self._xy

    @property
    def property_ids(self) -> npt.NDArray[np.object_]:
        """Each row's property id."""
        ids: npt.NDArray[np.object_] = self._pid
        return ids

    def building_id(self, code: int) -> str:
        """The building id of a building code (see :attr:`building_codes`)."""
        return str(self._building_ids[code])

    @cached_property
    def children_by_building(self) -> ChildrenByBuilding:
        """Households with children, and with no record of children, per row and per
        building: for the "same building as children" condition."""
        values = self._household.get("children_in_household")
        flags = (pd.Series(values, dtype="boolean") if values is not None
                 else pd.Series(pd.NA, index=range(len(self._pid)), dtype="boolean"))
        yes = flags.fillna(False).to_numpy(bool)
        unknown = flags.isna().to_numpy()
        codes = self.building_codes
        known = codes >= 0
        size = len(self._building_ids)
        return ChildrenByBuilding(
            yes, unknown,
            np.bincount(codes[known], weights=yes[known], minlength=size).astype(np.int64),
            np.bincount(codes[known], weights=unknown[known], minlength=size).astype(np.int64))

    def household(self, column: str) -> np.ndarray | None:
        """A household column (``HOUSEHOLD_COLUMNS``) by row position; None if absent."""
        return self._household.get(column)

    def set_problems(self, rows: IntArray) -> npt.NDArray[np.object_]:
        """For each row position: why its minimum set cannot be worked out (what
        :meth:`minimum_set` would raise), or "" when it can."""
        rows = np.asarray(rows, dtype=np.int64)
        out = np.full(len(rows), "", dtype=object)
        out[self._type[rows] == ""] = ("no property type, and none could be derived; give "
                                       "property_type in the properties layer")
        out[self._building[rows] < 0] = ("no building: the address point lies in no "
                                         "footprint and no building_id is given")
        return out

    def member_pairs(self, rows: IntArray) -> tuple[IntArray, IntArray]:
        """The minimum sets of the properties at ``rows`` in one batch: unique pairs
        ``(i, j)`` of row positions, ``j`` in the set of ``i``, sorted by ``i`` then
        ``j``. A shared property's set is itself (all its occupants); rows whose set
        cannot be worked out (:meth:`set_problems`) have none."""
        rows = np.unique(np.asarray(rows, dtype=np.int64))
        rows = rows[self.set_problems(rows) == ""]
        among = np.zeros(len(self._pid), dtype=bool)
        among[rows] = True
        shared = rows[self._type[rows] == "shared"]
        among[shared] = False
        i, j, _ = self._pair_arrays(among)
        i = np.r_[i, shared].astype(np.int64)
        j = np.r_[j, shared].astype(np.int64)
        if not len(i):
            return i, j
        key = np.unique(i * len(self._pid) + j)
        return key // len(self._pid), key % len(self._pid)

    # --- one property ----------------------------------------------------------------------

    def minimum_set(self, property_id: str, *, extend_metres: float | None = None,
                    extend_rings: int | None = None) -> MinimumSet:
        """The minimum parameter set of one property, with an optional extension."""
        row = self.position(property_id)
        ptype = str(self._type[row])
        if self._building[row] < 0:
            raise DataError(
                f"property {property_id!r} has no building: its address point lies in no "
                "footprint and the data gives no building_id, so its neighbours cannot be "
                "worked out; import the buildings that cover it or give its building_id")
        if not ptype:
            raise DataError(f"property {property_id!r} has no property type and none could "
                            "be derived; give property_type in the properties layer")
        if ptype == "shared":  # NASSO: all occupants, so the property itself
            j = np.array([row], dtype=np.int64)
            reason = np.array(["all_occupants"], dtype=object)
        else:
            among = np.zeros(len(self._pid), dtype=bool)
            among[row] = True
            _, j, reason = self._pair_arrays(among)
        members = self._members(j, reason)
        props = self.properties
        occupants = None
        if ptype == "shared" and "occupants" in props.columns and pd.notna(
                props["occupants"].iloc[row]):
            occupants = int(props["occupants"].iloc[row])
        derived = bool(props["property_type_derived"].iloc[row]) \
            if "property_type_derived" in props.columns else False
        applies_to, text = NASSO_RULES[ptype]
        result = MinimumSet(
            property_id=property_id, address=str(props["address"].iloc[row]),
            property_type=ptype, property_type_derived=derived, rule_applies_to=applies_to,
            rule_text=text, columns=members, occupants=occupants,
            plots_estimated=self.plots_estimated and ptype in ADJACENCY_TYPES,
            data_version=dict(self.data_version))
        if extend_metres is not None and extend_rings is not None:
            raise DataError("extend the set by metres or by rings, not both")
        if extend_metres is not None:
            result.extension = self._extend_by_distance(row, extend_metres,
                                                        set(result.member_ids))
        if extend_rings is not None:
            result.extension = self._extend_by_rings(row, extend_rings, set(result.member_ids))
        return result

    def _members(self, j: IntArray, reason: npt.NDArray[np.object_]) -> Members:
        """One row per member (by row position), with the sorted reasons it is in."""
        order = np.argsort(j, kind="stable")
        j, reason = j[order], reason[order]
        rows, starts = np.unique(j, return_index=True)
        ends = np.r_[starts[1:], len(j)].astype(np.int64)[:len(starts)]
        reasons = np.empty(len(rows), dtype=object)
        reasons[:] = [sorted(set(reason[a:b].tolist()))
                      for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
        return self._describe(rows.astype(np.int64), reasons=reasons)

    def _describe(self, rows: IntArray, **extra: npt.NDArray[np.generic]) -> Members:
        """Id, address and household facts of the properties at ``rows``, and the
        ``extra`` columns given, as plain arrays."""
        household = self._household
        data: Members = {"property_id": self._pid[rows],
                         "address": np.asarray(self._addresses.take(rows), dtype=object)}
        for column in HOUSEHOLD_COLUMNS:
            if column in household:
                data[column] = household[column][rows]
        data.update(extra)
        return data

    def _extend_by_distance(self, row: int, metres: float, members: set[str]
                            ) -> dict[str, Any]:
        if not (np.isfinite(metres) and 0 < metres <= 5_000):
            raise DataError(f"extension must be between 0 and 5,000 metres; got {metres}")
        near = np.array(sorted(self._point_tree.query_ball_point(self._xy[row], metres)),
                        dtype=np.int64)
        near = near[(near != row) & ~np.isin(self._pid[near], list(members))]
        d = np.hypot(*(self._xy[near] - self._xy[row]).T)
        order = np.argsort(d, kind="stable")
        frame = self._describe(near[order], distance_m=d[order])
        return {"by": "distance", "metres": metres, "properties": member_records(frame)}

    def _extend_by_rings(self, row: int, rings: int, members: set[str]) -> dict[str, Any]:
        if not 1 <= rings <= 5:
            raise DataError(f"extension must be 1 to 5 rings of neighbours; got {rings}")
        seen = {row} | {self._row[m] for m in members}
        frontier = np.array(sorted(seen - {row}), dtype=np.int64)
        added: list[tuple[int, int]] = []
        for ring in range(2, rings + 2):
            if not len(frontier):
                break
            among = np.zeros(len(self._pid), dtype=bool)
            among[frontier] = True
            nxt = np.setdiff1d(np.unique(self._pair_arrays(among)[1]),
                               np.array(sorted(seen), dtype=np.int64))
            added.extend((int(r), ring) for r in nxt)
            seen.update(int(r) for r in nxt)
            frontier = nxt
        rows = np.array([r for r, _ in added], dtype=np.int64)
        frame = self._describe(rows, ring=np.array([ring for _, ring in added], dtype=np.int64))
        records = member_records(frame)
        for record, ring in zip(records, frame["ring"].tolist(), strict=True):
            record["ring"] = int(ring)
        return {"by": "rings", "rings": rings, "properties": records}

    # --- every property ------------------------------------------------------------------------

    def all_minimum_sets(self) -> pd.DataFrame:
        """Every property's minimum set, long form: ``property_id``, ``member_id``,
        ``reason`` (one row per reason)."""
        i, j, reason = self._pair_arrays()
        return pd.DataFrame({"property_id": self._pid[i], "member_id": self._pid[j],
                             "reason": reason})


def member_sets(long_form: pd.DataFrame) -> dict[str, set[str]]:
    """``{property_id: {member ids}}`` from :meth:`ParameterEngine.all_minimum_sets`."""
    grouped = long_form.groupby("property_id")["member_id"].agg(set)
    return {str(k): {str(m) for m in v} for k, v in grouped.items()}

"""What geo_era derives about dwellings when the data does not say.

The data contract lets a `properties` layer omit ``building_id``, ``floor`` and
``close_id``, column by column or row by row. They are derived here:

- ``building_id``: the building footprint the address point lies in (point-in-polygon
  on an STRtree of the footprints, EPSG:27700);
- ``floor``: from the flat position in the address (:mod:`geo_era.data.addresses`); a "top
  floor" flat takes its building's ``levels - 1``;
- ``close_id``: street number + canonical street (+ locality) from the address. A close
  is a common stair inside one building, so when one label is found in several
  buildings the building id is added to keep the closes apart;
- ``property_type``: from the building. Shared accommodation where the building's
  ``building_type`` says so (HMO, hostel); for a building of several dwellings, a
  multi-storey flat from 6 storeys, a cottage flat in a building of at most 2 storeys
  and 4 dwellings each with its own door (own close), a tenement flat otherwise; for a
  single dwelling, by the chain of footprints sharing walls with it: alone, detached;
  a pair, semi-detached; three or more, terraced.

Every derived value is flagged in a ``<column>_derived`` boolean column, and what could
not be derived is reported as a notice, never guessed.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from geo_era.data.addresses import address_facts
from geo_era.errors import Problem, quote
from geo_era.geometry.adjacency import BorderRule, bordering_pairs
from geo_era.geometry.lookup import codes, positions

DERIVED_COLUMNS = ("building_id", "floor", "close_id", "property_type")

#: ``building_type`` values (lower case) that mean shared accommodation: a house in
#: multiple occupation, a hostel, halls.
SHARED_BUILDING_TYPES = frozenset({"house_in_multiple_occupation", "hmo", "shared",
                                   "hostel", "dormitory"})

#: A block of flats with at least this many storeys is a multi-storey (high-rise)
#: block; Scottish tenements stand 3 to 5 storeys, sometimes over a basement.
MULTI_STOREY_MIN_LEVELS = 6

#: Shared walls between footprints: touching within 0.3 m along at least 1 m.
WALL_RULE = BorderRule(gap_m=0.3, min_border_m=1.0)

#: Text held between steps: Arrow strings, one buffer rather than a Python object a value.
_TEXT = pd.StringDtype("pyarrow")

#: How many rows of one kind of notice are listed before they are summarised.
MAX_NOTICES_PER_KIND = 20


def _flag(column: str) -> str:
    return f"{column}_derived"


def derive_dwelling_columns(properties: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame | None,
                            *, file: str = "(stored layer)",
                            known_addresses: pd.DataFrame | None = None, copy: bool = True
                            ) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Fill missing ``building_id``, ``floor`` and ``close_id`` of a properties layer.

    Values derived by an earlier call (flagged ``*_derived``) are derived again, so that
    re-importing buildings keeps the properties consistent with the new footprints.

    Parameters
    ----------
    properties
        Normalised properties layer (points, EPSG:27700).
    buildings
        Normalised buildings layer (polygons, EPSG:27700), or None when none is loaded.
    file
        Named in notices.
    known_addresses
        The addresses' facts already parsed by the importer that read them
        (:func:`geo_era.data.addresses.facts_by_address`): those are not parsed again.
    copy
        False when the caller gives up ``properties`` (an import's own frame): the columns
        are then filled in it rather than in a copy of millions of rows.

    Returns
    -------
    The properties with the three columns filled where possible and flagged, and the
    notices about rows where a value could not be derived.
    """
    props = properties.copy() if copy else properties
    notices = _Notices(file)
    _reset_derived(props)
    _derive_building(props, buildings, notices)
    need_floor = props["floor_derived"].to_numpy(dtype=bool)
    need_close = props["close_id_derived"].to_numpy(dtype=bool)
    rows = np.flatnonzero(need_floor | need_close)
    if len(rows):
        parsed = address_facts(props["address"].to_numpy(dtype=object, na_value=None)[rows],
                               known=known_addresses)
        parsed.index = rows
        _derive_floor(props, parsed, buildings, need_floor, notices)
        _derive_close(props, parsed, need_close)
        notices.addresses(props, parsed)
    props["floor_derived"] = need_floor & props["floor"].notna().to_numpy()
    need_type = props["property_type_derived"].to_numpy(dtype=bool)
    if need_type.any():
        types = derive_property_types(props, buildings)
        props.loc[need_type, "property_type"] = types[need_type]
        unresolved = need_type & props["property_type"].isna().to_numpy()
        notices.add(unresolved, "property type could not be derived: the address point is "
                                "in no building; give property_type or import the buildings",
                    "property_type")
        props["property_type_derived"] = need_type & ~unresolved
    props["close_id_derived"] = need_close & props["close_id"].notna().to_numpy()
    return props, notices.problems


class _Notices:
    """The notices of one derivation, at most :data:`MAX_NOTICES_PER_KIND` rows of a
    kind listed, the rest summarised."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, mask: npt.NDArray[np.bool_], message: str, column: str) -> None:
        """A notice for each row where ``mask`` is true."""
        positions = np.flatnonzero(mask)
        for pos in positions[:MAX_NOTICES_PER_KIND]:
            self.problems.append(Problem(message, file=self.file, layer="properties",
                                         row=int(pos) + 1, column=column))
        if len(positions) > MAX_NOTICES_PER_KIND:
            self.problems.append(Problem(
                f"{len(positions) - MAX_NOTICES_PER_KIND} more rows: {message}",
                file=self.file, layer="properties", column=column))

    def addresses(self, props: gpd.GeoDataFrame, parsed: pd.DataFrame) -> None:
        """A notice for each address (rows ``parsed.index``) not fully parsed."""
        has_problem = np.zeros(len(props), dtype=bool)
        has_problem[parsed.index.to_numpy()] = parsed["problems"].to_numpy(dtype=object) != ""
        for pos in np.flatnonzero(has_problem)[:MAX_NOTICES_PER_KIND]:
            self.problems.append(Problem(
                f"address {quote(props['address'].iloc[pos])}: {parsed['problems'].loc[pos]!s}",
                file=self.file, layer="properties", row=int(pos) + 1, column="address"))
        if has_problem.sum() > MAX_NOTICES_PER_KIND:
            self.problems.append(Problem(
                f"{int(has_problem.sum()) - MAX_NOTICES_PER_KIND} more addresses could not "
                "be fully parsed", file=self.file, layer="properties", column="address"))


def _reset_derived(props: gpd.GeoDataFrame) -> None:
    """Give ``props`` every derived column, empty where an earlier call derived it, and
    flag (``<column>_derived``) every value now missing: those are to be derived."""
    for column, dtype in (("building_id", "string"), ("floor", "Int64"), ("close_id", "string"),
                          ("property_type", "string")):
        if column not in props.columns:
            props[column] = pd.Series(pd.NA, index=props.index, dtype=dtype)
        flag = _flag(column)
        if flag in props.columns:
            was_derived = props[flag].fillna(False).to_numpy(dtype=bool)
            props.loc[was_derived, column] = pd.NA
        props[flag] = props[column].isna().to_numpy()


def _derive_building(props: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame | None,
                     notices: _Notices) -> None:
    """``building_id`` by point-in-footprint where it is to be derived (the smallest
    footprint where several hold the point)."""
    need_building = props["building_id_derived"].to_numpy(dtype=bool)
    if need_building.any() and buildings is not None and len(buildings):
        found, ambiguous = _containing_building(props.geometry.to_numpy()[need_building],
                                                buildings)
        ids = pd.array(buildings["building_id"].to_numpy(dtype=object)[np.maximum(found, 0)],
                       dtype="string")
        ids[found < 0] = pd.NA
        props.loc[need_building, "building_id"] = ids
        flagged = np.zeros(len(props), dtype=bool)
        flagged[np.flatnonzero(need_building)[ambiguous]] = True
        notices.add(flagged, "address point lies in more than one building footprint; the "
                             "smallest was taken", "building_id")
    unresolved = need_building & props["building_id"].isna().to_numpy()
    props["building_id_derived"] = need_building & ~unresolved
    reason = ("address point lies in no building footprint" if buildings is not None
              else "no buildings layer is loaded to place the address point in")
    notices.add(unresolved, f"{reason}; building_id left empty", "building_id")


def derive_property_types(properties: gpd.GeoDataFrame,
                          buildings: gpd.GeoDataFrame | None) -> npt.NDArray[np.object_]:
    """The property type each dwelling's building implies (see the module docstring);
    None where the dwelling has no building. Vectorised over buildings."""
    types = np.full(len(properties), None, dtype=object)
    if buildings is None or not len(buildings):
        return types
    bid = properties["building_id"].astype("string")
    known = bid.notna().to_numpy()
    codes, uniques = pd.factorize(bid[known])
    position = positions(pd.Series(uniques), buildings["building_id"])
    dwellings = np.bincount(codes, minlength=len(uniques))
    levels = np.full(len(uniques), np.nan)
    if "levels" in buildings.columns:
        given = buildings["levels"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        levels = np.where(position >= 0, given[np.maximum(position, 0)], np.nan)
    if "floor" in properties.columns:  # storeys seen in the addresses, when levels is missing
        floors = properties.loc[known, "floor"].astype("Float64").to_numpy(dtype=float,
                                                                           na_value=np.nan)
        top = np.full(len(uniques), np.nan)
        np.fmax.at(top, codes, floors + 1)
        levels = np.where(np.isnan(levels), top, levels)
    closes = properties.loc[known, "close_id"].astype("string").fillna("")
    own_doors = (pd.Series(closes.to_numpy()).groupby(codes).nunique().reindex(
        range(len(uniques)), fill_value=0).to_numpy() == dwellings)
    btype = np.full(len(uniques), "", dtype=object)
    if "building_type" in buildings.columns:
        named = buildings["building_type"].astype("string").fillna("").str.lower().to_numpy()
        btype = np.where(position >= 0, named[np.maximum(position, 0)], "")

    # single dwellings: detached / semi / terraced by the chain of shared walls
    single = (dwellings == 1) & (position >= 0)
    chain = np.ones(len(uniques), dtype=np.int64)
    if single.any():
        geoms = buildings.geometry.to_numpy()[position[single]]
        walls = bordering_pairs(geoms, WALL_RULE)
        graph = sparse.coo_matrix((np.ones(len(walls)), (walls.a, walls.b)),
                                  shape=(len(geoms), len(geoms)))
        _, label = csgraph.connected_components(graph, directed=False)
        chain[single] = np.bincount(label)[label]
    house_type = np.select([chain >= 3, chain == 2], ["terraced", "semi_detached"], "detached")
    flat_type = flat_types(levels=levels, dwellings=dwellings, own_doors=own_doors)
    per_building = np.where(dwellings == 1, house_type, flat_type).astype(object)
    per_building[np.isin(btype, list(SHARED_BUILDING_TYPES))] = "shared"
    per_building[position < 0] = None
    types[known] = per_building[codes]
    return types


def flat_types(*, levels: npt.NDArray[np.float64], dwellings: npt.NDArray[np.int64],
               own_doors: npt.NDArray[np.bool_]) -> npt.NDArray[np.str_]:
    """The flat type of buildings of flats, by their storeys (NaN unknown), dwellings and
    whether each dwelling has its own door: a multi-storey flat from
    :data:`MULTI_STOREY_MIN_LEVELS` storeys, a cottage flat in at most 2 storeys and 4
    dwellings each with its own door, a tenement flat otherwise."""
    kinds: npt.NDArray[np.str_] = np.select(
        [levels >= MULTI_STOREY_MIN_LEVELS, (levels <= 2) & (dwellings <= 4) & own_doors],
        ["multi_storey_flat", "cottage_flat"], "tenement_flat")
    return kinds


def _containing_building(points: np.ndarray, buildings: gpd.GeoDataFrame
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Index of the footprint each point lies in (-1 for none) and a mask of points in >1."""
    footprints = buildings.geometry.to_numpy()
    tree = shapely.STRtree(footprints)
    point_idx, building_idx = tree.query(points, predicate="within")
    found = np.full(len(points), -1, dtype=np.int64)
    ambiguous = np.zeros(len(points), dtype=bool)
    if len(point_idx):
        areas = shapely.area(footprints[building_idx])
        order = np.lexsort((building_idx, areas, point_idx))  # smallest footprint first
        point_idx, building_idx = point_idx[order], building_idx[order]
        first = np.r_[True, point_idx[1:] != point_idx[:-1]]
        found[point_idx[first]] = building_idx[first]
        counts = np.bincount(point_idx, minlength=len(points))
        ambiguous = counts > 1
    return found, ambiguous


def _derive_floor(props: gpd.GeoDataFrame, parsed: pd.DataFrame,
                  buildings: gpd.GeoDataFrame | None, need: np.ndarray,
                  notices: _Notices) -> None:
    rows = parsed.index.to_numpy()
    take = need[rows]
    floors = parsed["floor"].astype("Int64")
    top = parsed["floor_is_top"].to_numpy(dtype=bool) & floors.isna().to_numpy()
    if top.any():
        levels = pd.Series(pd.NA, index=parsed.index, dtype="Int64")
        if buildings is not None and "levels" in buildings.columns:
            by_id = buildings.set_index("building_id")["levels"].astype("Int64")
            building_of = props["building_id"].iloc[rows].to_numpy(dtype=object)
            levels = pd.Series(by_id.reindex(building_of).to_numpy(), index=parsed.index,
                               dtype="Int64")
        floors = floors.mask(pd.Series(top, index=parsed.index), levels - 1)
        unresolved = np.zeros(len(props), dtype=bool)
        unresolved[rows[top & take & floors.isna().to_numpy()]] = True
        notices.add(unresolved, "a top-floor flat whose building has no 'levels'; floor "
                                "left empty", "floor")
    target = rows[take]
    props.loc[props.index[target], "floor"] = floors.to_numpy()[take]


def _derive_close(props: gpd.GeoDataFrame, parsed: pd.DataFrame, need: np.ndarray) -> None:
    """``close_id`` from the close labels where it is to be derived; a label found in
    several buildings gets its building's id (``12 Oak Road [B7]``). Vectorised over
    integer codes and Arrow strings: no Python object a row."""
    rows = parsed.index.to_numpy()
    take = need[rows]
    labels = parsed["close_label"].astype(_TEXT).reset_index(drop=True)
    building = props["building_id"].iloc[rows].astype(_TEXT).reset_index(drop=True)
    label_code, labels_found = codes(labels)
    building_code, _ = codes(building)
    both = (label_code >= 0) & (building_code >= 0)
    pairs = np.unique(label_code[both] << 32 | building_code[both])
    spans = np.bincount((pairs >> 32).astype(np.int64), minlength=max(labels_found, 1))
    split = (label_code >= 0) & (building_code >= 0) & (spans[np.maximum(label_code, 0)] > 1)
    qualified = labels.where(~split, labels + " [" + building + "]")
    props.loc[props.index[rows[take]], "close_id"] = qualified[take].to_numpy(
        dtype=object, na_value=None)

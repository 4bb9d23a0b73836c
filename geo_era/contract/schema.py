"""The data contract: layer names, columns, types and geometry kinds.

This module is the single machine-readable copy of ``DATA-CONTRACT.md``. Importers
validate against it, the demo-town generator writes to it and analyses read the
normalised columns it defines. Every layer with geometry is held in British National
Grid (EPSG:27700), coordinates in metres.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

#: The CRS every layer is held and measured in: British National Grid, metres.
BNG = "EPSG:27700"
WGS84 = "EPSG:4326"

#: Scotland's extent in EPSG:27700 (minx, miny, maxx, maxy) in metres: the 32 council
#: areas (ONS 2023 full extent) with a 10 km margin for offshore islands and rounding.
SCOTLAND_BNG_BOUNDS: tuple[float, float, float, float] = (
    -5_000.0, 520_000.0, 480_000.0, 1_230_000.0)


class ColumnType(StrEnum):
    STR = "str"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    DATE = "date"
    JSON = "json"


class GeometryKind(StrEnum):
    NONE = "none"
    POINT = "point"
    POLYGON = "polygon"
    POINT_OR_POLYGON = "point_or_polygon"
    LINE = "line"


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = False
    #: allowed values for a STR column (None = free text)
    choices: tuple[str, ...] | None = None


@dataclass(frozen=True)
class LayerSpec:
    name: str
    geometry: GeometryKind
    columns: tuple[Column, ...]
    #: the column that must be unique, if any
    id_column: str | None
    #: restricted: subjects, zones and placements, only for authorised roles
    sensitive: bool = False
    #: features may not overlap each other (beyond digitising slivers)
    disjoint: bool = False

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


#: Site categories of a physical check (NASSO 3.8), in the order NASSO lists them
#: for reports: schools/nurseries first.
SITE_CATEGORIES: tuple[str, ...] = (
    "school",
    "nursery",
    "play_park",
    "community_centre",
    "place_of_worship",
    "shop",
    "licensed_premises",
    "sheltered_housing",
    "cctv",
    # registered care homes (the Care Inspectorate's "Care Home Service": for children
    # and young people, older people, adults), where children or adults at risk live;
    # not among NASSO 3.8's places, so a category of its own
    "care_home",
)

PROPERTY_TYPES: tuple[str, ...] = (
    "multi_storey_flat",
    "tenement_flat",
    "cottage_flat",
    "terraced",
    "semi_detached",
    "detached",
    "shared",
)

RISK_LEVELS: tuple[str, ...] = ("low", "medium", "high", "very_high")

S, INT, B, D, J = ColumnType.STR, ColumnType.INT, ColumnType.BOOL, ColumnType.DATE, ColumnType.JSON

PROPERTIES = LayerSpec(
    "properties", GeometryKind.POINT,
    (
        Column("property_id", S, required=True),
        Column("address", S, required=True),
        Column("building_id", S),
        Column("close_id", S),
        Column("floor", INT),
        Column("property_type", S, choices=PROPERTY_TYPES),
        Column("landlord", S),
        Column("is_void", B),
        Column("occupants", INT),
        Column("children_in_household", B),
        Column("adult_at_risk_in_household", B),
    ),
    id_column="property_id",
)

BUILDINGS = LayerSpec(
    "buildings", GeometryKind.POLYGON,
    (
        Column("building_id", S, required=True),
        Column("levels", INT),
        Column("building_type", S),
    ),
    id_column="building_id",
)

PLOTS = LayerSpec(
    "plots", GeometryKind.POLYGON,
    (
        Column("plot_id", S, required=True),
        Column("property_id", S),
        Column("building_id", S),
    ),
    id_column="plot_id",
    disjoint=True,
)

SITES = LayerSpec(
    "sites", GeometryKind.POINT_OR_POLYGON,
    (
        Column("site_id", S, required=True),
        Column("category", S, required=True, choices=SITE_CATEGORIES),
        Column("name", S),
    ),
    id_column="site_id",
)

STREETS = LayerSpec(
    "streets", GeometryKind.LINE,
    (
        Column("street_id", S),
        Column("name", S),
        Column("highway", S),
    ),
    id_column=None,
)

AREAS = LayerSpec(
    "areas", GeometryKind.POLYGON,
    (
        Column("area_id", S, required=True),
        Column("area_type", S, required=True),
        Column("name", S),
        Column("population", INT),
        Column("households", INT),
        Column("parent_id", S),
    ),
    id_column="area_id",
)

SUBJECTS = LayerSpec(
    "subjects", GeometryKind.NONE,
    (
        Column("subject_id", S, required=True),
        Column("mappa_category", INT),
        Column("mappa_level", INT),
        Column("risk_level", S, choices=RISK_LEVELS),
        Column("victim_profile", S),
        Column("conditions", J),
        Column("current_property_id", S),
        Column("on_licence_or_order", B),
        # NASSO 3.3 annual-review criteria the contract's columns cannot express
        Column("sopo_or_rsho", B),
        Column("contact_offence_against", S),
        Column("review_flagged", B),
        # NASSO 3.3: an ERA on initial registration; the date of registration, so that a
        # new registration without a completed ERA is listed as "ERA required" with it
        Column("registered_on", D),
    ),
    id_column="subject_id",
    sensitive=True,
)

EXCLUSION_ZONES = LayerSpec(
    "exclusion_zones", GeometryKind.POLYGON,
    (
        Column("zone_id", S, required=True),
        Column("subject_id", S, required=True),
        Column("reason", S),
    ),
    id_column="zone_id",
    sensitive=True,
)

PLACEMENTS = LayerSpec(
    "placements", GeometryKind.NONE,
    (
        Column("subject_id", S, required=True),
        Column("property_id", S, required=True),
        Column("start_date", D, required=True),
        Column("end_date", D),
        Column("placing_authority", S),
        Column("consent_recorded", B),
    ),
    id_column=None,
    sensitive=True,
)

LAYERS: dict[str, LayerSpec] = {
    spec.name: spec
    for spec in (PROPERTIES, BUILDINGS, PLOTS, SITES, STREETS, AREAS,
                 SUBJECTS, EXCLUSION_ZONES, PLACEMENTS)
}

#: Values accepted for a boolean column, case-insensitive (DATA-CONTRACT: true/false,
#: yes/no, 1/0).
TRUE_VALUES = frozenset({"true", "yes", "1", "y", "t"})
FALSE_VALUES = frozenset({"false", "no", "0", "n", "f"})

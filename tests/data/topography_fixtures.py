"""FICTIONAL fixtures of the national products, written by this script from buildings of
the demo town (scale 1, seed 0): a tenement, a tower, a row of three cottage-flat blocks,
a shared house (an HMO) and a pair of semi-detached houses.

- ``mastermap.gml``: OS MasterMap Topography Layer GML (``osgb`` namespace, schema v7,
  GML 2): one ``osgb:TopographicArea`` per building (``descriptiveGroup`` ``Building``,
  TOID in ``fid``), two features that are not buildings (a road, a garden), the tower
  repeated as a chunked supply repeats a feature crossing chunks, and a
  ``TopographicLine`` (another layer of the same file);
- ``mastermap.gpkg``: the same as the GeoPackage supply (table ``TopographicArea``:
  ``toid``, ``theme``, ``descriptivegroup``, ``descriptiveterm``, ``make`` and the
  Building Height Attribute's ``relh2``/``relhmax``; one TOID zero-padded);
- ``inspire.gml``: Registers of Scotland INSPIRE Cadastral Parcels (cp 4.0, GML 3.2):
  the demo plots of those buildings and their dwellings, one cottage flat's polygon
  repeated (two titles of one extent) and one parcel with nothing inside;
- ``schools.csv``: the school locations table (SchUID, SeedCode, SchoolName,
  SchoolType, Easting, Northing, ...);
- ``properties.gpkg``: the addresses of those buildings as geo_era's properties layer,
  ``building_id`` the building's TOID (as AddressBase's cross-reference gives it) and
  ``property_type`` ``shared`` for the HMO (as AddressBase's classification gives it).

TOIDs, identifiers, names and places are FICTIONAL.

Run ``python -m tests.data.topography_fixtures FOLDER`` to write them to FOLDER.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo_era.demo.demotown import DemoTown, build_demo_town

#: (property type, how many buildings of it) taken from the demo town, in this order.
KINDS = (("tenement_flat", 1), ("multi_storey_flat", 1), ("cottage_flat", 3),
         ("shared", 1), ("semi_detached", 2))
#: FICTIONAL TOIDs start here (16 digits as OS gives them).
TOID_BASE = 1_000_000_000_000_001
#: Metres per storey the fixture's heights use (``relh2`` = levels x this + 0.5).
STOREY_M = 3.0
#: FICTIONAL schools: (SchUID, SeedCode, name, type, easting offset, northing offset from
#: the demo school).
SCHOOLS = (
    ("5000001P", "5000001", "FICTIONAL Demo Primary School", "Primary", 0.0, 0.0),
    ("5000001S", "5000001", "FICTIONAL Demo High School", "Secondary", 40.0, 0.0),
    ("5000002SP", "5000002", "FICTIONAL Demo Additional Support School", "Special", 0.0,
     60.0),
    ("5000003P", "5000003", "FICTIONAL Demo Nursery Class", "Nursery", -50.0, 10.0),
)


@dataclass
class Selection:
    """The demo buildings taken, their TOIDs, their dwellings and their plots."""

    town: DemoTown
    buildings: gpd.GeoDataFrame
    toid: dict[str, str]
    properties: gpd.GeoDataFrame
    plots: gpd.GeoDataFrame


def select(town: DemoTown | None = None) -> Selection:
    """The buildings of :data:`KINDS` from the demo town (scale 1, seed 0)."""
    town = town or build_demo_town(scale=1.0, seed=0)
    truth = town.truth
    chosen: list[str] = []
    for kind, count in KINDS:
        ids = truth.loc[truth["property_type"] == kind, "building_id"].astype(str)
        chosen += list(dict.fromkeys(ids))[:count]
    toid = {b: f"osgb{TOID_BASE + k}" for k, b in enumerate(chosen)}
    buildings = town.layers["buildings"]
    buildings = buildings[buildings["building_id"].isin(chosen)].copy()
    buildings["order"] = buildings["building_id"].map(chosen.index)
    buildings = buildings.sort_values("order").drop(columns="order").reset_index(drop=True)
    # the true building of each address (the demo's layer leaves some out to test the
    # derivation; AddressBase's cross-reference gives every one)
    mask = truth["building_id"].astype(str).isin(chosen).to_numpy()
    props = town.layers["properties"][mask].copy()
    props["building_id"] = truth.loc[mask, "building_id"].astype(str).map(toid).to_numpy()
    shared = set(truth.loc[truth["property_type"] == "shared", "property_id"].astype(str))
    props["property_type"] = [("shared" if p in shared else None) for p in props["property_id"]]
    plots = town.layers["plots"]
    own = plots["property_id"].astype("string").isin(set(props["property_id"].astype(str)))
    mine = plots["building_id"].astype("string").isin(chosen)
    plots = plots[(own | mine).fillna(False).to_numpy()].reset_index(drop=True)
    assert isinstance(buildings, gpd.GeoDataFrame) and isinstance(props, gpd.GeoDataFrame)
    return Selection(town, buildings, toid, gpd.GeoDataFrame(props.reset_index(drop=True)),
                     gpd.GeoDataFrame(plots))


def _ring(geom: BaseGeometry) -> str:
    """A polygon's exterior as GML 2 ``coordinates`` (``x,y x,y``)."""
    poly = geom if geom.geom_type == "Polygon" else max(geom.geoms, key=lambda g: g.area)
    return " ".join(f"{x:.3f},{y:.3f}" for x, y in poly.exterior.coords)


def _pos_list(geom: BaseGeometry) -> str:
    poly = geom if geom.geom_type == "Polygon" else max(geom.geoms, key=lambda g: g.area)
    return " ".join(f"{x:.3f} {y:.3f}" for x, y in poly.exterior.coords)


def _topo_area(toid: str, group: str, theme: str, geom: BaseGeometry) -> str:
    return (f'<osgb:topographicMember><osgb:TopographicArea fid="{toid}">'
            "<osgb:featureCode>10021</osgb:featureCode><osgb:version>2</osgb:version>"
            "<osgb:versionDate>2024-05-01</osgb:versionDate>"
            f"<osgb:theme>{escape(theme)}</osgb:theme>"
            f"<osgb:calculatedAreaValue>{geom.area:.6f}</osgb:calculatedAreaValue>"
            "<osgb:changeHistory><osgb:changeDate>2024-05-01</osgb:changeDate>"
            "<osgb:reasonForChange>New</osgb:reasonForChange></osgb:changeHistory>"
            f"<osgb:descriptiveGroup>{escape(group)}</osgb:descriptiveGroup>"
            "<osgb:make>Manmade</osgb:make><osgb:physicalLevel>50</osgb:physicalLevel>"
            '<osgb:polygon><gml:Polygon srsName="osgb:BNG"><gml:outerBoundaryIs>'
            f"<gml:LinearRing><gml:coordinates>{_ring(geom)}</gml:coordinates>"
            "</gml:LinearRing></gml:outerBoundaryIs></gml:Polygon></osgb:polygon>"
            "</osgb:TopographicArea></osgb:topographicMember>\n")


def _topo_line(sel: Selection) -> str:
    """A ``TopographicLine`` (a building's outline), as every Topography Layer file holds
    beside its areas: another layer, not read."""
    x0, y0, x1, _ = sel.buildings.geometry.iloc[0].bounds
    return ('<osgb:topographicMember><osgb:TopographicLine fid="osgb5000000000000003">'
            "<osgb:featureCode>10019</osgb:featureCode><osgb:version>1</osgb:version>"
            "<osgb:theme>Buildings</osgb:theme>"
            "<osgb:descriptiveGroup>Building</osgb:descriptiveGroup>"
            "<osgb:physicalLevel>50</osgb:physicalLevel><osgb:polyline><gml:LineString "
            f'srsName="osgb:BNG"><gml:coordinates>{x0:.3f},{y0:.3f} {x1:.3f},{y0:.3f}'
            "</gml:coordinates></gml:LineString></osgb:polyline>"
            "</osgb:TopographicLine></osgb:topographicMember>\n")


def _others(sel: Selection) -> list[tuple[str, str, str, BaseGeometry]]:
    """Two features that are not buildings, beside the first building: a road and a
    garden (TOID, descriptive group, theme, polygon)."""
    minx, miny, _, _ = sel.buildings.total_bounds
    road = shapely.box(minx - 30, miny - 30, minx - 24, miny - 10)
    garden = shapely.box(minx - 60, miny - 30, minx - 40, miny - 10)
    return [("osgb5000000000000001", "Road Or Track", "Roads Tracks And Paths", road),
            ("osgb5000000000000002", "General Surface", "Land", garden)]


def write_mastermap_gml(sel: Selection, path: Path) -> Path:
    body = [_topo_area(sel.toid[b], "Building", "Buildings", g)
            for b, g in zip(sel.buildings["building_id"], sel.buildings.geometry,
                            strict=True)]
    body += [_topo_area(*other) for other in _others(sel)]
    body.append(_topo_line(sel))
    tower = sel.buildings.iloc[1]
    body.append(_topo_area(sel.toid[tower["building_id"]], "Building", "Buildings",
                           tower.geometry))  # repeated, as in a neighbouring chunk
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<osgb:FeatureCollection xmlns:osgb="http://www.ordnancesurvey.co.uk/xml/'
        'namespaces/osgb" xmlns:gml="http://www.opengis.net/gml" '
        'xmlns:xlink="http://www.w3.org/1999/xlink" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.ordnancesurvey.co.uk/xml/namespaces/osgb '
        'http://www.ordnancesurvey.co.uk/xml/schema/v7/OSDNFFeatures.xsd" '
        'fid="GDS-FICTIONAL-0001">\n'
        "<gml:description>FICTIONAL test data in the layout of OS MasterMap Topography "
        "Layer</gml:description>\n<gml:boundedBy><gml:null>unknown</gml:null>"
        "</gml:boundedBy>\n<osgb:queryTime>2026-01-01T00:00:00</osgb:queryTime>\n"
        + "".join(body) + "</osgb:FeatureCollection>\n", encoding="utf-8")
    return path


def write_mastermap_gpkg(sel: Selection, path: Path) -> Path:
    rows = []
    for k, (b, levels, g) in enumerate(zip(sel.buildings["building_id"],
                                           sel.buildings["levels"],
                                           sel.buildings.geometry, strict=True)):
        toid = sel.toid[b]
        if k == 0:  # zero-padded, as some supplies give TOIDs
            toid = "000" + toid.removeprefix("osgb")
        height = int(levels) * STOREY_M + 0.5
        rows.append({"toid": toid, "version": 2, "theme": "Buildings",
                     "descriptivegroup": "Building", "descriptiveterm": None,
                     "make": "Manmade", "relh2": height, "relhmax": height + 2.0,
                     "geometry": g})
    for toid, group, theme, g in _others(sel):
        rows.append({"toid": toid, "version": 1, "theme": theme, "descriptivegroup": group,
                     "descriptiveterm": None, "make": "Manmade", "relh2": None,
                     "relhmax": None, "geometry": g})
    gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs="EPSG:27700").to_file(
        path, layer="TopographicArea", driver="GPKG")
    return path


def _parcel(local_id: str, geom: BaseGeometry) -> str:
    return (f'<gml:featureMember><cp:CadastralParcel gml:id="RoS.CP.{local_id}">'
            f'<cp:areaValue uom="m2">{geom.area:.0f}</cp:areaValue>'
            "<cp:beginLifespanVersion>2024-01-01T00:00:00</cp:beginLifespanVersion>"
            f'<cp:geometry><gml:MultiSurface gml:id="RoS.CP.{local_id}.G" '
            'srsName="urn:ogc:def:crs:EPSG::27700"><gml:surfaceMember>'
            f'<gml:Polygon gml:id="RoS.CP.{local_id}.P"><gml:exterior><gml:LinearRing>'
            f'<gml:posList srsDimension="2">{_pos_list(geom)}</gml:posList>'
            "</gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>"
            "</gml:MultiSurface></cp:geometry>"
            "<cp:inspireId><base:Identifier>"
            f"<base:localId>{local_id}</base:localId>"
            "<base:namespace>FICTIONAL.RoS.CP</base:namespace></base:Identifier>"
            f"</cp:inspireId><cp:label>{local_id}</cp:label>"
            f"<cp:nationalCadastralReference>{local_id}</cp:nationalCadastralReference>"
            "<cp:validFrom>2024-01-01T00:00:00</cp:validFrom>"
            "</cp:CadastralParcel></gml:featureMember>\n")


def parcels(sel: Selection) -> list[tuple[str, BaseGeometry]]:
    """The parcels written: each plot (ids ``0900000001``...), the first cottage flat's
    plot again, and a parcel with nothing inside."""
    out = [(f"09{k + 1:08d}", g) for k, g in enumerate(sel.plots.geometry)]
    cottage = sel.plots.index[sel.plots["property_id"].notna()][0]
    out.append((f"09{len(out) + 1:08d}", sel.plots.geometry.iloc[cottage]))
    minx, miny, _, _ = sel.buildings.total_bounds
    out.append((f"09{len(out) + 1:08d}", shapely.box(minx - 60, miny - 30, minx - 40,
                                                     miny - 10)))
    return out


def write_inspire_gml(sel: Selection, path: Path) -> Path:
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml/3.2" '
        'xmlns:cp="http://inspire.ec.europa.eu/schemas/cp/4.0" '
        'xmlns:base="http://inspire.ec.europa.eu/schemas/base/3.3" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://inspire.ec.europa.eu/schemas/cp/4.0 '
        'http://inspire.ec.europa.eu/schemas/cp/4.0/CadastralParcels.xsd" '
        'gml:id="FICTIONAL.RoS.INSPIRE">\n'
        + "".join(_parcel(i, g) for i, g in parcels(sel))
        + "</gml:FeatureCollection>\n", encoding="utf-8")
    return path


def write_schools_csv(sel: Selection, path: Path) -> Path:
    sites = sel.town.layers["sites"]
    school = sites[sites["category"] == "school"].geometry.iloc[0].representative_point()
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["SchUID", "SeedCode", "SchoolName", "SchoolType", "LAName",
                         "Easting", "Northing", "PupilRoll"])
        for uid, seed, name, kind, dx, dy in SCHOOLS:
            writer.writerow([uid, seed, name, kind, "FICTIONAL Council",
                             f"{school.x + dx:.0f}", f"{school.y + dy:.0f}", "123"])
    return path


def write_fixtures(folder: Path, sel: Selection | None = None) -> dict[str, Path]:
    """Every fixture file, written into ``folder``."""
    sel = sel or select()
    folder.mkdir(parents=True, exist_ok=True)
    props = folder / "properties.gpkg"
    sel.properties.to_file(props, layer="properties", driver="GPKG")
    return {"mastermap_gml": write_mastermap_gml(sel, folder / "mastermap.gml"),
            "mastermap_gpkg": write_mastermap_gpkg(sel, folder / "mastermap.gpkg"),
            "inspire": write_inspire_gml(sel, folder / "inspire.gml"),
            "schools": write_schools_csv(sel, folder / "schools.csv"),
            "properties": props}


if __name__ == "__main__":
    for name, written in write_fixtures(Path(sys.argv[1])).items():
        print(f"{name}: {written}")

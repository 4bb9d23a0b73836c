"""Audited operations of the spatial questions and imports, for the audit-parity test."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from tests.services.parity import WHY, ApiCall, Home, Parity

#: The file both doors import: the home's own sites, as GeoJSON.
UPLOAD = "sites.geojson"


def _upload(home: Home) -> Path:
    return home.path.parent / UPLOAD


def _write_upload(home: Home) -> None:
    sites = home.store.read("sites")
    assert isinstance(sites, gpd.GeoDataFrame)
    sites.to_file(_upload(home), driver="GeoJSON")


PARITY: list[Parity] = [
    Parity("sites_near", "rsl_link_officer",
           cli=lambda h: ["sites-near", h.property_id, "--radius", "300", "--json"],
           api=lambda h: ApiCall("/proximity/sites-near", {"property_id": h.property_id,
                                                           "radius_m": 300})),
    Parity("parameters", "omu_analyst",
           cli=lambda h: ["parameters", h.property_id, "--justification", WHY, "--json"],
           api=lambda h: ApiCall("/parameters", {"property_id": h.property_id,
                                                 "justification": WHY})),
    Parity("parameters", "omu_analyst", variant="without-households",
           cli=lambda h: ["parameters", h.property_id, "--json"],
           api=lambda h: ApiCall("/parameters", {"property_id": h.property_id})),
    Parity("check", "omu_analyst",
           cli=lambda h: ["check", h.subject_id, h.property_id, "--justification", WHY,
                          "--json"],
           api=lambda h: ApiCall("/check", {"subject_id": h.subject_id,
                                            "property_id": h.property_id,
                                            "justification": WHY})),
    Parity("import", "admin",
           cli=lambda h: ["import", str(_upload(h)), "--json"],
           api=lambda h: ApiCall("/imports", files=[("files", _upload(h))]),
           prepare=_write_upload),
]

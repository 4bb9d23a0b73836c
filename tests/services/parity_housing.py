"""Audited operations of the housing, report and audit services, for the audit-parity
test: void screening, the allocation check, the over-concentration report and the
audit export, each through ``geo-era`` and through the API with the same
justification."""

from __future__ import annotations

from geo_era.housing.live_voids import AVAILABLE
from geo_era.services import Caller, Services, live_voids
from geo_era.settings import Settings
from tests.services.parity import WHY, ApiCall, Home, Parity

#: The Link Officer's landlord in the parity homes (tests/services/test_audit_parity.py).
LANDLORD = "Rowanlea Housing Association"


def landlords_property(home: Home) -> str:
    """A property of :data:`LANDLORD` that is not a void in the layer."""
    props = home.store.read_attributes("properties", ["property_id", "landlord", "is_void"])
    mine = props[(props["landlord"] == LANDLORD) & ~props["is_void"].fillna(False)
                 .astype(bool)]
    return str(mine["property_id"].iloc[0])


def published(home: Home) -> None:
    """The landlord's property published (by the operator, for the landlord)."""
    services = Services(Settings(home=home.path))
    live_voids.change(services, Caller.operator("setup"), status=AVAILABLE,
                      voids=[landlords_property(home)], justification=WHY,
                      landlord=LANDLORD)
    services.engine.dispose()

#: The range of audit entries both doors export (so both record the same range).
EXPORTED = ["--after-seq", "0", "--limit", "5"]

PARITY: list[Parity] = [
    Parity("screen", "omu_analyst",
           cli=lambda h: ["screen", h.subject_id, "--justification", WHY, "--json",
                          "--no-progress"],
           api=lambda h: ApiCall("/voids/screen", {"subject_id": h.subject_id,
                                                   "justification": WHY})),
    Parity("allocation_check", "omu_analyst",
           cli=lambda h: ["allocation-check", "--justification", WHY, "--json",
                          "--no-progress"],
           api=lambda h: ApiCall("/voids/allocation-check", {"justification": WHY})),
    Parity("overconcentration", "omu_analyst",
           cli=lambda h: ["report", "overconcentration", "--authority", h.council,
                          "--year", "2026", "--out", str(h.path / "report"),
                          "--justification", WHY],
           api=lambda h: ApiCall("/reports/overconcentration", {
               "authority": h.council, "year": 2026, "justification": WHY})),
    Parity("overconcentration", "solo", variant="published",
           cli=lambda h: ["report", "overconcentration", "--authority", h.council,
                          "--year", "2026", "--publish", "--out", str(h.path / "report"),
                          "--justification", WHY],
           api=lambda h: ApiCall("/reports/overconcentration", {
               "authority": h.council, "year": 2026, "publish": True,
               "justification": WHY})),
    Parity("report_geopackage", "omu_analyst",
           cli=lambda h: ["report", "overconcentration", "--authority", h.council,
                          "--year", "2026", "--out", str(h.path / "report"),
                          "--justification", WHY],
           api=lambda h: ApiCall("/reports/overconcentration/geopackage", {
               "authority": h.council, "year": 2026, "justification": WHY})),
    Parity("report_placements", "omu_analyst",
           cli=lambda h: ["report", "overconcentration", "--authority", h.council,
                          "--year", "2026", "--with-placements", "--out",
                          str(h.path / "report"), "--justification", WHY],
           api=lambda h: ApiCall("/reports/overconcentration/placements", {
               "authority": h.council, "year": 2026, "justification": WHY})),
    Parity("void_publish", "rsl_link_officer",
           cli=lambda h: ["voids", "publish", landlords_property(h), "--landlord", LANDLORD,
                          "--justification", WHY, "--json"],
           api=lambda h: ApiCall("/voids/publish", {
               "property_ids": [landlords_property(h)], "justification": WHY})),
    Parity("void_let", "rsl_link_officer", prepare=published,
           cli=lambda h: ["voids", "let", landlords_property(h), "--landlord", LANDLORD,
                          "--justification", WHY, "--json"],
           api=lambda h: ApiCall("/voids/let", {
               "property_ids": [landlords_property(h)], "justification": WHY})),
    Parity("void_live", "omu_analyst",
           cli=lambda h: ["voids", "live", "--justification", WHY, "--json"],
           api=lambda h: ApiCall("/voids/live", {"justification": WHY})),
    Parity("audit_export", "auditor",
           cli=lambda h: ["audit", "export", "--justification", WHY, *EXPORTED],
           api=lambda h: ApiCall("/audit/export", {"justification": WHY, "after_seq": 0,
                                                   "limit": 5})),
]

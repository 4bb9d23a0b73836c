"""The annual MAPPA figures (R128-R131) for the audit-parity test: through ``geo-era
report mappa`` and through the API, internal and published, with the same
justification."""

from __future__ import annotations

from tests.services.parity import WHY, ApiCall, Parity

PARITY: list[Parity] = [
    Parity("report_mappa", "omu_analyst",
           cli=lambda h: ["report", "mappa", "--authority", h.council, "--year", "2026",
                          "--out", str(h.path / "mappa"), "--justification", WHY],
           api=lambda h: ApiCall("/reports/mappa", {
               "authority": h.council, "year": 2026, "justification": WHY})),
    Parity("report_mappa", "solo", variant="published",
           cli=lambda h: ["report", "mappa", "--authority", h.council, "--year", "2026",
                          "--publish", "--out", str(h.path / "mappa"),
                          "--justification", WHY],
           api=lambda h: ApiCall("/reports/mappa", {
               "authority": h.council, "year": 2026, "publish": True,
               "justification": WHY})),
]

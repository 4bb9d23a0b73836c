"""Audited operations of the housing, report and audit services, for the audit-parity
test: void screening, the allocation check, the over-concentration report and the
audit export, each through ``geo-era`` and through the API with the same
justification."""

from __future__ import annotations

from tests.services.parity import WHY, ApiCall, Parity

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
    Parity("audit_export", "auditor",
           cli=lambda h: ["audit", "export", "--justification", WHY, *EXPORTED],
           api=lambda h: ApiCall("/audit/export", {"justification": WHY, "after_seq": 0,
                                                   "limit": 5})),
]

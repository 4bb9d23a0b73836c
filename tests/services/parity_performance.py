"""Audit parity of the ERA performance report (R104, R126): the command line and the
API leave the same audit entry, for all councils and for a council's own staff."""

from __future__ import annotations

from tests.services.parity import WHY, ApiCall, Parity

PARITY = [
    Parity("report_performance", "mappa_coordinator",
           cli=lambda h: ["report", "performance", "--year", "2026", "--out",
                          str(h.path / "performance"), "--justification", WHY],
           api=lambda h: ApiCall("/reports/performance", {"year": 2026,
                                                          "justification": WHY})),
    Parity("report_performance", "solo", variant="own-council",
           cli=lambda h: ["report", "performance", "--year", "2026", "--authority",
                          h.council, "--out", str(h.path / "performance"),
                          "--justification", WHY],
           api=lambda h: ApiCall("/reports/performance", {
               "year": 2026, "authority": h.council, "justification": WHY})),
]

"""Audited operations of the spatial questions and imports, for the audit-parity test."""

from __future__ import annotations

from tests.services.parity import WHY, ApiCall, Parity

PARITY: list[Parity] = [
    Parity("check", "omu_analyst",
           cli=lambda h: ["check", h.subject_id, h.property_id, "--justification", WHY,
                          "--json"],
           api=lambda h: ApiCall("/check", {"subject_id": h.subject_id,
                                            "property_id": h.property_id,
                                            "justification": WHY})),
]

"""Audited operations of the housing services, for the audit-parity test."""

from __future__ import annotations

from tests.services.parity import Parity

PARITY: list[Parity] = []

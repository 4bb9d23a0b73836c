"""Audited operations of the casework services, for the audit-parity test."""

from __future__ import annotations

from tests.services.parity import Parity

PARITY: list[Parity] = []

"""The audit-parity harness: one audited operation run once through the command line and
once through the API, each in its own copy of the same prepared home.

Each command group's tests list their operations as :class:`Parity` records in
``tests/services/parity_<group>.py``; :mod:`tests.services.test_audit_parity` runs every
one and checks that together they cover every audited operation of the matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from geo_era.data.layer_store import LayerStore
from geo_era.db.store import open_store, session_scope
from geo_era.security.audit import AuditEntry
from tests.conftest import copy_home

WHY = "ERA for a candidate property, MAPPA meeting"
PASSWORD = "a long fictional passphrase"
#: What must be equal in the two entries (everything but who, when and the chain).
COMPARED = ("operation", "record_type", "record_ids", "recipients", "justification",
            "outcome")


@dataclass
class Home:
    """A prepared GEO_ERA_HOME (demo town, one user per role) and what tests name in it."""

    path: Path
    council: str
    subject_id: str
    property_id: str
    #: the home of a housed subject
    housed_property_id: str
    #: anything a ``prepare`` step leaves for the calls (a case id, a file)
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def store(self) -> LayerStore:
        return LayerStore(self.path)

    def engine(self) -> Engine:
        return open_store(self.path)

    def copy(self, to: Path) -> Home:
        copy_home(self.path, to)
        return Home(to, self.council, self.subject_id, self.property_id,
                    self.housed_property_id, dict(self.notes))


@dataclass(frozen=True)
class ApiCall:
    """A request: JSON body, or multipart files (name, path) for an upload."""

    path: str
    json: dict[str, Any] | None = None
    files: list[tuple[str, Path]] | None = None
    data: dict[str, str] | None = None


@dataclass(frozen=True)
class Parity:
    """One audited operation (a key of :data:`geo_era.security.access.MATRIX`) as a
    command line and as an API request by ``role``."""

    operation: str
    role: str
    cli: Callable[[Home], list[str]]
    api: Callable[[Home], ApiCall]
    #: run on each copy of the home before the call (same steps, so same ids)
    prepare: Callable[[Home], None] | None = None
    #: a label when one operation is listed more than once
    variant: str = ""
    #: the audit entries it writes (opening a review from a landlord's notification
    #: opens a case too)
    entries: int = 1

    @property
    def id(self) -> str:
        return f"{self.operation}-{self.variant}" if self.variant else self.operation


def audit_entries(engine: Engine) -> list[AuditEntry]:
    with session_scope(engine) as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        session.expunge_all()
        return list(rows)


def audit_count(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def compared(entry: AuditEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in COMPARED}

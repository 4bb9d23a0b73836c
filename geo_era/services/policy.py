"""Who is asking, and whether they may: the need-to-know gate of every service."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine

from geo_era.errors import DataError, ForbiddenError, NotFoundError, OutOfScopeError
from geo_era.security.access import MATRIX, OPERATOR, ROLE_AGENCY, SCOPED_ROLES
from geo_era.security.audit import Actor, ConsultationLog

log = logging.getLogger("geo_era.services")


#: What no text geo_era records may hold, as a regular-expression class (read alike by
#: Python, JSON Schema and Rust): control characters other than tab, line feed and
#: carriage return, and the invisible formatting characters that disguise text
#: (zero-width characters, bidirectional overrides and isolates, the byte-order mark).
HIDDEN = (r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e"
          r"\u2060-\u2064\u2066-\u2069\ufeff")
_HIDDEN = re.compile(f"[{HIDDEN}]")


def plain_text(value: str | None, what: str) -> str | None:
    """``value`` stripped, or ``None`` when empty; refused when it holds a character of
    :data:`HIDDEN` (an ANSI escape that would rewrite a terminal showing the audit
    trail, a NUL, a right-to-left override)."""
    text = (value or "").strip()
    bad = _HIDDEN.search(text)
    if bad is not None:
        raise DataError(f"the {what} contains a control character "
                        f"(U+{ord(bad.group()):04X}); write it as plain text")
    return text or None


@dataclass(frozen=True)
class Caller:
    """Who is asking: a signed-in user of the API or the pages, or the local operator at
    the command line. What every need-to-know decision and audit entry is made from."""

    username: str
    role: str
    organisation: str

    @classmethod
    def operator(cls, username: str) -> Caller:
        """The local operator at the command line (role ``operator``, organisation
        ``local``; see :data:`geo_era.security.access.OPERATOR`)."""
        return cls(username, OPERATOR, "local")

    @property
    def scope(self) -> str | None:
        """The council a council officer is confined to; ``None`` for everyone else."""
        return self.organisation if self.role in SCOPED_ROLES else None


@dataclass(frozen=True)
class Admitted:
    """A caller admitted to one operation: the actor the audit trail records (with the
    justification and the council scope), and whether they get the restricted view."""

    caller: Caller
    operation: str
    actor: Actor
    restricted: bool

    @property
    def agency(self) -> str:
        """The agency this caller records for in a case (NASSO 3.6-3.11)."""
        agency = ROLE_AGENCY.get(self.caller.role)
        if agency is None:
            raise ForbiddenError(f"the {self.caller.role} role records for no agency")
        return agency

    def require_justification(self, what: str) -> str:
        """The justification, or a refusal saying consulting ``what`` needs one."""
        return self.actor.require_justification(what)


class Gate:
    """Applies :data:`~geo_era.security.access.MATRIX` to a caller for an operation."""

    def __init__(self, engine: Callable[[], Engine]) -> None:
        self._engine = engine
        self._log: ConsultationLog | None = None
        self._log_made = threading.Lock()

    @property
    def consultations(self) -> ConsultationLog:
        """The store's consultation entries, appended in batches (see
        :class:`~geo_era.security.audit.ConsultationLog`)."""
        with self._log_made:
            if self._log is None:
                self._log = ConsultationLog(self._engine())
            return self._log

    def consulted(self, admitted: Admitted, record_type: str, record_ids: list[str]) -> None:
        """Record that ``admitted`` consulted ``record_ids`` (a read that changes no other
        data); returns once the entry is committed."""
        self.consultations.record(admitted.actor, record_type=record_type,
                                  record_ids=record_ids)

    def admit(self, operation: str, caller: Caller, *, justification: str | None = None,
              record_ids: Sequence[str] = ()) -> Admitted:
        """Admit ``caller`` to ``operation`` or raise :class:`ForbiddenError`. A refused
        call to an audited operation leaves a ``denied`` audit entry naming what was
        asked for."""
        rule = MATRIX[operation]
        text = plain_text(justification, "justification")
        actor = Actor(caller.username, caller.role, caller.organisation, text, caller.scope)
        if caller.role != OPERATOR and caller.role not in rule.allowed:
            if rule.audited:
                self.denied(caller, operation, list(record_ids))
            log.warning("denied: role %s on %s", caller.role, operation)
            raise ForbiddenError(f"the {caller.role} role may not use this")
        return Admitted(caller, operation, actor, caller.role in rule.restricted_view)

    @contextmanager
    def in_scope(self, caller: Caller) -> Iterator[None]:
        """Run a step on a record: a record outside the caller's council reads exactly
        as one that does not exist (:class:`NotFoundError`, same message), and the
        refusal is audited here (a ``denied`` consultation naming what was asked for)."""
        try:
            yield
        except OutOfScopeError as exc:
            self.denied(caller, exc.record_type, exc.record_ids)
            raise NotFoundError(str(exc)) from None

    def denied(self, caller: Caller, record_type: str, record_ids: list[str]) -> None:
        """Record a refused access (a role refused, or a record out of scope)."""
        actor = Actor(caller.username, caller.role, caller.organisation)
        self.consultations.record(actor, record_type=record_type, record_ids=record_ids,
                                  outcome="denied")

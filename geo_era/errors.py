"""One exception hierarchy for geo_era.

Every exception carries a message that is safe to show a user: it names the bad value
and how to fix it, and never contains personal data about subjects or victims. Adapters
(the CLI, the API) turn these into exit codes or HTTP responses; anything that is not a
:class:`GeoEraError` is an internal fault and is reported without detail.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class GeoEraError(Exception):
    """Base class for every error geo_era reports to a user."""


class ConfigurationError(GeoEraError, ValueError):
    """A setting is missing, unknown or unsafe."""


class NotFoundError(GeoEraError, LookupError):
    """A record the user named does not exist (a property, a layer, a case)."""


class OutOfScopeError(NotFoundError):
    """A record exists but the actor may not see it. It reads exactly like "not found"
    (so nobody learns that it exists); adapters audit it as a denied access."""

    def __init__(self, message: str, *, record_type: str, record_ids: list[str]) -> None:
        super().__init__(message)
        self.record_type = record_type
        self.record_ids = record_ids


class ForbiddenError(GeoEraError, PermissionError):
    """The caller's role may not do this at all (the need-to-know matrix,
    :mod:`geo_era.security.access`). The service that refused has audited the refusal."""


class LimitExceededError(GeoEraError):
    """Too many requests of one kind in a short time (probing, for instance); the
    refusal is audited. The message says when to try again."""


class DataError(GeoEraError, ValueError):
    """Data that geo_era cannot use as it stands (e.g. an empty street graph)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one place in an input file.

    ``row`` is the 1-based position of the record in its layer (for a CSV, line
    ``row + 1`` of the file, after the header); ``None`` when the problem is not about one
    row (a missing column, a missing CRS).
    """

    message: str
    file: str | None = None
    layer: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where: list[str] = []
        if self.file is not None:
            where.append(f"file '{self.file}'")
        if self.layer is not None:
            where.append(f"layer '{self.layer}'")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


MAX_PROBLEMS_SHOWN = 20


@dataclass
class ImportRefusedError(GeoEraError, ValueError):
    """An import was refused; nothing was written. Lists every problem found."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.render())

    def render(self) -> str:
        shown = self.problems[:MAX_PROBLEMS_SHOWN]
        lines = [f"import refused, nothing was changed ({len(self.problems)} problem"
                 f"{'' if len(self.problems) == 1 else 's'}):"]
        lines += [f"  - {p}" for p in shown]
        if len(self.problems) > len(shown):
            lines.append(f"  ... and {len(self.problems) - len(shown)} more")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


class WorkflowRefusedError(GeoEraError, ValueError):
    """A step of the ERA workflow that is not allowed now; the message says what is
    missing or who may do it."""


class SignInError(GeoEraError):
    """A sign-in refused, or a session that is not (or no longer) valid: a wrong
    password or second-factor code, an expired or revoked session, a disabled account.
    The message never says which of username and password was wrong."""


class TooManyAttemptsError(SignInError):
    """Too many failed sign-ins for this user or from this address in the window;
    nothing was checked."""

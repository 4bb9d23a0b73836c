"""One exception hierarchy for geo_era.

Every exception carries a message that is safe to show a user: it names the bad value
and how to fix it, and never contains personal data about subjects or victims. Adapters
(the CLI, the API) turn these into exit codes or HTTP responses; anything that is not a
:class:`GeoEraError` is an internal fault and is reported without detail.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePosixPath

#: The most characters of a value from a file or a request that an error quotes.
QUOTED_CHARS = 40


def plain(text: object, limit: int = QUOTED_CHARS) -> str:
    """``text`` as one line fit to show: control and format characters (ANSI escapes,
    newlines, bidirectional overrides) removed, at most ``limit`` characters, with ``…``
    when cut."""
    kept = "".join(ch for ch in str(text) if unicodedata.category(ch)[0] != "C")
    return kept if len(kept) <= limit else kept[: max(limit - 1, 0)] + "…"


def quote(value: object, limit: int = QUOTED_CHARS) -> str:
    """A value taken from a file or a request, quoted for an error message: at most
    ``limit`` characters of it (:func:`plain`), in quotes with Python's escapes, so that
    nothing of a long or hostile value is echoed back."""
    return repr(plain(value, limit))


def file_label(name: object) -> str:
    """How an error names a file: its own name only (never the folder it is in on the
    server, nor a temporary path), one line, at most 128 characters."""
    return plain(PurePosixPath(str(name).replace("\\", "/")).name or "the file", 128)


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

    def __post_init__(self) -> None:
        # where a problem is comes from the file (its layer and column names) or from
        # the server (its path): shown as the file's own name and short, plain names
        if self.file is not None:
            object.__setattr__(self, "file", file_label(self.file))
        if self.layer is not None:
            object.__setattr__(self, "layer", plain(self.layer))
        if self.column is not None:
            object.__setattr__(self, "column", plain(self.column))

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

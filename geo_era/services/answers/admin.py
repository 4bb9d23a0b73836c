"""Answers of the administration services: the audit trail (DPA 2018 s62) with the
verification of its chain, and users."""

from __future__ import annotations

from pydantic import Field

from geo_era.services.answers._base import Answer


class ChainHead(Answer):
    """The audit chain's last entry: its sequence number and hash (HMAC-SHA256 under the
    store's audit key, hex; 0 and 64 zeros for an empty chain). Kept somewhere other
    than geo_era's host and given back to a later verification, it detects entries
    removed from the end and any rewrite of the chain up to it."""

    seq: int = Field(ge=0, description="the last entry's sequence number")
    hash: str = Field(pattern=r"^[0-9a-f]{64}$", description="the last entry's hash")


class Verification(Answer):
    """The check of the whole audit chain: how many entries, whether it is intact, each
    problem found (an entry edited, deleted or moved, entries removed from the end, a
    mismatch with a head exported earlier), and the chain's head when it is intact."""

    entries: int
    intact: bool
    problems: list[str]
    head: ChainHead | None = None


class Rekeyed(Answer):
    """A chain written before it was keyed, keyed: how many entries carried unkeyed
    hashes, and the new head (export it again)."""

    rekeyed: int
    head: ChainHead


class AuditRecord(Answer):
    """One entry of the audit trail: who (user, role, organisation), when (UTC, ISO
    8601), what (operation, record type and ids), to whom (recipients of a disclosure),
    why (the justification), the outcome, and its place in the hash chain."""

    seq: int
    at: str
    actor: str
    role: str
    organisation: str
    operation: str
    record_type: str
    record_ids: list[str]
    recipients: list[str] | None
    justification: str | None
    outcome: str
    prev_hash: str
    hash: str


class AuditExport(Answer):
    """Audit entries oldest first, with the verification of the whole chain; ``more``
    when the limit cut the export short (page on with ``after_seq``)."""

    verification: Verification
    entries: list[AuditRecord]
    more: bool


class UserAdded(Answer):
    """A user added: who, with which role, for which organisation."""

    username: str
    role: str
    organisation: str


class UserChanged(Answer):
    """A user disabled, enabled or with their second factor reset: whether they may now
    sign in, and how many of their sessions ended."""

    username: str
    active: bool
    sessions_ended: int

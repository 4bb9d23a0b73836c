"""Administration services: the audit trail (DPA 2018 s62) for auditors, and users.

Exporting the trail is itself a consultation (it names subjects and justifications):
it needs a justification and is one audit entry, recorded after the entries it returns.
Verifying the chain, and reading its head to keep elsewhere, read only its hashes and
are not recorded. Re-keying a chain written before it was keyed, and adding, disabling
and enabling users and resetting their second factor, are for the local operator only
(there is no endpoint for them); each is audited.
"""

from __future__ import annotations

import datetime as dt

from geo_era.db.store import session_scope
from geo_era.errors import ForbiddenError
from geo_era.security import audit, second_factor, sessions
from geo_era.security.access import OPERATOR
from geo_era.security.audit import Actor
from geo_era.security.users import add_user as add_identity
from geo_era.security.users import find_user
from geo_era.services.answers.admin import (
    AuditExport,
    ChainHead,
    Rekeyed,
    UserAdded,
    UserChanged,
    Verification,
)
from geo_era.services.context import Services
from geo_era.services.policy import Caller, plain_text

#: How many entries an export returns unless told (at most :data:`EXPORT_LIMIT`).
DEFAULT_LIMIT = 1_000
EXPORT_LIMIT = audit.EXPORT_LIMIT


def audit_export(services: Services, caller: Caller, *, justification: str | None,
                 since: dt.datetime | None = None, until: dt.datetime | None = None,
                 after_seq: int = 0, limit: int = DEFAULT_LIMIT,
                 head: ChainHead | None = None) -> AuditExport:
    """Audit entries oldest first (those after sequence number ``after_seq``, at or
    after ``since`` and before ``until``, at most ``limit``), with the verification of
    the whole chain (against ``head``, exported earlier, when given).

    Raises
    ------
    ForbiddenError
        For any role but ``auditor`` (the refusal is audited).
    DataError
        Without a justification, or for a limit outside 1 to :data:`EXPORT_LIMIT`.

    The export is one audit entry (a consultation of the ``audit_log``, naming the range
    of entries returned), written after the entries it returns.
    """
    admitted = services.gate.admit("audit_export", caller, justification=justification)
    document = audit.export(services.engine, actor=admitted.actor, since=since,
                            until=until, after_seq=after_seq, limit=limit,
                            exported=_head(head))
    return AuditExport.model_validate(document)


def _head(head: ChainHead | None) -> audit.Head | None:
    return None if head is None else audit.Head(head.seq, head.hash)


def audit_verify(services: Services, caller: Caller, *,
                 head: ChainHead | None = None) -> Verification:
    """Check the whole audit chain under the store's audit key: every entry edited,
    deleted or moved is a problem, and so is any mismatch with ``head`` (exported
    earlier: entries removed from the end, the chain up to it rewritten). For those who
    may export the trail; reads only the chain's hashes, so not recorded."""
    services.gate.admit("audit_export", caller)
    checked = audit.verify(services.engine, _head(head))
    return Verification.model_validate(audit.verification_document(checked))


def audit_head(services: Services, caller: Caller) -> ChainHead:
    """The chain's head (last sequence number and hash) to keep somewhere other than
    geo_era's host, for later verifications. For those who may export the trail; not
    recorded.

    Raises
    ------
    WorkflowRefusedError
        When the chain is not intact (its head would vouch for it).
    """
    services.gate.admit("audit_export", caller)
    found = audit.head(services.engine)
    return ChainHead(seq=found.seq, hash=found.hash)


def audit_rekey(services: Services, caller: Caller, *, justification: str | None
                ) -> Rekeyed:
    """Key a chain written before geo_era keyed it (:func:`geo_era.security.audit.rekey`):
    once, by the local operator, with a justification; audited as an ``alteration`` of
    the ``audit_log``.

    Raises
    ------
    ForbiddenError
        For anyone but the local operator.
    DataError
        Without a justification.
    WorkflowRefusedError
        When the chain is not sound, or already keyed throughout.
    """
    if caller.role != OPERATOR:
        raise ForbiddenError(f"the {caller.role} role may not re-key the audit trail")
    actor = audit.Actor(caller.username, caller.role, caller.organisation,
                        plain_text(justification, "justification"))
    rekeyed = audit.rekey(services.engine, actor=actor)
    found = audit.head(services.engine)
    return Rekeyed(rekeyed=rekeyed, head=ChainHead(seq=found.seq, hash=found.hash))


def add_user(services: Services, caller: Caller, *, username: str, role: str,
             organisation: str, password: str) -> UserAdded:
    """Add a user with a role (:data:`geo_era.security.users.ROLES`) and an
    organisation; the password is stored only as an argon2id hash. Only the local
    operator may add users.

    Raises
    ------
    ForbiddenError
        For anyone but the local operator.
    DataError
        For an unknown role, a short password or a username already taken.
    """
    _operator_only(caller, "add users")
    identity = add_identity(services.engine, username, role=role, organisation=organisation,
                            password=password)
    return UserAdded(username=identity.username, role=identity.role,
                     organisation=identity.organisation)


def _operator_only(caller: Caller, what: str) -> None:
    if caller.role != OPERATOR:
        raise ForbiddenError(f"the {caller.role} role may not {what}")


def set_user_active(services: Services, caller: Caller, *, username: str,
                    active: bool) -> UserChanged:
    """Disable a user (every session of theirs ends at once, and their tokens, cookies
    and API keys are refused from the next request) or enable them again. Only the local
    operator may; audited as an ``alteration`` of the user, in the same transaction.

    Raises
    ------
    ForbiddenError
        For anyone but the local operator.
    NotFoundError
        For an unknown username.
    """
    _operator_only(caller, "disable or enable users")
    actor = Actor(caller.username, caller.role, caller.organisation)
    with session_scope(services.engine) as session:
        user = find_user(session, username)
        user.active = active
        ended = 0 if active else sessions.revoke_user(session, user.id)
        actor.record(session, operation="alteration", record_type="user",
                     record_ids=[username])
    return UserChanged(username=username, active=active, sessions_ended=ended)


def reset_second_factor(services: Services, caller: Caller, *,
                        username: str) -> UserChanged:
    """Remove a user's second factor and recovery codes (a lost phone): they enrol a new
    one at their next sign-in, and every session of theirs ends now. Only the local
    operator may; audited as an ``erasure`` of the user's second factor.

    Raises
    ------
    ForbiddenError
        For anyone but the local operator.
    NotFoundError
        For an unknown username.
    """
    _operator_only(caller, "reset a second factor")
    actor = Actor(caller.username, caller.role, caller.organisation)
    with session_scope(services.engine) as session:
        user = find_user(session, username)
        second_factor.reset(session, user.id)
        ended = sessions.revoke_user(session, user.id)
        actor.record(session, operation="erasure", record_type="second_factor",
                     record_ids=[username])
        active = user.active
    return UserChanged(username=username, active=active, sessions_ended=ended)

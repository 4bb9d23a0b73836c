"""Administration services: the audit trail (DPA 2018 s62) for auditors, and users.

Exporting the trail is itself a consultation (it names subjects and justifications):
it needs a justification and is one audit entry, recorded after the entries it returns.
Verifying the chain reads only its hashes and is not recorded. Users are added,
disabled, enabled and have their second factor reset by the local operator only (there
is no endpoint for it); each change is audited.
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
from geo_era.services.answers.admin import AuditExport, UserAdded, UserChanged, Verification
from geo_era.services.context import Services
from geo_era.services.policy import Caller

#: How many entries an export returns unless told (at most :data:`EXPORT_LIMIT`).
DEFAULT_LIMIT = 1_000
EXPORT_LIMIT = audit.EXPORT_LIMIT


def audit_export(services: Services, caller: Caller, *, justification: str | None,
                 since: dt.datetime | None = None, until: dt.datetime | None = None,
                 after_seq: int = 0, limit: int = DEFAULT_LIMIT) -> AuditExport:
    """Audit entries oldest first (those after sequence number ``after_seq``, at or
    after ``since`` and before ``until``, at most ``limit``), with the verification of
    the whole chain.

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
                            until=until, after_seq=after_seq, limit=limit)
    return AuditExport.model_validate(document)


def audit_verify(services: Services, caller: Caller) -> Verification:
    """Check the whole audit chain: every entry edited, deleted or moved is a problem.
    For those who may export the trail; reads only the chain's hashes, so not
    recorded."""
    services.gate.admit("audit_export", caller)
    checked = audit.verify(services.engine)
    return Verification(entries=checked.entries, intact=checked.intact,
                        problems=checked.problems)


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

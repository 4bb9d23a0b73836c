"""Users of geo_era: who they are, their role and organisation, and their credentials.

Passwords are held to :mod:`geo_era.security.passwords` and stored only as argon2id
hashes; service accounts use API keys, stored
only as SHA-256 digests (a key is shown once, when it is made). There are no default
credentials. People who sign in through their organisation's identity provider
(:mod:`geo_era.security.oidc`) are users too, named ``oidc:...``, with no password: their
role and organisation are those their groups give at their last sign-in, and an
operator disables them like any other user (``active``). Roles decide need to know (NASSO
information sharing): a housing association's Link Officer never learns offences, victims
or exclusion zones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, DateTime, Engine, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from geo_era.db.store import Base, session_scope, utcnow
from geo_era.errors import DataError, NotFoundError
from geo_era.security.passwords import check_password

#: The roles, one per kind of work: the Responsible Authorities' case workers (police
#: OMU, CJSW, the council SOLO), a landlord's Link Officer (flags only), the MAPPA
#: coordinator, auditors and administrators, then the partner agencies of NASSO 3.6 that
#: take part in ERA cases, each its own role (see :mod:`geo_era.security.access`, "why a
#: role per agency"), and a landlord's repairs or maintenance contractor (``contractor``,
#: its organisation the contractor's firm), who sees only the staff-safety instructions
#: shared with that firm (NASSO 69-70).
ROLES = ("omu_analyst", "cjsw", "solo", "rsl_link_officer", "mappa_coordinator", "auditor",
         "admin", "nhs_liaison", "sps_icm_coordinator", "education_officer",
         "childrens_social_work", "adult_protection_officer", "support_worker",
         "rsl_case_officer", "contractor")
#: How the usernames of people signed in by an identity provider begin; no local user's
#: name may (so neither can take the other's identity).
EXTERNAL_PREFIX = "oidc:"
_hasher = PasswordHasher()


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(256), nullable=True)
    role: Mapped[str] = mapped_column(String(32))
    organisation: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@dataclass(frozen=True)
class Identity:
    """Who is asking: what every need-to-know decision and audit entry uses."""

    username: str
    role: str
    organisation: str


def _refuse_external(username: str) -> None:
    if username.lower().startswith(EXTERNAL_PREFIX):
        raise DataError(f"a local username may not begin with {EXTERNAL_PREFIX!r}: such names "
                        "belong to people who sign in with their organisation")


def add_user(engine: Engine, username: str, *, role: str, organisation: str,
             password: str) -> Identity:
    """Create a user with an argon2id password hash."""
    if role not in ROLES:
        raise DataError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if not username.strip() or not organisation.strip():
        raise DataError("a user needs a name and an organisation")
    _refuse_external(username)
    check_password(password, username=username)
    with session_scope(engine) as session:
        if session.scalar(select(User).where(User.username == username)) is not None:
            raise DataError(f"user {username!r} already exists")
        session.add(User(username=username, role=role, organisation=organisation.strip(),
                         password_hash=_hasher.hash(password)))
    return Identity(username, role, organisation.strip())


def authenticate(engine: Engine, username: str, password: str) -> Identity | None:
    """The identity for a correct username and password; None otherwise (never says
    which of the two was wrong)."""
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or not user.active or user.password_hash is None:
            _hasher.hash(password)  # spend the same time either way
            return None
        try:
            _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        return Identity(user.username, user.role, user.organisation)


def set_password(engine: Engine, username: str, password: str) -> None:
    """Replace a user's password (argon2id), held to :func:`check_password`."""
    _refuse_external(username)
    check_password(password, username=username)
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFoundError(f"user {username!r} not found")
        user.password_hash = _hasher.hash(password)


#: The organisation of each FICTIONAL demo user's role; ``{council}`` is the demo town's
#: council (its name in the areas layer), which confines council staff to its cases.
DEMO_ORGANISATIONS = {
    "omu_analyst": "FICTIONAL Police Scotland OMU", "cjsw": "{council}", "solo": "{council}",
    "rsl_link_officer": "{landlord}", "mappa_coordinator": "FICTIONAL MAPPA Unit",
    "auditor": "FICTIONAL Audit", "admin": "{council}",
    "nhs_liaison": "FICTIONAL NHS Inverallan Health Board",
    "sps_icm_coordinator": "FICTIONAL Scottish Prison Service",
    "education_officer": "{council}", "childrens_social_work": "{council}",
    "adult_protection_officer": "{council}",
    "support_worker": "FICTIONAL Safeguarding Communities - Reducing Offending",
    "rsl_case_officer": "{landlord}",
    "contractor": "FICTIONAL Allan Repairs Ltd",
}
DEMO_COUNCIL = "Inverallan Council"
#: The demo Link Officer's housing association when the store names none.
DEMO_LANDLORD = "FICTIONAL Glen Housing"


def demo_users(engine: Engine, *, council: str = DEMO_COUNCIL,
               landlord: str = DEMO_LANDLORD) -> dict[str, str]:
    """One FICTIONAL demo user per role (``demo.<role>``), each with a new random
    passphrase every time this runs: ``{username: passphrase}``. No password is fixed
    anywhere in the code. Council staff belong to ``council`` (the demo town's), the
    Link Officer to ``landlord`` (a housing association of the demo town)."""
    made: dict[str, str] = {}
    for role in ROLES:
        username = f"demo.{role}"
        password = "-".join(secrets.token_urlsafe(6) for _ in range(3))
        with session_scope(engine) as session:
            exists = session.scalar(select(User).where(User.username == username))
        if exists is None:
            organisation = DEMO_ORGANISATIONS[role].format(council=council,
                                                           landlord=landlord)
            add_user(engine, username, role=role, organisation=organisation,
                     password=password)
        else:
            set_password(engine, username, password)
        made[username] = password
    return made


def provision_external(session: Session, username: str, *, role: str,
                       organisation: str) -> Identity | None:
    """The identity of a person signed in by an identity provider, made on their first
    sign-in (no password) and given the role and organisation of this one; ``None`` for
    a disabled user (who stays refused) or a name that is not an external one."""
    if not username.startswith(EXTERNAL_PREFIX) or role not in ROLES:
        return None
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, role=role, organisation=organisation,
                    password_hash=None, active=True)
        session.add(user)
    elif not user.active or user.password_hash is not None:
        return None
    user.role, user.organisation = role, organisation
    session.flush()
    return Identity(username, role, organisation)


def issue_api_key(engine: Engine, username: str, *, name: str) -> str:
    """A new API key for a (service) user; returned once, stored as a digest."""
    key = "gea_" + secrets.token_urlsafe(32)
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFoundError(f"user {username!r} not found")
        session.add(ApiKey(user_id=user.id, name=name,
                           digest=hashlib.sha256(key.encode()).hexdigest()))
    return key


def identity_for_key(engine: Engine, key: str) -> Identity | None:
    digest = hashlib.sha256(key.encode()).hexdigest()
    with session_scope(engine) as session:
        row = session.execute(select(User, ApiKey).join(ApiKey, ApiKey.user_id == User.id)
                              .where(ApiKey.digest == digest)).first()
        if row is None or row[1].revoked or not row[0].active:
            return None
        user = row[0]
        return Identity(user.username, user.role, user.organisation)


def find_user(session: Session, username: str) -> User:
    """The user named ``username`` in ``session``; :class:`NotFoundError` otherwise."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFoundError(f"user {username!r} not found; list users with the database "
                            "administrator, or add one with 'geo-era user add'")
    return user


def identity_of(user: User) -> Identity:
    return Identity(user.username, user.role, user.organisation)

"""Sign-in for local accounts: the password, the shared failed-attempt counter, the
second factor (TOTP) and its audit entries. The API's token endpoint and the sign-in
pages call these; they then issue a session (:mod:`geo_era.security.sessions`).

Every step that checks a secret (a password, a code) is counted before it is checked
(:mod:`geo_era.security.throttle`), against the client address and either the username
or, for a browser the user signed in from before, that browser (its device cookie,
:func:`device_cookie`); a right answer releases its count. Who must give a second
factor follows ``GEO_ERA_SECOND_FACTOR`` (:func:`second_factor_required`).

Audited (DPA 2018 s62, in the transaction of what they record): a second factor's
enrolment (``collection``), each use of a code (``consultation``, allowed) or of a
recovery code (``alteration``: one is used up), each wrong code (``denied``); resetting
one and disabling or enabling a user are audited by :mod:`geo_era.services.admin`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from geo_era.db.store import session_scope
from geo_era.errors import SignInError, TooManyAttemptsError
from geo_era.security import second_factor, throttle
from geo_era.security.access import SECOND_FACTOR_ROLES
from geo_era.security.audit import Actor
from geo_era.security.keys import SecretBox, derive, mac
from geo_era.security.second_factor import Method, Status
from geo_era.security.users import Identity, User, authenticate, find_user, identity_of
from geo_era.services.context import Services
from geo_era.settings import Settings

#: What a refusal of the counter says (429).
TOO_MANY = "too many failed sign-ins; wait 15 minutes and try again"
WRONG_PASSWORD = "wrong username or password"
WRONG_CODE = ("wrong or already used second-factor code; give the current 6-digit code "
              "from your authenticator app, or an unused recovery code")


@dataclass(frozen=True)
class Client:
    """Where a sign-in comes from: the client address (see ``GEO_ERA_TRUSTED_PROXIES``)
    and the device cookie the browser sent, if any (checked here)."""

    address: str
    device_cookie: str | None = None


@dataclass(frozen=True)
class Account:
    """A user whose password was right: who, their second factor, and whether they
    must give one."""

    user_id: int
    identity: Identity
    second_factor: Status
    required: bool


@dataclass(frozen=True)
class Enrolment:
    """A second factor being enrolled: the secret (shown once) and its ``otpauth://``
    URI for an authenticator app."""

    secret: str
    uri: str


def second_factor_required(settings: Settings, role: str, status: Status) -> bool:
    """Whether a user of ``role`` whose second factor is ``status`` must give one:
    ``subject_data`` (the default) for :data:`SECOND_FACTOR_ROLES` and anyone enrolled,
    ``all`` for everyone, ``off`` for nobody."""
    if settings.second_factor == "off":
        return False
    return (settings.second_factor == "all" or role in SECOND_FACTOR_ROLES
            or status == "enrolled")


def box(services: Services) -> SecretBox:
    """The box second-factor secrets are sealed in (the key from the settings)."""
    return SecretBox.for_settings(services.settings, "totp")


# --- the device cookie ----------------------------------------------------------------


def device_cookie(settings: Settings, username: str) -> str:
    """A new device cookie for a browser ``username`` has just signed in from: a random
    id and its MAC (keyed from the settings) over the username. It grants nothing; it
    lets that browser's failed sign-ins be counted apart from everyone else's."""
    device = secrets.token_urlsafe(16)
    return f"{device}.{mac(derive(settings, 'device'), f'{username}|{device}')}"


def _device_of(settings: Settings, cookie: str | None, username: str) -> str | None:
    """The device id of a valid device cookie for ``username``; ``None`` otherwise."""
    if not cookie or cookie.count(".") != 1 or len(cookie) > 200:
        return None
    device, tag = cookie.split(".")
    expected = mac(derive(settings, "device"), f"{username}|{device}")
    return device if secrets.compare_digest(tag, expected) else None


def _limits(settings: Settings, username: str, client: Client) -> list[throttle.Limit]:
    device = _device_of(settings, client.device_cookie, username)
    who = f"device:{device}" if device else f"user:{username.casefold()}"
    return [throttle.Limit(who, settings.login_attempts),
            throttle.Limit(f"addr:{client.address}", settings.address_attempts)]


def _reserve(services: Services, username: str, client: Client) -> throttle.Reservation:
    reservation = throttle.reserve(services.engine,
                                   _limits(services.settings, username, client))
    if reservation is None:
        raise TooManyAttemptsError(TOO_MANY)
    return reservation


# --- the steps ------------------------------------------------------------------------


def check_password(services: Services, *, username: str, password: str,
                   client: Client) -> Account:
    """The account of a right username and password, counted first.

    Raises
    ------
    TooManyAttemptsError
        When the user (or this browser) or the address has had too many failures in the
        last 15 minutes; the password is not checked.
    SignInError
        For a wrong username or password (never says which); counted.
    """
    reservation = _reserve(services, username, client)
    identity = authenticate(services.engine, username, password)
    if identity is None:
        raise SignInError(WRONG_PASSWORD)
    throttle.release(services.engine, reservation)
    with session_scope(services.engine) as session:
        user_id = find_user(session, username).id
        status = second_factor.status(session, user_id)
    return Account(user_id, identity, status,
                   second_factor_required(services.settings, identity.role, status))


def check_code(services: Services, account: Account, code: str, client: Client) -> Method:
    """Check the second-factor code (or a recovery code) of an enrolled account,
    counted first; each use and each failure is audited.

    Raises
    ------
    TooManyAttemptsError, SignInError
        As :func:`check_password` (a wrong, replayed or used-up code).
    """
    reservation = _reserve(services, account.identity.username, client)
    actor = _actor(account.identity)
    with session_scope(services.engine) as session:
        method = second_factor.verify(session, box(services), account.user_id, code)
        if method == "recovery":
            actor.record(session, operation="alteration", record_type="recovery_code",
                         record_ids=[account.identity.username])
        else:
            actor.record(session, operation="consultation", record_type="second_factor",
                         record_ids=[account.identity.username],
                         outcome="allowed" if method else "denied")
    if method is None:
        raise SignInError(WRONG_CODE)
    throttle.release(services.engine, reservation)
    return method


def begin_enrolment(services: Services, account: Account) -> Enrolment:
    """The secret to enrol (new, or the one already pending) and its URI."""
    with session_scope(services.engine) as session:
        secret = second_factor.begin(session, box(services), account.user_id)
    return Enrolment(secret, second_factor.provisioning_uri(secret,
                                                            account.identity.username))


def confirm_enrolment(services: Services, account: Account, code: str,
                      client: Client) -> list[str]:
    """Confirm a pending enrolment with a code from the new secret (counted first):
    the recovery codes, to show once. The enrolment is audited (``collection``), a
    wrong code too (``denied``).

    Raises
    ------
    TooManyAttemptsError, SignInError
        As :func:`check_password`.
    """
    reservation = _reserve(services, account.identity.username, client)
    actor = _actor(account.identity)
    with session_scope(services.engine) as session:
        codes = second_factor.confirm(session, box(services), account.user_id, code)
        actor.record(session, operation="collection", record_type="second_factor",
                     record_ids=[account.identity.username],
                     outcome="allowed" if codes else "denied")
    if codes is None:
        raise SignInError("wrong code; give the 6-digit code your authenticator app shows "
                          "for the secret above (check the phone's clock if it is right "
                          "and still refused)")
    throttle.release(services.engine, reservation)
    return codes


def sign_in(services: Services, *, username: str, password: str, code: str | None,
            client: Client) -> Identity:
    """The one-step sign-in of the API (OAuth2 password flow): password, then the code
    when the account must give one.

    Raises
    ------
    SignInError
        A wrong password or code; "second factor needed" when the account must give a
        code and none was sent, or must enrol one first (on the sign-in page).
    TooManyAttemptsError
        Too many failures.
    """
    account = check_password(services, username=username, password=password, client=client)
    if not account.required:
        return account.identity
    if account.second_factor != "enrolled":
        raise SignInError("second factor needed: this account must enrol one first; sign "
                          "in once on the sign-in page (/login) to set it up")
    if not (code or "").strip():
        raise SignInError("second factor needed: send the current 6-digit code from your "
                          "authenticator app (or an unused recovery code) in the form "
                          "field 'otp'")
    check_code(services, account, code or "", client)
    return account.identity


def account_of(services: Services, user_id: int) -> Account:
    """The account of a session part-way through sign-in (its password already right)."""
    with session_scope(services.engine) as session:
        user = session.get(User, user_id)
        if user is None or not user.active:
            raise SignInError("this account is disabled; ask your administrator")
        identity = identity_of(user)
        status = second_factor.status(session, user_id)
    return Account(user_id, identity, status,
                   second_factor_required(services.settings, identity.role, status))


def _actor(identity: Identity) -> Actor:
    return Actor(identity.username, identity.role, identity.organisation)


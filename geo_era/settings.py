"""The one validated settings object.

Every setting comes from the environment with the ``GEO_ERA_`` prefix (or is passed
explicitly). Unknown ``GEO_ERA_*`` variables are refused, so a typo such as
``GEO_ERA_HOEM`` fails loudly instead of silently using the default.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import os
import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from geo_era.errors import ConfigurationError

ENV_PREFIX = "GEO_ERA_"

#: NASSO 3.7's database checks, per agency: item code -> label. The default checklist of
#: every council; ``GEO_ERA_DATABASE_CHECKS`` chooses, per council, which of them (or
#: which further local systems) each agency checks.
NASSO_DATABASE_CHECKS: dict[str, dict[str, str]] = {
    "police_scotland": {
        "visor": "ViSOR", "storm": "STORM", "chs": "CHS (criminal history system)",
        "pnc": "PNC (Police National Computer)", "sid": "SID (Scottish Intelligence "
        "Database)", "vpd": "VPD (Vulnerable Persons Database)", "mapping": "mapping",
        "local_knowledge": "local knowledge", "crime_recording": "crime recording"},
    "cjsw": {
        "case_management": "case management, including Children & Families and Adult "
                           "Protection"},
    "solo": {
        "council_tax": "council tax", "housing_benefit": "housing benefit",
        "electoral_register": "electoral register",
        "housing_management": "housing management and homeless systems",
        "private_landlord_registration": "private landlord registration",
        "care_inspectorate": "Care Inspectorate", "accommodation_information":
        "accommodation information", "map": "map"},
    "education": {"seemis": "SEEMIS (School Management Information System)"},
    # 3.7: "Checks on health information would usually only be provided in relation to
    # the offender": the NHS checks the subject's own record, nobody else's
    "nhs": {"case_management": "NHS internal case management systems: the offender's "
                               "own record only (checked by the NHS liaison officer)"},
    "sps": {"prisoner_records": "Prisoner Records Database",
            "prison_social_work": "prison-based social work file"},
    "childrens_services": {"case_management": "Children & Families social work case "
                                              "management system"},
    "adult_protection": {"case_management": "Adult Protection case management system"},
    "support_organisation": {"support_records": "the organisation's own support "
                                                "records"},
    "rsl": {"housing_management": "housing management system",
            "tenancy_records": "tenancy records"},
}
_ITEM_CODE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


def _weight(description: str, default: float) -> float:
    return Field(default=default, ge=0, le=100, description=description)


class ScreeningWeights(BaseModel):
    """How much each soft factor counts in a void's manageability score (NASSO 5.2, 5.3).

    Each factor scores 0 (least manageable) to 1; a void's score is the weighted mean of
    the factors that apply to the subject, times 100. A weight of 0 leaves a factor shown
    but not counted.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    school: float = _weight("walking distance to the nearest school", 3.0)
    nursery: float = _weight("walking distance to the nearest nursery", 2.0)
    play_park: float = _weight("walking distance to the nearest play park", 2.0)
    profile_households: float = _weight(
        "households in the minimum set that fit the victim profile (children, adults at "
        "risk)", 3.0)
    licensed_premises: float = _weight("licensed premises nearby, for relevant profiles", 1.0)
    cctv: float = _weight("CCTV nearby", 1.0)
    set_size: float = _weight("the size of the minimum set", 1.0)

    @model_validator(mode="after")
    def _something_counts(self) -> ScreeningWeights:
        if not any(self.model_dump().values()):
            raise ValueError("at least one screening weight must be above 0")
        return self


class ScreeningSettings(BaseModel):
    """Void screening: the factor weights and the distances the factors are scored by.
    Set as JSON in ``GEO_ERA_SCREENING``, e.g. ``{"weights": {"school": 5}}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weights: ScreeningWeights = Field(default_factory=ScreeningWeights)
    full_credit_walk_m: float = Field(
        default=1_000.0, gt=0, le=20_000,
        description="A school, nursery or play park this far away on foot (metres) or "
                    "further scores fully; nearer scores in proportion.")
    nearby_m: float = Field(default=400.0, gt=0, le=5_000,
                            description="Licensed premises and CCTV within this straight-line "
                                        "distance (metres) count as nearby.")
    set_size_half_score: float = Field(
        default=8.0, gt=0, le=1_000,
        description="The minimum-set size that scores one half: size n scores 1 / (1 + n / "
                    "this).")
    licensed_premises_profiles: tuple[str, ...] = Field(
        default=("women", "men", "adults_at_risk"),
        description="Victim profiles for which licensed premises nearby count.")


class OidcGroup(BaseModel):
    """What one group of the identity provider makes its members in geo_era: a role (one
    of geo_era's roles, checked when single sign-on starts) and an organisation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: str = Field(min_length=1, max_length=32, pattern=r"^[a-z_]+$")
    organisation: str = Field(min_length=1, max_length=128)

    @field_validator("organisation")
    @classmethod
    def _plain(cls, value: str) -> str:
        value = value.strip()
        if not value or not value.isprintable():
            raise ValueError("an organisation is a name of printable characters")
        return value


#: Hosts that may be reached over plain http (development and tests on this machine).
LOOPBACK_HOSTS = ("localhost",)


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` is this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    if not host:
        return False
    if host.lower() in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_url(value: str, what: str, *, https: bool) -> None:
    """Refuse a URL with a query or fragment, of another scheme, or (``https``) over
    plain http to anything but this machine."""
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"{what} must be an https URL such as https://login.example.org")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"{what} must be a plain URL, without a query, fragment or "
                         "credentials")
    if https and parts.scheme != "https" and not is_loopback(parts.hostname):
        raise ValueError(f"{what} must use https (plain http only to 127.0.0.1 or "
                         "localhost, for development)")


class Settings(BaseSettings):
    """geo_era settings, read from ``GEO_ERA_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    home: Path = Field(
        default=Path("data/store"),
        description="Working data directory every command reads and writes.",
    )
    database_url: str | None = Field(
        default=None,
        description="The case store: a SQLAlchemy URL such as "
                    "postgresql+psycopg://user@127.0.0.1/geo_era; default SQLite in home.",
    )
    environment: Literal["development", "production"] = Field(
        default="development",
        description="production refuses unsafe defaults (no secret key, short keys).")
    secret_key: SecretStr | None = Field(
        default=None,
        description="The key geo_era's own secrets are sealed with (second-factor "
                    "secrets, the device cookies of sign-in); at least 32 random characters. "
                    "Required in production; in development, unset, a random key is kept "
                    "in GEO_ERA_HOME/secret.key (owner only).")
    audit_key: SecretStr | None = Field(
        default=None,
        description="Keys the audit trail's hash chain (HMAC-SHA256); at least 32 random "
                    "characters, unlike the secret key. Required in production; in "
                    "development a random key is made once and kept in GEO_ERA_HOME/"
                    "audit.key (0600). Keep it away from the database's host and its "
                    "backups: whoever holds it and can write the database can rewrite the "
                    "trail undetected.")
    token_minutes: int = Field(
        default=15, ge=1, le=240,
        description="A session (an API bearer token or a page's cookie) ends after this "
                    "many minutes without a request, minutes.")
    session_hours: int = Field(
        default=8, ge=1, le=24,
        description="A session ends this many hours after sign-in however busy (a working "
                    "day), hours.")
    login_attempts: int = Field(
        default=5, ge=1, le=100,
        description="Failed sign-ins (wrong password or second-factor code) allowed per "
                    "user in 15 minutes before that user's sign-in is refused for the rest "
                    "of the window; a browser the user signed in from before is counted "
                    "apart, so others' failures never lock them out of it.")
    address_attempts: int = Field(
        default=20, ge=1, le=1_000,
        description="Failed sign-ins allowed from one client address in 15 minutes, "
                    "whatever the usernames (a password spray).")
    trusted_proxies: tuple[str, ...] = Field(
        default=(),
        description="Addresses or networks (CIDR) of the reverse proxies in front of "
                    "geo_era, as JSON, e.g. [\"10.0.0.5\", \"10.1.0.0/24\"]. Only a request "
                    "from one of them has its X-Forwarded-For read, and the client is its "
                    "right-most address that is not a trusted proxy. Empty (the default): "
                    "the client is always the socket's peer, and X-Forwarded-For is "
                    "ignored.")
    second_factor: Literal["subject_data", "all", "off"] = Field(
        default="subject_data",
        description="Who must sign in with a second factor (TOTP, RFC 6238) as well as "
                    "their password: 'subject_data' (the default) every role that may see "
                    "subjects, cases, zones or the audit trail "
                    "(geo_era.security.access.SECOND_FACTOR_ROLES); 'all' every local "
                    "account; 'off' nobody (for tests of other things only).")
    retention_cases_days: int = Field(
        default=6 * 365, ge=0,
        description="Days a closed ERA case is kept after its decision before weeding.")
    retention_waivers_days: int = Field(
        default=6 * 365, ge=0,
        description="Days a recorded decision not to review is kept before weeding.")
    retention_enquiries_days: int = Field(
        default=6 * 365, ge=0,
        description="Days an enquiry or concern (NASSO 5.4) is kept after it was closed "
                    "(its outcome recorded, or a general enquiry answered with the "
                    "published policies confirmed) before weeding; open ones are kept.")
    retention_reports_days: int = Field(
        default=6 * 365, ge=0,
        description="Days a report file geo_era wrote (the over-concentration report's "
                    "HTML, PDF and CSV tables) is kept before weeding. ERA documents and "
                    "field sheets are weeded with their case.")
    deadline_reading: Literal["from_notification", "after_solo"] = Field(
        default="from_notification",
        description="How NASSO 3.5's SOLO/others split is read for new cases: "
                    "'from_notification' (the default) counts both from notification "
                    "(SOLO 2 and others 5 working days for new accommodation); "
                    "'after_solo' counts the others' days after the SOLO's deadline (2 then "
                    "5, so others are due with the overall 7). An annual review has no "
                    "split.")
    retention_notifications_days: int = Field(
        default=6 * 365, ge=0,
        description="Days a landlord's notification to the SOLO (NASSO 5.3) is kept after "
                    "it was recorded before weeding; one whose review is still open is "
                    "kept.")
    retention_markers_days: int = Field(
        default=6 * 365, ge=0,
        description="Days a staff-safety marker is kept for the Responsible Authorities "
                    "after it expired before weeding (NASSO 69-70); a marker not yet "
                    "expired is never weeded.")
    retention_placements_days: int = Field(
        default=6 * 365, ge=0,
        description="Days a recorded placement is kept after it ended (the subject moved "
                    "on) before weeding; a subject's current placement is never weeded.")
    retention_homelessness_days: int = Field(
        default=6 * 365, ge=0,
        description="Days a homeless presentation, housing-options advice or a decided "
                    "transfer request is kept (from the presentation, the advice or the "
                    "decision) before weeding; a pending transfer is never weeded.")
    review_months: dict[str, int] = Field(
        default_factory=dict,
        description="Months between annual reviews (NASSO 3.3) shortened by risk, as JSON: "
                    "keys are risk levels (low, medium, high, very_high) or MAPPA levels "
                    "(mappa_1, mappa_2, mappa_3), values months from 1 to 12, e.g. "
                    "{\"very_high\": 6, \"mappa_3\": 6}. A subject's period is the "
                    "shortest that applies; 12 months for everyone else (the default).")
    landlord_checks_per_hour: int = Field(
        default=20, ge=1, le=1_000,
        description="Sensitive-allocation checks a Link Officer may make in an hour "
                    "(NASSO 3.12); more are refused and the refusal is audited, so that "
                    "probing is limited and visible to auditors.")
    landlord_voids_per_check: int = Field(
        default=500, ge=1, le=200_000,
        description="Most voids a Link Officer's one sensitive-allocation check may list.")
    default_radius_m: float = Field(
        default=400.0, gt=0, le=20_000,
        description="Default search radius in metres for proximity to sensitive sites.",
    )

    import_memory_mb: int = Field(
        default=4096, ge=1024, le=1_048_576,
        description="Memory (address space, MiB) the child process that reads the files of "
                    "an import or an uploaded list may use; a file needing more is refused.")
    import_seconds: int = Field(
        default=300, ge=5, le=86_400,
        description="Seconds (CPU and wall clock) the child process that reads the files of "
                    "an import or an uploaded list may take; a file taking longer is refused.")
    reload_in_background: bool = Field(
        default=True,
        description="geo-era serve: after an import, answer sites-near and the minimum "
                    "set from the data already loaded (each answer names its data "
                    "version) while the new data is loaded in the background; calls "
                    "about a subject always wait for the new data. false: every call "
                    "after an import waits for the new data.")
    import_max_rows: int = Field(
        default=5_000_000, ge=1, le=1_000_000_000,
        description="Most rows (features) one layer of an imported file may hold, and most "
                    "elements (nodes, ways, relations) an OpenStreetMap file may hold.")

    screening: ScreeningSettings = Field(
        default_factory=ScreeningSettings,
        description="Void screening weights and distances, as JSON (see ScreeningSettings).")

    database_checks: dict[str, dict[str, list[str]]] = Field(
        default_factory=dict,
        description="Per council, which 3.7 database checks each agency records, as JSON: "
                    '{"Inverallan Council": {"solo": ["council_tax", "map"]}}. Agencies '
                    "are those of NASSO_DATABASE_CHECKS (police_scotland, cjsw, solo, "
                    "education, nhs, sps, childrens_services, adult_protection, "
                    "support_organisation, rsl); items are NASSO's codes (see "
                    "NASSO_DATABASE_CHECKS) or a local system's code (lower case, digits, "
                    "underscores). A council or agency not named keeps NASSO's list.")

    mappa_areas: Path | None = Field(
        default=None,
        description="A CSV file with the columns council,mappa_area: which MAPPA area "
                    "(Strategic Oversight Group) each council belongs to, for the annual "
                    "MAPPA figures. Unset: Scotland's 10 MAPPA areas as built in "
                    "(geo_era.reporting.mappa_areas). Councils are named as in the areas "
                    "layer; one row per council.")

    map_tiles: str | None = Field(
        default=None, max_length=500,
        description="A tile-server URL template ({z}/{x}/{y}) for map backgrounds. Unset "
                    "(the default), maps draw their background from the loaded layers and "
                    "make no request beyond geo_era: a tile server would learn which "
                    "street is being examined. Set it only for a server you trust.")
    map_tiles_attribution: str = Field(
        default="", max_length=500, description="Attribution shown for map_tiles.")

    dask_scheduler: str | None = Field(
        default=None, max_length=200, pattern=r"^(tcp|tls|inproc|ucx)://[^\s]+$",
        description="Address of a Dask scheduler (tcp://host:8786) for the national batch "
                    "jobs run with --dask. Unset (the default): a local cluster of worker "
                    "processes on this machine.")

    oidc_issuer: str | None = Field(
        default=None, max_length=500,
        description="Single sign-on (OpenID Connect): the identity provider's issuer URL, "
                    "exactly as its /.well-known/openid-configuration states it. Unset "
                    "(the default), single sign-on is off. https (plain http only to "
                    "127.0.0.1 or localhost).")
    oidc_client_id: str | None = Field(
        default=None, max_length=200,
        description="geo_era's client id at the identity provider.")
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="geo_era's client secret at the identity provider.")
    oidc_redirect_base: str | None = Field(
        default=None, max_length=500,
        description="The public URL of geo_era's pages (e.g. https://geo-era.example.org); "
                    "the redirect URI to register is this followed by "
                    "/login/oidc/callback.")
    oidc_scopes: str = Field(
        default="openid profile", max_length=500, pattern=r"^[\x21\x23-\x5b\x5d-\x7e ]+$",
        description="The scopes asked for, separated by spaces; must include openid (and "
                    "whatever scope makes the provider release the groups claim).")
    oidc_groups_claim: str = Field(
        default="groups", min_length=1, max_length=100,
        description="The claim (of the ID token, or else of the userinfo answer) that "
                    "lists the user's groups.")
    oidc_groups: dict[str, OidcGroup] = Field(
        default_factory=dict,
        description="JSON: each identity-provider group that may use geo_era, and the role "
                    "and organisation it gives, e.g. {\"OMU analysts\": {\"role\": "
                    "\"omu_analyst\", \"organisation\": \"Police Scotland OMU\"}}. A user "
                    "in no listed group, or in groups giving different roles or "
                    "organisations, is refused.")
    oidc_leeway_s: int = Field(
        default=60, ge=0, le=300,
        description="Clock skew allowed when checking an ID token's times, seconds.")

    @model_validator(mode="after")
    def _oidc_complete(self) -> Settings:
        if not self.oidc_issuer:
            stray = [n for n in ("oidc_client_id", "oidc_client_secret", "oidc_redirect_base")
                     if getattr(self, n) is not None] + (["oidc_groups"] if self.oidc_groups
                                                         else [])
            if stray:
                raise ValueError(f"{', '.join(f'GEO_ERA_{n.upper()}' for n in stray)} set "
                                 "but GEO_ERA_OIDC_ISSUER is not: set it to turn single "
                                 "sign-on on, or unset them")
            return self
        missing = [f"GEO_ERA_{n.upper()}" for n in ("oidc_client_id", "oidc_client_secret",
                                                    "oidc_redirect_base")
                   if not getattr(self, n)]
        if not self.oidc_groups:
            missing.append("GEO_ERA_OIDC_GROUPS")
        if missing:
            raise ValueError(f"single sign-on needs {', '.join(missing)} as well as "
                             "GEO_ERA_OIDC_ISSUER")
        _check_url(self.oidc_issuer, "GEO_ERA_OIDC_ISSUER", https=True)
        _check_url(self.oidc_redirect_base or "", "GEO_ERA_OIDC_REDIRECT_BASE",
                   https=self.environment == "production")
        if "openid" not in self.oidc_scopes.split():
            raise ValueError("GEO_ERA_OIDC_SCOPES must include openid")
        return self

    @model_validator(mode="after")
    def _safe_in_production(self) -> Settings:
        # a key is never short, in any environment (a short signing key is found offline
        # from a single token; a short audit key from a single entry); neither appears
        # in the message
        keys = {"GEO_ERA_SECRET_KEY": self.secret_key, "GEO_ERA_AUDIT_KEY": self.audit_key}
        for name, secret in keys.items():
            key = secret.get_secret_value() if secret else ""
            if (self.environment == "production" or key) and len(key.strip()) < 32:
                raise ValueError(f"{name} must be set to at least 32 random characters"
                                 + ("" if key else " in production"))
        if self.secret_key and self.audit_key and \
                self.secret_key.get_secret_value() == self.audit_key.get_secret_value():
            raise ValueError("GEO_ERA_AUDIT_KEY must differ from GEO_ERA_SECRET_KEY (the "
                             "audit key is kept away from the servers that sign tokens)")
        return self

    @field_validator("home")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("review_months")
    @classmethod
    def _review_months(cls, value: dict[str, int]) -> dict[str, int]:
        keys = {"low", "medium", "high", "very_high", "mappa_1", "mappa_2", "mappa_3"}
        for key, months in value.items():
            if key not in keys:
                raise ValueError(f"{key!r} in GEO_ERA_REVIEW_MONTHS is neither a risk level "
                                 f"nor a MAPPA level; use {', '.join(sorted(keys))}")
            if not 1 <= months <= 12:
                raise ValueError(f"GEO_ERA_REVIEW_MONTHS gives {key} {months} months; a "
                                 "review period is 1 to 12 months")
        return value

    @field_validator("database_checks")
    @classmethod
    def _checklists(cls, value: dict[str, dict[str, list[str]]]
                    ) -> dict[str, dict[str, list[str]]]:
        for council, lists in value.items():
            for agency, items in lists.items():
                where = f"GEO_ERA_DATABASE_CHECKS[{council!r}][{agency!r}]"
                if agency not in NASSO_DATABASE_CHECKS:
                    raise ValueError(f"{where}: unknown agency; use one of "
                                     f"{', '.join(NASSO_DATABASE_CHECKS)}")
                if not items:
                    raise ValueError(f"{where}: name at least one database check")
                bad = [i for i in items if not _ITEM_CODE.match(i)]
                if bad:
                    raise ValueError(f"{where}: {bad[0]!r} is not an item code (lower case "
                                     "letters, digits and underscores, e.g. council_tax)")
                if len(set(items)) != len(items):
                    raise ValueError(f"{where}: an item is named twice")
        return value

    @field_validator("mappa_areas")
    @classmethod
    def _mappa_areas(cls, value: Path | None) -> Path | None:
        if value is not None:
            value = value.expanduser()
            read_mappa_areas(value)
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            try:
                ipaddress.ip_network(item.strip(), strict=False)
            except ValueError:
                raise ValueError(f"{item!r} in GEO_ERA_TRUSTED_PROXIES is not an address or "
                                 "a network such as 10.1.0.0/24") from None
        return tuple(item.strip() for item in value)


def read_mappa_areas(path: Path) -> dict[str, str]:
    """The council -> MAPPA area table of ``GEO_ERA_MAPPA_AREAS``: a UTF-8 CSV with a
    header ``council,mappa_area`` and one row per council, neither empty. Raises
    :class:`ValueError` saying what is wrong and where (the row number), never a
    value of the file."""
    where = "GEO_ERA_MAPPA_AREAS"
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ValueError(f"{where}: no such file; give a CSV with the columns "
                         "council,mappa_area") from None
    except (OSError, UnicodeDecodeError):
        raise ValueError(f"{where}: the file cannot be read as UTF-8 text; give a CSV "
                         "with the columns council,mappa_area") from None
    rows = list(csv.reader(io.StringIO(text)))
    header = [c.strip().lower() for c in rows[0]] if rows else []
    if header != ["council", "mappa_area"]:
        raise ValueError(f"{where}: the first line must be the header council,mappa_area")
    table: dict[str, str] = {}
    seen: set[str] = set()
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 2 or not row[0].strip() or not row[1].strip():
            raise ValueError(f"{where}: line {number} must give a council and its MAPPA "
                             "area, both non-empty")
        council, area = (" ".join(cell.split()) for cell in row)
        key = council.casefold().removesuffix(" council").strip()
        if key in seen:
            raise ValueError(f"{where}: line {number} names a council already listed; "
                             "one line per council")
        seen.add(key)
        table[council] = area
    if not table:
        raise ValueError(f"{where}: the file lists no council")
    return table


def mappa_area_table(settings: Settings) -> dict[str, str] | None:
    """The council -> MAPPA area table ``GEO_ERA_MAPPA_AREAS`` names (None: unset, the
    built-in table applies). Raises :class:`ConfigurationError` when the file is bad
    (it may have changed since the settings were read)."""
    if settings.mappa_areas is None:
        return None
    try:
        return read_mappa_areas(settings.mappa_areas)
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None


def load_settings(**overrides: object) -> Settings:
    """Read and validate settings; raise :class:`ConfigurationError` on anything unknown."""
    known = {f"{ENV_PREFIX}{name}".upper() for name in Settings.model_fields}
    unknown = sorted(k for k in os.environ if k.startswith(ENV_PREFIX) and k not in known)
    if unknown:
        raise ConfigurationError(
            f"unknown setting(s) {', '.join(unknown)}; known settings are "
            f"{', '.join(sorted(known))}"
        )
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        # each problem by where and what, never the values given: they may be keys
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" if e["loc"]
                    else e["msg"] for e in exc.errors(include_url=False, include_input=False)]
        raise ConfigurationError(f"invalid settings: {'; '.join(problems)}") from None

"""The one validated settings object.

Every setting comes from the environment with the ``GEO_ERA_`` prefix (or is passed
explicitly). Unknown ``GEO_ERA_*`` variables are refused, so a typo such as
``GEO_ERA_HOEM`` fails loudly instead of silently using the default.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from geo_era.errors import ConfigurationError

ENV_PREFIX = "GEO_ERA_"


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
    default_radius_m: float = Field(
        default=400.0, gt=0, le=20_000,
        description="Default search radius in metres for proximity to sensitive sites.",
    )

    screening: ScreeningSettings = Field(
        default_factory=ScreeningSettings,
        description="Void screening weights and distances, as JSON (see ScreeningSettings).")

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

    @model_validator(mode="after")
    def _safe_in_production(self) -> Settings:
        key = self.secret_key.get_secret_value() if self.secret_key else ""
        # a key that signs tokens is never short, in any environment (a short one is
        # found offline from a single token)
        if (self.environment == "production" or key) and len(key.strip()) < 32:
            raise ValueError("GEO_ERA_SECRET_KEY must be set to at least 32 random "
                             "characters" + ("" if key else " in production"))
        return self

    @field_validator("home")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser()

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
    except ValueError as exc:  # pydantic.ValidationError is a ValueError
        raise ConfigurationError(f"invalid settings: {exc}") from None

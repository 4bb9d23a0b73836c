"""The one validated settings object.

Every setting comes from the environment with the ``GEO_ERA_`` prefix (or is passed
explicitly). Unknown ``GEO_ERA_*`` variables are refused, so a typo such as
``GEO_ERA_HOEM`` fails loudly instead of silently using the default.
"""

from __future__ import annotations

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
        description="Signs API tokens; at least 32 characters. Required in production; in "
                    "development a random key is made per process.")
    token_minutes: int = Field(default=15, ge=1, le=240,
                               description="Lifetime of an API bearer token, minutes.")
    login_attempts: int = Field(default=5, ge=1, le=100,
                                description="Failed logins allowed per user and per client "
                                            "address in 15 minutes before refusing.")
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

    import_memory_mb: int = Field(
        default=4096, ge=1024, le=1_048_576,
        description="Memory (address space, MiB) the child process that reads the files of "
                    "an import or an uploaded list may use; a file needing more is refused.")
    import_seconds: int = Field(
        default=300, ge=5, le=86_400,
        description="Seconds (CPU and wall clock) the child process that reads the files of "
                    "an import or an uploaded list may take; a file taking longer is refused.")
    import_max_rows: int = Field(
        default=5_000_000, ge=1, le=1_000_000_000,
        description="Most rows (features) one layer of an imported file may hold, and most "
                    "elements (nodes, ways, relations) an OpenStreetMap file may hold.")

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

"""The one validated settings object.

Every setting comes from the environment with the ``GEO_ERA_`` prefix (or is passed
explicitly). Unknown ``GEO_ERA_*`` variables are refused, so a typo such as
``GEO_ERA_HOEM`` fails loudly instead of silently using the default.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from geo_era.errors import ConfigurationError

ENV_PREFIX = "GEO_ERA_"


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

    map_tiles: str | None = Field(
        default=None, max_length=500,
        description="A tile-server URL template ({z}/{x}/{y}) for map backgrounds. Unset "
                    "(the default), maps draw their background from the loaded layers and "
                    "make no request beyond geo_era: a tile server would learn which "
                    "street is being examined. Set it only for a server you trust.")
    map_tiles_attribution: str = Field(
        default="", max_length=500, description="Attribution shown for map_tiles.")

    @model_validator(mode="after")
    def _safe_in_production(self) -> Settings:
        if self.environment == "production":
            key = self.secret_key.get_secret_value() if self.secret_key else ""
            if len(key) < 32:
                raise ValueError("GEO_ERA_SECRET_KEY must be set to at least 32 random "
                                 "characters in production")
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

"""The long-lived parts every service works with: settings, the case store, the layer
store and the workspace that answers the spatial questions."""

from __future__ import annotations

from functools import cached_property

from sqlalchemy import Engine

from geo_era.data.layer_store import LayerStore
from geo_era.db.audit_key import bind_audit_key
from geo_era.db.store import open_store
from geo_era.housing.live_voids import LiveVoids
from geo_era.security.oidc import OidcClient, OidcConfig
from geo_era.services.policy import Gate
from geo_era.settings import Settings
from geo_era.workspace import Workspace


class Services:
    """One ``GEO_ERA_HOME`` and its case store, as the services use them.

    The API holds one for its life (the workspace keeps the layers loaded and indexed
    between requests, fresh against every import, reloading in the background:
    ``background_reload``); the command line makes one per run.
    The case store is opened (and migrated) on first use, so a command that needs only
    the layers never touches it.
    """

    def __init__(self, settings: Settings, engine: Engine | None = None, *,
                 background_reload: bool = False) -> None:
        self.settings = settings
        if engine is not None:
            if settings.audit_key is not None:  # the configured key, as open_store binds
                bind_audit_key(engine, settings.audit_key)
            self.__dict__["engine"] = engine
        self.layers = LayerStore(settings.home)
        self.workspace = Workspace(self.layers, background=background_reload)
        self.gate = Gate(lambda: self.engine)

    @cached_property
    def engine(self) -> Engine:
        """The case store (SQLite under ``GEO_ERA_HOME``, or ``GEO_ERA_DATABASE_URL``)."""
        return open_store(self.settings.home, self.settings.database_url,
                          audit_key=self.settings.audit_key)

    @cached_property
    def live_voids(self) -> LiveVoids:
        """The voids as they are now (the layer's ``is_void`` with the published and
        let events over it), kept in place between requests (NASSO 5.3)."""
        return LiveVoids()

    @cached_property
    def oidc(self) -> OidcClient | None:
        """Single sign-on's client of the identity provider; ``None`` when
        ``GEO_ERA_OIDC_ISSUER`` is unset. Raises
        :class:`~geo_era.errors.ConfigurationError` for a group mapped to an unknown
        role."""
        config = OidcConfig.from_settings(self.settings)
        return OidcClient(config) if config is not None else None

"""Alembic environment: runs on the connection geo_era hands it (see store.migrate)."""

from __future__ import annotations

from alembic import context

import geo_era.security.audit  # registers its tables for autogenerate
import geo_era.security.second_factor
import geo_era.security.sessions
import geo_era.security.throttle
import geo_era.security.users  # noqa: F401
from geo_era.db.store import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()

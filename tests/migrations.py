"""Moving a test's case store to a given Alembic revision, up or down, on either backend:
for tests that write rows as an older schema held them and then migrate."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from geo_era.db import store as store_module


def migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    """Upgrade (or with ``down``, downgrade) the store behind ``engine`` to ``revision``
    (``"0006"``, ``"head"``) in one transaction."""
    config = Config()
    config.set_main_option("script_location",
                           str(Path(store_module.__file__).parent / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)

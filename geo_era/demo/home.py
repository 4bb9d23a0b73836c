"""Put the FICTIONAL demo data and the demo users into a ``GEO_ERA_HOME``: what
``geo-era demo-data`` and ``geo-era demo-users`` do, apart from printing."""

from __future__ import annotations

from sqlalchemy import Engine

from geo_era.data.imports import ImportReport, import_files
from geo_era.data.layer_store import LayerStore
from geo_era.demo.demotown import DemoTown, write_demo_town
from geo_era.security.users import DEMO_COUNCIL, demo_users

#: Where the demo town's contract files are written inside ``GEO_ERA_HOME``.
SOURCE_DIR = "demo-source"


def import_demo_town(town: DemoTown, store: LayerStore) -> ImportReport:
    """Write the demo town's contract files under ``store.home / "demo-source"`` and
    import them into ``store`` (validated and derived as any council's data)."""
    files = write_demo_town(town, store.home / SOURCE_DIR)
    return import_files(files, store=store)


def demo_council(store: LayerStore) -> str:
    """The council the demo's council staff belong to: the first council in the
    ``areas`` layer, or :data:`~geo_era.security.users.DEMO_COUNCIL` without one."""
    if not store.has("areas"):
        return DEMO_COUNCIL
    areas = store.read_attributes("areas", ["area_type", "name"])
    councils = areas.loc[areas["area_type"].astype(str) == "council", "name"].dropna()
    return str(councils.iloc[0]) if len(councils) else DEMO_COUNCIL


def reset_demo_users(store: LayerStore, engine: Engine) -> dict[str, str]:
    """Create (or reset) one FICTIONAL demo user per role, council staff in
    :func:`demo_council`: ``{username: new passphrase}``."""
    return demo_users(engine, council=demo_council(store))

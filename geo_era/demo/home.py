"""Put the FICTIONAL demo data and the demo users into a ``GEO_ERA_HOME``: what
``geo-era demo-data`` and ``geo-era demo-users`` do, apart from printing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from geo_era.data.imports import ImportReport, import_files
from geo_era.data.layer_store import LayerStore
from geo_era.db.store import session_scope
from geo_era.demo.demotown import DemoTown, write_demo_town
from geo_era.security import second_factor
from geo_era.security.keys import SecretBox
from geo_era.security.users import DEMO_COUNCIL, DEMO_LANDLORD, demo_users, find_user
from geo_era.services.signin import second_factor_required
from geo_era.settings import Settings

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


def demo_landlord(store: LayerStore, council: str) -> str:
    """The housing association the demo's Link Officer works for: the landlord other
    than the council with the most voids in the ``properties`` layer (a Link Officer
    checks their own organisation's voids), or
    :data:`~geo_era.security.users.DEMO_LANDLORD`."""
    if not store.has("properties"):
        return DEMO_LANDLORD
    stock = store.read_attributes("properties", ["landlord", "is_void"])
    if not {"landlord", "is_void"} <= set(stock.columns):
        return DEMO_LANDLORD
    voids = stock.loc[stock["is_void"].astype("boolean").fillna(False).to_numpy(bool),
                      "landlord"].dropna().astype(str)
    counts = (voids[voids != council].value_counts().sort_index()
              .sort_values(ascending=False, kind="stable"))  # ties: by name
    return str(counts.index[0]) if len(counts) else DEMO_LANDLORD


@dataclass(frozen=True)
class DemoUser:
    """A FICTIONAL demo user's new passphrase and, for a role that must sign in with a
    second factor, the TOTP secret they were enrolled with (for an authenticator app)."""

    password: str
    totp_secret: str | None


def reset_demo_users(store: LayerStore, engine: Engine,
                     settings: Settings) -> dict[str, DemoUser]:
    """Create (or reset) one FICTIONAL demo user per role, council staff in
    :func:`demo_council`, the Link Officer in :func:`demo_landlord`, each with a new
    passphrase and, when their role needs one (``GEO_ERA_SECOND_FACTOR``), a second
    factor enrolled with a new secret."""
    box = SecretBox.for_settings(settings, "totp")
    council = demo_council(store)
    made: dict[str, DemoUser] = {}
    for username, password in demo_users(engine, council=council,
                                         landlord=demo_landlord(store, council)).items():
        with session_scope(engine) as session:
            user = find_user(session, username)
            secret = (second_factor.enrol(session, box, user.id)
                      if second_factor_required(settings, user.role, "none") else None)
        made[username] = DemoUser(password, secret)
    return made

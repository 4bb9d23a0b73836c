"""The national products over the import endpoint (issue 22): ``format=schools`` (and
``mastermap``, ``inspire``) as ``geo-era import --format`` takes them; administrators
only, the refusal audited, bad input answered with the file, row and the product's
field, never a 500. REQUIREMENTS.md: R109, R116."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from geo_era.data.layer_store import LayerStore
from tests.api import test_access
from tests.api.test_access import PREFIX, World

#: the access tests' world: the demo town, a signed-in user of every role
world = test_access.world


def upload(path: Path, product: str, name: str | None = None) -> dict[str, Any]:
    return {"files": [("files", (name or path.name, path.read_bytes(),
                                 "application/octet-stream"))],
            "data": {"format": product}}


def test_school_locations_over_the_api(world: World, tmp_path_factory: Any) -> None:
    from tests.data.topography_fixtures import write_fixtures

    files = write_fixtures(tmp_path_factory.mktemp("products"))
    store = LayerStore(world.tmp / "home")
    demo_sites = store.version("sites").rows
    before = world.audit_count()
    refused = world.client.post(f"{PREFIX}/imports", headers=world.headers("solo"),
                                **upload(files["schools"], "schools"))  # type: ignore[arg-type]
    assert refused.status_code == 403
    assert world.audit_count() == before + 1
    done = world.client.post(f"{PREFIX}/imports", headers=world.headers("admin"),
                             **upload(files["schools"], "schools"))  # type: ignore[arg-type]
    assert done.status_code == 200, done.text
    report = done.json()
    assert (report["product"], report["features"], report["taken"]) == ("schools", 4, 4)
    assert report["sources"] == {"sites": ["schools.csv"]}
    assert report["rows"] == {"sites": demo_sites + 4}  # the demo's sites kept
    version = store.data_version
    # the demo town's buildings are not these six: the buildings would orphan its
    # addresses, so the import is refused whole and nothing changes
    orphaned = world.client.post(f"{PREFIX}/imports", headers=world.headers("admin"),
                                 **upload(files["mastermap_gml"], "mastermap"))  # type: ignore[arg-type]
    assert orphaned.status_code == 422 and "building_id" in orphaned.text
    bad = files["schools"].read_text(encoding="utf-8").replace(",Primary,", ",,", 1)
    broken = tmp_path_factory.mktemp("bad") / "schools.csv"
    broken.write_text(bad, encoding="utf-8")
    refused_file = world.client.post(f"{PREFIX}/imports", headers=world.headers("admin"),
                                     **upload(broken, "schools"))  # type: ignore[arg-type]
    assert refused_file.status_code == 422
    assert "row 1, column 'SchoolType'" in refused_file.text
    assert LayerStore(world.tmp / "home").data_version == version  # nothing changed

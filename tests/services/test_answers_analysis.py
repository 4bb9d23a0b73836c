"""The answers of the spatial questions: a Link Officer's models declare none of the
fields the matrix denies them (by construction: their fields, walked through every
nested model), and every answer carries the core's document unchanged for the audience
it is made for."""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
from pydantic import BaseModel

from geo_era.data.layer_store import LayerStore
from geo_era.services.answers.analysis import (
    CheckFlags,
    CheckResult,
    MinimumSetAnswer,
    MinimumSetWithoutHouseholds,
    SitesNear,
)
from geo_era.workspace import Workspace
from tests.conftest import LINK_OFFICER_NEVER_SEES, import_demo

#: The Link Officer's variants (``rsl_link_officer``: the restricted view).
LINK_OFFICER_MODELS = [MinimumSetWithoutHouseholds, CheckFlags]


def models_in(annotation: object) -> Iterator[type[BaseModel]]:
    """Every pydantic model an annotation can hold: in unions, lists, dicts, ..."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for argument in typing.get_args(annotation):
            yield from models_in(argument)


def declared_fields(model: type[BaseModel], seen: set[type[BaseModel]] | None = None
                    ) -> dict[str, set[str]]:
    """``{field name: {the models declaring it}}`` over ``model`` and every model nested
    in its fields, at any depth."""
    seen = set() if seen is None else seen
    if model in seen:
        return {}
    seen.add(model)
    found: dict[str, set[str]] = {}
    for name, field in model.model_fields.items():
        found.setdefault(name, set()).add(model.__name__)
        for nested in models_in(field.annotation):
            for inner, owners in declared_fields(nested, seen).items():
                found.setdefault(inner, set()).update(owners)
    return found


@pytest.mark.parametrize("model", LINK_OFFICER_MODELS, ids=lambda m: m.__name__)
def test_link_officer_models_declare_no_denied_field(model: type[BaseModel]) -> None:
    declared = declared_fields(model)
    denied = {name: sorted(owners) for name, owners in declared.items()
              if name in LINK_OFFICER_NEVER_SEES}
    assert denied == {}, f"{model.__name__} declares denied fields: {denied}"


def test_the_walk_reaches_nested_models() -> None:
    """The walk finds what the full models rightly declare, however deep."""
    full = declared_fields(MinimumSetAnswer)
    assert {"household", "occupants", "children_in_household", "ring"} <= set(full)
    assert {"subject_id", "conflicts", "zone_geometry"} <= set(declared_fields(CheckResult))
    assert "ring" in declared_fields(MinimumSetWithoutHouseholds)


def stripped(value: object) -> object:
    """What the Link Officer was given before the typed answers: the document without
    any denied key, at any depth (the old deny-list, kept here as the test's oracle)."""
    if isinstance(value, dict):
        return {k: stripped(v) for k, v in value.items() if k not in LINK_OFFICER_NEVER_SEES}
    if isinstance(value, list):
        return [stripped(v) for v in value]
    return value


def dumped(answer: BaseModel) -> str:
    return json.dumps(answer.model_dump(mode="json"))


@pytest.fixture(scope="module")
def workspace(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
              ) -> Workspace:
    return Workspace(import_demo(demo_files, tmp_path_factory.mktemp("answers") / "home"))


def sample(store: LayerStore) -> list[str]:
    """Two properties of every type (shared accommodation included)."""
    props = store.read("properties")
    chosen = props.groupby("property_type", observed=True).head(2)["property_id"]
    return sorted(str(p) for p in chosen)


def test_minimum_set_answers_keep_the_document(workspace: Workspace) -> None:
    for pid in sample(workspace.store):
        for extend in ({}, {"extend_metres": 40.0}, {"extend_rings": 2}):
            document = workspace.minimum_set(pid, **extend).to_dict()  # type: ignore[arg-type]
            assert dumped(MinimumSetAnswer.model_validate(document)) == json.dumps(document)
            assert dumped(MinimumSetWithoutHouseholds.model_validate(document)) == \
                json.dumps(stripped(document)), (pid, extend)


def near_zones(store: LayerStore) -> list[str]:
    """Properties inside or near an exclusion zone (within 400 m)."""
    zones = store.read("exclusion_zones")
    props = store.read("properties")
    assert isinstance(zones, gpd.GeoDataFrame) and isinstance(props, gpd.GeoDataFrame)
    near = gpd.sjoin(props, zones.assign(geometry=zones.buffer(400.0)), predicate="within")
    return sorted({str(p) for p in near.groupby("zone_id")["property_id"].head(3)})


def test_check_answers_keep_the_document(workspace: Workspace) -> None:
    store = workspace.store
    subjects = [str(s) for s in store.read("subjects")["subject_id"]]
    homes = [str(p) for p in store.read("subjects")["current_property_id"].dropna()]
    kinds = set()
    for subject in subjects:
        for pid in [*sample(store)[::3], *homes, *near_zones(store)]:
            result = workspace.check(subject, pid)
            document = result.to_dict()
            assert dumped(CheckResult.model_validate(document)) == json.dumps(document)
            flags = result.to_dict(need_to_know=False)
            assert dumped(CheckFlags.model_validate(flags)) == json.dumps(flags)
            assert json.loads(json.dumps(stripped(flags))) == flags
            kinds |= {f["kind"] for f in document["conflicts"] + document["warnings"]}
    assert {"no_residence_within", "victim_profile_household"} <= kinds
    assert kinds & {"exclusion_zone", "exclusion_zone_nearby"}


def test_sites_near_answer_keeps_the_document(workspace: Workspace) -> None:
    for pid in sample(workspace.store)[::2]:
        for radius in (150.0, 600.0):
            document = workspace.sites_near(pid, radius)
            assert dumped(SitesNear.model_validate(document)) == json.dumps(document)

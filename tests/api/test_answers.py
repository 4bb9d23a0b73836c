"""Typed answers (issue 16; the need to know of NASSO information sharing: R60, R103,
R104 and R125): the OpenAPI schema documents every operation's success answer with a model, and the
Link Officer's answer to every operation the matrix gives them a restricted view of is a
model that declares none of the fields they may never see, at any depth, by
construction (the models' fields, not a filtered response)."""

from __future__ import annotations

import tempfile
import types
import typing
from pathlib import Path
from typing import Any

import pytest
from geo_era_api.app import create_app
from pydantic import BaseModel

from geo_era.security.access import MATRIX
from geo_era.services.answers import LINK_OFFICER_ANSWERS
from geo_era.settings import Settings
from tests.conftest import LINK_OFFICER_NEVER_SEES


def _document() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as home:
        document: dict[str, Any] = create_app(Settings(home=Path(home))).openapi()
    return document


DOCUMENT = _document()
OPERATIONS = [(path, method, operation) for path, item in DOCUMENT["paths"].items()
              for method, operation in item.items()]


def _typed(schema: dict[str, Any]) -> bool:
    """A schema that names a model: a reference, a union or list of references, or a
    plain scalar; never a bare ``object`` that could hold anything."""
    if "$ref" in schema:
        return True
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return all(_typed(s) for s in schema[key])
    if schema.get("type") == "array":
        return _typed(schema.get("items", {}))
    return schema.get("type") in ("string", "integer", "number", "boolean")


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS,
                         ids=[f"{m.upper()} {p}" for p, m, _ in OPERATIONS])
def test_every_success_answer_has_a_model(path: str, method: str,
                                          operation: dict[str, Any]) -> None:
    ok = {code: answer for code, answer in operation["responses"].items()
          if code.startswith("2")}
    assert ok, f"{method.upper()} {path} documents no success answer"
    for code, answer in ok.items():
        content = answer.get("content", {})
        assert content, f"{method.upper()} {path} {code}: no content documented"
        for media, body in content.items():
            schema = body.get("schema", {})
            if media == "application/json":
                assert _typed(schema), (f"{method.upper()} {path} {code}: {schema} names "
                                        "no model")


def test_the_schema_can_fail() -> None:
    """The check above refuses an untyped answer (so it is not vacuous)."""
    assert not _typed({"type": "object", "additionalProperties": True})
    assert not _typed({})
    assert _typed({"anyOf": [{"$ref": "#/components/schemas/CheckResult"},
                             {"$ref": "#/components/schemas/CheckFlags"}]})


def _models_in(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found += _models_in(arg)
    if isinstance(annotation, types.UnionType):
        for arg in annotation.__args__:
            found += _models_in(arg)
    return found


def declared(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> set[str]:
    """Every field name ``model`` declares, and those of the models inside it (aliases
    included: they are the names in the JSON)."""
    seen = set() if seen is None else seen
    if model in seen:
        return set()
    seen.add(model)
    names: set[str] = set()
    for name, field in model.model_fields.items():
        names.add(field.alias or name)
        for inner in _models_in(field.annotation):
            names |= declared(inner, seen)
    return names


def test_every_restricted_view_has_a_link_officer_model() -> None:
    restricted = {name for name, rule in MATRIX.items() if rule.restricted_view}
    assert set(LINK_OFFICER_ANSWERS) == restricted


@pytest.mark.parametrize("operation", sorted(LINK_OFFICER_ANSWERS))
def test_link_officer_models_declare_nothing_denied(operation: str) -> None:
    model = LINK_OFFICER_ANSWERS[operation]
    assert declared(model), f"{model.__name__} declares no field at all"
    assert declared(model) & LINK_OFFICER_NEVER_SEES == set()
    # the models are allow-lists: a field the core adds later is dropped, not passed on
    assert model.model_config.get("extra") in (None, "ignore")


def test_the_walk_finds_nested_fields() -> None:
    """The walk reaches fields of nested models (so a denied field deep inside a Link
    Officer's model would be found)."""

    class Inner(BaseModel):
        subject_id: str

    class Outer(BaseModel):
        rows: list[Inner] | None = None

    assert "subject_id" in declared(Outer)

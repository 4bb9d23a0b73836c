"""Order and licence conditions (the ``subjects.conditions`` column), as typed records.

A subject's conditions are a JSON list; each item has a ``type``. geo_era evaluates:

- ``no_residence_within``: ``{"type": "no_residence_within", "category": "school",
  "metres": 500}``: no home within that straight-line distance (metres, EPSG:27700) of
  a site of that category (to a polygon site's boundary);
- ``no_residence_in_area``: ``{"type": "no_residence_in_area", "area_id": "S01008417"}``:
  no home inside that area of the ``areas`` layer;
- ``no_residence_same_building_as_children``: no home in a building where a household
  with children lives.

Other condition types (a SOPO can prohibit many things) are kept and reported as "not
evaluated: check by hand", never silently passed.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from geo_era.contract.schema import SITE_CATEGORIES
from geo_era.errors import DataError, plain

SiteCategory = Literal["school", "nursery", "play_park", "community_centre", "place_of_worship",
                       "shop", "licensed_premises", "sheltered_housing", "cctv",
                       "care_home"]
assert set(SiteCategory.__args__) == set(SITE_CATEGORIES)  # type: ignore[attr-defined]


class _Condition(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class NoResidenceWithin(_Condition):
    type: Literal["no_residence_within"]
    category: SiteCategory
    metres: float = Field(gt=0, le=20_000)


class NoResidenceInArea(_Condition):
    type: Literal["no_residence_in_area"]
    area_id: str = Field(min_length=1)


class NoResidenceSameBuildingAsChildren(_Condition):
    type: Literal["no_residence_same_building_as_children"]


class OtherCondition(_Condition):
    """A condition geo_era does not evaluate; kept for a person to check."""

    type: str


KnownCondition = Annotated[NoResidenceWithin | NoResidenceInArea |
                           NoResidenceSameBuildingAsChildren, Field(discriminator="type")]
Condition = NoResidenceWithin | NoResidenceInArea | NoResidenceSameBuildingAsChildren | \
    OtherCondition
EVALUATED = ("no_residence_within", "no_residence_in_area",
             "no_residence_same_building_as_children")
_known: TypeAdapter[Any] = TypeAdapter(KnownCondition)


def parse_conditions(text: str | None) -> list[Condition]:
    """Parse a conditions JSON list; raise :class:`DataError` saying which item is wrong.

    An empty value means no conditions.
    """
    if text is None or not str(text).strip():
        return []
    try:
        items = json.loads(text)
    except json.JSONDecodeError:
        raise DataError("conditions are not valid JSON; write a list such as "
                        '[{"type": "no_residence_within", "category": "school", '
                        '"metres": 500}]') from None
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        raise DataError("conditions must be a JSON list of objects, each with a 'type'")
    out: list[Condition] = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            raise DataError(f"condition {number} has no 'type'; each condition is an object "
                            "such as {\"type\": \"no_residence_in_area\", \"area_id\": \"...\"}")
        if item["type"] not in EVALUATED:
            out.append(OtherCondition.model_validate(item))
            continue
        try:
            out.append(_known.validate_python(item))
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"][1:]) or "value"
            raise DataError(f"condition {number} ({plain(item['type'])}): {field}: "
                            f"{first['msg']}") from None
    return out

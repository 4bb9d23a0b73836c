"""OSM tags → site categories, and which ways are walkable.

Site categories
---------------
Tags map to the ten contract categories (:data:`geo_era.contract.schema.SITE_CATEGORIES`):

=====================  ========================================================================
category               OSM tags
=====================  ========================================================================
school                 ``amenity=school``
nursery                ``amenity=kindergarten``, ``amenity=childcare``
play_park              ``leisure=playground``
community_centre       ``amenity=community_centre``
place_of_worship       ``amenity=place_of_worship``
shop                   ``shop=*`` except ``shop=alcohol`` (licensed) and ``shop=no`` /
                       ``shop=vacant`` (an empty unit is not a shop)
licensed_premises      ``amenity=pub``, ``amenity=bar``, ``amenity=nightclub``, ``shop=alcohol``
sheltered_housing      ``amenity=social_facility`` with ``social_facility=assisted_living`` or
                       ``social_facility:for=senior``; ``social_facility=sheltered_housing``;
                       ``residential=sheltered_housing``
cctv                   ``man_made=surveillance``
care_home              ``social_facility=nursing_home`` (a registered care home is better
                       taken from the Care Inspectorate: ``geo-era import-care-services``)
=====================  ========================================================================

Nothing else becomes a site: not universities, colleges, restaurants, cafés, fast food,
casinos, strip clubs or cinemas. Values are compared case-insensitively and a semicolon list
(``amenity=bar;restaurant``) matches when any of its parts does. A feature that matches two
categories gets the first in :data:`SITE_PRIORITY`: children's sites first, then care homes
and homes of adults at risk, then places where people gather, licensed premises before shops
(``shop=alcohol`` and a pub that also tags ``shop=*`` are licensed premises), CCTV last.

Walkable ways
-------------
:func:`is_walkable` applies osmnx's ``"walk"`` filter, copied in :data:`WALK_EXCLUDE` (see
:mod:`geo_era.data.osm.streets`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from geo_era.contract.schema import SITE_CATEGORIES

#: Which category wins when one OSM feature matches two (see the module docstring).
SITE_PRIORITY: tuple[str, ...] = (
    "school",
    "nursery",
    "play_park",
    "care_home",
    "sheltered_housing",
    "community_centre",
    "place_of_worship",
    "licensed_premises",
    "shop",
    "cctv",
)

if sorted(SITE_PRIORITY) != sorted(SITE_CATEGORIES):  # pragma: no cover - schema drift
    raise ImportError("geo_era.data.osm.SITE_PRIORITY must order exactly schema.SITE_CATEGORIES")

#: ``(key, value) → category`` for the plain one-tag rules.
_TAG_RULES: dict[tuple[str, str], str] = {
    ("amenity", "school"): "school",
    ("amenity", "kindergarten"): "nursery",
    ("amenity", "childcare"): "nursery",
    ("leisure", "playground"): "play_park",
    ("amenity", "community_centre"): "community_centre",
    ("amenity", "place_of_worship"): "place_of_worship",
    ("amenity", "pub"): "licensed_premises",
    ("amenity", "bar"): "licensed_premises",
    ("amenity", "nightclub"): "licensed_premises",
    ("shop", "alcohol"): "licensed_premises",
    ("social_facility", "nursing_home"): "care_home",
    ("social_facility", "sheltered_housing"): "sheltered_housing",
    ("residential", "sheltered_housing"): "sheltered_housing",
    ("man_made", "surveillance"): "cctv",
}

#: ``shop`` values that do not make a shop.
_NOT_A_SHOP = frozenset({"no", "vacant", "alcohol"})

#: The OSM keys a site or building can be recognised by (osmnx keeps features with any of them).
FEATURE_KEYS = ("building", "amenity", "shop", "leisure", "man_made", "social_facility",
                 "social_facility:for", "residential")

#: osmnx's "walk" filter: ``(key, regex)`` pairs; a ``highway=*`` way is dropped when one of its
#: tags matches (regular-expression search, as Overpass ``!~`` does). Kept identical to
#: ``osmnx._overpass._get_network_filter("walk")`` with ``settings.default_access``; the tests
#: compare the two.
WALK_EXCLUDE: tuple[tuple[str, str], ...] = (
    ("area", "yes"),
    ("access", "private"),
    ("highway", "abandoned|bus_guideway|construction|cycleway|motor|no|planned|platform|"
                "proposed|raceway|razed|rest_area|services"),
    ("foot", "no"),
    ("service", "private"),
    ("sidewalk", "separate"),
    ("sidewalk:both", "separate"),
    ("sidewalk:left", "separate"),
    ("sidewalk:right", "separate"),
)

_WALK_EXCLUDE_RE = tuple((key, re.compile(pattern)) for key, pattern in WALK_EXCLUDE)


def site_category(tags: Mapping[str, str]) -> tuple[str, str] | None:
    """Map one OSM feature's tags to a site category.

    Parameters
    ----------
    tags
        The feature's OSM tags.

    Returns
    -------
    tuple[str, str] or None
        ``(category, osm_tag)``, e.g. ``("licensed_premises", "amenity=pub")``, for the
        highest-priority match (:data:`SITE_PRIORITY`); ``None`` when no rule matches.
    """
    matches: dict[str, str] = {}
    for key, raw in tags.items():
        for value in _values(raw):
            category = _TAG_RULES.get((key, value.lower()))
            if category is not None:
                matches.setdefault(category, f"{key}={value}")
            if key == "shop" and value.lower() not in _NOT_A_SHOP:
                matches.setdefault("shop", f"shop={value}")
    if "social_facility" in {v.lower() for v in _values(tags.get("amenity"))}:
        for key, wanted in (("social_facility", "assisted_living"),
                            ("social_facility:for", "senior")):
            for value in _values(tags.get(key)):
                if value.lower() == wanted:
                    matches.setdefault("sheltered_housing", f"{key}={value}")
    for category in SITE_PRIORITY:
        if category in matches:
            return category, matches[category]
    return None


def is_walkable(tags: Mapping[str, str]) -> bool:
    """Whether a way belongs to the walking network (osmnx's ``"walk"`` filter).

    Parameters
    ----------
    tags
        The way's OSM tags.

    Returns
    -------
    bool
        True when the way has a ``highway`` tag and no tag in :data:`WALK_EXCLUDE` matches.
    """
    if "highway" not in tags:
        return False
    return not any(
        key in tags and pattern.search(tags[key]) for key, pattern in _WALK_EXCLUDE_RE
    )


def _values(raw: object) -> list[str]:
    """Split an OSM tag value on ``;`` into its stripped, non-empty parts."""
    if not isinstance(raw, str):
        return []
    return [part.strip() for part in raw.split(";") if part.strip()]

"""The QGIS styles of the analyses' GeoPackage exports (:mod:`geo_era.documents.styles`).

- sites: categorised by ``category`` (the NASSO 3.8 categories, ColorBrewer Paired);
- the proximity table: properties graduated by ``school_nearest_m`` (metres) in bands
  of the radius (within half of it, within it, within twice it, further), red nearest;
- a minimum set: its dwellings categorised by ``rule`` (the NASSO 3.9 reason a
  dwelling is in the set, ``several`` for more than one), the candidate and the
  extension in one colour each;
- a screening: voids by rule: ruled out (black), ranked 1-5 (dark green), 6-20, the
  rest of the ranked (pale green).
"""

from __future__ import annotations

from geo_era.analysis.minimum_set_rules import REASONS
from geo_era.contract.schema import SITE_CATEGORIES
from geo_era.documents.styles import (
    Band,
    Categorised,
    Category,
    Graduated,
    Rule,
    RuleBased,
    Single,
)

__all__ = ["SEVERAL", "minimum_set_styles", "proximity_styles", "screening_style",
           "sites_style"]

#: ColorBrewer "Paired", ten classes (one per site category, in contract order).
_PAIRED = ("#1f78b4", "#a6cee3", "#33a02c", "#b2df8a", "#6a3d9a", "#cab2d6", "#e31a1c",
           "#fb9a99", "#ff7f00", "#fdbf6f")
#: Distance bands, nearest first (ColorBrewer Reds, reversed).
_DISTANCE = ("#cb181d", "#fb6a4a", "#fcae91", "#fee5d9")
#: The ``rule`` of a minimum-set dwelling that is in the set for more than one reason.
SEVERAL = "several"
#: Upper bound of the furthest distance band, metres (beyond any Scottish distance).
FURTHEST_M = 1_000_000.0


def sites_style() -> Categorised:
    """Sites by category, each category its own colour."""
    return Categorised(name="sites by category", field="category", categories=[
        Category(value=category, label=category.replace("_", " "), colour=colour)
        for category, colour in zip(SITE_CATEGORIES, _PAIRED, strict=True)])


def proximity_styles(radius_m: float) -> dict[str, Graduated | Categorised]:
    """The proximity export's styles: ``proximity`` by distance to the nearest school
    in bands of ``radius_m`` metres, ``sites`` by category."""
    edges = (0.0, radius_m / 2, radius_m, 2 * radius_m, FURTHEST_M)
    labels = (f"school within {edges[1]:g} m", f"school within {edges[2]:g} m",
              f"school within {edges[3]:g} m", f"school further than {edges[3]:g} m")
    bands = [Band(lower=edges[k], upper=edges[k + 1], label=labels[k], colour=_DISTANCE[k])
             for k in range(4)]
    return {"proximity": Graduated(name="distance to the nearest school",
                                   field="school_nearest_m", bands=bands),
            "sites": sites_style()}


def minimum_set_styles() -> dict[str, Categorised | Single]:
    """A minimum set's styles: its dwellings by the rule that puts them in it, the
    candidate property and the extension's dwellings in one colour each."""
    colours = ("#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628",
               "#f781bf", "#999999")
    rules = [*REASONS, SEVERAL]
    categories = [Category(value=rule, label=REASONS.get(rule, "more than one rule"),
                           colour=colour)
                  for rule, colour in zip(rules, colours, strict=True)]
    return {"minimum_set": Categorised(name="minimum set by rule", field="rule",
                                       categories=categories),
            "candidate": Single(name="candidate property", colour="#000000"),
            "extension": Single(name="extension", colour="#fed976")}


def screening_style() -> RuleBased:
    """Screened voids: ruled out, the first five, the first twenty, the rest."""
    return RuleBased(name="screening by rank", rules=[
        Rule(expression='"ruled_out"', label="ruled out", colour="#252525"),
        Rule(expression='"rank" <= 5', label="ranked 1 to 5", colour="#006d2c"),
        Rule(expression='"rank" <= 20', label="ranked 6 to 20", colour="#31a354"),
        Rule(expression="ELSE", label="ranked after 20", colour="#bae4b3")])

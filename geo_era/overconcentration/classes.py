"""How the over-concentration report shows its areas and figures: the location-quotient
classes of its maps, their colours and legend, and counts and rates as printed
(a suppressed count as the marker ``[c]``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo_era.documents.styles import Categorised, Category, Single, Style
from geo_era.overconcentration.disclosure import MARKER

if TYPE_CHECKING:
    from geo_era.overconcentration.report import LevelTable

#: Location-quotient classes of the maps: (upper bound, label); the last is open.
LQ_CLASSES: tuple[tuple[float, str], ...] = (
    (0.0, "none housed"), (0.5, "under half the authority's rate"),
    (1.0, "half to 1 times"), (1.5, "1 to 1.5 times"), (2.0, "1.5 to 2 times"),
    (np.inf, "twice the authority's rate or more"))
NOT_PUBLISHED = "not published [c]"
NO_POPULATION = "no population recorded"
#: Fill colour of each map class (ColorBrewer Reds, colour-blind safe), then the greys.
CLASS_COLOURS: dict[str, str] = dict(zip(
    [label for _, label in LQ_CLASSES],
    ["#f7f7f7", "#fee5d9", "#fcbba1", "#fc9272", "#ef3b2c", "#99000d"], strict=True))
CLASS_COLOURS[NOT_PUBLISHED] = "#d9d9d9"
CLASS_COLOURS[NO_POPULATION] = "#ffffff"
HOT_SPOT_EDGE = "#08306b"
#: Colours of the report's other GeoPackage layers.
CONCERN_COLOUR = "#fdae6b"
PLACEMENT_COLOUR = "#08306b"


def layer_styles(layers: Mapping[str, object]) -> dict[str, Style]:
    """The QGIS styles of the report's GeoPackage layers (:meth:`Report.layers`): each
    level's areas categorised by ``lq_class`` in the map's colours (every class, so a
    layer's legend is the report's), the areas of concern and the placements in one
    colour each; the attribute tables have none."""
    by_class = Categorised(
        name="location quotient classes", field="lq_class",
        categories=[Category(value=label, label=label, colour=colour)
                    for label, colour in CLASS_COLOURS.items()])
    fixed = {"areas_of_concern": Single(name="areas of concern", colour=CONCERN_COLOUR),
             "placements": Single(name="placements", colour=PLACEMENT_COLOUR)}
    styles: dict[str, Style] = {}
    for name, frame in layers.items():
        if name in fixed:
            styles[name] = fixed[name]
        elif isinstance(frame, pd.DataFrame) and "lq_class" in frame.columns and \
                "geometry" in frame.columns:
            styles[name] = by_class
    return styles


def lq_classes(lq: npt.NDArray[np.float64], suppressed: npt.NDArray[np.bool_],
               population: npt.NDArray[np.float64]) -> npt.NDArray[np.object_]:
    """The map class of each area: a label of :data:`LQ_CLASSES`, or
    :data:`NOT_PUBLISHED` or :data:`NO_POPULATION`."""
    bounds = np.array([upper for upper, _ in LQ_CLASSES])
    labels = np.array([label for _, label in LQ_CLASSES], dtype=object)
    finite = np.isfinite(lq)
    k = np.searchsorted(bounds, np.where(finite, lq, 0.0), side="left")
    # exactly 0 is "none housed"; (0, 0.5) the next class; an upper bound is inclusive
    # of nothing: 0.5 is "half to 1 times"
    k = np.where(lq > 0, np.searchsorted(bounds, np.where(finite, lq, 0.0), side="right"), k)
    out = labels[np.minimum(k, len(labels) - 1)]
    out[~finite] = NO_POPULATION
    out[~(np.isfinite(population) & (population > 0))] = NO_POPULATION
    out[suppressed] = NOT_PUBLISHED
    return out


def class_legend(level: LevelTable, *, hot_spots: bool) -> list[dict[str, str]]:
    """The legend entries of the classes present, in class order."""
    present = set(level.table["lq_class"])
    entries = [{"label": f"{label} ({(level.table['lq_class'] == label).sum()})",
                "colour": colour} for label, colour in CLASS_COLOURS.items()
               if label in present]
    if hot_spots and level.hot.hot.any():
        entries.append({"label": f"Gi* hot spot ({int(level.hot.hot.sum())})",
                        "colour": HOT_SPOT_EDGE})
    return entries


def shown_count(value: object) -> str:
    """A count as shown: the number, or the suppression marker."""
    return MARKER if value is None or value is pd.NA else str(int(value))  # type: ignore[call-overload]


def shown_number(value: object, digits: int) -> str:
    """A figure to ``digits`` decimals with thousands separators; a dash when unknown."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "—"
    return "—" if not np.isfinite(number) else f"{number:,.{digits}f}"

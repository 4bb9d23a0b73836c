"""The annual MAPPA figures (NASSO 1.0; R128-R131): for one council, one MAPPA area (a
group of councils, :mod:`~geo_era.reporting.mappa_areas`) or Scotland, over the
reporting year 1 April ``year - 1`` to 31 March ``year``.

What is counted, per council (a property is in the council whose polygon in the
``areas`` layer, area_type ``council``, holds it):

- **people managed** (``people_managed``): the subjects with a placement current on 31
  March (started on or before it, not ended by it) in a property of the council, by
  MAPPA category (1-3) and level (1-3) of the ``subjects`` layer; a subject whose
  category or level is missing or not 1-3 (or who is not in the subjects layer) is
  counted as ``category_or_level_not_recorded``. The placements are the imported layer
  overlaid with the moves recorded in the case store
  (:func:`geo_era.casework.placements.placements_now`); a subject with two current
  placements counts once, at the latest.
- **new registrations** (``registrations``): of the people managed, those whose
  ``registered_on`` falls in the reporting year, by category. Those with no (or no
  valid) ``registered_on`` are counted in ``registration_date_not_recorded``, never
  guessed.
- **people housed** (``housed``): every placement that starts in the reporting year in a
  property of the council (a person moving twice counts twice), by tenure and route.
  Tenure from the property's ``landlord``: empty -> ``private``; the name of a council of
  the areas layer, or a name containing "Council" -> ``council``; any other landlord ->
  ``housing_association``. Route, the first that applies: ``temporary`` (a recorded
  temporary-accommodation placement, a placement move of kind ``temporary``);
  ``transfer`` (the subject's first move on or after the decision of a granted transfer
  request of theirs); ``private`` (a property with no landlord); ``void`` (a move
  recorded after an ERA decision into a landlord's property, i.e. a let of a void);
  ``not_recorded`` (an imported placement into a landlord's property: how it was let is
  not known). The columns are ``<tenure>_<route>`` (private tenure has only the routes
  ``temporary``, ``transfer`` and ``private``; the private route only private tenure).
- **out-of-area placements agreed** (``out_of_area``): of the people housed, those whose
  placing authority is another council than the one the property is in (NASSO 3.13),
  ``with_consent`` when the receiving council's consent was recorded, otherwise
  ``without_consent``; counted in the receiving council.
- **rates** (``rates``): people managed per 100,000 residents (the areas layer's
  ``population``).

A report's rows are its units: a council report the council; a MAPPA-area report the
area's councils with the area's total; the Scotland report the MAPPA areas with
Scotland's total.

Two versions. **Internal** (OFFICIAL-SENSITIVE): exact counts. **For publication**: the
disclosure control of the over-concentration report
(:func:`geo_era.overconcentration.disclosure.publishable`: under 10 suppressed ``[c]``,
base-5 rounding, complementary suppression), one table set per run, and the levels
protected together so that no report can be differenced against another: every MAPPA
area's table (its councils and its total) and Scotland's table (the areas and the
total) are protected as one linked set, each area's total row suppressed wherever
Scotland's table suppresses that area's entry and the other way round, until both
agree (:func:`protect_together`). A council's published figures are its row of its
area's published table, an area's its table, Scotland's the table of areas: the same
number is published the same way in every report, and whatever one report suppresses
every other suppresses too. Rates are worked from the published counts.

The published over-concentration report gives each council's placements on 31 March
(its people managed) whenever they are 10 or more: the protection of the people-managed
tables assumes the attacker knows those totals (and an area's, when every council of
it has 10 or more), and never relies on hiding them.

What is not covered (as in :mod:`geo_era.overconcentration.disclosure`): differencing
between publications of different years.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from sqlalchemy import Engine, select

from geo_era import clock
from geo_era.db.store import PlacementMove, TransferRequest, session_scope
from geo_era.errors import DataError, NotFoundError
from geo_era.overconcentration.disclosure import (
    BASE,
    MARKER,
    THRESHOLD,
    TOTAL,
    Published,
    publishable,
)
from geo_era.overconcentration.statistics import current_on, locate
from geo_era.reporting.mappa_areas import DEFAULT_AREAS, council_key

__all__ = ["INTERNAL_MARKING", "PUBLISHED_MARKING", "TABLES", "Figures", "MappaReport",
           "Scope", "build_mappa_report", "exact_figures", "period", "protect_together",
           "store_records"]

INTERNAL_MARKING = "OFFICIAL-SENSITIVE"
PUBLISHED_MARKING = "OFFICIAL — FOR PUBLICATION (disclosure control applied)"
#: The years a report may be asked for (the year the reporting period ends).
FIRST_YEAR, LAST_YEAR = 2000, 2100

CATEGORIES = (1, 2, 3)
LEVELS = (1, 2, 3)
MANAGED_COLUMNS = [f"category_{c}_level_{lv}" for c in CATEGORIES for lv in LEVELS] + [
    "category_or_level_not_recorded"]
REGISTRATION_COLUMNS = [f"category_{c}" for c in CATEGORIES] + ["category_not_recorded"]
NOT_RECORDED_COLUMNS = ["registration_date_not_recorded"]
TENURES = ("council", "housing_association", "private")
ROUTES = ("void", "temporary", "transfer", "private", "not_recorded")
HOUSED_COLUMNS = [f"{t}_{r}" for t in ("council", "housing_association")
                  for r in ("void", "temporary", "transfer", "not_recorded")] + [
    "private_temporary", "private_transfer", "private_private"]
OUT_OF_AREA_COLUMNS = ["with_consent", "without_consent"]
#: The count tables of a report, by file stem, and their columns.
TABLES: dict[str, list[str]] = {
    "people_managed": MANAGED_COLUMNS, "registrations": REGISTRATION_COLUMNS,
    "registration_date_not_recorded": NOT_RECORDED_COLUMNS, "housed": HOUSED_COLUMNS,
    "out_of_area": OUT_OF_AREA_COLUMNS}

Kind = Literal["council", "area", "scotland"]


@dataclass(frozen=True)
class Scope:
    """What a report is of: one council (by its name in the areas layer), one MAPPA area
    (by name) or Scotland."""

    kind: Kind
    name: str = "Scotland"


def period(year: int) -> tuple[dt.date, dt.date]:
    """The reporting year ending in ``year``: 1 April ``year - 1`` to 31 March ``year``,
    both included."""
    return dt.date(year - 1, 4, 1), dt.date(year, 3, 31)


def check_year(year: int, today: dt.date) -> None:
    """Refuse a year out of range, or one whose reporting year has not ended."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DataError(f"year {year} is out of range: give the year the reporting period "
                        f"ends (1 April {FIRST_YEAR - 1} - 31 March {FIRST_YEAR} at the "
                        f"earliest), e.g. {today.year if today.month > 3 else today.year - 1}")
    if period(year)[1] >= today:
        raise DataError(f"the reporting year 1 April {year - 1} to 31 March {year} has not "
                        "ended yet; give an earlier year")


@dataclass(frozen=True)
class Figures:
    """What the figures are worked from: the councils (the areas layer's council rows:
    ``name``, ``population``, geometry), the properties (``property_id``, ``landlord``,
    geometry), the subjects layer, the placements as overlaid with the recorded moves,
    the recorded moves (``subject_id``, ``property_id``, ``moved_in_on``, ``kind``) and
    the granted transfer requests (``subject_id``, ``decided_on``)."""

    councils: gpd.GeoDataFrame
    properties: gpd.GeoDataFrame
    subjects: pd.DataFrame
    placements: pd.DataFrame
    moves: pd.DataFrame
    transfers: pd.DataFrame


def store_records(engine: Engine) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The recorded moves (every kind) and the granted transfer requests naming a
    subject, from the case store."""
    with session_scope(engine) as session:
        moves = session.execute(select(
            PlacementMove.subject_id, PlacementMove.property_id, PlacementMove.moved_in_on,
            PlacementMove.kind)).all()
        transfers = session.execute(select(
            TransferRequest.subject_id, TransferRequest.decided_on).where(
            TransferRequest.decision == "granted", TransferRequest.subject_id.is_not(None),
            TransferRequest.decided_on.is_not(None))).all()
    return (pd.DataFrame([tuple(r) for r in moves],
                         columns=["subject_id", "property_id", "moved_in_on", "kind"]),
            pd.DataFrame([tuple(r) for r in transfers], columns=["subject_id", "decided_on"]))


# --- the exact figures per council ---------------------------------------------------


def _council_of(property_ids: pd.Series, figures: Figures) -> pd.Series:
    """The council (name) each property lies in; NA outside every council or unknown."""
    props = figures.properties
    index = pd.Series(np.arange(len(props)), index=props["property_id"].astype(str))
    index = index[~index.index.duplicated()]
    rows = index.reindex(property_ids.astype(str).to_numpy()).to_numpy()
    known = ~np.isnan(rows)
    where = np.full(len(property_ids), -1, dtype=np.int64)
    if known.any():
        points = shapely.get_coordinates(
            props.geometry.representative_point().to_numpy()).reshape(-1, 2)
        where[known] = locate(points[rows[known].astype(np.int64)], figures.councils)
    names = figures.councils["name"].astype(str).to_numpy()
    out = pd.Series([names[w] if w >= 0 else None for w in where], index=property_ids.index,
                    dtype="string")
    return out


def _tally(frame: pd.DataFrame, councils: list[str], columns: list[str]) -> pd.DataFrame:
    """Count ``frame``'s rows by its ``council`` and ``column``."""
    row = {c: i for i, c in enumerate(councils)}
    col = {c: j for j, c in enumerate(columns)}
    values = np.zeros((len(councils), len(columns)), dtype=np.int64)
    for council, column in zip(frame["council"].astype(str), frame["column"].astype(str),
                               strict=True):
        values[row[council], col[column]] += 1
    return pd.DataFrame(values, index=pd.Index(councils, name="council"), columns=columns)


def _managed(figures: Figures, year: int) -> pd.DataFrame:
    """One row per person managed on 31 March: subject_id, council, category, level,
    registered_on (NaT when not recorded)."""
    placements = figures.placements
    now = placements[current_on(placements, period(year)[1])].copy()
    now["council"] = _council_of(now["property_id"], figures)
    now = now[now["council"].notna()]
    now["start"] = pd.to_datetime(now["start_date"], errors="coerce")
    now = now.assign(_id=now["subject_id"].astype(str)).sort_values(
        "start", kind="stable").drop_duplicates("_id", keep="last")
    subjects = figures.subjects.assign(_id=figures.subjects["subject_id"].astype(str))
    subjects = subjects.drop_duplicates("_id")
    joined = now[["_id", "council"]].merge(subjects, on="_id", how="left")

    def code(column: str) -> pd.Series:
        values = pd.to_numeric(joined.get(column, pd.Series(np.nan, index=joined.index)),
                               errors="coerce")
        return values.where(values.isin([1, 2, 3]))

    registered = pd.to_datetime(joined.get("registered_on", pd.Series(pd.NaT,
                                index=joined.index)), errors="coerce")
    return pd.DataFrame({"subject_id": joined["_id"], "council": joined["council"],
                         "category": code("mappa_category"), "level": code("mappa_level"),
                         "registered_on": registered})


def _tenure(landlords: pd.Series, council_names: list[str]) -> pd.Series:
    keys = {council_key(n) for n in council_names}
    text = landlords.astype("string").str.strip()
    empty = text.isna() | (text == "")
    is_council = text.fillna("").map(lambda v: council_key(v) in keys
                                     or "council" in v.casefold())
    return pd.Series(np.where(empty, "private", np.where(is_council, "council",
                                                         "housing_association")),
                     index=landlords.index)


def _routes(housed: pd.DataFrame, every: pd.DataFrame, figures: Figures) -> pd.Series:
    """The route of each move in (the module docstring's order)."""
    moves = figures.moves.assign(
        key=lambda m: m["subject_id"].astype(str) + "|" + m["property_id"].astype(str)
        + "|" + pd.to_datetime(m["moved_in_on"]).dt.strftime("%Y-%m-%d"))
    kind = dict(zip(moves["key"], moves["kind"].astype(object), strict=True))
    keys = (housed["subject_id"].astype(str) + "|" + housed["property_id"].astype(str)
            + "|" + housed["start"].dt.strftime("%Y-%m-%d"))
    temporary = keys.map(lambda k: kind.get(k) == "temporary")
    recorded_era = keys.map(lambda k: k in kind and pd.isna(kind[k]))
    transfer = _transfer_moves(housed, every, figures.transfers)
    no_landlord = housed["tenure"] == "private"
    route = np.select([temporary, transfer, no_landlord, recorded_era],
                      ["temporary", "transfer", "private", "void"], "not_recorded")
    return pd.Series(route, index=housed.index)


def _transfer_moves(housed: pd.DataFrame, every: pd.DataFrame, transfers: pd.DataFrame
                    ) -> pd.Series:
    """Whether each move in (rows of ``housed``, a part of ``every`` placement, same
    index) is the subject's first on or after a granted transfer of theirs (every
    placement of the subject, in or out of the year, counts as a first)."""
    out = pd.Series(False, index=housed.index)
    if not len(transfers):
        return out
    for subject, decided in zip(transfers["subject_id"].astype(str),
                                pd.to_datetime(transfers["decided_on"]), strict=True):
        theirs = every[(every["_id"] == subject) & (every["start"] >= decided)]
        if not len(theirs):
            continue
        first = theirs.sort_values("start", kind="stable").index[0]
        if first in out.index:
            out.loc[first] = True
    return out


def _housed(figures: Figures, year: int) -> pd.DataFrame:
    """One row per placement starting in the reporting year in a council: council,
    tenure, route, and the out-of-area columns."""
    first, last = (pd.Timestamp(d) for d in period(year))
    every = figures.placements.copy()
    every["start"] = pd.to_datetime(every["start_date"], errors="coerce")
    every["_id"] = every["subject_id"].astype(str)
    housed = every[(every["start"] >= first) & (every["start"] <= last)].copy()
    housed["council"] = _council_of(housed["property_id"], figures)
    housed = housed[housed["council"].notna()]
    landlord = figures.properties.drop_duplicates("property_id").set_index(
        figures.properties["property_id"].drop_duplicates().astype(str))
    landlords = landlord["landlord"] if "landlord" in landlord.columns else pd.Series(
        pd.NA, index=landlord.index, dtype="string")
    housed["landlord"] = housed["property_id"].astype(str).map(landlords)
    housed["tenure"] = _tenure(housed["landlord"],
                               list(figures.councils["name"].astype(str)))
    housed["route"] = _routes(housed, every, figures) if len(housed) else pd.Series(
        dtype=str)
    return housed


def _out_of_area(housed: pd.DataFrame) -> pd.DataFrame:
    placing = housed.get("placing_authority", pd.Series(pd.NA, index=housed.index))
    placing = placing.astype("string").str.strip()
    other = placing.notna() & (placing != "") & (
        placing.fillna("").map(council_key) != housed["council"].astype(str).map(council_key))
    consent = housed.get("consent_recorded", pd.Series(pd.NA, index=housed.index))
    agreed = consent.map(lambda v: v is True or str(v).strip().lower() in ("true", "1"))
    moved = housed[other.fillna(False).to_numpy(bool)]
    return pd.DataFrame({"council": moved["council"],
                         "column": np.where(agreed[moved.index], "with_consent",
                                            "without_consent")})


def exact_figures(figures: Figures, year: int) -> dict[str, pd.DataFrame]:
    """Every count table of the module, exact, one row per council of ``figures``
    (in the areas layer's order) and the columns of :data:`TABLES`."""
    councils = list(figures.councils["name"].astype(str))
    managed = _managed(figures, year)
    cells = np.where(managed["category"].notna() & managed["level"].notna(),
                     "category_" + managed["category"].astype("Int64").astype(str)
                     + "_level_" + managed["level"].astype("Int64").astype(str),
                     "category_or_level_not_recorded")
    out = {"people_managed": _tally(managed.assign(column=cells), councils,
                                    MANAGED_COLUMNS)}
    first, last = (pd.Timestamp(d) for d in period(year))
    new = managed[(managed["registered_on"] >= first) & (managed["registered_on"] <= last)]
    out["registrations"] = _tally(new.assign(column=np.where(
        new["category"].notna(), "category_" + new["category"].astype("Int64").astype(str),
        "category_not_recorded")), councils, REGISTRATION_COLUMNS)
    unknown = managed[managed["registered_on"].isna()]
    out["registration_date_not_recorded"] = _tally(
        unknown.assign(column=NOT_RECORDED_COLUMNS[0]), councils, NOT_RECORDED_COLUMNS)
    housed = _housed(figures, year)
    out["housed"] = _tally(housed.assign(column=housed["tenure"] + "_" + housed["route"]),
                           councils, HOUSED_COLUMNS)
    out["out_of_area"] = _tally(_out_of_area(housed), councils, OUT_OF_AREA_COLUMNS)
    return out


# --- MAPPA areas ---------------------------------------------------------------------


def areas_of_councils(councils: list[str], table: dict[str, str] | None
                      ) -> tuple[dict[str, str], list[str]]:
    """Each council's MAPPA area from ``table`` (None: :data:`DEFAULT_AREAS`), and the
    councils no area lists (each then an area of its own, named after it)."""
    by_key = {council_key(c): a for c, a in (table or DEFAULT_AREAS).items()}
    area_of, unlisted = {}, []
    for council in councils:
        area = by_key.get(council_key(council))
        if area is None:
            unlisted.append(council)
        area_of[council] = area or council
    return area_of, unlisted


# --- disclosure control of the linked tables -----------------------------------------


def _mask(p: Published) -> npt.NDArray[np.bool_]:
    """Which entries of the table with its margins ((R+1) x (C+1)) are suppressed."""
    rows, columns = p.cells.shape
    out = np.zeros((rows + 1, columns + 1), dtype=bool)
    out[:rows, :columns] = p.suppressed.to_numpy(bool)
    out[:rows, columns] = p.row_totals.isna().to_numpy(bool)
    out[rows, :columns] = p.column_totals.isna().to_numpy(bool)
    out[rows, columns] = p.grand_total is None
    return out


@dataclass(frozen=True)
class Protected:
    """A table set protected together: Scotland's table (MAPPA areas x columns) and each
    area's (its councils x columns)."""

    scotland: Published
    areas: dict[str, Published]


def _known(exact: pd.DataFrame, groups: dict[str, list[str]], names: list[str]
           ) -> tuple[npt.NDArray[np.bool_], dict[str, npt.NDArray[np.bool_]]]:
    """The entries the published over-concentration report gives: each council's total
    (its placements on 31 March) when at least the threshold, so an area's total too
    when every council of it is."""
    totals = exact.sum(axis=1)
    cols = exact.shape[1]
    top = np.zeros((len(names) + 1, cols + 1), dtype=bool)
    areas = {}
    for i, area in enumerate(names):
        mask = np.zeros((len(groups[area]) + 1, cols + 1), dtype=bool)
        big = (totals.loc[groups[area]] >= THRESHOLD).to_numpy(bool)
        mask[:-1, -1] = big
        mask[-1, -1] = top[i, -1] = bool(big.all())
        areas[area] = mask
    return top, areas


def protect_together(exact: pd.DataFrame, area_of: dict[str, str], *,
                     totals_known: bool = False) -> Protected:
    """Protect ``exact`` (councils x columns) for publication at every level at once:
    each MAPPA area's table and Scotland's table of areas, linked (an area's total row
    in its table is its row in Scotland's), suppressed alike until neither suppresses
    an entry the other publishes. Each table's own audit (every suppressed entry keeps
    a range of at least the threshold) holds with the other's suppressions forced.

    ``totals_known``: each council's row total is published elsewhere when at least the
    threshold (the people managed, as the over-concentration report's placements on 31
    March): the audit assumes the attacker knows it (:func:`_known`)."""
    groups: dict[str, list[str]] = {}
    for council in exact.index:
        groups.setdefault(area_of[str(council)], []).append(str(council))
    names = sorted(groups)
    scotland = pd.DataFrame([exact.loc[groups[a]].sum(axis=0) for a in names],
                            index=pd.Index(names, name="mappa_area"))
    tables = {a: exact.loc[groups[a]].rename_axis("council") for a in names}
    cols = exact.shape[1]
    force_s = np.zeros((len(names) + 1, cols + 1), dtype=bool)
    force = {a: np.zeros((len(groups[a]) + 1, cols + 1), dtype=bool) for a in names}
    known_s, known = _known(exact, groups, names) if totals_known else (None, {})
    while True:
        top = publishable(scotland, threshold=THRESHOLD, base=BASE, force=force_s,
                          known=known_s)
        top_mask = _mask(top)
        done: dict[str, Published] = {}
        changed = False
        for i, area in enumerate(names):
            force[area][-1, :] |= top_mask[i, :]
            done[area] = publishable(tables[area], threshold=THRESHOLD, base=BASE,
                                     force=force[area], known=known.get(area))
            total_row = _mask(done[area])[-1, :]
            if (total_row & ~top_mask[i, :]).any():
                force_s[i, :] |= total_row
                changed = True
        if not changed:
            return Protected(top, done)


# --- the report ----------------------------------------------------------------------


@dataclass(frozen=True)
class MappaReport:
    """The annual MAPPA figures of one scope and year (see the module)."""

    scope: Scope
    year: int
    published: bool
    fictional: bool
    generated: dt.datetime
    tables: dict[str, pd.DataFrame]
    #: the units (councils or MAPPA areas) the rows are
    unit: str
    notes: list[str] = field(default_factory=list)
    #: each row's outline (a council, the union of a MAPPA area's councils, and the
    #: whole scope for the Total row), EPSG:27700, by the unit's name; for the
    #: GeoPackage (:func:`geo_era.reporting.mappa_document.mappa_geopackage`)
    outlines: gpd.GeoSeries | None = None

    @property
    def marking(self) -> str:
        return PUBLISHED_MARKING if self.published else INTERNAL_MARKING

    @property
    def title(self) -> str:
        what = {"council": self.scope.name, "area": f"{self.scope.name} MAPPA area",
                "scotland": "Scotland"}[self.scope.kind]
        return f"MAPPA annual figures, {what}, 1 April {self.year - 1} to 31 March " \
               f"{self.year}"

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON: suppressed counts ``[c]``, unknown rates None."""
        tables = {name: frame.astype(object).where(frame.notna(), None).to_dict("records")
                  for name, frame in self.tables.items()}
        first, last = period(self.year)
        return {"marking": self.marking, "scope": self.scope.kind, "name": self.scope.name,
                "year": self.year, "period_start": first.isoformat(),
                "period_end": last.isoformat(), "published": self.published,
                "fictional": self.fictional, "unit": self.unit, "notes": self.notes,
                "tables": tables}


def _exact_frame(exact: pd.DataFrame) -> pd.DataFrame:
    """An exact table shown as a published one is (:meth:`Published.to_frame`): a Total
    column when it has more than one column, a Total row when more than one row."""
    table = exact.astype(np.int64).astype(object)
    if exact.shape[1] > 1:
        table[TOTAL] = exact.sum(axis=1).astype(object)
    if exact.shape[0] > 1:
        total = pd.DataFrame([table.sum(axis=0).to_numpy()], index=[TOTAL],
                             columns=table.columns, dtype=object)
        table = pd.concat([table, total])
        table.index.name = exact.index.name
    return table


def _units(exact: pd.DataFrame, area_of: dict[str, str], scope: Scope) -> pd.DataFrame:
    """The exact table by the scope's units."""
    if scope.kind == "council":
        return exact.loc[[scope.name]].rename_axis("council")
    if scope.kind == "area":
        members = [c for c in exact.index if area_of[str(c)] == scope.name]
        return exact.loc[members].rename_axis("council")
    grouped = exact.groupby(exact.index.map(lambda c: area_of[str(c)])).sum()
    return grouped.sort_index().rename_axis("mappa_area")


def _published(exact: pd.DataFrame, area_of: dict[str, str], scope: Scope, *,
               totals_known: bool) -> tuple[pd.DataFrame, pd.Series]:
    """The published table of the scope, and its published people counts per unit
    (row totals, NA suppressed; a Total entry when the table has a Total row)."""
    protected = protect_together(exact, area_of, totals_known=totals_known)
    if scope.kind == "scotland":
        chosen = protected.scotland
        frame = chosen.to_frame()
    else:
        area = area_of[scope.name] if scope.kind == "council" else scope.name
        chosen = protected.areas[area]
        frame = chosen.to_frame()
        if scope.kind == "council":
            frame = frame.loc[[scope.name]]
    totals = pd.concat([chosen.row_totals, pd.Series(
        [chosen.grand_total], index=[TOTAL], dtype="Int64")]).astype("Int64")
    return frame, totals.reindex(frame.index)


def _rates(people: pd.Series, population: pd.Series) -> pd.DataFrame:
    """People managed per 100,000 residents, by unit (NA where either is unknown)."""
    count = pd.to_numeric(people.astype(object).where(people.notna(), np.nan),
                          errors="coerce").astype(float)
    pop = pd.to_numeric(population.reindex(people.index), errors="coerce").astype(float)
    rate = np.where(pop > 0, count / pop * 100_000, np.nan)
    return pd.DataFrame({"population": pop.round().astype("Int64"),
                         "people_managed": people.astype(object).where(people.notna(),
                                                                       MARKER),
                         "rate_per_100k": np.round(rate, 1)}, index=people.index)


def _population(figures: Figures, area_of: dict[str, str], scope: Scope,
                index: pd.Index) -> pd.Series:
    pop = pd.to_numeric(figures.councils.get("population"), errors="coerce")
    by_council = pd.Series(pop.to_numpy(float), index=figures.councils["name"].astype(str))
    if scope.kind == "scotland":
        by_unit = by_council.groupby(by_council.index.map(lambda c: area_of[c])).sum(
            min_count=1)
        total = by_council.sum(min_count=1)
    else:
        members = [c for c in by_council.index if area_of[c] == (
            scope.name if scope.kind == "area" else area_of[scope.name])]
        by_unit = by_council.loc[members]
        total = by_unit.sum(min_count=1)
    out: pd.Series = pd.concat([by_unit, pd.Series([total], index=[TOTAL])]).reindex(index)
    return out


def resolve(councils: list[str], area_of: dict[str, str], scope: Scope) -> Scope:
    """The scope named as the areas layer (or the MAPPA areas table) names it; refused
    with the known names when unknown."""
    if scope.kind == "scotland":
        return Scope("scotland")
    if scope.kind == "council":
        found = [c for c in councils if council_key(c) == council_key(scope.name)]
        if not found:
            raise NotFoundError(f"council {scope.name!r} is not in the areas layer; "
                                f"councils loaded: {', '.join(sorted(councils)) or 'none'}")
        return Scope("council", found[0])
    areas = sorted(set(area_of.values()))
    found = [a for a in areas if a.casefold() == " ".join(scope.name.split()).casefold()]
    if not found:
        raise NotFoundError(f"MAPPA area {scope.name!r} has no council in the areas layer; "
                            f"MAPPA areas: {', '.join(areas) or 'none'}")
    return Scope("area", found[0])


def build_mappa_report(figures: Figures, *, scope: Scope, year: int, published: bool,
                       area_table: dict[str, str] | None = None,
                       today: dt.date | None = None,
                       now: dt.datetime | None = None) -> MappaReport:
    """The annual MAPPA figures of ``scope`` for the reporting year ending 31 March
    ``year`` (see the module), internal or for publication.

    ``area_table`` is the council -> MAPPA area table (None: Scotland's, built in).
    Raises :class:`DataError` for a year out of range or not yet ended, and
    :class:`NotFoundError` for an unknown council or area (naming the known ones)."""
    check_year(year, today or clock.today())
    councils = list(figures.councils["name"].astype(str))
    if not councils:
        raise NotFoundError("the areas layer has no council (area_type 'council'): load "
                            "the council areas before reporting")
    area_of, unlisted = areas_of_councils(councils, area_table)
    scope = resolve(councils, area_of, scope)
    exact = exact_figures(figures, year)
    unit = "mappa_area" if scope.kind == "scotland" else "council"
    tables: dict[str, pd.DataFrame] = {}
    people: pd.Series | None = None
    for stem, table in exact.items():
        if published:
            frame, totals = _published(table, area_of, scope,
                                       totals_known=stem == "people_managed")
        else:
            frame = _exact_frame(_units(table, area_of, scope))
            totals = (frame[TOTAL] if TOTAL in frame.columns else frame.iloc[:, 0]).astype(
                "Int64")
        if stem == "people_managed":
            people = totals
        frame.index.name = unit
        frame.columns.name = None
        tables[stem] = frame.reset_index()
    assert people is not None
    rates = _rates(people, _population(figures, area_of, scope, people.index))
    rates.index.name = unit
    tables["rates"] = rates.reset_index()
    notes = [f"{c} is in no MAPPA area of the table in use: reported as an area of its own "
             "(set GEO_ERA_MAPPA_AREAS to place it)" for c in unlisted
             if scope.kind == "scotland" or area_of.get(scope.name, scope.name) == c]
    return MappaReport(scope, year, published, _fictional(figures), now or dt.datetime.now(
        dt.UTC), tables, unit, notes,
        _outlines(figures.councils, area_of, scope, tables["rates"][unit]))


def _outlines(councils: gpd.GeoDataFrame, area_of: dict[str, str], scope: Scope,
              units: pd.Series) -> gpd.GeoSeries:
    """Each row's outline by unit name: a council's polygon, a MAPPA area's councils
    dissolved, and for the Total row the union of the rows' outlines."""
    by_council = gpd.GeoSeries(councils.geometry.to_numpy(), crs=councils.crs,
                               index=councils["name"].astype(str))
    if scope.kind == "scotland":
        shapes = {area: shapely.union_all(by_council[[c for c in by_council.index
                                                      if area_of[c] == area]].to_numpy())
                  for area in units if area != TOTAL}
    else:
        shapes = {c: by_council[c] for c in units if c != TOTAL and c in by_council.index}
    shapes[TOTAL] = shapely.union_all(list(shapes.values()))
    return gpd.GeoSeries(shapes, crs=councils.crs)


def _fictional(figures: Figures) -> bool:
    frames = (figures.placements, figures.subjects)
    for frame in frames:
        flag = frame.get("fictional", pd.Series(dtype=object)).astype(object)
        if flag.map(lambda v: v is True or str(v).strip().lower() in ("true", "1")).any():
            return True
        if frame["subject_id"].astype(str).str.startswith("FICTIONAL").any():
            return True
    return False

"""The published MAPPA figures cannot be differenced (R131, with the over-concentration
report's disclosure control): every published file of every level (Scotland, each
MAPPA area, each council) read together leaves each suppressed count a range of at
least 10.

The attacker's unknowns are the exact counts of every council and table. Each number
any published file shows (a council's cell or total, an area's total row, a row of
Scotland's table of areas) is a sum of those unknowns known to within 2 (rounding to
5); each suppressed one is only known to be at least 0. The tables are linked beyond
their sums: a council's new registrations of a category are among the people it
manages of that category (or of no recorded category or level), those with no
registration date among the people it manages, and its out-of-area placements among
the people it housed. The attack helpers of the over-concentration tests
(:class:`Attack`, :func:`witnessed_unpinned`) solve it, with one variable per shown
quantity tied to the unknowns by an equation, and a slack variable per link.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely

from geo_era.overconcentration.disclosure import MARKER, THRESHOLD, TOTAL, round_to_base
from geo_era.reporting.mappa import (
    HOUSED_COLUMNS,
    TABLES,
    Figures,
    Scope,
    build_mappa_report,
    exact_figures,
)
from geo_era.reporting.mappa_document import write_mappa_report
from tests.overconcentration.test_disclosure import Attack, witnessed_unpinned

TODAY = dt.date(2026, 12, 6)
YEAR = 2026
#: Three MAPPA areas: four councils, three, and one alone (a one-row table).
GROUPS = {"FICTIONAL North": 4, "FICTIONAL East": 3, "FICTIONAL Isle": 1}


def fictional_country(seed: int = 7) -> tuple[Figures, dict[str, str]]:
    """Eight FICTIONAL councils (1 km squares in a row), 250 properties each, 650
    subjects with categories, levels and registration dates drawn with a seeded
    generator, each placed once; a tenth placed by another council, some of those with
    consent recorded; a few placements in temporary accommodation."""
    rng = np.random.default_rng(seed)
    names, area_of = [], {}
    for area, n in GROUPS.items():
        for k in range(n):
            name = f"FICTIONAL {area.split()[1]} {k + 1} Council"
            names.append(name)
            area_of[name] = area
    councils = gpd.GeoDataFrame(
        {"area_id": [f"C{i}" for i in range(len(names))], "area_type": "council",
         "name": names, "population": rng.integers(20_000, 300_000, len(names))},
        geometry=[shapely.box(i * 1000, 0, i * 1000 + 1000, 1000)
                  for i in range(len(names))], crs="EPSG:27700")
    n_props = 250 * len(names)
    town = np.repeat(np.arange(len(names)), 250)
    kind = rng.choice(3, size=n_props, p=[0.35, 0.35, 0.3])
    landlord = [names[t] if k == 0 else "FICTIONAL Homes HA" if k == 1 else None
                for t, k in zip(town, kind, strict=True)]
    properties = gpd.GeoDataFrame(
        {"property_id": [f"FICTIONAL-P{i:05d}" for i in range(n_props)],
         "landlord": pd.array(landlord, dtype="string")},
        geometry=shapely.points(town * 1000 + rng.uniform(10, 990, n_props),
                                rng.uniform(10, 990, n_props)), crs="EPSG:27700")
    n = 650
    ids = [f"FICTIONAL-S{i:05d}" for i in range(n)]
    registered = pd.Timestamp("2016-01-01") + pd.to_timedelta(
        rng.integers(0, 3700, n), unit="D")
    subjects = pd.DataFrame({
        "subject_id": ids,
        "mappa_category": rng.choice([1, 2, 3], n, p=[0.8, 0.12, 0.08]),
        "mappa_level": rng.choice([1, 2, 3], n, p=[0.85, 0.12, 0.03]),
        "registered_on": pd.Series(registered).where(rng.random(n) > 0.05)})
    # placements skewed towards the first councils, so some councils have few
    weights = np.linspace(3, 1, n_props)
    homes = rng.choice(n_props, size=n, replace=False, p=weights / weights.sum())
    start = pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 2650, n),
                                                         unit="D")
    outside = rng.random(n) < 0.12
    placing = [names[(town[h] + 1) % len(names)] if o else None
               for h, o in zip(homes, outside, strict=True)]
    placements = pd.DataFrame({
        "subject_id": ids, "property_id": properties["property_id"].to_numpy()[homes],
        "start_date": start, "end_date": pd.Series(start + pd.to_timedelta(
            rng.integers(30, 900, n), unit="D")).where(rng.random(n) < 0.1),
        "placing_authority": pd.array(placing, dtype="string"),
        "consent_recorded": pd.array(np.where(outside, rng.random(n) < 0.6, False),
                                     dtype="boolean")})
    temporary = placements.sample(25, random_state=seed)
    moves = pd.DataFrame({"subject_id": temporary["subject_id"],
                          "property_id": temporary["property_id"],
                          "moved_in_on": temporary["start_date"].dt.date,
                          "kind": "temporary"})
    return Figures(councils, properties, subjects, placements, moves,
                   pd.DataFrame(columns=["subject_id", "decided_on"])), area_of


def read_table(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)


def published_files(tmp_path: Path) -> tuple[dict[str, Path], Figures, dict[str, str]]:
    """Every published report of the country written to files: Scotland, each area,
    each council."""
    figures, area_of = fictional_country()
    scopes = [Scope("scotland")] + [Scope("area", a) for a in GROUPS] + [
        Scope("council", c) for c in area_of]
    out = {}
    for k, scope in enumerate(scopes):
        report = build_mappa_report(figures, scope=scope, year=YEAR, published=True,
                                    area_table=area_of, today=TODAY)
        folder = tmp_path / f"r{k}"
        write_mappa_report(report, folder)
        out[f"{scope.kind} {scope.name}"] = folder
    return out, figures, area_of


class Programme:
    """The attacker's programme over every council's exact counts (module docstring)."""

    def __init__(self, councils: list[str]) -> None:
        self.councils = councils
        self.unknowns = {(stem, c, col): i for i, (stem, c, col) in enumerate(
            (stem, c, col) for stem, cols in TABLES.items() for c in councils for col in cols)}
        self.n = len(self.unknowns)
        self.rows: list[dict[int, float]] = []
        self.lower: list[float] = [0.0] * self.n
        self.upper: list[float] = [np.inf] * self.n
        self.hidden: list[int] = []
        self.labels: list[tuple[object, object]] = [(c, (s, col))
                                                    for (s, c, col) in self.unknowns]
        self.seen: set[tuple[object, ...]] = set()

    def _variable(self, low: float, high: float, label: tuple[object, object]) -> int:
        self.lower.append(low)
        self.upper.append(high)
        self.labels.append(label)
        self.n += 1
        return self.n - 1

    def shown(self, stem: str, councils: list[str], columns: list[str], value: str,
              label: tuple[object, object]) -> None:
        """One number a file shows: the sum of the unknowns of ``councils`` x
        ``columns`` of table ``stem``, published (within 2) or suppressed."""
        key = (stem, tuple(sorted(councils)), tuple(sorted(columns)), value)
        if key in self.seen:
            return
        self.seen.add(key)
        hidden = value == MARKER
        v = self._variable(0.0, np.inf, label) if hidden else self._variable(
            float(value) - 2, float(value) + 2, label)
        if hidden:
            self.hidden.append(v)
        self.rows.append({v: -1.0, **{self.unknowns[(stem, c, col)]: 1.0
                                      for c in councils for col in columns}})

    def at_most(self, small: list[tuple[str, str, str]], large: list[tuple[str, str, str]]
                ) -> None:
        """A link: the sum of ``small`` unknowns is at most the sum of ``large``."""
        s = self._variable(0.0, np.inf, ("slack", len(self.rows)))
        row = {s: 1.0}
        for key in small:
            row[self.unknowns[key]] = row.get(self.unknowns[key], 0.0) + 1.0
        for key in large:
            row[self.unknowns[key]] = row.get(self.unknowns[key], 0.0) - 1.0
        self.rows.append(row)

    def attack(self) -> Attack:
        r = [k for k, row in enumerate(self.rows) for _ in row]
        c = [v for row in self.rows for v in row]
        x = [w for row in self.rows for w in row.values()]
        equations = sp.csr_array((x, (r, c)), shape=(len(self.rows), self.n))
        return Attack(equations, np.array(self.lower), np.array(self.upper),
                      np.array(sorted(set(self.hidden)), dtype=np.int64), self.labels)


def _links(p: Programme) -> None:
    for c in p.councils:
        managed = [("people_managed", c, col) for col in TABLES["people_managed"]]
        not_recorded = ("people_managed", c, "category_or_level_not_recorded")
        for k in (1, 2, 3):
            p.at_most([("registrations", c, f"category_{k}")],
                      [("people_managed", c, f"category_{k}_level_{lv}")
                       for lv in (1, 2, 3)] + [not_recorded])
        p.at_most([("registrations", c, col) for col in TABLES["registrations"]]
                  + [("registration_date_not_recorded", c,
                      "registration_date_not_recorded")], managed)
        p.at_most([("out_of_area", c, col) for col in TABLES["out_of_area"]],
                  [("housed", c, col) for col in HOUSED_COLUMNS])


def _over_concentration(p: Programme, figures: Figures) -> None:
    """What the published over-concentration reports add: each council's placements on
    31 March (here its people managed: one placement each) when 10 or more, to within
    2."""
    managed = exact_figures(figures, YEAR)["people_managed"].sum(axis=1)
    for council, total in managed.items():
        if total >= THRESHOLD:
            p.shown("people_managed", [str(council)], TABLES["people_managed"],
                    str(int(round_to_base(int(total)))),
                    (council, ("over-concentration", "count")))


def _read(p: Programme, files: dict[str, Path], area_of: dict[str, str]) -> None:
    """Every number of every published table into the programme."""
    members = {a: [c for c in area_of if area_of[c] == a] for a in GROUPS}
    for name, folder in files.items():
        for stem, columns in TABLES.items():
            table = read_table(folder / f"{stem}.csv")
            unit = table.columns[0]
            for _, row in table.iterrows():
                label = row[unit]
                if unit == "mappa_area":
                    councils = list(area_of) if label == TOTAL else members[label]
                elif label == TOTAL:
                    councils = members[name.split(" ", 1)[1]]
                else:
                    councils = [label]
                for col in table.columns[1:]:
                    cols = columns if col == TOTAL else [col]
                    p.shown(stem, councils, cols, row[col], (label, (stem, col)))


def test_no_suppressed_count_can_be_narrowed_below_10_from_all_published_files(
        tmp_path: Path) -> None:
    """R131: an attacker holding the published files of Scotland, every MAPPA area and
    every council together, and the councils' totals the published over-concentration
    reports give, narrows no suppressed count to fewer than 10 values."""
    files, figures, area_of = published_files(tmp_path)
    p = Programme(list(area_of))
    _read(p, files, area_of)
    _links(p)
    _over_concentration(p, figures)
    a = p.attack()
    assert len(a.suppressed) > 100  # large enough to have suppression of every kind
    unpinned = witnessed_unpinned(a)
    for variable in a.suppressed[~unpinned]:
        low, high = a.exact_range(int(variable))
        assert high - low >= THRESHOLD, a.labels[variable]
    # and the files agree with the exact counts (each shown number within 2 of its sum)
    exact = exact_figures(figures, YEAR)
    known = len(p.unknowns)
    for row in p.rows:
        (extra,) = [v for v in row if v >= known]
        if row[extra] != -1.0 or extra in a.suppressed:
            continue
        value = sum(w * exact[p.labels[v][1][0]].loc[p.labels[v][0], p.labels[v][1][1]]
                    for v, w in row.items() if v < known)
        assert a.lower[extra] <= value <= a.upper[extra], a.labels[extra]


@pytest.mark.parametrize("scope", [Scope("council", "FICTIONAL North 2 Council"),
                                   Scope("area", "FICTIONAL North")])
def test_a_council_publishes_its_row_of_its_areas_table(scope: Scope) -> None:
    """No differencing between levels: a council's published figures are exactly its
    row of its MAPPA area's published table, and an area's total row exactly its row of
    Scotland's table."""
    figures, area_of = fictional_country()

    def tables(s: Scope) -> dict[str, pd.DataFrame]:
        return build_mappa_report(figures, scope=s, year=YEAR, published=True,
                                  area_table=area_of, today=TODAY).tables

    area = tables(Scope("area", "FICTIONAL North"))
    scotland = tables(Scope("scotland"))
    mine = tables(scope)
    for stem in TABLES:
        if scope.kind == "council":
            row = area[stem].set_index("council").loc[[scope.name]]
            assert mine[stem].set_index("council").equals(row), stem
        else:
            total = mine[stem].set_index("council").loc[TOTAL]
            assert list(total) == list(scotland[stem].set_index("mappa_area").loc[
                "FICTIONAL North"]), stem


def test_forced_entries_are_suppressed_and_protected() -> None:
    """``publishable(force=...)``: an entry another table suppresses is suppressed here
    whatever its count, with complementary suppression to protect it; a mask of the
    wrong shape is refused."""
    from geo_era.errors import DataError
    from geo_era.overconcentration.disclosure import publishable

    counts = pd.DataFrame({"a": [40, 35, 50], "b": [30, 45, 25]}, index=["x", "y", "z"])
    force = np.zeros((4, 3), dtype=bool)
    force[3, 0] = True  # column a's total (125)
    done = publishable(counts, force=force)
    assert done.column_totals.isna()["a"]
    # a column total alone would be the sum of its cells: a cell of it goes too, and a
    # partner in each line it opens
    assert done.suppressed["a"].any() and done.audit["protected"].all()
    assert (done.audit["max"] - done.audit["min"] >= THRESHOLD).all()
    with pytest.raises(DataError, match="shape"):
        publishable(counts, force=np.zeros((3, 3), dtype=bool))


def _shown_value(value: object) -> str:
    return MARKER if value is None or value is pd.NA else str(int(value))  # type: ignore[call-overload]


@pytest.mark.parametrize("known", [True, False])
def test_totals_the_over_concentration_report_gives_are_not_relied_on(known: bool) -> None:
    """R131: a MAPPA area of two councils, of 40 people and of 5. Hiding the 40 to
    protect the 5 protects nothing, as the over-concentration report publishes the 40:
    with the councils' totals known, the 5 keeps a range of 10 from this table, the
    Scotland table and those totals together; without (the protection alone), the
    attacker pins it from the area's total."""
    from geo_era.reporting.mappa import protect_together

    columns = ["with_consent", "without_consent"]
    exact = pd.DataFrame([[20, 20], [3, 2], [30, 25]], columns=columns,
                         index=["A1", "A2", "B1"])
    area_of = {"A1": "A", "A2": "A", "B1": "B"}
    protected = protect_together(exact, area_of, totals_known=known)
    p = Programme(list(area_of))
    tables = [(protected.areas[a], {c: [c] for c in area_of if area_of[c] == a})
              for a in ("A", "B")]
    tables.append((protected.scotland, {a: [c for c in area_of if area_of[c] == a]
                                        for a in ("A", "B")}))
    for published, members in tables:
        everyone = [c for m in members.values() for c in m]
        for unit, councils in members.items():
            for col in columns:
                p.shown("out_of_area", councils, [col],
                        _shown_value(published.cells.loc[unit, col]), (unit, col))
            p.shown("out_of_area", councils, columns,
                    _shown_value(published.row_totals[unit]), (unit, TOTAL))
        for col in columns:
            p.shown("out_of_area", everyone, [col],
                    _shown_value(published.column_totals[col]), (TOTAL, col))
        p.shown("out_of_area", everyone, columns, _shown_value(published.grand_total),
                (TOTAL, TOTAL))
    for council in ("A1", "B1"):  # the over-concentration report's totals
        p.shown("out_of_area", [council], columns,
                str(int(round_to_base(int(exact.loc[council].sum())))), (council, "oc"))
    a = p.attack()
    small = next(v for v in a.suppressed if a.labels[v] == ("A2", TOTAL))
    low, high = a.exact_range(int(small))
    assert (high - low >= THRESHOLD) is known

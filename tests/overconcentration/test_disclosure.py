"""Disclosure control of published counts
(:mod:`geo_era.overconcentration.disclosure`): the rules of the
published table, two small tables worked by hand, and an attacker who sees only the
published table.

The attacker is built here, independently of the module's own audit: a linear programme
over every cell and total of the table, where a published value ``v`` means an exact count
in ``[v - 2, v + 2]``, a suppressed one any count ``>= 0``, every row adds up to its total,
every column to its total, the totals to the grand total. A suppressed entry is *pinned*
when the attacker can narrow it to a range narrower than the threshold (10). The attack
pins nothing in what :func:`~geo_era.overconcentration.disclosure.publishable` publishes, and
does pin
cells of the same tables with only primary suppression (so the attack can fail).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from geo_era.errors import DataError
from geo_era.overconcentration import disclosure
from geo_era.overconcentration.disclosure import (
    MARKER,
    TOTAL,
    Published,
    publishable,
    round_to_base,
)

THRESHOLD = 10
BASE = 5
TOL = 1e-6

FloatArray = npt.NDArray[np.float64]


# --- the attacker --------------------------------------------------------------------


@dataclass
class Attack:
    """The attacker's linear programme: variables are the cells (row-major), the row
    totals, the column totals and the grand total; ``equations @ v == 0``;
    ``lower <= v <= upper``."""

    equations: sp.csr_array
    lower: FloatArray
    upper: FloatArray
    suppressed: npt.NDArray[np.int64]  # variables the table does not publish
    labels: list[tuple[object, object]]  # (row, column) of each variable

    def bounds(self) -> npt.NDArray[np.float64]:
        return np.column_stack([self.lower, self.upper])

    def feasible(self, v: FloatArray) -> bool:
        return bool(np.abs(self.equations @ v).max() < TOL
                    and (v >= self.lower - TOL).all() and (v <= self.upper + TOL).all())

    def exact_range(self, variable: int) -> tuple[float, float]:
        """The least and greatest value of one variable (inf when unbounded)."""
        out = []
        for sense in (1.0, -1.0):
            c = np.zeros(len(self.lower))
            c[variable] = sense
            res = linprog(c, A_eq=self.equations, b_eq=np.zeros(self.equations.shape[0]),
                          bounds=self.bounds(), method="highs")
            if res.status == 3:
                out.append(-sense * np.inf)
            else:
                assert res.status == 0, res.message
                assert self.feasible(res.x)
                out.append(sense * res.fun)
        return out[0], out[1]


def attack(cells: pd.DataFrame, row_totals: pd.Series, column_totals: pd.Series,
           grand_total: int | None, *, slack: int = 2, knows_threshold: bool = False
           ) -> Attack:
    """The attacker's programme from a published table alone. ``knows_threshold``: the
    attacker also knows that a published count is at least the threshold."""
    n_rows, n_columns = cells.shape
    published = np.concatenate([
        cells.to_numpy(dtype=float, na_value=np.nan).ravel(),
        row_totals.to_numpy(dtype=float, na_value=np.nan),
        column_totals.to_numpy(dtype=float, na_value=np.nan),
        [np.nan if grand_total is None else float(grand_total)],
    ])
    n_cells = n_rows * n_columns
    n = len(published)
    grand = n - 1
    equations: list[dict[int, float]] = []
    for i in range(n_rows):
        equations.append({**{i * n_columns + j: 1.0 for j in range(n_columns)},
                          n_cells + i: -1.0})
    for j in range(n_columns):
        equations.append({**{i * n_columns + j: 1.0 for i in range(n_rows)},
                          n_cells + n_rows + j: -1.0})
    equations.append({**{n_cells + i: 1.0 for i in range(n_rows)}, grand: -1.0})
    equations.append({**{n_cells + n_rows + j: 1.0 for j in range(n_columns)}, grand: -1.0})
    rows = [k for k, eq in enumerate(equations) for _ in eq]
    columns = [v for eq in equations for v in eq]
    values = [x for eq in equations for x in eq.values()]
    matrix = sp.csr_array((values, (rows, columns)), shape=(len(equations), n))
    hidden = np.isnan(published)
    floor = THRESHOLD if knows_threshold else 0
    lower = np.where(hidden, 0.0, np.maximum(published - slack, floor))
    upper = np.where(hidden, np.inf, published + slack)
    labels = ([(r, c) for r in cells.index for c in cells.columns]
              + [(r, TOTAL) for r in cells.index] + [(TOTAL, c) for c in cells.columns]
              + [(TOTAL, TOTAL)])
    return Attack(matrix, lower, upper, np.flatnonzero(hidden), labels)


def attack_published(p: Published, **kwargs: bool) -> Attack:
    return attack(p.cells, p.row_totals, p.column_totals, p.grand_total, **kwargs)


def witnessed_unpinned(a: Attack, rounds: int = 6) -> npt.NDArray[np.bool_]:
    """Which suppressed variables the attacker provably cannot pin, shown by witnesses:
    two tables ``x`` and ``z``, both consistent with everything published (checked here),
    in which the variable differs by at least the threshold. Each round solves one
    programme over both tables with a random sign per variable still unproven,
    maximising the sum of ``min(sign * (x - z), threshold)``."""
    rng = np.random.default_rng(0)
    n = len(a.lower)
    targets = a.suppressed
    low = np.full(len(targets), np.inf)
    high = np.full(len(targets), -np.inf)
    for _ in range(rounds):
        todo = np.flatnonzero(high - low < THRESHOLD - TOL)
        if len(todo) == 0:
            break
        m = len(todo)
        sign = rng.choice([-1.0, 1.0], size=m)
        # variables: x (n), z (n), t (m); t_k - sign_k (x_k - z_k) <= 0, t_k <= threshold
        picks = sp.csr_array((np.ones(m), (np.arange(m), targets[todo])), shape=(m, n))
        ub = sp.hstack([-(picks.multiply(sign[:, None])), picks.multiply(sign[:, None]),
                        sp.eye_array(m)]).tocsr()
        eq = sp.block_diag([a.equations, a.equations]).tocsr()
        eq = sp.hstack([eq, sp.csr_array((eq.shape[0], m))]).tocsr()
        bounds = np.vstack([a.bounds(), a.bounds(),
                            np.column_stack([np.full(m, -np.inf), np.full(m, THRESHOLD)])])
        objective = np.concatenate([np.zeros(2 * n), -np.ones(m)])
        res = linprog(objective, A_ub=ub, b_ub=np.zeros(m), A_eq=eq,
                      b_eq=np.zeros(eq.shape[0]), bounds=bounds, method="highs")
        assert res.status == 0, res.message
        for witness in (res.x[:n], res.x[n:2 * n]):
            assert a.feasible(witness)
            low = np.minimum(low, witness[targets])
            high = np.maximum(high, witness[targets])
    return high - low >= THRESHOLD - TOL


def naive(counts: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, pd.Series, int | None]:
    """Primary suppression and rounding only: what the module does without its
    secondary suppression."""
    def show(values: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
        rounded = (values + 2) // 5 * 5
        return rounded.where(values >= THRESHOLD).astype("Int64")

    grand = int(counts.to_numpy().sum())
    cells = show(counts)
    assert isinstance(cells, pd.DataFrame)
    rows = show(counts.sum(axis=1))
    columns = show(counts.sum(axis=0))
    assert isinstance(rows, pd.Series) and isinstance(columns, pd.Series)
    return cells, rows, columns, (grand + 2) // 5 * 5 if grand >= THRESHOLD else None


def small_counts(rng: np.random.Generator, shape: tuple[int, int]) -> pd.DataFrame:
    """Counts with many zeros and small values, some large: like offenders per data zone."""
    scale = rng.choice([0, 1, 3, 8, 20], size=(shape[0], 1), p=[0.2, 0.3, 0.25, 0.15, 0.1])
    counts = rng.poisson(scale * rng.uniform(0.5, 1.5, size=shape))
    return labelled(counts)


def few_small_counts(rng: np.random.Generator, shape: tuple[int, int]) -> pd.DataFrame:
    """Counts mostly well over the threshold, about one in six under it: where a lone
    small count can be found by differencing."""
    counts = rng.poisson(30, size=shape)
    small = rng.random(shape) < 0.17
    counts[small] = rng.integers(0, THRESHOLD, size=int(small.sum()))
    return labelled(counts)


def labelled(counts: npt.NDArray[np.int64]) -> pd.DataFrame:
    return pd.DataFrame(counts, index=[f"S01{i:06d}" for i in range(counts.shape[0])],
                        columns=[f"c{j}" for j in range(counts.shape[1])])


GENERATORS = {"many_small": small_counts, "few_small": few_small_counts}


# --- the published table's rules -----------------------------------------------------


def published_values(p: Published) -> npt.NDArray[np.float64]:
    """Every published number: cells, totals and the grand total (NaN where suppressed)."""
    return np.concatenate([
        p.cells.to_numpy(dtype=float, na_value=np.nan).ravel(),
        p.row_totals.to_numpy(dtype=float, na_value=np.nan),
        p.column_totals.to_numpy(dtype=float, na_value=np.nan),
        [np.nan if p.grand_total is None else p.grand_total]])


def check_rules(counts: pd.DataFrame, p: Published) -> None:
    """What every published table must satisfy."""
    values = published_values(p)
    shown = values[~np.isnan(values)]
    assert (shown >= THRESHOLD).all()
    assert (shown % BASE == 0).all()
    exact = counts.to_numpy()
    # published cells are the exact counts rounded; suppressed ones are missing
    cells = p.cells.to_numpy(dtype=float, na_value=np.nan)
    assert np.array_equal(np.isnan(cells), p.suppressed.to_numpy())
    assert np.array_equal(cells[~np.isnan(cells)],
                          round_to_base(exact, BASE)[~np.isnan(cells)])
    # every cell under the threshold is suppressed, and is primary
    assert np.array_equal(p.primary.to_numpy(), exact < THRESHOLD)
    assert not (p.primary.to_numpy() & ~p.suppressed.to_numpy()).any()
    # totals come from the exact counts
    for shown_totals, exact_totals in ((p.row_totals, exact.sum(axis=1)),
                                       (p.column_totals, exact.sum(axis=0))):
        t = shown_totals.to_numpy(dtype=float, na_value=np.nan)
        assert (np.isnan(t) | (t == round_to_base(exact_totals, BASE))).all()
        assert np.isnan(t[exact_totals < THRESHOLD]).all()
    if p.grand_total is not None:
        assert p.grand_total == round_to_base(exact.sum(), BASE)
    # every row and column (with its total) holding a suppressed entry holds two
    n_rows, n_columns = exact.shape
    grid = np.ones((n_rows + 1, n_columns + 1), dtype=bool)
    grid[:n_rows, :n_columns] = np.isnan(cells)
    grid[:n_rows, n_columns] = p.row_totals.isna().to_numpy()
    grid[n_rows, :n_columns] = p.column_totals.isna().to_numpy()
    grid[n_rows, n_columns] = p.grand_total is None
    assert not ((grid.sum(axis=0) == 1).any() or (grid.sum(axis=1) == 1).any())
    # the module's own audit says every suppressed entry is protected
    assert p.audit["protected"].all()
    assert ((p.audit["max"] - p.audit["min"]) >= THRESHOLD).all()


# --- hand-worked tables --------------------------------------------------------------


def test_a_three_by_three_table_worked_by_hand() -> None:
    """Exact counts, with totals::

            X   Y   Z | total
        A   4  20  31 |   55
        B  12  15   9 |   36
        C  25   3  40 |   68
        ----------------------
           41  38  80 |  159

    Primary: A/X (4), B/Z (9), C/Y (3): one in every row and every column; no total is
    under 10. Secondary, rows first: A's smallest published cell is A/Y (20), B's B/X
    (12), C's C/X (25). Columns: X now holds A, B, C and Y holds A, C, but Z holds only
    B/Z: its smallest published cell is A/Z (31; C/Z is 40). Every line now holds 0 or at
    least 2. Rounded: B/Y 15 -> 15, C/Z 40 -> 40; totals 55 -> 55, 36 -> 35, 68 -> 70,
    41 -> 40, 38 -> 40, 80 -> 80, 159 -> 160.

    Audit of A/Z: column Z gives A/Z + B/Z = Z - C/Z in [78 - 42, 82 - 38] = [36, 44], so
    A/Z <= 44; row B gives B/X + B/Z = B - B/Y in [33 - 17, 37 - 13] = [16, 24], so
    B/Z <= 24 and A/Z >= 36 - 24 = 12: A/Z is in [12, 44], 32 wide.
    """
    counts = pd.DataFrame([[4, 20, 31], [12, 15, 9], [25, 3, 40]], index=list("ABC"),
                          columns=list("XYZ"))
    p = publishable(counts)
    c = MARKER
    expected = pd.DataFrame([[c, c, c, 55], [c, 15, c, 35], [c, c, 40, 70], [40, 40, 80, 160]],
                            index=[*"ABC", TOTAL], columns=[*"XYZ", TOTAL], dtype=object)
    pd.testing.assert_frame_equal(p.to_frame(), expected)
    assert p.primary.to_numpy().tolist() == [[True, False, False], [False, False, True],
                                             [False, True, False]]
    audit = p.audit.set_index(["row", "column"])
    assert audit.loc[("A", "Z"), ["min", "max"]].tolist() == [12.0, 44.0]
    assert audit["primary"].sum() == 3 and len(audit) == 7
    check_rules(counts, p)


def test_the_audit_suppresses_what_the_line_rule_leaves_pinned() -> None:
    """Exact counts::

            X   Y   Z | total
        A   5   0  30 |   35
        B   0   5  40 |   45
        C  20  30  50 |  100
        ----------------------
           25  35 120 |  180

    Primary: A/X, A/Y, B/X, B/Y, a 2 x 2 block: every line already holds 0 or 2, so the
    line rule adds nothing. But row A alone pins it: A/X + A/Y = A - A/Z is in
    [33 - 32, 37 - 28] = [1, 9] (a published count is at least 10, so A in [33, 37] and
    A/Z in [28, 32]), so A/X is within [0, 9]: narrower than 10. The audit suppresses
    more: for A/X, row A and column X each pin it on their own to a range 9 wide (column
    X: A/X <= X - C/X <= 27 - 18), so the smallest published cell of either, C/X (20);
    for B/Y, row B and column Y tie too, so C/Y (30). Row A still pins A/X, so A/Z (30);
    row B pins B/Y, so B/Z (40). Then nothing is pinned: C/X is in [9, 27] (row C:
    C/X + C/Y = C - C/Z in [98 - 52, 102 - 48] = [46, 54] and C/Y <= Y <= 37, so
    C/X >= 9; C/X <= X <= 27), and A/X in [0, 18] (A/X <= X - C/X <= 27 - 9).
    """
    counts = pd.DataFrame([[5, 0, 30], [0, 5, 40], [20, 30, 50]], index=list("ABC"),
                          columns=list("XYZ"))
    cells, rows, columns, grand = naive(counts)
    before = attack(cells, rows, columns, grand, knows_threshold=True)
    a_x = before.labels.index(("A", "X"))
    assert before.exact_range(a_x) == (0.0, 9.0)

    p = publishable(counts)
    c = MARKER
    expected = pd.DataFrame([[c, c, c, 35], [c, c, c, 45], [c, c, 50, 100],
                             [25, 35, 120, 180]],
                            index=[*"ABC", TOTAL], columns=[*"XYZ", TOTAL], dtype=object)
    pd.testing.assert_frame_equal(p.to_frame(), expected)
    audit = p.audit.set_index(["row", "column"])
    assert audit.loc[("C", "X"), ["min", "max"]].tolist() == [9.0, 27.0]
    assert audit.loc[("A", "X"), ["min", "max"]].tolist() == [0.0, 18.0]
    check_rules(counts, p)


def test_a_one_column_table_has_the_column_total_as_grand_total() -> None:
    """Counts per data zone and the council total: 3 and 0 are suppressed; they are two,
    and A + E = 125 - 50 - 60 - 10 within [123 - 52 - 62 - 12, 127 - 48 - 58 - 10] =
    [-3, 11], so each is in [0, 11]: protected without more suppression."""
    counts = pd.DataFrame({"registered": [3, 50, 60, 12, 0]}, index=list("ABCDE"))
    p = publishable(counts)
    frame = p.to_frame()
    assert list(frame.columns) == ["registered"]
    assert frame["registered"].tolist() == [MARKER, 50, 60, 10, MARKER, 125]
    assert p.grand_total == 125 and p.column_totals.tolist() == [125]
    assert p.row_totals.isna().tolist() == p.cells["registered"].isna().tolist()
    assert p.audit[["row", "min", "max"]].to_numpy().tolist() == [["A", 0.0, 11.0],
                                                                  ["E", 0.0, 11.0]]
    check_rules(counts, p)


def test_a_one_column_table_with_one_small_count_gets_a_partner() -> None:
    counts = pd.DataFrame({"n": [4, 30, 25]}, index=["x", "y", "z"])
    p = publishable(counts)
    assert p.cells["n"].isna().tolist() == [True, False, True]  # 25 is the smaller
    check_rules(counts, p)


def test_a_table_with_a_small_grand_total_publishes_nothing() -> None:
    counts = pd.DataFrame([[1, 2], [3, 2]], index=["a", "b"], columns=["p", "q"])
    p = publishable(counts)
    assert p.suppressed.to_numpy().all() and p.grand_total is None
    assert (p.to_frame() == MARKER).all().all()
    assert p.audit["protected"].all() and np.isinf(p.audit["max"]).all()


def test_to_frame_writes_csv_with_the_marker() -> None:
    counts = pd.DataFrame([[4, 20, 31], [12, 15, 9], [25, 3, 40]], index=list("ABC"),
                          columns=list("XYZ")).rename_axis("ward")
    text = publishable(counts).to_frame().to_csv()
    assert text.splitlines()[0] == "ward,X,Y,Z,Total"
    assert text.splitlines()[2] == "B,[c],15,[c],35"
    assert text.splitlines()[-1] == "Total,40,40,80,160"


# --- rounding --------------------------------------------------------------------------


def test_round_to_base() -> None:
    assert round_to_base([0, 2, 3, 7, 10, 12, 13, 17, 18, 1234]).tolist() == [
        0, 0, 5, 5, 10, 10, 15, 15, 20, 1235]
    assert int(round_to_base(15, base=10)) == 20  # half-way goes up
    assert int(round_to_base(14, base=10)) == 10
    assert round_to_base(np.array([[3, 8]]), base=1).tolist() == [[3, 8]]


@pytest.mark.parametrize(("values", "base", "message"), [
    ([1, -1], 5, "negative"),
    ([1.5], 5, "fraction"),
    ([np.nan], 5, "missing"),
    (["3"], 5, "whole-number counts"),
    ([3], 0, "at least 1"),
])
def test_round_to_base_refuses(values: list[object], base: int, message: str) -> None:
    with pytest.raises(DataError, match=message):
        round_to_base(values, base=base)  # type: ignore[arg-type]


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(("counts", "kwargs", "message"), [
    (pd.DataFrame({"n": [1, -2]}, index=["a", "b"]), {},
     r"row 'b', column 'n' is not a non-negative whole number"),
    (pd.DataFrame({"n": [1.0, np.nan]}, index=["a", "b"]), {},
     r"row 'b', column 'n' is missing"),
    (pd.DataFrame({"n": [1.0, 2.5]}, index=["a", "b"]), {}, "not a non-negative whole"),
    (pd.DataFrame({"n": [1.0, np.inf]}, index=["a", "b"]), {}, "not a non-negative whole"),
    (pd.DataFrame({"n": pd.array([1, None], dtype="Int64")}, index=["a", "b"]), {},
     "is missing"),
    (pd.DataFrame({"n": ["1", "2"]}), {}, "column 'n' holds"),
    (pd.DataFrame({"n": [True, False]}), {}, "column 'n' holds bool"),
    (pd.DataFrame({"n": []}, dtype=int), {}, "at least one row"),
    (pd.DataFrame([[1, 2]], columns=["n", "n"]), {}, "'n' appears more than once"),
    (pd.DataFrame({"n": [1, 2]}, index=["a", "a"]), {}, "'a' appears more than once"),
    (pd.DataFrame({TOTAL: [1, 2]}), {}, "cannot be a column label"),
    (pd.DataFrame({"n": [1, 2]}, index=["a", TOTAL]), {}, "cannot be a row label"),
    (pd.DataFrame({"n": [1, 2]}), {"threshold": 0}, "threshold must be a whole number"),
    (pd.DataFrame({"n": [1, 2]}), {"threshold": 2.5}, "threshold must be a whole number"),
    (pd.DataFrame({"n": [1, 2]}), {"base": 0}, "base must be a whole number"),
    ([[1, 2]], {}, "must be a pandas DataFrame"),
])
def test_bad_input_is_refused(counts: object, kwargs: dict[str, object],
                              message: str) -> None:
    with pytest.raises(DataError, match=message):
        publishable(counts, **kwargs)  # type: ignore[arg-type]


# --- the attack --------------------------------------------------------------------------


SHAPES = [(40, 1), (1, 6), (6, 4), (12, 5), (3, 14)]


@pytest.mark.parametrize("generator", list(GENERATORS))
@pytest.mark.parametrize("shape", SHAPES)
def test_the_attacker_pins_nothing_and_agrees_with_the_audit(shape: tuple[int, int],
                                                             generator: str) -> None:
    """Small random tables: for every suppressed entry the attacker's exact range (its
    own programme, from the published table only) is at least the threshold wide; an
    attacker who also knows that published counts are at least 10 finds exactly the
    module's audited ranges."""
    rng = np.random.default_rng(sum(shape))
    for _ in range(3):
        counts = GENERATORS[generator](rng, shape)
        p = publishable(counts)
        check_rules(counts, p)
        weak = attack_published(p)
        strong = attack_published(p, knows_threshold=True)
        audit = p.audit.set_index(["row", "column"])
        for variable in weak.suppressed:
            low, high = weak.exact_range(variable)
            assert high - low >= THRESHOLD, weak.labels[variable]
            label = strong.labels[variable]
            if label in audit.index:  # a one-column table's row totals are its cells
                assert strong.exact_range(variable) == pytest.approx(
                    tuple(audit.loc[label, ["min", "max"]]))


@pytest.mark.parametrize("shape", [(4, 1), (1, 4), (6, 4), (12, 5), (3, 14)])
def test_the_attack_pins_cells_when_only_primary_suppression_is_done(
        shape: tuple[int, int]) -> None:
    """Tables of mostly large counts with only primary suppression and rounding: the
    attacker narrows some suppressed cell to a range under the threshold (the attack can
    fail); the same tables published properly resist it."""
    rng = np.random.default_rng(sum(shape))
    pinned = 0
    for _ in range(3):
        counts = few_small_counts(rng, shape)
        a = attack(*naive(counts))
        ranges = [a.exact_range(v) for v in a.suppressed]
        pinned += sum(high - low < THRESHOLD for low, high in ranges)
        safe = attack_published(publishable(counts))
        for variable in safe.suppressed:
            low, high = safe.exact_range(variable)
            assert high - low >= THRESHOLD
    assert pinned > 0


def test_a_data_zone_table_resists_the_attack() -> None:
    """597 data zones x 3 columns, mostly small counts: every suppressed entry is shown
    unpinned by two published-consistent tables that differ in it by at least 10, or by
    its exact range; with only primary suppression, cells are pinned."""
    rng = np.random.default_rng(597)
    counts = small_counts(rng, (597, 3))
    p = publishable(counts)
    check_rules(counts, p)
    a = attack_published(p)
    assert len(a.suppressed) > 1000
    unpinned = witnessed_unpinned(a)
    for variable in a.suppressed[~unpinned]:
        low, high = a.exact_range(variable)
        assert high - low >= THRESHOLD, a.labels[variable]

    cells, rows, columns, grand = naive(counts)
    naive_attack = attack(cells, rows, columns, grand)
    # the rows whose only suppressed entry is one cell: differencing pins some of them
    shown = cells.notna().to_numpy()
    lonely = np.flatnonzero((shown.sum(axis=1) == 2) & rows.notna().to_numpy())
    assert len(lonely) > 0
    pinned = []
    for i in lonely:
        j = int(np.flatnonzero(~shown[i])[0])
        low, high = naive_attack.exact_range(i * 3 + j)
        pinned.append(high - low < THRESHOLD)
    assert any(pinned)


def test_the_linear_programme_fallback_agrees_with_the_cuts(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables too wide on both sides are audited by linprog; on small tables both ways
    give the same table and the same audit."""
    rng = np.random.default_rng(7)
    for shape in [(6, 4), (5, 1), (2, 7)]:
        counts = small_counts(rng, shape)
        by_cuts = publishable(counts)
        with monkeypatch.context() as m:
            m.setattr(disclosure, "MAX_CUT_SIDE", 0)
            by_lp = publishable(counts)
        pd.testing.assert_frame_equal(by_cuts.to_frame(), by_lp.to_frame())
        pd.testing.assert_frame_equal(by_cuts.audit, by_lp.audit)

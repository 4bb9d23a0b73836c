"""Over-concentration figures: which placements count on 31 March, rates and location
quotients worked by hand, Gi* equal to esda's own on the same weights, and change
between years."""

from __future__ import annotations

import datetime as dt

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from geo_era.errors import DataError
from geo_era.overconcentration.statistics import (
    as_at,
    count_by_area,
    current_on,
    hot_spots,
    locate,
    out_of_area,
    queen_weights,
    rates,
)

X0, Y0 = 320_000.0, 670_000.0


def grid(side: int = 2, size: float = 1_000.0) -> gpd.GeoDataFrame:
    """``side`` x ``side`` square data zones, row by row from the south-west."""
    cells = [box(X0 + i * size, Y0 + j * size, X0 + (i + 1) * size, Y0 + (j + 1) * size)
             for j in range(side) for i in range(side)]
    n = len(cells)
    return gpd.GeoDataFrame({"area_id": [f"S01{k:06d}" for k in range(n)],
                             "area_type": ["data_zone"] * n,
                             "name": [f"Zone {k}" for k in range(n)]},
                            geometry=cells, crs=27700)


def placed(counts: list[int], *, start: str = "2020-01-01", end: str | None = None
           ) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """``counts[k]`` FICTIONAL placements in zone k of :func:`grid` (a property each, at
    the zone's centre), with the given dates."""
    ids, points = [], []
    for zone, n in enumerate(counts):
        i, j = zone % 2, zone // 2
        for m in range(n):
            ids.append(f"P{zone}-{m}")
            points.append((X0 + i * 1_000 + 500 + m, Y0 + j * 1_000 + 500))
    properties = gpd.GeoDataFrame({"property_id": ids},
                                  geometry=gpd.points_from_xy(*zip(*points, strict=True)),
                                  crs=27700) if ids else gpd.GeoDataFrame(
        {"property_id": []}, geometry=gpd.GeoSeries([], crs=27700))
    placements = pd.DataFrame({"subject_id": [f"FICTIONAL-{p}" for p in ids],
                               "property_id": ids, "start_date": [start] * len(ids),
                               "end_date": [end] * len(ids)})
    return placements, properties


def test_rates_and_location_quotients_worked_by_hand() -> None:
    areas = grid()
    areas["population"] = [1_000, 2_000, 1_000, 4_000]
    areas["households"] = [500, 1_000, 400, 2_000]
    placements, properties = placed([2, 1, 0, 5])
    counted = count_by_area(placements, properties, areas, [2025])
    table = rates(counted.counts[2025], areas)
    # 8 placements in 8,000 residents: 100 per 100,000 overall
    assert table["count"].tolist() == [2, 1, 0, 5]
    assert table["rate_per_100k"].tolist() == [200.0, 50.0, 0.0, 125.0]
    assert table["rate_per_1k_households"].tolist() == [4.0, 1.0, 0.0, 2.5]
    assert table["location_quotient"].tolist() == [2.0, 0.5, 0.0, 1.25]


def test_unknown_population_gives_no_rate() -> None:
    areas = grid()
    areas["population"] = [1_000, None, 0, 1_000]
    placements, properties = placed([1, 1, 1, 0])
    table = rates(count_by_area(placements, properties, areas, [2025]).counts[2025], areas)
    assert np.isnan(table["rate_per_100k"].iloc[1]) and np.isnan(table["rate_per_100k"].iloc[2])
    # the authority's rate counts only areas with a population: 1 in 2,000
    assert table["location_quotient"].iloc[0] == pytest.approx(2.0)


def test_which_placements_are_current_on_31_march() -> None:
    placements = pd.DataFrame({
        "start_date": ["2025-03-31", "2025-04-01", "2020-01-01", "2020-01-01", "2020-01-01"],
        "end_date": [None, None, "2025-03-31", "2025-04-01", None]})
    assert as_at(2025) == dt.date(2025, 3, 31)
    assert current_on(placements, as_at(2025)).tolist() == [True, False, False, True, True]
    with pytest.raises(DataError, match="rows 1 have no valid start_date"):
        current_on(pd.DataFrame({"start_date": ["soon"], "end_date": [None]}), as_at(2025))


def test_a_point_on_a_shared_boundary_counts_once() -> None:
    areas = grid()
    where = locate(np.array([[X0 + 1_000, Y0 + 500], [X0 - 5, Y0]]), areas)
    assert where.tolist() == [0, -1]


def test_change_between_years() -> None:
    areas = grid()
    early, properties = placed([3, 0, 0, 0], start="2021-06-01", end="2024-01-01")
    late, more = placed([0, 2, 0, 0], start="2023-06-01")
    placements = pd.concat([early, late], ignore_index=True)
    props = pd.concat([properties, more], ignore_index=True)
    counts = count_by_area(placements, props, areas, [2021, 2022, 2023, 2024]).counts
    assert counts.loc["S01000000"].tolist() == [0, 3, 3, 0]
    assert counts.loc["S01000001"].tolist() == [0, 0, 0, 2]
    assert (counts[2024] - counts[2023]).tolist() == [-3, 2, 0, 0]


def test_gi_star_equals_esda_on_the_same_weights() -> None:
    areas = grid(side=6)
    rng = np.random.default_rng(3)
    values = rng.poisson(1.0, len(areas)).astype(float)
    values[[14, 15, 20, 21]] += 8  # a cluster in the middle
    weights = queen_weights(areas)
    ours = hot_spots(values, weights, seed=7, permutations=499)
    with pytest.warns(DeprecationWarning):  # esda's notice of a future default
        theirs = esda.G_Local(values, queen_weights(areas), star=True, permutations=499,
                              seed=7, transform="B", n_jobs=1)
    np.testing.assert_allclose(ours.z, theirs.Zs)
    np.testing.assert_allclose(ours.p, theirs.p_sim)
    assert ours.threshold == pytest.approx(esda.fdr(theirs.p_sim, 0.05))
    assert set(np.flatnonzero(ours.hot)) >= {14, 15, 20, 21}
    assert not ours.cold.any()


def test_out_of_area_placements_by_placing_and_receiving_authority() -> None:
    councils = grid()
    councils["area_type"] = "council"
    councils["name"] = ["Alpha", "Beta", "Gamma", "Delta"]
    placements, properties = placed([2, 1, 1, 0])
    placements["placing_authority"] = ["Beta", "", "Alpha", "Gamma"]
    placements["consent_recorded"] = pd.array([True, None, None, False], dtype="boolean")
    found = out_of_area(placements, properties, councils, as_at(2025))
    # P0-0: Beta -> Alpha (consent); P0-1: Alpha's own; P1-0: Alpha -> Beta (none);
    # P2-0: Gamma -> Gamma, its own
    assert found.counts.to_dict() == {"Alpha": {"Alpha": 0, "Beta": 1},
                                      "Beta": {"Alpha": 1, "Beta": 0}}
    assert found.without_consent[["placing_authority", "receiving_authority"]].values.tolist() \
        == [["Alpha", "Beta"]]


def test_esdas_permutation_test_runs_as_plain_python() -> None:
    """With numba installed (the proximity kernels), esda would compile its permutation
    test in every process, uncached (20-35 s before the first Gi*): geo_era runs esda's
    numba functions as the Python they are written in, as before numba was installed."""
    import sys

    from numba.core.registry import CPUDispatcher

    from geo_era.overconcentration.statistics import _esda

    _esda()
    jitted = [f"{name}.{attr}" for name, module in list(sys.modules.items())
              if module is not None and name.startswith("esda")
              for attr, value in vars(module).items() if isinstance(value, CPUDispatcher)]
    assert jitted == []

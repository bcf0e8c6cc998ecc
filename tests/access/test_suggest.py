"""Site suggestions (spopt) against a brute force over every K-subset, and the planner's candidate list."""

from __future__ import annotations

import pytest

from geo_clsm.access.candidates import parse_candidates_csv, territory_candidates
from geo_clsm.access.objective import coarsen, territory_demand
from geo_clsm.access.suggest import Problem, brute_force, build_problem, reduce_coverage, solve, spopt_pmedian
from geo_clsm.data.catalog import Catalog
from geo_clsm.model.errors import InvalidInputError
from geo_clsm.model.resource_types import ResourceType


@pytest.fixture(scope="module")
def small(catalog: Catalog) -> Problem:
    """Metz: the QPV centroids and a few town halls, for a CMP (existing CMP kept)."""
    demand = territory_demand(catalog, territory="metz", qpv_weight=3.0)
    cands = territory_candidates(catalog, territory="metz")
    qpv = [c for c in cands if c.kind == "qpv"][:6]
    halls = [c for c in cands if c.kind == "mairie"][:6]
    return build_problem(
        coarsen(demand, cell_m=1600.0),
        resources=catalog.resources,
        rtype=ResourceType.CMP,
        candidates=[*qpv, *halls],
    )


@pytest.fixture(scope="module")
def fine(catalog: Catalog) -> Problem:
    """The 200 m cells of Metz within 4 km of its centre, the QPV centroids and 14 town halls
    (CMP, existing kept): small enough for spopt's dense model."""
    from dataclasses import replace

    import numpy as np

    demand = territory_demand(catalog, territory="metz", qpv_weight=2.0)
    centre = np.average(demand.xy, axis=0, weights=demand.population)
    near = np.hypot(*(demand.xy - centre).T) < 4000.0
    demand = replace(demand, xy=demand.xy[near], population=demand.population[near], in_qpv=demand.in_qpv[near])
    cands = territory_candidates(catalog, territory="metz")
    qpv = [c for c in cands if c.kind == "qpv"]
    halls = [c for c in cands if c.kind == "mairie"][:14]
    return build_problem(demand, resources=catalog.resources, rtype=ResourceType.CMP, candidates=[*qpv, *halls])


@pytest.mark.parametrize("k", [1, 2, 3])
def test_pmedian_finds_the_brute_force_optimum(small: Problem, k: int) -> None:
    spopt = solve(small, sites=k, objective="mean")
    brute = brute_force(small, sites=k, objective="mean")
    assert len(spopt) == k
    best = small.value(brute, objective="mean", within_m=None)
    assert small.value(spopt, objective="mean", within_m=None) == pytest.approx(best, rel=1e-9)
    assert best < small.value([], objective="mean", within_m=None)  # the existing places are kept, and improved on


@pytest.mark.parametrize("k", [2, 4])
def test_pmedian_on_the_200m_grid_matches_spopt_on_the_same_matrix(fine: Problem, k: int) -> None:
    assert len(fine.demand.xy) > 500  # 200 m cells, not a coarsened demand
    cuts = solve(fine, sites=k, objective="mean")
    dense = spopt_pmedian(fine, sites=k)
    assert len(cuts) == k
    assert fine.value(cuts, objective="mean", within_m=None) == pytest.approx(
        fine.value(dense, objective="mean", within_m=None), rel=1e-9
    )


def test_pmedian_without_any_existing_place(small: Problem) -> None:
    from dataclasses import replace

    import numpy as np

    none = replace(small, existing_m=np.full(len(small.existing_m), np.inf))
    got = solve(none, sites=2, objective="mean")
    best = brute_force(none, sites=2, objective="mean")
    assert none.value(got, objective="mean", within_m=None) == pytest.approx(
        none.value(best, objective="mean", within_m=None), rel=1e-9
    )


def test_coverage_reduction_merges_cells_and_drops_dominated_sites() -> None:
    import numpy as np

    a = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 0], [0, 0, 0, 0]], dtype=bool)
    w = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    cov, weight, cols = reduce_coverage(a, w)
    # candidate 0 (cells 0, 1) lies within candidate 1's cells (0, 1, 2); 3 covers nothing;
    # cells 0 and 1 merge; cell 4, covered by none, is left out.
    assert [int(c) for c in cols] == [1, 2]
    assert sorted(weight.tolist()) == [3.0, 4.0, 8.0]
    assert cov.shape == (3, 2) and cov.sum() == 4
    same = np.array([[1, 1], [1, 1]], dtype=bool)  # two candidates covering the same cells: the first is kept
    assert [int(c) for c in reduce_coverage(same, np.ones(2))[2]] == [0]


@pytest.mark.parametrize("k", [1, 2, 3])
def test_maximal_covering_finds_the_brute_force_optimum(small: Problem, k: int) -> None:
    spopt = solve(small, sites=k, objective="coverage", within_m=800.0)
    brute = brute_force(small, sites=k, objective="coverage", within_m=800.0)
    best = small.value(brute, objective="coverage", within_m=800.0)
    assert small.value(spopt, objective="coverage", within_m=800.0) == pytest.approx(best, rel=1e-9)
    assert best > small.value([], objective="coverage", within_m=800.0)


def test_qpv_weight_counts_qpv_residents_more(catalog: Catalog) -> None:
    one = territory_demand(catalog, territory="metz", qpv_weight=1.0)
    three = territory_demand(catalog, territory="metz", qpv_weight=3.0)
    assert one.in_qpv.any() and (~one.in_qpv).any()
    assert three.weight[three.in_qpv].sum() == pytest.approx(3 * one.weight[one.in_qpv].sum())
    assert three.weight[~three.in_qpv].sum() == pytest.approx(one.weight[~one.in_qpv].sum())


def test_coarser_cells_keep_population_and_qpv_apart(catalog: Catalog) -> None:
    demand = territory_demand(catalog, territory="metz", qpv_weight=2.0)
    coarse = coarsen(demand, cell_m=800.0)
    assert len(coarse.xy) < len(demand.xy)
    assert coarse.weight.sum() == pytest.approx(demand.weight.sum())
    assert coarse.population[coarse.in_qpv].sum() == pytest.approx(demand.population[demand.in_qpv].sum())


def test_bounds_are_french_errors(small: Problem) -> None:
    with pytest.raises(InvalidInputError, match="entre 1 et 10"):
        solve(small, sites=11, objective="mean")
    with pytest.raises(InvalidInputError, match="within_m"):
        solve(small, sites=1, objective="coverage")


def test_candidate_rows_reported_by_row_field_and_reason() -> None:
    text = "nom;lon;lat;adresse\nA;6,17;49,12;\nB;abc;49.1;\nC;6.2;;\nD;;;\nE;200;49;\nF;;;1 rue X, 57000 Metz\n"
    sites, errors = parse_candidates_csv(text)
    assert [(s.label, s.lon, s.lat) for s in sites] == [("A", 6.17, 49.12)]
    got = {(e.row, e.field) for e in errors}
    assert {(2, "lon"), (3, "lat"), (4, "lon"), (5, "lon"), (6, "adresse")} <= got
    assert all(e.reason for e in errors)
    assert "pas un nombre" in next(e.reason for e in errors if e.row == 2)


def test_candidate_addresses_located_by_the_geocoder() -> None:
    def geocode(text: str) -> tuple[float, float, str]:
        if "Metz" not in text:
            raise InvalidInputError(f"adresse « {text} » non localisée")
        return 6.1757, 49.1193, "Metz"

    sites, errors = parse_candidates_csv("adresse\n1 place d'Armes, 57000 Metz\nnulle part\n", geocode=geocode)
    assert [(s.lon, s.lat) for s in sites] == [(6.1757, 49.1193)]
    assert [(e.row, e.field) for e in errors] == [(2, "adresse")]
    assert "non localisée" in errors[0].reason


def test_header_without_position_columns_is_reported() -> None:
    sites, errors = parse_candidates_csv("nom;ville\nA;Metz\n")
    assert sites == [] and errors[0].field == "en-tête"

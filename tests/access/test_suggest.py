"""Site suggestions (spopt) against a brute force over every K-subset, and the planner's candidate list."""

from __future__ import annotations

import pytest

from geo_clsm.access.candidates import parse_candidates_csv, territory_candidates
from geo_clsm.access.objective import coarsen, territory_demand
from geo_clsm.access.suggest import Problem, brute_force, build_problem, solve
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
        model_cells=None,
    )


@pytest.mark.parametrize("k", [1, 2, 3])
def test_pmedian_finds_the_brute_force_optimum(small: Problem, k: int) -> None:
    spopt = solve(small, sites=k, objective="mean")
    brute = brute_force(small, sites=k, objective="mean")
    assert len(spopt) == k
    best = small.value(brute, objective="mean", within_m=None)
    assert small.value(spopt, objective="mean", within_m=None) == pytest.approx(best, rel=1e-9)
    assert best < small.value([], objective="mean", within_m=None)  # the existing places are kept, and improved on


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
    with pytest.raises(InvalidInputError, match="entre 1 et 5"):
        solve(small, sites=6, objective="mean")
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

"""Where to open next: the K new sites of a type that most improve a territory's access.

Existing places are kept. ``mean``: p-median (population-weighted mean distance to the nearest
place of the type, existing places fixed open); ``coverage``: maximal covering (population within
``within_m`` metres). QPV residents weigh ``qpv_weight`` times. Both are solved with PySAL's
spopt (PuLP's CBC) on the demand x candidate distance matrix of :mod:`geo_clsm.access.objective`
(the 200 m population grid, Lambert-93 in mainland France, the indicators' type rule).

The existing places enter the model as one extra column, fixed open: the distance from each
demand point to its nearest existing place, so the model is exact without one column per place.
Demand points no candidate can serve better than the existing places are left out of the model
(their distance stays the same whichever sites are chosen) and added back to the figures.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pulp
from scipy.spatial.distance import cdist

from geo_clsm.access.candidates import Candidate
from geo_clsm.access.objective import DEMAND_SPACING_M, Demand, coarsen, nearest_existing_m
from geo_clsm.geo.crs import projected_crs_for, to_projected
from geo_clsm.model.errors import InvalidInputError
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import ResourceType

Objective = Literal["mean", "coverage"]
MAX_SITES = 5
MAX_CANDIDATES = 500
MODEL_CELLS = 40_000
"""Demand points x candidates the solver is given at most: beyond, the demand is summed over
coarser cells (400 m, 800 m, ...) for the choice; the figures shown stay on the 200 m grid."""


@dataclass(frozen=True)
class Problem:
    """A location problem: demand, candidate sites and their distances (metres)."""

    demand: Demand
    candidates: list[Candidate]
    existing_m: np.ndarray  # (n_demand,) distance to the nearest existing place (inf if none)
    cost_m: np.ndarray  # (n_demand, n_candidates)
    cell_m: float = DEMAND_SPACING_M  # demand cell the model was solved on

    def value(self, chosen: Sequence[int], *, objective: Objective, within_m: float | None) -> float:
        """The objective of a choice of candidates (mean metres, or weighted population covered)."""
        d = self.existing_m
        if len(chosen):
            d = np.minimum(d, self.cost_m[:, list(chosen)].min(axis=1))
        w = self.demand.weight
        if objective == "coverage":
            return float(w[d <= (within_m or 0)].sum())
        return float(np.average(d, weights=w)) if np.isfinite(d).all() else float("inf")


def build_problem(
    demand: Demand,
    *,
    resources: Sequence[Resource],
    rtype: ResourceType,
    candidates: Sequence[Candidate],
    model_cells: int | None = MODEL_CELLS,
) -> Problem:
    """The distance matrix between the demand and the candidates in the territory's CRS zone;
    with ``model_cells``, the demand summed over coarser cells until rows x candidates fit."""
    kept = [c for c in candidates if projected_crs_for(c.lon, c.lat) == demand.crs]
    seen: set[tuple[float, float]] = set()
    unique = []
    for c in kept:
        key = (round(c.lon, 6), round(c.lat, 6))
        if key not in seen:
            seen.add(key)
            unique.append(c)
    if not unique:
        raise InvalidInputError("aucun site candidat dans la zone du territoire")
    if len(unique) > MAX_CANDIDATES:
        raise InvalidInputError(
            f"{len(unique)} sites candidats : au plus {MAX_CANDIDATES} pour une réponse immédiate "
            "(réduire la liste ou les sources de candidats)"
        )
    x, y = to_projected(np.array([c.lon for c in unique]), np.array([c.lat for c in unique]), demand.crs)
    cxy = np.column_stack([np.atleast_1d(x), np.atleast_1d(y)])
    cell = DEMAND_SPACING_M
    model = demand
    while model_cells is not None and len(model.xy) * len(unique) > model_cells and cell < 25_600:
        cell *= 2
        model = coarsen(demand, cell_m=cell)
    return Problem(model, unique, nearest_existing_m(model, resources, rtype), cdist(model.xy, cxy), cell)


def check_bounds(*, sites: int, objective: Objective, within_m: float | None) -> None:
    if not 1 <= sites <= MAX_SITES:
        raise InvalidInputError(f"nombre de sites : entre 1 et {MAX_SITES}")
    if objective == "coverage" and (within_m is None or within_m <= 0):
        raise InvalidInputError("objectif « coverage » : une distance within_m positive en mètres est requise")


def solve(problem: Problem, *, sites: int, objective: Objective, within_m: float | None = None) -> list[int]:
    """The best ``sites`` candidates (indices), by spopt's p-median or maximal covering model."""
    check_bounds(sites=sites, objective=objective, within_m=within_m)
    k = min(sites, len(problem.candidates))
    w = problem.demand.weight
    if objective == "coverage":
        return _solve_mclp(problem, k=k, within_m=float(within_m or 0), w=w)
    return _solve_pmedian(problem, k=k, w=w)


def _solver() -> pulp.LpSolver:
    return pulp.PULP_CBC_CMD(msg=False)


def _solve_pmedian(problem: Problem, *, k: int, w: np.ndarray) -> list[int]:
    from spopt.locate import PMedian

    # Rows some candidate serves better than the existing places; the others do not change.
    better = (problem.cost_m < problem.existing_m[:, None]).any(axis=1) & (w > 0)
    if not better.any():
        return list(range(k))[:0]
    cost = problem.cost_m[better]
    ex = problem.existing_m[better]
    has_existing = bool(np.isfinite(ex).all())  # one tree of one type: all finite, or no place at all
    if has_existing:
        cost = np.column_stack([ex, cost])
    predefined = np.zeros(cost.shape[1], dtype=int)
    if has_existing:
        predefined[0] = 1
    model = PMedian.from_cost_matrix(
        cost,
        w[better],
        p_facilities=k + int(has_existing),
        predefined_facilities_arr=predefined if has_existing else None,
    )
    model.solve(_solver(), results=False)
    chosen = [j - int(has_existing) for j, v in enumerate(model.fac_vars) if (v.value() or 0) > 0.5]
    return sorted(j for j in chosen if j >= 0)


def _solve_mclp(problem: Problem, *, k: int, within_m: float, w: np.ndarray) -> list[int]:
    from spopt.locate import MCLP

    # Points already covered by an existing place stay covered: only the others count.
    open_rows = (problem.existing_m > within_m) & (w > 0) & (problem.cost_m <= within_m).any(axis=1)
    if not open_rows.any():
        return []
    model = MCLP.from_cost_matrix(problem.cost_m[open_rows], w[open_rows], service_radius=within_m, p_facilities=k)
    model.solve(_solver(), results=False)
    return sorted(j for j, v in enumerate(model.fac_vars) if (v.value() or 0) > 0.5)


def brute_force(problem: Problem, *, sites: int, objective: Objective, within_m: float | None = None) -> list[int]:
    """The best ``sites`` candidates by trying every subset (small problems: tests and benchmarks)."""
    check_bounds(sites=sites, objective=objective, within_m=within_m)
    k = min(sites, len(problem.candidates))
    best: tuple[float, tuple[int, ...]] | None = None
    sign = -1.0 if objective == "coverage" else 1.0
    for subset in itertools.combinations(range(len(problem.candidates)), k):
        v = sign * problem.value(subset, objective=objective, within_m=within_m)
        if best is None or v < best[0] - 1e-9:
            best = (v, subset)
    return list(best[1]) if best else []

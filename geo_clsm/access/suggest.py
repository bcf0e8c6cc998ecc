"""Where to open next: the K new sites of a type that most improve a territory's access.

Existing places are kept. ``mean``: p-median (population-weighted mean distance to the nearest
place of the type, existing places fixed open); ``coverage``: maximal covering (population within
``within_m`` metres). QPV residents weigh ``qpv_weight`` times. Both work on the demand x
candidate distance matrix of :mod:`geo_clsm.access.objective` — every cell of the 200 m
population grid (Lambert-93 in mainland France), the indicators' type rule — never a coarsened one.

Exact reductions before solving (the optimum is that of the full model):

- demand cells no candidate can serve better than the existing places are left out (their
  distance stays the same whichever sites are chosen) and added back to the figures;
- a cell's cost is ``min(d_ij, d0_i)`` (``d0_i``: its nearest existing place), so it only
  depends on the candidates nearer than ``d0_i``;
- ``coverage``: cells already covered are left out, cells with the same set of covering
  candidates are merged (weights summed), candidates covering nothing new and candidates whose
  covered cells are a subset of another's are dropped; spopt's ``MCLP`` (PuLP, CBC) solves what
  is left;
- ``mean``: the p-median is solved exactly by Benders cuts over a master of one variable per
  candidate and per 1.6 km block of cells (:mod:`geo_clsm.access.pmedian_cuts`, HiGHS), so the
  ~800 000 assignment variables of spopt's ``PMedian`` (Metz, 500 candidates) are never built;
  :func:`spopt_pmedian` solves the same reduced model with spopt, for the tests and the benchmark.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from scipy.spatial.distance import cdist

from geo_clsm.access.candidates import Candidate
from geo_clsm.access.objective import DEMAND_SPACING_M, Demand, nearest_existing_m
from geo_clsm.access.pmedian_cuts import Progress, solve_pmedian
from geo_clsm.geo.crs import projected_crs_for, to_projected
from geo_clsm.model.errors import InvalidInputError
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import ResourceType

if TYPE_CHECKING:  # the solver (PuLP, spopt) is imported when a suggestion is computed, not with the app
    import pulp

Objective = Literal["mean", "coverage"]
MAX_SITES = 5
MAX_CANDIDATES = 500
"""Bounds of an immediate answer (about 10 s for a pilot territory); beyond, a background job."""
MAX_JOB_SITES = 10
MAX_JOB_CANDIDATES = 2000
BLOCK_M = 1600.0
"""Side of the blocks of cells whose savings share one variable of the p-median's master."""


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
    max_candidates: int = MAX_CANDIDATES,
) -> Problem:
    """The distance matrix between the demand (every cell) and the candidates in the territory's CRS zone."""
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
    if len(unique) > max_candidates:
        raise InvalidInputError(
            f"{len(unique)} sites candidats : au plus {max_candidates} (réduire la liste ou les sources de candidats)"
        )
    x, y = to_projected(np.array([c.lon for c in unique]), np.array([c.lat for c in unique]), demand.crs)
    cxy = np.column_stack([np.atleast_1d(x), np.atleast_1d(y)])
    return Problem(demand, unique, nearest_existing_m(demand, resources, rtype), cdist(demand.xy, cxy))


def check_bounds(*, sites: int, objective: Objective, within_m: float | None, max_sites: int = MAX_JOB_SITES) -> None:
    if not 1 <= sites <= max_sites:
        raise InvalidInputError(f"nombre de sites : entre 1 et {max_sites}")
    if objective == "coverage" and (within_m is None or within_m <= 0):
        raise InvalidInputError("objectif « coverage » : une distance within_m positive en mètres est requise")


def solve(
    problem: Problem,
    *,
    sites: int,
    objective: Objective,
    within_m: float | None = None,
    progress: Progress | None = None,
) -> list[int]:
    """The best ``sites`` candidates (indices): exact p-median or maximal covering."""
    check_bounds(sites=sites, objective=objective, within_m=within_m)
    k = min(sites, len(problem.candidates))
    w = problem.demand.weight
    if objective == "coverage":
        return _solve_mclp(problem, k=k, within_m=float(within_m or 0), w=w)
    better = (problem.cost_m < problem.existing_m[:, None]).any(axis=1) & (w > 0)
    if not better.any():
        return []
    xy = problem.demand.xy[better]
    block = np.floor(xy / BLOCK_M).astype(np.int64)
    group = block[:, 0] * 1_000_003 + block[:, 1]
    cost = problem.cost_m[better]
    # No place of the type yet: every cell is served by a new site; any bound above every
    # distance keeps the savings model exact (each cell's saving is that bound minus its cost).
    d0 = np.where(np.isfinite(problem.existing_m[better]), problem.existing_m[better], 2.0 * cost.max() + 1.0)
    return solve_pmedian(cost, d0, w[better], k=k, group=group, progress=progress)


def _solver() -> pulp.LpSolver:
    import pulp

    return pulp.PULP_CBC_CMD(msg=False)


def spopt_pmedian(problem: Problem, *, sites: int) -> list[int]:
    """The same reduced p-median solved by spopt's ``PMedian`` (dense: small problems only)."""
    from spopt.locate import PMedian

    k = min(sites, len(problem.candidates))
    w = problem.demand.weight
    # Rows some candidate serves better than the existing places; the others do not change.
    better = (problem.cost_m < problem.existing_m[:, None]).any(axis=1) & (w > 0)
    if not better.any():
        return []
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
    covers = problem.cost_m <= within_m
    open_rows = (problem.existing_m > within_m) & (w > 0) & covers.any(axis=1)
    if not open_rows.any():
        return []
    a, weight, cols = reduce_coverage(covers[open_rows], w[open_rows])
    if len(cols) <= k:
        return sorted(int(j) for j in cols)
    cost = np.where(a, 0.0, 2.0 * within_m)  # spopt reads coverage from distances: 0 covers, 2D does not
    model = MCLP.from_cost_matrix(cost, weight, service_radius=within_m, p_facilities=k)
    model.solve(_solver(), results=False)
    return sorted(int(cols[j]) for j, v in enumerate(model.fac_vars) if (v.value() or 0) > 0.5)


def reduce_coverage(a: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An exactly equivalent, smaller covering model: cells with the same covering candidates
    merged (weights summed), candidates covering nothing or a subset of another's cells dropped.
    Returns the coverage matrix, the weights and the kept candidates' original indices."""
    useful = a.any(axis=1)
    a, w = a[useful], w[useful]
    cols = np.flatnonzero(a.any(axis=0))
    a = a[:, cols]
    rows, inverse = np.unique(np.packbits(a, axis=1), axis=0, return_inverse=True)
    weight = np.bincount(inverse.ravel(), weights=w, minlength=len(rows))
    a = np.unpackbits(rows, axis=1, count=len(cols)).astype(bool)
    wa = a.astype(np.float64)
    # j dominated by l: every cell j covers, l covers too (ties: the first is kept).
    inter = wa.T @ wa  # cells both cover
    size = np.diag(inter)
    sub = inter >= size[:, None]  # sub[j, l]: j's cells within l's
    np.fill_diagonal(sub, False)
    same = sub & sub.T
    dominated = (sub & ~same).any(axis=1) | np.triu(same).any(axis=0)
    keep = ~dominated
    return a[:, keep], weight, cols[keep]


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

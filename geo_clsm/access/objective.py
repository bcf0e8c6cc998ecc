"""The territory's access objective: population-weighted distance to the nearest place of a type.

Demand is the territory's 200 m population grid (``catalog.population``; without it, each
commune's population spread over a 200 m grid, as the 2SFCA demand), in the territory's
projected CRS (Lambert-93 in mainland France). Residents of a QPV may weigh ``qpv_weight``
times as much. Distances and the type rule are those of the indicators
(:class:`geo_clsm.access.distances.Supply`: straight lines, 0 inside a service area).

Used by ``POST /api/scenarios`` (``territory_objective``) and by the site suggestions
(:mod:`geo_clsm.access.suggest`), so both give the same figures for the same change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from geo_clsm.access.distances import Supply
from geo_clsm.access.sampling import commune_grid_demand
from geo_clsm.data.catalog import Catalog
from geo_clsm.geo.crs import LAMBERT93, projected_crs_for, to_projected
from geo_clsm.model.errors import InvalidInputError, NotFoundError
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import ResourceType

DEMAND_SPACING_M = 200.0
MAX_QPV_WEIGHT = 100.0


@dataclass(frozen=True)
class Demand:
    """Population points of a territory (projected metres) and their weights."""

    territory: str
    crs: str
    xy: np.ndarray
    population: np.ndarray
    in_qpv: np.ndarray
    qpv_weight: float

    @property
    def weight(self) -> np.ndarray:
        """Population, QPV residents counted ``qpv_weight`` times."""
        return self.population * np.where(self.in_qpv, self.qpv_weight, 1.0)


def territory_demand(catalog: Catalog, *, territory: str, qpv_weight: float = 1.0) -> Demand:
    """The population points of a territory, weighted (QPV residents x ``qpv_weight``)."""
    if territory not in catalog.territories:
        raise NotFoundError(f"territoire inconnu « {territory} » : {', '.join(catalog.territories)}")
    if not 0 < qpv_weight <= MAX_QPV_WEIGHT:
        raise InvalidInputError(f"poids des habitants des QPV : un nombre entre 0 (exclu) et {MAX_QPV_WEIGHT:g}")
    communes = catalog.communes_of(territory)
    if communes.empty:
        raise InvalidInputError(f"territoire « {territory} » sans communes : objectif impossible")
    c = communes.geometry.union_all().representative_point()
    crs = projected_crs_for(c.x, c.y) or LAMBERT93
    com_p = communes.to_crs(crs)
    pop = catalog.population
    pop = pop[pop["territory"] == territory] if pop is not None else None
    if pop is not None and not pop.empty:
        xy = np.column_stack(to_projected(pop.geometry.x.to_numpy(), pop.geometry.y.to_numpy(), crs))
        values = pop["population"].to_numpy(dtype=float)
    else:
        box = tuple(float(v) for v in com_p.total_bounds)
        xy, values = commune_grid_demand(com_p, box=box, spacing_m=DEMAND_SPACING_M)  # type: ignore[arg-type]
    keep = values > 0
    xy, values = xy[keep], values[keep]
    qpv = catalog.qpv[catalog.qpv["territory"] == territory]
    if len(qpv):
        union = qpv.to_crs(crs).geometry.union_all()
        in_qpv = shapely.contains_xy(union, xy[:, 0], xy[:, 1])
    else:
        in_qpv = np.zeros(len(xy), dtype=bool)
    return Demand(territory, crs, xy, values, np.asarray(in_qpv, dtype=bool), float(qpv_weight))


def nearest_existing_m(demand: Demand, resources: Sequence[Resource], rtype: ResourceType) -> np.ndarray:
    """Distance (m) from each demand point to the nearest place of ``rtype`` (the indicators' rule)."""
    return Supply.build(resources, rtype, demand.crs).nearest_m(demand.xy)


def mean_m(demand: Demand, d: np.ndarray) -> float | None:
    """Weighted mean distance (m); None when some point has no place at all."""
    w = demand.weight
    if not np.isfinite(d[w > 0]).all() or w.sum() <= 0:
        return None
    return float(np.average(d, weights=w))


def covered_population(demand: Demand, d: np.ndarray, *, within_m: float) -> float:
    """Weighted population within ``within_m`` metres of a place."""
    return float(demand.weight[d <= within_m].sum())


def objective_figures(demand: Demand, d: np.ndarray, *, within_m: float | None) -> dict[str, float | None]:
    """``mean_m`` and, with ``within_m``, ``covered_population`` of one state (raw)."""
    out: dict[str, float | None] = {"mean_m": mean_m(demand, d)}
    if within_m is not None:
        out["covered_population"] = covered_population(demand, d, within_m=within_m)
    return out


def territory_objective(
    catalog: Catalog,
    *,
    territory: str,
    rtype: ResourceType,
    before: Sequence[Resource],
    after: Sequence[Resource],
    within_m: float | None = None,
    qpv_weight: float = 1.0,
) -> dict[str, Any]:
    """The territory's objective before and after a change, rounded as shown (metres, residents).

    ``{"type", "qpv_weight", "mean_m": {"before", "after"}, "covered_population": {...}}``
    (the latter only with ``within_m``).
    """
    demand = territory_demand(catalog, territory=territory, qpv_weight=qpv_weight)
    b = objective_figures(demand, nearest_existing_m(demand, before, rtype), within_m=within_m)
    a = objective_figures(demand, nearest_existing_m(demand, after, rtype), within_m=within_m)
    out: dict[str, Any] = {"type": rtype.value, "qpv_weight": qpv_weight}
    for key in b:
        out[key] = {"before": _round(b[key]), "after": _round(a[key])}
    if within_m is not None:
        out["within_m"] = within_m
    return out


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 1)


def coarsen(demand: Demand, *, cell_m: float) -> Demand:
    """The demand summed over ``cell_m`` cells (QPV and non-QPV residents apart), each at its
    population-weighted centre: a smaller model for the solver, never for the figures shown."""
    if cell_m <= DEMAND_SPACING_M:
        return demand
    ix = np.floor(demand.xy[:, 0] / cell_m).astype(np.int64)
    iy = np.floor(demand.xy[:, 1] / cell_m).astype(np.int64)
    keys = np.column_stack([ix, iy, demand.in_qpv.astype(np.int64)])
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    pop = np.bincount(inverse, weights=demand.population, minlength=len(uniq))
    x = np.bincount(inverse, weights=demand.population * demand.xy[:, 0], minlength=len(uniq)) / pop
    y = np.bincount(inverse, weights=demand.population * demand.xy[:, 1], minlength=len(uniq)) / pop
    return Demand(demand.territory, demand.crs, np.column_stack([x, y]), pop, uniq[:, 2] == 1, demand.qpv_weight)

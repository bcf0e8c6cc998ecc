"""Two-step floating catchment area (2SFCA), planar metres.

Step 1: R_j = S_j / sum_k P_k W(d_kj) over demand k within the catchment of supply j.
Step 2: A_i = sum_j R_j W(d_ij) over supply j within the catchment of location i.

W is 1 (no decay), a Gaussian ``exp(-d² / 2σ²)`` (PySAL ``access`` ``weights.gaussian``),
or steps ``((bound_m, weight), ...)``: the weight of the first bound >= d (PySAL
``weights.step_fn``; the DREES APL uses 1, 2/3, 1/3). W is 0 beyond the catchment.
Pairs within the catchment are found with a k-d tree (scipy), one supply at a time.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.spatial import cKDTree

Steps = Sequence[tuple[float, float]]


def decay_weights(
    d: np.ndarray, *, catchment_m: float, decay_sigma_m: float | None = None, steps: Steps | None = None
) -> np.ndarray:
    """Weights of distances ``d`` (metres): 0 beyond the catchment."""
    if steps:
        w = np.zeros_like(d, dtype=float)
        for bound, weight in sorted(steps, reverse=True):
            w[d <= bound] = weight
    elif decay_sigma_m is not None:
        w = np.exp(-(d**2) / (2 * decay_sigma_m**2))
    else:
        w = np.ones_like(d, dtype=float)
    return np.where(d <= catchment_m, w, 0.0)


def _each_supply(
    points: np.ndarray, supply_xy: np.ndarray, *, catchment_m: float, tree: cKDTree | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each supply point: indices of ``points`` within the catchment and their distances.

    ``tree`` is a k-d tree of ``points`` already built (reused across types).
    """
    if len(points) == 0 or len(supply_xy) == 0:
        return [(np.empty(0, dtype=int), np.empty(0)) for _ in supply_xy]
    tree = tree if tree is not None else cKDTree(points)
    out = []
    for j, near in enumerate(tree.query_ball_point(supply_xy, r=catchment_m)):
        idx = np.asarray(near, dtype=int)
        d = np.hypot(points[idx, 0] - supply_xy[j, 0], points[idx, 1] - supply_xy[j, 1])
        out.append((idx, d))
    return out


def fca_supply_ratios(
    demand_xy: np.ndarray,
    demand_pop: np.ndarray,
    supply_xy: np.ndarray,
    supply_capacity: np.ndarray,
    *,
    catchment_m: float,
    decay_sigma_m: float | None = None,
    steps: Steps | None = None,
    demand_tree: cKDTree | None = None,
) -> np.ndarray:
    """2SFCA step 1: R_j = S_j / sum_k P_k W(d_kj) over demand k within the catchment of j (0 if none)."""
    ratios = np.zeros(len(supply_xy))
    for j, (idx, d) in enumerate(_each_supply(demand_xy, supply_xy, catchment_m=catchment_m, tree=demand_tree)):
        served = float(
            demand_pop[idx] @ decay_weights(d, catchment_m=catchment_m, decay_sigma_m=decay_sigma_m, steps=steps)
        )
        if served > 0:
            ratios[j] = supply_capacity[j] / served
    return ratios


def fca_scores(
    eval_xy: np.ndarray,
    supply_xy: np.ndarray,
    ratios: np.ndarray,
    *,
    catchment_m: float,
    decay_sigma_m: float | None = None,
    steps: Steps | None = None,
    eval_tree: cKDTree | None = None,
) -> np.ndarray:
    """2SFCA step 2: A_i = sum_j R_j W(d_ij) over supply j within the catchment of i."""
    out = np.zeros(len(eval_xy))
    for j, (idx, d) in enumerate(_each_supply(eval_xy, supply_xy, catchment_m=catchment_m, tree=eval_tree)):
        if ratios[j]:
            out[idx] += ratios[j] * decay_weights(d, catchment_m=catchment_m, decay_sigma_m=decay_sigma_m, steps=steps)
    return out


def two_step_fca(
    demand_xy: np.ndarray,
    demand_pop: np.ndarray,
    supply_xy: np.ndarray,
    supply_capacity: np.ndarray,
    eval_xy: np.ndarray,
    *,
    catchment_m: float,
    decay_sigma_m: float | None = None,
    steps: Steps | None = None,
) -> np.ndarray:
    """2SFCA accessibility at ``eval_xy`` (supply per inhabitant), planar metres; see the module."""
    ratios = fca_supply_ratios(
        demand_xy,
        demand_pop,
        supply_xy,
        supply_capacity,
        catchment_m=catchment_m,
        decay_sigma_m=decay_sigma_m,
        steps=steps,
    )
    return fca_scores(eval_xy, supply_xy, ratios, catchment_m=catchment_m, decay_sigma_m=decay_sigma_m, steps=steps)

"""Two-step floating catchment area (2SFCA), planar metres.

Step 1: R_j = S_j / sum_k P_k W(d_kj) over demand k within the catchment of supply j.
Step 2: A_i = sum_j R_j W(d_ij) over supply j within the catchment of location i.

W is 1 (no decay), a Gaussian ``exp(-d² / 2σ²)`` (PySAL ``access`` ``weights.gaussian``),
or steps ``((bound_m, weight), ...)``: the weight of the first bound >= d (PySAL
``weights.step_fn``; the DREES APL uses 1, 2/3, 1/3). W is 0 beyond the catchment.
Distances are computed in chunks of points near the supply (``benchmarks/bench_access.py``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

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


CHUNK = 4096


def _chunks(
    points: np.ndarray, supply_xy: np.ndarray, *, catchment_m: float
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Points near the supply, in chunks: (indices into ``points``, distances to every supply point).

    Only points inside the supply's bounding box grown by the catchment are kept; the
    distance matrix of a chunk is dense (few supply points per type around a territory).
    """
    if len(points) == 0 or len(supply_xy) == 0:
        return
    lo, hi = supply_xy.min(axis=0) - catchment_m, supply_xy.max(axis=0) + catchment_m
    near = np.flatnonzero(np.all((points >= lo) & (points <= hi), axis=1))
    for s in range(0, len(near), CHUNK):
        idx = near[s : s + CHUNK]
        p = points[idx]
        yield idx, np.hypot(p[:, None, 0] - supply_xy[None, :, 0], p[:, None, 1] - supply_xy[None, :, 1])


def fca_supply_ratios(
    demand_xy: np.ndarray,
    demand_pop: np.ndarray,
    supply_xy: np.ndarray,
    supply_capacity: np.ndarray,
    *,
    catchment_m: float,
    decay_sigma_m: float | None = None,
    steps: Steps | None = None,
) -> np.ndarray:
    """2SFCA step 1: R_j = S_j / sum_k P_k W(d_kj) over demand k within the catchment of j (0 if none)."""
    served = np.zeros(len(supply_xy))
    for idx, d in _chunks(demand_xy, supply_xy, catchment_m=catchment_m):
        served += demand_pop[idx] @ decay_weights(d, catchment_m=catchment_m, decay_sigma_m=decay_sigma_m, steps=steps)
    return np.divide(supply_capacity, served, out=np.zeros(len(supply_xy)), where=served > 0)


def fca_scores(
    eval_xy: np.ndarray,
    supply_xy: np.ndarray,
    ratios: np.ndarray,
    *,
    catchment_m: float,
    decay_sigma_m: float | None = None,
    steps: Steps | None = None,
) -> np.ndarray:
    """2SFCA step 2: A_i = sum_j R_j W(d_ij) over supply j within the catchment of i."""
    out = np.zeros(len(eval_xy))
    for idx, d in _chunks(eval_xy, supply_xy, catchment_m=catchment_m):
        out[idx] = decay_weights(d, catchment_m=catchment_m, decay_sigma_m=decay_sigma_m, steps=steps) @ ratios
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

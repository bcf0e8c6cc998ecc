"""Per-QPV indicators of the France-wide run, for every loaded QPV (projected metres).

Each QPV is sampled by a regular grid (``params.grid_spacing_m``, 50 m, as the territory
indicators); distances to the nearest resource are exact (KD-tree, 0 inside a service
area); the 2SFCA score of each sample point uses the supply ratios of the national grid
(:func:`geo_clsm.access.raster.grid_fca`) with the same decay, so a QPV and its commune
are measured against the same demand. Sample points weigh the same (no population grid
nationally). Uncertainty columns as :mod:`geo_clsm.access.uncertainty`.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np

from geo_clsm.access.distances import Supply, distance_stats
from geo_clsm.access.params import AccessParams
from geo_clsm.access.sampling import sample_grid
from geo_clsm.access.sfca import decay_weights
from geo_clsm.access.uncertainty import indices, uncertainty
from geo_clsm.geo.kdtree import cKDTree
from geo_clsm.model.resource_types import ResourceType


def qpv_samples(qpv_p: gpd.GeoDataFrame, *, spacing_m: float) -> list[np.ndarray]:
    """Sample points of each projected QPV polygon."""
    return [sample_grid(g, spacing_m=spacing_m) for g in qpv_p.geometry]


def fca_at(
    points: np.ndarray,
    supply: Supply,
    ratios: np.ndarray,
    *,
    catchment_m: float,
    decay_sigma_m: float | None = None,
    steps: tuple[tuple[float, float], ...] | None = None,
) -> np.ndarray:
    """2SFCA step 2 at ``points``: sum of R_j W(d_ij) over the resources within the catchment
    (pairs from a KD-tree, no dense matrix)."""
    if supply.kdtree is None or len(points) == 0:
        return np.zeros(len(points))
    pairs = supply.kdtree.sparse_distance_matrix(cKDTree(points), catchment_m, output_type="ndarray")
    w = decay_weights(pairs["v"], catchment_m=catchment_m, decay_sigma_m=decay_sigma_m, steps=steps)
    return np.bincount(pairs["j"], weights=w * ratios[pairs["i"]], minlength=len(points))


def qpv_rows(
    qpv_p: gpd.GeoDataFrame,
    samples: list[np.ndarray],
    supply: Supply,
    ratios: np.ndarray,
    *,
    rtype: ResourceType,
    params: AccessParams,
) -> list[dict[str, Any]]:
    """One row per QPV for one type (raw metres, shares 0-1)."""
    if not samples:
        return []
    pts = np.vstack(samples)
    catchment = params.catchment_for(rtype)
    d_all, near_all = supply.nearest(pts)
    s_all = fca_at(
        pts,
        supply,
        ratios,
        catchment_m=catchment,
        decay_sigma_m=params.sigma_for(rtype),
        steps=params.steps_for(rtype),
    )
    count_col = f"count_within_{int(params.count_radius_m)}m"
    rows, offset = [], 0
    for rec, sample in zip(qpv_p.itertuples(), samples, strict=True):
        part = slice(offset, offset + len(sample))
        offset += len(sample)
        stats = distance_stats(d_all[part], np.ones(len(sample)), params)
        reach = supply.within(rec.geometry, catchment)
        sfca = float(s_all[part].mean())
        rows.append(
            {
                "code_qp": rec.code_qp,
                "lib_qp": rec.lib_qp,
                "insee_com": str(rec.insee_com),
                "territory": rec.territory,
                "resource_type": rtype.value,
                **stats,
                count_col: supply.count_within(rec.geometry, params.count_radius_m),
                "sfca": sfca,
                "sfca_per_10k": sfca * 10_000,
                "catchment_m": catchment,
                "n_sample_points": len(sample),
                "n_resources": len(reach),
                "zone_blanche": supply.count_within(rec.geometry, params.gap_radius_m) == 0,
                **uncertainty(supply, reach | indices(near_all[part]), n_reach=len(reach), catchment_m=catchment),
            }
        )
    return rows

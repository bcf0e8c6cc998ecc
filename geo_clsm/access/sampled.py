"""A territory sampled for the access indicators: sample points, weights and 2SFCA demand.

Built by :func:`geo_clsm.access.indicators.sample_territory`; read by the indicator rows
(:mod:`geo_clsm.access.rows`) and the PostGIS measurements (:mod:`geo_clsm.engine.postgis.access`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np

from geo_clsm.access.distances import Placed


@dataclass
class SampledTerritory:
    """Sample points, weights and 2SFCA demand of one territory (projected metres)."""

    territory: str
    crs: str
    qpv: gpd.GeoDataFrame  # projected
    communes: gpd.GeoDataFrame  # projected
    q_pts: list[np.ndarray]
    q_w: list[np.ndarray]
    r_xy: np.ndarray
    r_w: np.ndarray
    demand_xy: np.ndarray
    demand_pop: np.ndarray
    com_xy: np.ndarray
    notes: list[str]
    placed: list[Placed] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.q_all = np.vstack(self.q_pts) if self.q_pts else np.empty((0, 2))
        self.q_w_all = np.concatenate(self.q_w) if self.q_w else np.empty(0)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        x0, y0, x1, y1 = (float(v) for v in self.communes.total_bounds)
        return x0, y0, x1, y1

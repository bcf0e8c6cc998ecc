"""Parameters and result of the access computation (metres, km/h).

2SFCA settings follow the DREES APL method ("accessibilité potentielle localisée"): a
catchment per resource type and a distance decay inside it, either stepped (weight 1 up
to half the catchment, 2/3 up to three quarters, 1/3 up to the catchment, as the APL's
10/15/20-minute steps) or Gaussian (``exp(-d² / 2σ²)``, σ half the catchment unless
given). Distances are straight lines in the territory's projected CRS.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import pandas as pd

from geo_clsm.geo.walk import DETOUR_FACTOR, WALK_SPEED_KMH
from geo_clsm.model.errors import InvalidInputError
from geo_clsm.model.resource_types import ResourceType

Progress = Callable[[int, int, str], None]
Decay = Literal["gaussian", "step", "none"]

# Catchments (metres, straight line): proximity care is sought near home, a psychiatric
# hospital or an emergency service from farther away.
DEFAULT_CATCHMENTS_M: dict[str, float] = {
    "CMP": 5_000.0,
    "CMP_ADULTE": 5_000.0,
    "CMP_ENFANT": 5_000.0,
    "CATTP": 5_000.0,
    "CMPP": 5_000.0,
    "GEM": 5_000.0,
    "PAEJ": 5_000.0,
    "ASSOCIATION": 5_000.0,
    "HDJ": 10_000.0,
    "MDA": 10_000.0,
    "CSAPA": 10_000.0,
    "EMPP": 10_000.0,
    "URGENCES_PSY": 20_000.0,
    "HOPITAL_PSY": 20_000.0,
}
DEFAULT_CATCHMENT_M = 10_000.0
# APL steps as shares of the catchment: (upper bound share, weight).
APL_STEPS: tuple[tuple[float, float], ...] = ((0.5, 1.0), (0.75, 2 / 3), (1.0, 1 / 3))
FRAGILE_BELOW = 3
"""An indicator resting on fewer resources than this is flagged ``fragile``."""


@dataclass(frozen=True)
class AccessParams:
    """Parameters of the access computation (metres, km/h)."""

    grid_spacing_m: float = 50.0
    rest_spacing_m: float = 200.0
    demand_spacing_m: float = 200.0
    """2SFCA demand without a population grid: each commune's population over this grid."""
    radii_m: tuple[float, ...] = (500.0, 1000.0)
    count_radius_m: float = 1000.0
    gap_radius_m: float = 1000.0
    detour_factor: float = DETOUR_FACTOR
    walk_speed_kmh: float = WALK_SPEED_KMH
    catchment_m: float | None = None
    """One 2SFCA catchment for every type; None = per type (``catchments_m``)."""
    catchments_m: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_CATCHMENTS_M))
    default_catchment_m: float = DEFAULT_CATCHMENT_M
    decay: Decay = "gaussian"
    decay_sigma_m: float | None = None
    """Gaussian sigma (metres); None = half the type's catchment."""

    def __post_init__(self) -> None:
        if self.grid_spacing_m <= 0 or self.rest_spacing_m <= 0 or self.demand_spacing_m <= 0:
            raise InvalidInputError("pas de grille : un nombre de mètres positif est attendu")
        if not self.radii_m or any(r <= 0 for r in self.radii_m):
            raise InvalidInputError("rayons : des distances positives en mètres sont attendues")
        catchments = [self.default_catchment_m, *self.catchments_m.values()]
        if self.catchment_m is not None:
            catchments.append(self.catchment_m)
        if any(c <= 0 for c in catchments) or (self.decay_sigma_m is not None and self.decay_sigma_m <= 0):
            raise InvalidInputError("zone de chalandise et décroissance : des mètres positifs sont attendus")
        if self.decay not in ("gaussian", "step", "none"):
            raise InvalidInputError("décroissance : choisir gaussian, step ou none")
        unknown = sorted(set(self.catchments_m) - set(ResourceType.__members__))
        if unknown:
            raise InvalidInputError(f"zones de chalandise : type inconnu {', '.join(unknown)}")

    def catchment_for(self, rtype: ResourceType | str) -> float:
        """The 2SFCA catchment of a type, in metres."""
        if self.catchment_m is not None:
            return self.catchment_m
        return float(self.catchments_m.get(str(rtype), self.default_catchment_m))

    def sigma_for(self, rtype: ResourceType | str) -> float | None:
        """Gaussian sigma of a type (metres), or None without Gaussian decay."""
        if self.decay != "gaussian":
            return None
        return self.decay_sigma_m or self.catchment_for(rtype) / 2

    def steps_for(self, rtype: ResourceType | str) -> tuple[tuple[float, float], ...] | None:
        """Stepped decay of a type: (upper bound in metres, weight), or None."""
        if self.decay != "step":
            return None
        c = self.catchment_for(rtype)
        return tuple((share * c, w) for share, w in APL_STEPS)

    def decay_fr(self, rtype: ResourceType | str) -> str:
        """The 2SFCA decay of a type, in French, with its parameters."""
        c = self.catchment_for(rtype)
        if self.decay == "gaussian":
            return f"gaussienne, σ = {_m(self.sigma_for(rtype) or 0)}, coupée à {_m(c)}"
        if self.decay == "step":
            steps = ", ".join(f"{w:.2f} jusqu'à {_m(d)}" for d, w in self.steps_for(rtype) or ())
            return f"par paliers (APL) : {steps}".replace(".", ",")
        return f"aucune (poids 1 jusqu'à {_m(c)})"

    def sfca_settings(self, types: tuple[ResourceType, ...]) -> dict[str, object]:
        """The 2SFCA parameters as shown in the API and exports."""
        return {
            "decay": self.decay,
            "decay_sigma_m": self.decay_sigma_m,
            "demand_spacing_m": self.demand_spacing_m,
            "catchments_m": {t.value: self.catchment_for(t) for t in types},
            "decay_fr": {t.value: self.decay_fr(t) for t in types},
        }


def _m(v: float) -> str:
    return f"{v:,.0f} m".replace(",", "\u202f")


def indicator_columns(params: AccessParams) -> list[str]:
    """The per-row indicator columns, in output order."""
    return [
        "mean_m",
        "p50_m",
        "p90_m",
        "max_m",
        *[f"within_{int(r)}m_share" for r in params.radii_m],
        f"count_within_{int(params.count_radius_m)}m",
        "walk_minutes_mean",
        "sfca",
        "sfca_per_10k",
    ]


@dataclass
class AccessResult:
    """Indicators of one territory.

    ``qpv``: one row per QPV x type (GeoDataFrame, QPV polygons in WGS84), raw values
    (see :func:`geo_clsm.access.present.present` for the rounded figures users see).
    ``rest``: one row per type for the territory outside its QPV, and for all its QPV.
    ``communes``: 2SFCA score per commune x type.
    ``known``: the same indicators counting only resources whose audience is known
    (None on that variant itself).
    ``sectors``: one row per QPV x CMP-like type, the indicators by psychiatric sector
    (:mod:`geo_clsm.access.sectorised`; empty without a CMP-like type).
    """

    territory: str
    crs: str
    params: AccessParams
    types: tuple[ResourceType, ...]
    qpv: gpd.GeoDataFrame
    rest: pd.DataFrame
    communes: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    known_audience_only: bool = False
    known: AccessResult | None = None
    sectors: pd.DataFrame = field(default_factory=pd.DataFrame)

    def variant(self, *, known_audience_only: bool) -> AccessResult:
        """This result, or its known-audience-only variant."""
        return self.known if known_audience_only and self.known is not None else self

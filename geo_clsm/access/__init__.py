"""Access gaps: per-QPV indicators per resource type, equity against the rest of the
territory, two-step floating catchment area (2SFCA) scores, uncertainty, and what-if
scenarios.

Split by concern: :mod:`.params` (parameters, result), :mod:`.sampling` (sample points,
weights, demand), :mod:`.distances` (supply, distance statistics), :mod:`.sfca` (2SFCA),
:mod:`.indicators` (the per-QPV table), :mod:`.uncertainty` (what a figure relies on),
:mod:`.present` (rounding, French formatting),
:mod:`.scenarios` (what-if).
"""

from geo_clsm.access.distances import Supply, distance_stats
from geo_clsm.access.indicators import compute_access, sample_territory, territory_indicators
from geo_clsm.access.params import (
    APL_STEPS,
    DEFAULT_CATCHMENT_M,
    DEFAULT_CATCHMENTS_M,
    FRAGILE_BELOW,
    AccessParams,
    AccessResult,
    Progress,
    indicator_columns,
)
from geo_clsm.access.present import format_fr, present
from geo_clsm.access.sampling import commune_grid_demand, population_weights, sample_grid, weighted_quantile
from geo_clsm.access.scenarios import ScenarioChange, apply_scenario, compare
from geo_clsm.access.sfca import decay_weights, fca_scores, fca_supply_ratios, two_step_fca

__all__ = [
    "APL_STEPS",
    "DEFAULT_CATCHMENTS_M",
    "DEFAULT_CATCHMENT_M",
    "FRAGILE_BELOW",
    "AccessParams",
    "AccessResult",
    "Progress",
    "ScenarioChange",
    "Supply",
    "apply_scenario",
    "commune_grid_demand",
    "compare",
    "compute_access",
    "decay_weights",
    "distance_stats",
    "fca_scores",
    "fca_supply_ratios",
    "format_fr",
    "indicator_columns",
    "population_weights",
    "present",
    "sample_grid",
    "sample_territory",
    "territory_indicators",
    "two_step_fca",
    "weighted_quantile",
]

"""The indicator rows of one resource type, built once from measured figures.

The distances are measured in memory (:mod:`geo_clsm.access.indicators`) or by PostGIS
(:mod:`geo_clsm.engine.postgis.access`); both give :class:`Measured` figures per group, and
:func:`type_rows` turns them into the QPV rows, the rows of the rest of the territory (and of
all its QPV together) and the per-commune rows, with the 2SFCA scores of :func:`sfca_function`.
"""

from __future__ import annotations

from collections.abc import Callable, Set
from dataclasses import dataclass
from typing import Any

import numpy as np

from geo_clsm.access.distances import Supply
from geo_clsm.access.params import AccessParams
from geo_clsm.access.sampled import SampledTerritory
from geo_clsm.access.sfca import fca_scores, fca_supply_ratios
from geo_clsm.access.uncertainty import relied, uncertainty
from geo_clsm.model.resource_types import ResourceType

TypeRows = tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]
"""The rows one type gives: per QPV, for the rest of the territory, per commune."""

Sfca = Callable[[np.ndarray], np.ndarray]


@dataclass
class Measured:
    """The distance figures of a group of sample points (:func:`~geo_clsm.access.distance_stats`)
    and the supply indices of the nearest resources they rely on."""

    stats: dict[str, Any]
    nearest: Set[int]


@dataclass
class QpvMeasured(Measured):
    """A QPV's figures: its sample points, the resources within reach (2SFCA catchment) and how
    many are within the count radius and the gap radius."""

    n_sample_points: int
    reach: Set[int]
    n_count: int
    n_gap: int


def sfca_function(ctx: SampledTerritory, rtype: ResourceType, supply: Supply, params: AccessParams) -> Sfca:
    """The 2SFCA score at projected points: supply within one catchment of the territory (only it
    reaches its points), demand of the territory's sampling."""
    catchment = params.catchment_for(rtype)
    decay: dict[str, Any] = {
        "catchment_m": catchment,
        "decay_sigma_m": params.sigma_for(rtype),
        "steps": params.steps_for(rtype),
    }
    x0, y0, x1, y1 = ctx.bounds
    near = supply.near_box((x0 - catchment, y0 - catchment, x1 + catchment, y1 + catchment))
    sxy = supply.xy[near]
    ratios = fca_supply_ratios(ctx.demand_xy, ctx.demand_pop, sxy, supply.capacity[near], **decay)
    return lambda xy: fca_scores(xy, sxy, ratios, **decay)


def type_rows(
    ctx: SampledTerritory,
    rtype: ResourceType,
    supply: Supply,
    params: AccessParams,
    *,
    rest: Measured,
    all_qpv: Measured | None,
    qpv: Callable[[int, Any], QpvMeasured],
) -> TypeRows:
    """QPV rows, rest rows and commune rows of one type. ``rest`` and ``all_qpv``: the figures of
    the rest of the territory and of all its QPV together (None without QPV points); ``qpv(i, rec)``
    those of the ``i``-th QPV (``rec``: its row of ``ctx.qpv``)."""
    sfca = sfca_function(ctx, rtype, supply, params)
    catchment = params.catchment_for(rtype)
    territory = ctx.territory
    rest_rows = [
        {
            "territory": territory,
            "zone": "hors_qpv",
            "resource_type": rtype.value,
            **rest.stats,
            "sfca": float(np.average(sfca(ctx.r_xy), weights=ctx.r_w)),
            **relied(supply, set(rest.nearest)),
        }
    ]
    if all_qpv is not None:
        rest_rows.append(
            {
                "territory": territory,
                "zone": "qpv",
                "resource_type": rtype.value,
                **all_qpv.stats,
                "sfca": None,
                **relied(supply, set(all_qpv.nearest)),
            }
        )
    rows: list[dict[str, Any]] = []
    count_col = f"count_within_{int(params.count_radius_m)}m"
    q_sfca = sfca(ctx.q_all)
    rest_mean = rest.stats.get("mean_m")
    offset = 0
    for i, rec in enumerate(ctx.qpv.itertuples()):
        w = ctx.q_w[i]
        part = slice(offset, offset + len(w))
        offset += len(w)
        m = qpv(i, rec)
        s = float(np.average(q_sfca[part], weights=w))
        in_reach = set(m.reach)
        row = {
            "code_qp": rec.code_qp,
            "lib_qp": rec.lib_qp,
            "territory": territory,
            "resource_type": rtype.value,
            **m.stats,
            count_col: m.n_count,
            "sfca": s,
            "sfca_per_10k": s * 10_000,
            "catchment_m": catchment,
            "n_sample_points": m.n_sample_points,
            "n_resources": len(in_reach),
            **uncertainty(supply, in_reach | set(m.nearest), n_reach=len(in_reach), catchment_m=catchment),
        }
        row["equity_ratio_mean"] = row["mean_m"] / rest_mean if row["mean_m"] is not None and rest_mean else None
        row["zone_blanche"] = m.n_gap == 0
        rows.append(row)
    return rows, rest_rows, commune_rows(ctx, territory=territory, rtype=rtype, sfca=sfca)


def commune_rows(ctx: SampledTerritory, *, territory: str, rtype: ResourceType, sfca: Sfca) -> list[dict[str, Any]]:
    """The per-commune 2SFCA rows of one type."""
    return [
        {
            "insee_com": rec.insee_com,
            "nom": rec.nom,
            "territory": territory,
            "resource_type": rtype.value,
            "population": rec.population_municipale,
            "sfca": float(s),
            "sfca_per_10k": float(s) * 10_000,
        }
        for rec, s in zip(ctx.communes.itertuples(), sfca(ctx.com_xy), strict=True)
    ]

"""What a row relies on: the resources behind a figure, how many of unknown audience, how
many placed only at their commune, and whether the value is fragile (fewer than 3 resources
within reach). The French note says it in a sentence ("dont 3 au public non précisé")."""

from __future__ import annotations

from typing import Any

import numpy as np

from geo_clsm.access.distances import Supply
from geo_clsm.access.params import FRAGILE_BELOW
from geo_clsm.engine.query import unknown_audience_note


def indices(nearest: np.ndarray) -> set[int]:
    """The distinct resource indices of a nearest-resource array (-1: none)."""
    return {int(j) for j in np.unique(nearest) if j >= 0}


def relied(supply: Supply, used: set[int]) -> dict[str, Any]:
    """How many resources a row relies on (indices ``used`` in ``supply``), how many of unknown
    audience, the share at commune precision, and a French note."""
    idx = np.array(sorted(used), dtype=int)
    n_unknown = int(supply.unknown_audience[idx].sum()) if len(idx) else 0
    share = float(supply.at_commune[idx].mean()) if len(idx) else None
    note = f"{len(idx)} ressource{'s' if len(idx) > 1 else ''} prise{'s' if len(idx) > 1 else ''} en compte"
    unknown = unknown_audience_note(n_unknown)
    if unknown:
        note += f", {unknown}"
    if share:
        note += f" ; {round(share * 100)} % positionnées à la commune seulement"
    return {
        "n_resources_relied": len(idx),
        "n_unknown_audience": n_unknown,
        "commune_precision_share": share,
        "note": note,
    }


def uncertainty(supply: Supply, used: set[int], *, n_reach: int, catchment_m: float) -> dict[str, Any]:
    """:func:`relied`, and ``fragile`` when fewer than 3 resources are within the catchment."""
    out = relied(supply, used)
    out["fragile"] = n_reach < FRAGILE_BELOW
    if out["fragile"]:
        km = f"{catchment_m / 1000:g}".replace(".", ",")
        out["note"] += (
            f" ; valeur fragile : {n_reach} ressource{'s' if n_reach > 1 else ''} à moins de {km} km (moins de 3)"
        )
    return out

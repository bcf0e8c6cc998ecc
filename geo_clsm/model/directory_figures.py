"""The directory's figures for planners: per territory and type, the typical (median) waiting time the
places stated and how many stated one; per territory, the share of records confirmed in the last
12 months (:func:`geo_clsm.model.freshness.fresh_share`).

Only stated waits count: a place that gave none is counted as not having stated one, never given a
value (no wait is estimated). The report, ``/planning``, ``/healthz`` and the observatory's
snapshots read these.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from datetime import date
from typing import Any

from geo_clsm.model.freshness import fresh_share
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import LINE_TYPES


def wait_by_type(resources: Iterable[Resource]) -> list[dict[str, Any]]:
    """Per type of place among ``resources`` (a territory's places; by type code): how many places,
    how many stated a wait, the median of the stated waits (days; None when none stated)."""
    by_type: dict[str, list[Resource]] = {}
    for r in resources:
        if r.type not in LINE_TYPES:
            by_type.setdefault(r.type.value, []).append(r)
    out = []
    for code in sorted(by_type):
        places = by_type[code]
        waits = [r.wait_days for r in places if r.wait_days is not None]
        out.append(
            {
                "type": code,
                "type_label": places[0].type.label_fr,
                "places": len(places),
                "stated": len(waits),
                "median_wait_days": statistics.median(waits) if waits else None,
            }
        )
    return out


def freshness_by_territory(resources: Iterable[Resource], today: date, territories: Iterable[str]) -> dict[str, Any]:
    """Per territory: records, those confirmed in the last 12 months, and the share."""
    wanted = list(territories)
    mine: dict[str, list[Resource]] = {t: [] for t in wanted}
    for r in resources:
        if r.territory in mine:
            mine[r.territory].append(r)
    return {t: fresh_share(mine[t], today) for t in wanted}

"""The report's « Sectorisation » section: for each QPV and CMP-like type, the distance from its
population to its own psychiatric sector's referent beside the distance to the nearest place, and
the share whose nearest place is not their sector's (:mod:`geo_clsm.access.sectorised`; figures as
presented once, :func:`geo_clsm.access.present.present`). Without sector data it says
« sectorisation non renseignée », never 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from geo_clsm.access.params import AccessResult
from geo_clsm.access.present import format_fr, present
from geo_clsm.access.sectorised import NOT_INFORMED, PARTIAL
from geo_clsm.exports.indicator_files import records
from geo_clsm.model.resource_types import ResourceType

COLUMNS: tuple[tuple[str, str], ...] = (
    ("sector_ids", "Secteur(s)"),
    ("sector_referent_mean_m", "Distance moyenne au référent du secteur"),
    ("sector_referent_p90_m", "Distance 90 % au référent du secteur"),
    ("sector_nearest_mean_m", "Distance moyenne au plus proche"),
    ("sector_nearest_p90_m", "Distance 90 % au plus proche"),
    ("sector_nearest_other_share", "Part dont le plus proche est hors secteur"),
)


def sector_figures(result: AccessResult, *, types: Sequence[ResourceType]) -> list[dict[str, Any]]:
    """The presented sector rows of the report's types: ``code``, ``name``, ``type`` and the columns
    of :data:`geo_clsm.access.sectorised.SECTOR_COLUMNS`."""
    table = result.sectors
    if table.empty:
        return []
    wanted = {t.value for t in types}
    shown = present(pd.DataFrame(table[table["resource_type"].isin(wanted)]))
    out = []
    for rec in records(shown.sort_values(["resource_type", "code_qp"])):
        rec.pop("territory", None)
        out.append({"code": rec.pop("code_qp"), "name": rec.pop("lib_qp"), "type": rec.pop("resource_type"), **rec})
    return out


def sector_tables(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per type: a table of the QPV (name, then :data:`COLUMNS`), « sectorisation non renseignée »
    across a QPV's cells when it has no sector figure, and a note for partly covered QPV."""
    by_type: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_type.setdefault(r["type"], []).append(r)
    tables = []
    for t, members in by_type.items():
        cells, partial = [], []
        for r in sorted(members, key=lambda r: (str(r["name"]), r["code"])):
            name = f"{r['name']} ({r['code']})"
            if r.get("sectorisation") in (None, NOT_INFORMED):
                cells.append([name, *([NOT_INFORMED] * len(COLUMNS))])
                continue
            cells.append([name, *(format_fr(c, r.get(c)) for c, _ in COLUMNS)])
            if r.get("sectorisation") == PARTIAL:
                partial.append(f"{r['name']} ({format_fr('sector_covered_share', r.get('sector_covered_share'))})")
        tables.append(
            {
                "type": t,
                "label": ResourceType(t).label_fr,
                "header": ["QPV", *(h for _, h in COLUMNS)],
                "rows": cells,
                "partial": partial,
                "informed": any(r.get("sectorisation") not in (None, NOT_INFORMED) for r in members),
            }
        )
    return tables

"""Partner indicators in the database of record: one table, one row per indicator and code.

Importing an indicator again under the same name replaces its values (one transaction).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.data.importers.indicators import IndicatorValue
from geo_clsm.store.schema import partner_indicators as table


def replace_indicator(
    db: SqlEngine, values: Sequence[IndicatorValue], *, name: str, source: str, unit: str, at: datetime | None = None
) -> int:
    """Store ``values`` as indicator ``name`` (its previous values are replaced); the count written."""
    stamp = at or datetime.now(UTC)
    with db.begin() as conn:
        conn.execute(sa.delete(table).where(table.c.name == name))
        if values:
            conn.execute(
                sa.insert(table),
                [
                    {"name": name, "source": source, "unit": unit, "scope": v.scope, "code": v.code,
                     "value": v.value, "imported_at": stamp}
                    for v in values
                ],
            )  # fmt: skip
    return len(values)


def indicator_rows(
    db: SqlEngine, *, territory: str, departments: Collection[str], communes: Collection[str]
) -> list[dict[str, Any]]:
    """The values that concern a territory (its own, its departments', its communes'), each with
    the indicator's national value when it was given; ordered by indicator, scope, code."""
    wanted = {*departments, *communes, territory}
    with db.connect() as conn:
        rows = conn.execute(sa.select(table).order_by(table.c.name, table.c.id)).mappings().all()
    national = {r["name"]: r["value"] for r in rows if r["scope"] == "france"}
    order = {"territory": 0, "department": 1, "commune": 2}
    out = [
        {
            "name": r["name"],
            "source": r["source"],
            "unit": r["unit"],
            "scope": r["scope"],
            "code": r["code"],
            "value": r["value"],
            "national_value": national.get(r["name"]),
            "imported_on": r["imported_at"].date().isoformat(),
        }
        for r in rows
        if r["scope"] != "france" and r["code"] in wanted and (r["scope"] != "territory" or r["code"] == territory)
    ]
    return sorted(out, key=lambda r: (r["name"], order.get(r["scope"], 3), r["code"]))

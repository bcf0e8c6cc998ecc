"""The editors' review queue: which records to check first.

Those of the editor's territories first; within them, the records waiting for a confirmation longer
than their territory allows (« à confirmer », :func:`geo_clsm.model.freshness.to_confirm`) first,
then the oldest. Ordered in SQL, so that a queue of a national directory reads only its first page.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo_clsm.model import clock
from geo_clsm.model.freshness import ConfirmPolicy, confirm_policy, months_before
from geo_clsm.store.repo import ACTIVE, territories_first
from geo_clsm.store.schema import resources
from geo_clsm.store.scope import Scope


def review_queue(
    conn: Connection,
    *,
    today: date | None = None,
    limit: int = 200,
    first_territories: Collection[str] = (),
    policy: ConfirmPolicy | None = None,
    scope: Scope | None = None,
) -> list[dict[str, Any]]:
    """Active records (of ``scope`` when given), those of ``first_territories`` first; within them, the records waiting for a
    confirmation longer than their territory allows (``stale``, « à confirmer ») first, then the
    oldest first. A record's age is counted from its confirmation (by the place or the CLSM), else
    from its source's date, else from ``last_verified`` (:func:`geo_clsm.model.freshness.to_confirm`)."""
    today = today or clock.today()
    policy = policy or confirm_policy()
    c = resources.c
    since = sa.case(
        (c.verified_by.is_not(None), c.last_verified), else_=sa.func.coalesce(c.source_date, c.last_verified)
    )
    default_cutoff = sa.literal(months_before(today, policy.default_months), sa.Date)
    cutoff = (
        sa.case(
            *[(c.territory == t, sa.literal(months_before(today, m), sa.Date)) for t, m in policy.by_territory.items()],
            else_=default_cutoff,
        )
        if policy.by_territory
        else default_cutoff
    )
    overdue = sa.case((since < cutoff, 0), else_=1)
    rows = conn.execute(
        sa.select(c.id, c.name, c.commune, c.territory, c.last_verified, c.source_date, c.verified_by)
        .where(c.status == ACTIVE, *(() if scope is None else (scope.clause(),)))
        .order_by(territories_first(c.territory, first_territories), overdue, since, c.id)
        .limit(limit)
    )

    def day(v: Any) -> date | None:
        return v if isinstance(v, date) or v is None else date.fromisoformat(str(v))

    out = []
    for r in rows:
        lv = day(r.last_verified)
        assert lv is not None
        age_from = lv if r.verified_by is not None else (day(r.source_date) or lv)
        out.append(
            {
                "id": r.id,
                "name": r.name,
                "commune": r.commune,
                "territory": r.territory,
                "last_verified": lv.isoformat(),
                "verified_by": r.verified_by,
                "stale": age_from < months_before(today, policy.months(r.territory)),
            }
        )
    return out

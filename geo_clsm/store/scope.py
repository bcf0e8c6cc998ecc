"""What a scoped account's lists show (:class:`Scope`) and the check every change of a record
passes (:data:`ChangeCheck`): the store's side of the rights of :mod:`geo_clsm.store.rights`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from geo_clsm.model.resource import Resource
from geo_clsm.store.schema import resources

ChangeCheck = Callable[[Resource | None, Resource], None]
"""Called with (the record before, None for a new one; the record after) inside the transaction of a
change, before it is written: it raises to refuse the change (the rights of
:mod:`geo_clsm.store.rights`)."""


@dataclass(frozen=True, slots=True)
class Scope:
    """The records a scoped account's lists show: those naming one of ``territories`` or in one of
    ``communes`` (their ``insee_com``). A record belonging to a territory by its position alone is
    reachable by its id, not listed."""

    territories: frozenset[str]
    communes: frozenset[str]

    def clause(self, territory: Any = resources.c.territory, insee_com: Any = resources.c.insee_com) -> Any:
        return sa.or_(territory.in_(sorted(self.territories)), insee_com.in_(sorted(self.communes)))


def scoped(q: Any, scope: Scope | None) -> Any:
    return q if scope is None else q.where(scope.clause())

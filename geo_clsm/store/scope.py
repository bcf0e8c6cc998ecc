"""What a scoped account's lists show (:class:`Scope`) and the check every change of a record
passes (:data:`ChangeCheck`): the store's side of the rights of :mod:`geo_clsm.store.rights`."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from geo_clsm.model.resource import Resource
from geo_clsm.store.schema import resources

ChangeCheck = Callable[[Resource | None, Resource], None]
"""Called with (the record before, None for a new one; the record after) inside the transaction of a
change, before it is written: it raises to refuse the change (the rights of
:mod:`geo_clsm.store.rights`)."""


def encode(territories: Collection[str]) -> str:
    """The stored form of a record's territories (``resources.belongs_to``): ``,a,b,`` (``,``: none)."""
    return "," + "".join(f"{t}," for t in sorted(territories))


@dataclass(frozen=True, slots=True)
class Scope:
    """The records a scoped account's lists and exports show: those belonging to one of
    ``territories`` — by their position, their commune or the territory they name, the one rule of
    :mod:`geo_clsm.store.rights`, read from its stored result (``resources.belongs_to``, brought up to
    date by :mod:`geo_clsm.store.membership` whenever a Scope is made)."""

    territories: frozenset[str]

    def clause(self, belongs_to: Any = resources.c.belongs_to) -> Any:
        if not self.territories:
            return sa.false()
        return sa.or_(*(belongs_to.contains(f",{t},", autoescape=True) for t in sorted(self.territories)))


def scoped(q: Any, scope: Scope | None) -> Any:
    return q if scope is None else q.where(scope.clause())

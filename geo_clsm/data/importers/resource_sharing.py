"""Equal parts of resource records shared in memory: a 200,000-row import holds about half as much.

Used by the column-wise importer as it builds records (:func:`~geo_clsm.data.importers.resource_columns.import_table`,
:class:`~geo_clsm.data.importers.resource_table.ResourceTable`) and by the start-up cache on the
records it reads back (:func:`share_equal_parts`). Only records being loaded, before anything
serves them, are touched; they compare equal as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from geo_clsm.model.position import Position
from geo_clsm.model.resource import Audience, Resource


def share_equal_parts(resources: Iterable[Resource]) -> None:
    """Share, in place, what equal records hold equally (see :class:`Compact`): the catalog's
    records (read back from the start-up cache) then hold about half the memory.

    Every field of a record counts as given (pydantic's ``model_fields_set``, which nothing in
    the project reads; equality ignores it): one set for all, to which an assignment adds nothing.
    """
    compact = Compact()
    every = frozenset(Resource.model_fields)
    for r in resources:
        if r.__pydantic_fields_set__ != every:
            object.__setattr__(r, "__pydantic_fields_set__", set(every))
        compact.share(r)


class Compact:
    """Shares what equal records hold equally: the set of fields given (pydantic keeps one per
    object; here every field is given, so adding to it is a no-op) and equal audiences (frozen).
    A 200,000-row import then holds about half the memory; the records compare equal as before."""

    def __init__(self) -> None:
        self.fields: dict[tuple[type[BaseModel], frozenset[str]], set[str]] = {}
        self.audiences: dict[tuple[Any, ...], Audience] = {}
        self.sizes: dict[type[BaseModel], int] = {cls: len(cls.model_fields) for cls in (Resource, Position, Audience)}

    def _fields(self, obj: BaseModel) -> None:
        given = obj.__pydantic_fields_set__
        if len(given) == self.sizes[type(obj)]:
            shared = self.fields.setdefault((type(obj), frozenset(given)), given)
            object.__setattr__(obj, "__pydantic_fields_set__", shared)

    def share(self, r: Resource) -> Resource:
        self._fields(r)
        if r.position is not None:
            self._fields(r.position)
        a = r.audience
        key = (a.age_min, a.age_max, a.groups)
        audience = self.audiences.get(key)
        if audience is None:
            self._fields(a)
            audience = self.audiences[key] = a
        r.__dict__["audience"] = audience
        return r

"""The national lines (phone and chat services) of a catalog, and which needs each answers.

Built once per engine (:class:`geo_clsm.engine.core.Engine`); the nearest answer
(:mod:`geo_clsm.engine.nearby`) offers them where nothing is near.
"""

from __future__ import annotations

from collections.abc import Sequence

from geo_clsm.data.catalog import Catalog
from geo_clsm.data.importers.lines import ALL_NEEDS, read_line_needs
from geo_clsm.model.resource import LINE_TYPES, Resource, ResourceType


class NationalLines:
    """The national lines of the catalog, and which needs each answers."""

    def __init__(self, catalog: Catalog) -> None:
        self.lines = [r for r in catalog.resources if r.type in LINE_TYPES]
        needs_layer = next((lay for lay in catalog.layers.values() if lay.kind == "line_needs"), None)
        self.needs = read_line_needs(catalog.data_dir / needs_layer.path) if needs_layer else {}

    def answering(self, types: Sequence[ResourceType], *, age: int | None) -> list[Resource]:
        """Lines for these needs (every need when ``types`` is empty) that receive ``age``:
        the lines specific to a need first, then those answering every need."""
        wanted = {t.value for t in types}
        specific, general = [], []
        for r in self.lines:
            answers = self.needs.get(r.id, frozenset())
            if age is not None and r.accepts_age(age) is False:
                continue
            if answers & wanted:
                specific.append(r)
            elif ALL_NEEDS in answers:
                general.append(r)
        return specific + general

"""The national lines (phone and chat services) of a catalog, which needs each answers, and the
lines of an answer as features with their open state.

Built once per engine (:class:`geo_clsm.engine.core.Engine`); the nearest answer
(:mod:`geo_clsm.engine.nearby`) offers them where nothing is near. A line's hours are those of
metropolitan France (its callers reach a national service); they are evaluated like any place's
(:func:`geo_clsm.model.hours.open_state`, public holidays by the line's type: a line open « Mo-Su »
answers on holidays), and the open lines come first, the closed ones last and marked so.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from geo_clsm.data.catalog import Catalog
from geo_clsm.data.importers.lines import ALL_NEEDS, read_line_needs
from geo_clsm.model.geojson import feature
from geo_clsm.model.hours import PARIS, open_state
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import LINE_TYPES, ResourceType

_STATE_ORDER = {"open": 0, "unknown": 1, "closed": 2}


def line_features(lines: Sequence[Resource], when: datetime) -> list[dict[str, Any]]:
    """The lines as GeoJSON features with ``open_now`` / ``open_status`` at ``when`` (aware, or
    naive metropolitan time) and, as every public view, their hours in words in each language of the
    pages (``opening_hours_words``); open lines first, then those whose hours are unknown, closed last
    (otherwise in the given order)."""
    out = []
    for r in lines:
        hours = r.hours
        state = open_state(hours, when, zone=PARIS, notice=r.notice)  # a national line keeps metropolitan hours
        out.append(
            feature(
                r,
                {
                    "open_status": state,
                    "open_now": None if state == "unknown" else state == "open",
                },
            )
        )
    return sorted(out, key=lambda f: _STATE_ORDER[f["properties"]["open_status"]])


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

"""The sector form's choices (issue 29): the referents offered from the directory, grouped by type
(CMP first), and the communes and QPV of the account's territories, listed by name and code (the
list works without the map), plus their outlines for the form's map (``GET /admin/sector-places``).

Labels are French msgids, translated with the page's translator.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping

from geo_clsm.engine.core import Engine
from geo_clsm.i18n import N_, Translator
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import TYPE_LABELS_FR, ResourceType

REFERENT_TYPE_ORDER = (
    ResourceType.CMP_ADULTE,
    ResourceType.CMP_ENFANT,
    ResourceType.CMP,
    ResourceType.CMPP,
    ResourceType.CATTP,
    ResourceType.HDJ,
    ResourceType.EMPP,
)
"""The directory's groups in the referents' picker, CMP first (a place offering several is listed
under the first of its types in this order)."""
OTHER_RECORDS = N_("Autres fiches")
"""The group of a stored referent of another type (any record may be a referent)."""
PUBLIC_MSGIDS = (N_("psychiatrie adulte"), N_("psychiatrie infanto-juvénile"))
"""The publics' labels (:data:`geo_clsm.model.sector.PUBLIC_LABELS_FR`), as msgids."""
SIMPLIFY_DEG = 0.0002
"""Tolerance (degrees, about 20 m) of the outlines drawn on the form's map: a click picks a
commune, the stored extent names its code, so the drawing need not be exact."""
MIN_REFERENT_FIELDS = 3


@dataclass(frozen=True, slots=True)
class ReferentChoice:
    id: str
    label: str
    territory: str


@dataclass(frozen=True, slots=True)
class ReferentGroup:
    label: str
    options: tuple[ReferentChoice, ...]


@dataclass(frozen=True, slots=True)
class Place:
    code: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"


@dataclass(frozen=True, slots=True)
class TerritoryPlaces:
    id: str
    name: str
    communes: tuple[Place, ...]
    qpv: tuple[Place, ...]


def _group_of(r: Resource) -> ResourceType | None:
    offers = {r.type, *r.service_types}
    return next((t for t in REFERENT_TYPE_ORDER if t in offers), None)


def referent_groups(
    engine: Engine, t: Translator, *, territories: Iterable[str], keep: Sequence[str] = ()
) -> list[ReferentGroup]:
    """The referents' picker: the CMP-like places and teams of ``territories`` by type (CMP first)
    then name, each labelled « name — type — commune »; a stored referent (``keep``) of another
    type or territory is offered too, in « Autres fiches », so that saving never drops it."""
    wanted = set(territories)
    by_type: dict[ResourceType, list[ReferentChoice]] = {k: [] for k in REFERENT_TYPE_ORDER}
    offered: set[str] = set()
    for r in engine.catalog.resources:
        kind = _group_of(r)
        if kind is None or r.territory not in wanted:
            continue
        by_type[kind].append(_choice(r, t(TYPE_LABELS_FR[kind])))
        offered.add(r.id)
    others = []
    for rid in keep:
        if rid and rid not in offered:
            found = engine.catalog.resources_by_id.get(rid)
            others.append(
                ReferentChoice(rid, rid, "") if found is None else _choice(found, t(TYPE_LABELS_FR[found.type]))
            )
            offered.add(rid)
    groups = [
        ReferentGroup(t(TYPE_LABELS_FR[k]), tuple(sorted(v, key=lambda c: c.label.casefold())))
        for k, v in by_type.items()
        if v
    ]
    if others:
        groups.append(ReferentGroup(t(OTHER_RECORDS), tuple(others)))
    return groups


def _choice(r: Resource, type_label: str) -> ReferentChoice:
    parts = [r.display_name or r.name, type_label, r.commune or ""]
    return ReferentChoice(r.id, " — ".join(p for p in parts if p), r.territory or "")


def referent_fields(chosen: Sequence[str]) -> list[str]:
    """The values of the picker's selects: the stored referents in order, then empty ones to add."""
    return [*chosen, *[""] * max(1, MIN_REFERENT_FIELDS - len(chosen))]


def territory_places(engine: Engine, territories: Sequence[tuple[str, str]]) -> list[TerritoryPlaces]:
    """The communes and QPV of each (id, name) territory, by name."""
    catalog = engine.catalog
    out = []
    for tid, name in territories:
        rows = catalog.commune_table.rows_in([tid])
        attrs = catalog.commune_table.attrs.iloc[rows]
        communes = sorted(
            (Place(str(c), str(n)) for c, n in zip(attrs["insee_com"], attrs["nom"], strict=True)),
            key=lambda p: (p.name.casefold(), p.code),
        )
        qpv = catalog.qpv[catalog.qpv["territory"] == tid]
        qpvs = sorted(
            (Place(str(c), str(n)) for c, n in zip(qpv["code_qp"], qpv["lib_qp"], strict=True)),
            key=lambda p: (p.name.casefold(), p.code),
        )
        out.append(TerritoryPlaces(tid, name, tuple(communes), tuple(qpvs)))
    return out


def _outline(geom: Any) -> dict[str, Any] | None:
    if geom is None or geom.is_empty:
        return None
    small = shapely.simplify(geom, SIMPLIFY_DEG, preserve_topology=True)
    rounded = shapely.transform(small, lambda xy: np.round(xy, 5))
    return dict(mapping(rounded))


def places_geojson(engine: Engine, territory: str) -> dict[str, Any]:
    """The outlines (WGS84, simplified) of a territory's communes and QPV for the form's map:
    properties ``kind`` (``commune`` or ``qpv``), ``code`` and ``name``; and the territory's sectors
    being served (``sector``, ``code`` its id, ``public``), drawn beside the one edited."""
    catalog = engine.catalog
    features = []
    for s in engine.sectors.for_territory(territory):
        shape = _outline(engine.sectors.geometry_wgs84(s.id))
        if shape is not None:
            props = {"kind": "sector", "code": s.id, "name": s.name, "public": s.public}
            features.append({"type": "Feature", "properties": props, "geometry": shape})
    rows = catalog.commune_table.rows_in([territory])
    attrs = catalog.commune_table.attrs.iloc[rows]
    geoms = catalog.commune_table.geometries(rows)
    for code, name, geom in zip(attrs["insee_com"], attrs["nom"], geoms, strict=True):
        shape = _outline(geom)
        if shape is not None:
            props = {"kind": "commune", "code": str(code), "name": str(name)}
            features.append({"type": "Feature", "properties": props, "geometry": shape})
    qpv = catalog.qpv[catalog.qpv["territory"] == territory]
    for code, name, geom in zip(qpv["code_qp"], qpv["lib_qp"], qpv.geometry, strict=True):
        shape = _outline(geom)
        if shape is not None:
            props = {"kind": "qpv", "code": str(code), "name": str(name)}
            features.append({"type": "Feature", "properties": props, "geometry": shape})
    return {"type": "FeatureCollection", "territory": territory, "features": features}


def checks_geojson(engine: Engine, territory: str, overlaps: Sequence[Any], holes: Sequence[Any]) -> str:
    """The admins' check map of a territory (JSON text of a FeatureCollection, WGS84, simplified):
    the sectors' extents (``kind`` ``sector``), the overlaps (``overlap``) and the communes left
    (partly) out (``hole``; the whole commune is drawn); empty string when there is nothing to show."""
    features = []
    for s in engine.sectors.for_territory(territory):
        shape = _outline(engine.sectors.geometry_wgs84(s.id))
        if shape is not None:
            features.append({"type": "Feature", "properties": {"kind": "sector", "name": s.id}, "geometry": shape})
    for o in overlaps:
        shape = _outline(o.geometry_wgs84)
        if shape is not None:
            props = {"kind": "overlap", "name": f"{o.first} / {o.second}"}
            features.append({"type": "Feature", "properties": props, "geometry": shape})
    table = engine.catalog.commune_table
    rows = table.rows_in([territory])
    codes = table.attrs["insee_com"].astype(str).to_numpy()[rows]
    wanted = {h.insee_com for h in holes}
    picked = [int(r) for r, c in zip(rows.tolist(), codes.tolist(), strict=True) if c in wanted]
    for row, geom in zip(picked, table.geometries(picked), strict=True):
        shape = _outline(geom)
        if shape is not None:
            props = {"kind": "hole", "name": str(table.attrs["nom"].iloc[row])}
            features.append({"type": "Feature", "properties": props, "geometry": shape})
    if not features:
        return ""
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))

"""OGC API – Features collections, built from the engine (no web framework here).

Five collections: ``resources`` (the public view of every resource: public position and
public properties, nothing else), ``qpv`` (QPV polygons), ``qpv-indicators`` (one feature
per QPV × resource type, the engine's access indicators), ``communes-indicators`` (one
feature per commune × type, the 2SFCA score, on the commune's polygon) and ``sectors`` (the
psychiatric sectors' public view on their resolved extent; empty until sectors are imported or
drawn: « sectorisation non renseignée »).

Geometries are WGS84 longitude/latitude (OGC CRS84) unless a request asks for Lambert-93
(EPSG:2154), which is reprojected here. Items are built once per engine and cached beside
it (:class:`Table`: the items, their ids, bounds and WGS84 features encoded once): a new engine
(editors' changes, a data update) gets new items. A bounding box selects by
:class:`geo_clsm.geo.area.Area`'s rule, vectorised over the table's bounds.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson
import pandas as pd
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from geo_clsm.access.present import present
from geo_clsm.exports.indicator_files import records
from geo_clsm.geo.area import Area, published
from geo_clsm.geo.crs import LAMBERT93, WGS84, transformer
from geo_clsm.model.errors import InvalidInputError, NotFoundError
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import ResourceType

if TYPE_CHECKING:
    from geo_clsm.engine.core import Engine

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CRS_2154 = "http://www.opengis.net/def/crs/EPSG/0/2154"
SUPPORTED_CRS: dict[str, str] = {CRS84: WGS84, CRS_2154: LAMBERT93}
"""CRS URIs a client may ask for -> the pyproj code used to reproject (always x/y order)."""

FILTERS = ("type", "territory", "insee_com")


@dataclass(frozen=True, slots=True)
class Item:
    """One feature: its id, WGS84 geometry, properties and the type codes a ``type`` filter keeps."""

    id: str
    geometry: BaseGeometry | None
    properties: dict[str, Any]
    types: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class CollectionInfo:
    """What a collection is: title and description (French), the filters it accepts."""

    id: str
    title: str
    description: str
    filters: tuple[str, ...]
    build: Callable[[Engine], list[Item]] = field(repr=False)


def _resource_item(r: Resource) -> Item:
    """The public view of a resource, one property per model field (audience split in three)."""
    props = r.public_properties()
    audience = props.pop("audience")
    props.pop("opening_hours_words")  # flat properties: the French words are opening_hours_fr
    props["audience_age_min"] = audience["age_min"]
    props["audience_age_max"] = audience["age_max"]
    props["audience_groups"] = audience["groups"]
    pos = r.public_position()
    geom = None if pos is None else shapely.Point(published(pos.lon), published(pos.lat))
    types = frozenset(t.value for t in ResourceType if r.matches_type(t))
    return Item(r.id, geom, props, types)


def _resources(engine: Engine) -> list[Item]:
    return [_resource_item(r) for r in engine.catalog.resources]


def _qpv(engine: Engine) -> list[Item]:
    qpv = engine.catalog.qpv
    table = pd.DataFrame(qpv.drop(columns="geometry"))
    return [Item(str(rec["code_qp"]), geom, rec) for rec, geom in zip(records(table), qpv.geometry, strict=True)]


def _qpv_indicators(engine: Engine) -> list[Item]:
    communes = dict(zip(engine.catalog.qpv["code_qp"], engine.catalog.qpv["insee_com"], strict=True))
    out = []
    for result in engine.access.values():
        table = present(pd.DataFrame(result.qpv.drop(columns="geometry")))  # the figures as shown everywhere
        for rec, geom in zip(records(table), result.qpv.geometry, strict=True):
            rec["insee_com"] = communes.get(rec["code_qp"])
            out.append(Item(f"{rec['code_qp']}-{rec['resource_type']}", geom, rec, frozenset([rec["resource_type"]])))
    return out


def _communes_indicators(engine: Engine) -> list[Item]:
    out = []
    for tid, result in engine.access.items():
        mine = engine.catalog.communes_of(tid)
        shapes = dict(zip(mine["insee_com"].astype(str), mine.geometry, strict=True))
        for rec in records(present(result.communes)):
            code = str(rec["insee_com"])
            item_id = f"{code}-{rec['resource_type']}"
            out.append(Item(item_id, shapes.get(code), rec, frozenset([rec["resource_type"]])))
    return out


def _sectors(engine: Engine) -> list[Item]:
    index = engine.sectors
    out = []
    for s in index.sectors:
        geom = index.geometry_wgs84(s.id)
        out.append(Item(s.id, None if geom is None or geom.is_empty else geom, s.public_view()))
    return out


COLLECTIONS: dict[str, CollectionInfo] = {
    c.id: c
    for c in (
        CollectionInfo(
            "resources",
            "Ressources en santé mentale",
            "Vue publique de chaque ressource : une propriété par champ ; une adresse confidentielle "
            "n'apparaît qu'à la commune (position approximative), sans rue.",
            FILTERS,
            _resources,
        ),
        CollectionInfo(
            "qpv",
            "Quartiers prioritaires (QPV 2024)",
            "Contours des quartiers prioritaires de la politique de la ville chargés (ANCT, QPV 2024).",
            ("territory", "insee_com"),
            _qpv,
        ),
        CollectionInfo(
            "qpv-indicators",
            "Indicateurs d'accès par QPV et type de ressource",
            "Un objet par QPV et type de ressource : distances (m) à la ressource la plus proche, parts "
            "à 500 m et 1 km, score 2SFCA, zone blanche, rang d'écart, ratio d'équité.",
            FILTERS,
            _qpv_indicators,
        ),
        CollectionInfo(
            "communes-indicators",
            "Score 2SFCA par commune et type de ressource",
            "Un objet par commune et type de ressource : population et score 2SFCA (ressources pour "
            "10 000 habitants dans la zone de chalandise), sur le contour de la commune.",
            FILTERS,
            _communes_indicators,
        ),
        CollectionInfo(
            "sectors",
            "Secteurs de psychiatrie",
            "Un objet par secteur (adultes ou enfants) : identifiant, nom, établissement, ressources "
            "référentes (CMP d'abord), sur l'étendue du secteur (communes, QPV, polygone). Vide tant "
            "qu'aucun secteur n'est importé ou dessiné : sectorisation non renseignée.",
            ("territory",),
            _sectors,
        ),
    )
}


class Table:
    """The items of one collection for one engine, with what a request needs ready: the index of
    each id, the bounds of each geometry (NaN for none) and, for a collection of points
    (``light``), every WGS84 feature encoded at once (a few MB for the resources); a collection of
    polygons encodes the features a request asks for (their JSON would weigh tens of MB)."""

    def __init__(self, items: list[Item]) -> None:
        self.items = items
        self.by_id = {item.id: i for i, item in enumerate(items)}
        self.shapes = np.empty(len(items), dtype=object)
        self.shapes[:] = [item.geometry for item in items]
        self.bounds = shapely.bounds(self.shapes).reshape(len(items), 4)
        self.points = shapely.get_type_id(self.shapes) == 0
        self.light = bool(np.all(self.points | shapely.is_missing(self.shapes)))
        # Copied to their own size: orjson's bytes keep the capacity they were written in (about 15 kB each).
        self._encoded = [memoryview(orjson.dumps(to_feature(i))).tobytes() for i in items] if self.light else None
        self.extent = extent(items)
        """The WGS84 bounding box of the items, or None when none has a geometry."""

    def index_of(self, item: Item) -> int | None:
        """The position of ``item`` in this table (None for an item built elsewhere)."""
        i = self.by_id.get(item.id)
        return i if i is not None and self.items[i] is item else None

    def encoded(self, item: Item) -> bytes:
        """The WGS84 GeoJSON Feature of ``item``, encoded (ready for the own items of a ``light`` table)."""
        i = self.index_of(item)
        if i is None or self._encoded is None:
            return orjson.dumps(to_feature(item))
        return self._encoded[i]


_CACHE: weakref.WeakKeyDictionary[Engine, dict[str, Table]] = weakref.WeakKeyDictionary()
_BUILD_LOCK = threading.Lock()


def collection(collection_id: str) -> CollectionInfo:
    """The collection ``collection_id``; NotFoundError listing the others."""
    info = COLLECTIONS.get(collection_id)
    if info is None:
        raise NotFoundError(f"collection inconnue « {collection_id} » : choisir parmi {', '.join(COLLECTIONS)}")
    return info


def table(engine: Engine, collection_id: str) -> Table:
    """The table of a collection, built once per engine (concurrent first requests wait for the
    one build: sixteen at once each built their own, 50 MB more at the peak)."""
    info = collection(collection_id)
    found = _CACHE.get(engine, {}).get(collection_id)
    if found is None:
        with _BUILD_LOCK:
            per_engine = _CACHE.setdefault(engine, {})
            found = per_engine.get(collection_id)
            if found is None:
                found = per_engine[collection_id] = Table(info.build(engine))
    return found


def is_built(engine: Engine, collection_id: str) -> bool:
    """Whether the table of a collection is built for this engine (asking for it then costs nothing)."""
    return collection_id in _CACHE.get(engine, {})


def items(engine: Engine, collection_id: str) -> list[Item]:
    """Every item of a collection, built once per engine."""
    return table(engine, collection_id).items


def find(engine: Engine, collection_id: str, feature_id: str) -> Item:
    """One item by id; NotFoundError when there is none."""
    t = table(engine, collection_id)
    i = t.by_id.get(feature_id)
    if i is None:
        raise NotFoundError(f"objet inconnu « {feature_id} » dans la collection {collection_id}")
    return t.items[i]


def crs_code(uri: str | None) -> str:
    """The pyproj code of a CRS URI (default CRS84); InvalidInputError for another CRS."""
    if uri is None:
        return WGS84
    code = SUPPORTED_CRS.get(uri.strip("<>"))
    if code is None:
        raise InvalidInputError(f"crs : choisir {' ou '.join(SUPPORTED_CRS)}")
    return code


def parse_bbox(text: str, *, crs: str = WGS84) -> Area:
    """``minx,miny,maxx,maxy`` (or ``minx,miny,minz,maxx,maxy,maxz``, heights ignored) in ``crs``
    -> the WGS84 area it covers.

    A Lambert-93 box is densified (every 100 m along its edges) before reprojection, so
    its WGS84 outline follows the projected straight edges.
    """
    try:
        values = [float(v) for v in text.split(",")]
        if len(values) == 6:
            values = values[:2] + values[3:5]
        x0, y0, x1, y1 = values
    except ValueError:
        raise InvalidInputError(
            "bbox : écrire quatre nombres x_min,y_min,x_max,y_max (ou six avec z_min et z_max)"
        ) from None
    if not all(np.isfinite((x0, y0, x1, y1))) or not (x0 < x1 and y0 < y1):
        raise InvalidInputError("bbox : il faut x_min < x_max et y_min < y_max")
    if crs == WGS84:
        if not (x0 >= -180 and x1 <= 180 and y0 >= -90 and y1 <= 90):
            raise InvalidInputError("bbox : en degrés WGS84, longitudes entre -180 et 180, latitudes entre -90 et 90")
        return Area(x0, y0, x1, y1)
    if max(x1 - x0, y1 - y0) > 5_000_000:
        raise InvalidInputError("bbox : en mètres Lambert-93, une emprise de 5 000 km de côté au plus")
    outline = shapely.segmentize(shapely.box(x0, y0, x1, y1), max_segment_length=max(100.0, (x1 - x0 + y1 - y0) / 2000))
    back = transformer(crs, WGS84)

    def move(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(back.transform(xy[:, 0], xy[:, 1]))

    area = shapely.transform(outline, move)
    if not area.is_valid or not all(np.isfinite(area.bounds)):
        raise InvalidInputError("bbox : emprise hors du domaine de Lambert-93 (EPSG:2154)")
    return Area.around(area)


def select(
    found: Table | Sequence[Item],
    *,
    area: Area | None = None,
    filters: dict[str, str | None] | None = None,
) -> list[Item]:
    """Items in ``area`` (:class:`~geo_clsm.geo.area.Area`'s rule: a shape intersecting it, edges
    included), equal to every property filter, in table order; ``found`` a sequence of items
    already in the area when it is not a :class:`Table`.

    ``type`` keeps the items of that type code, as ``/api/resources`` does: a resource
    offering the type as a service, and CMP adultes / enfants under ``CMP``.
    """
    wanted = {k: v for k, v in (filters or {}).items() if v is not None}
    if isinstance(found, Table):
        if area is not None:
            every = found.items
            chosen: Sequence[Item] = [every[i] for i in area.select_shapes(found.bounds, found.shapes, found.points)]
        else:
            chosen = found.items
    else:
        chosen = found
    if not wanted:
        return list(chosen)
    kind = wanted.pop("type", None)
    return [
        item
        for item in chosen
        if (kind is None or kind in item.types) and all(item.properties.get(k) == v for k, v in wanted.items())
    ]


def extent(found: Sequence[Item]) -> list[float] | None:
    """The WGS84 bounding box of the items, or None when none has a geometry."""
    geoms = [i.geometry for i in found if i.geometry is not None]
    if not geoms:
        return None
    return [round(float(v), 6) for v in shapely.total_bounds(np.asarray(geoms, dtype=object))]


def _reproject(geom: BaseGeometry, crs: str) -> BaseGeometry:
    tr = transformer(WGS84, crs)

    def move(xy: np.ndarray) -> np.ndarray:
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.round(np.column_stack([x, y]), 2)

    return shapely.transform(geom, move)


def to_feature(item: Item, *, crs: str = WGS84) -> dict[str, Any]:
    """A GeoJSON Feature; coordinates in ``crs`` (x/y order), WGS84 by default."""
    geom = item.geometry
    if geom is not None and crs != WGS84:
        geom = _reproject(geom, crs)
    return {
        "type": "Feature",
        "id": item.id,
        "geometry": None if geom is None else mapping(geom),
        "properties": item.properties,
    }


def resource_items(engine: Engine, found: Sequence[Resource]) -> list[Item]:
    """The ``resources`` items of records a query backend selected: the engine's own items for its
    records, a new item for a record the engine does not serve yet (read from the database)."""
    t = table(engine, "resources")
    every = engine.catalog.resources
    out = []
    for r in found:
        i = t.by_id.get(r.id)
        out.append(t.items[i] if i is not None and every[i] is r else _resource_item(r))
    return out


def encode_feature(t: Table, item: Item, *, crs: str = WGS84, extra: dict[str, Any] | None = None) -> bytes:
    """``item`` as an encoded GeoJSON Feature in ``crs`` (WGS84: encoded once), with ``extra`` members."""
    out = t.encoded(item) if crs == WGS84 else orjson.dumps(to_feature(item, crs=crs))
    if extra:
        out = out[:-1] + b"," + orjson.dumps(extra)[1:]
    return out


def encode_collection(t: Table, page: Sequence[Item], *, crs: str = WGS84, extra: dict[str, Any]) -> bytes:
    """An encoded GeoJSON FeatureCollection of ``page`` (features in ``crs``), then ``extra`` members."""
    features = b",".join(encode_feature(t, item, crs=crs) for item in page)
    return b'{"type":"FeatureCollection","features":[' + features + b"]," + orjson.dumps(extra)[1:]

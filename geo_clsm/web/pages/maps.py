"""The folium map shared by the resident page (:mod:`geo_clsm.web.pages.resident`) and the planner
page (:mod:`geo_clsm.web.pages.planner`): its public API is :func:`base_map`, :func:`add_outlines`,
:func:`outline_geojson`, :func:`pilot_frames`, :func:`bounds_of`, :func:`map_config`,
:func:`folium_parts`, :func:`type_styles` and :func:`check_no_external_assets`.

Folium builds the map element, its script and the head entries it needs; the page around them is
a Jinja template (``templates/pages/map_page.html``). The map loads Leaflet and MarkerCluster from
the app's vendored static files and the project's own scripts (``static/app/map.js``; markers are
clustered in a Web Worker, ``static/app/cluster-worker.js`` with the vendored supercluster);
:func:`check_no_external_assets` fails if any script or stylesheet would come from another host.
Points are not inlined: the script fetches a compact marker list from ``/api/markers`` and details
on demand. Outlines (communes, QPV) are inlined, simplified in metres in a projected CRS.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely
from markupsafe import Markup

from geo_clsm.engine.core import Engine
from geo_clsm.geo.crs import LAMBERT93, WGS84, projected_crs_for
from geo_clsm.model.ages import AGE_GROUPS
from geo_clsm.model.position import PRECISION_LABELS_FR
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.web.templating import PathFor

if TYPE_CHECKING:  # folium (with branca, jinja2, requests) is imported when a page is first drawn
    import folium

# (folium's name, vendored file) for the scripts and stylesheets of every map page.
VENDOR_JS = [
    ("leaflet", "leaflet/leaflet.js"),
]
VENDOR_CSS = [
    ("leaflet_css", "leaflet/leaflet.css"),
    ("markercluster_css", "markercluster/MarkerCluster.css"),  # the clusters' look (drawn by map-markers.js)
    ("markercluster_default_css", "markercluster/MarkerCluster.Default.css"),
]
APP_CSS = [("app_css", "map.css")]
APP_SCRIPTS = (
    "map-format.js",
    "map-markers.js",
    "map-popup.js",
    "map.js",
)  # files of static/app: formatting and popups first
CLUSTER_WORKER = "cluster-worker.js"  # static/app: clusters the markers off the main thread (map-markers.js)
CLUSTER_LIB = "supercluster/supercluster.min.js"  # static/vendor: what the worker clusters with

# Colour and short label of each type (the label keeps the map readable without colour). The label is
# white on the colour (map.css): every colour has a contrast of at least 4.5:1 with white and the
# colours stay apart from each other (CIEDE2000 >= 10; tests/web/pages/test_type_contrast.py).
TYPE_STYLE: dict[ResourceType, tuple[str, str]] = {
    ResourceType.CMP_ADULTE: ("#0d47a1", "A"),
    ResourceType.CMP_ENFANT: ("#2e7d32", "E"),
    ResourceType.CMP: ("#4a6fa5", "C"),
    ResourceType.CATTP: ("#5e35b1", "T"),
    ResourceType.HDJ: ("#8d5a97", "J"),
    ResourceType.CMPP: ("#0b7a75", "P"),
    ResourceType.GEM: ("#c2185b", "G"),
    ResourceType.MDA: ("#b45309", "M"),
    ResourceType.EMPP: ("#7a5c00", "Mo"),
    ResourceType.PAEJ: ("#b5179e", "Éc"),
    ResourceType.CSAPA: ("#5c7c00", "Ad"),
    ResourceType.URGENCES_PSY: ("#c1121f", "U"),
    ResourceType.HOPITAL_PSY: ("#3d405b", "H"),
    ResourceType.ASSOCIATION: ("#795548", "As"),
    ResourceType.AUTRE: ("#5f6b73", "•"),
}


class ExternalAssetError(RuntimeError):
    """A page would load a script or stylesheet from another host."""


@dataclass(frozen=True)
class FoliumParts:
    """What folium draws, for the page template: head entries, the map element, the map's script."""

    head: Markup
    html: Markup
    script: Markup


def type_styles(label: Callable[[str], str] = str) -> list[tuple[str, str, str]]:
    """(label, colour, short label) of each type, in legend order; ``label`` translates the French one."""
    return [(label(t.label_fr), c, s) for t, (c, s) in TYPE_STYLE.items()]


def base_map(
    *,
    tiles_url: str,
    tiles_attribution: str,
    bounds: list[list[float]],
    path_for: PathFor,
    extra_css: tuple[tuple[str, str], ...] = (),
    prefer_canvas: bool = True,
) -> folium.Map:
    """A folium map fitted to ``bounds`` (WGS84 [[lat, lon], [lat, lon]]) with the vendored assets and
    ``static/app/map.css`` (then ``extra_css``: (name, file of static/app) pairs); no tiles when
    ``tiles_url`` is "none"."""
    import folium

    # The scale bar is added by map.js, metric only (folium's would show miles and feet too).
    m = folium.Map(location=[46.6, 2.4], zoom_start=6, tiles=None, control_scale=False, prefer_canvas=prefer_canvas)
    m.default_js = [(name, path_for("vendor-static", path=f)) for name, f in VENDOR_JS]
    m.default_css = [
        *((name, path_for("vendor-static", path=f)) for name, f in VENDOR_CSS),
        *((name, path_for("app-static", path=f)) for name, f in (*APP_CSS, *extra_css)),
    ]
    if tiles_url.strip().lower() != "none":
        folium.TileLayer(tiles=tiles_url, attr=tiles_attribution, name="Fond de carte", max_zoom=19).add_to(m)
    m.fit_bounds(bounds)
    return m


def outline_geojson(gdf: gpd.GeoDataFrame, columns: list[str], *, tolerance_m: float = 15.0) -> dict[str, Any]:
    """GeoJSON (WGS84) of polygons simplified by ``tolerance_m`` metres in the zone's projected CRS."""
    x0, y0, x1, y1 = gdf.total_bounds if not gdf.empty else (2.0, 46.0, 2.0, 46.0)
    crs = projected_crs_for((x0 + x1) / 2, (y0 + y1) / 2) or LAMBERT93  # an overseas territory has its own
    g = gdf[[*columns, "geometry"]].to_crs(crs)
    g["geometry"] = g.geometry.simplify(tolerance_m, preserve_topology=True)
    g = g.to_crs(WGS84)
    # 5 decimals of a degree (about a metre): the page carries half the digits, nothing visible moves.
    g["geometry"] = gpd.GeoSeries(
        shapely.transform(g.geometry.to_numpy(), lambda c: np.round(c, 5)), index=g.index, crs=WGS84
    )
    data: dict[str, Any] = json.loads(g.to_json(na="null", drop_id=True))
    return data


def pilot_frames(engine: Engine, territory: str | None) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The communes and QPV of one territory, or of every local (non-national) territory."""
    cat = engine.catalog
    local = [t.id for t in cat.territories.values() if t.kind != "national"]
    wanted = [territory] if territory else local
    communes = cat.communes_of(*wanted)
    qpv = cat.qpv[cat.qpv["territory"].isin(wanted)]
    return communes, qpv


def bounds_of(gdf: gpd.GeoDataFrame) -> list[list[float]]:
    """Leaflet bounds ([[south, west], [north, east]], WGS84) of a frame; metropolitan France if empty."""
    if gdf.empty:
        return [[41.3, -5.2], [51.1, 9.6]]
    x0, y0, x1, y1 = (float(v) for v in gdf.total_bounds)
    return [[y0, x0], [y1, x1]]


def map_config(
    m: folium.Map, mode: str, label: Callable[[str], str] = str, *, path_for: PathFor, **extra: Any
) -> dict[str, Any]:
    """What ``map.js`` needs: the map's name, the mode, the types, age groups and precision labels
    (``label`` translates the French ones), the clustering worker's and library's URLs."""
    return {
        "map": m.get_name(),
        "mode": mode,
        "types": {t.value: {"label": label(t.label_fr), "color": c, "short": s} for t, (c, s) in TYPE_STYLE.items()},
        "ageGroups": [{"id": i, "label": label(lab), "age": a} for i, lab, a in AGE_GROUPS],
        "precisionLabels": {p.value: label(lab) for p, lab in PRECISION_LABELS_FR.items()},
        "clusterWorker": path_for("app-static", path=CLUSTER_WORKER),
        "supercluster": path_for("vendor-static", path=CLUSTER_LIB),
        **extra,
    }


def add_outlines(m: folium.Map, communes: gpd.GeoDataFrame, qpv: gpd.GeoDataFrame) -> None:
    """The communes' and QPV's outlines (simplified), with their names as tooltips."""
    import folium

    if not communes.empty:
        folium.GeoJson(
            outline_geojson(communes, ["insee_com", "nom"]),
            name="Communes",
            style_function=lambda _: {"color": "#555", "weight": 1, "fill": False, "opacity": 0.7},
            tooltip=folium.GeoJsonTooltip(fields=["nom"], aliases=["Commune"]),
        ).add_to(m)
    if not qpv.empty:
        folium.GeoJson(
            outline_geojson(qpv, ["code_qp", "lib_qp"]),
            name="Quartiers prioritaires (QPV)",
            style_function=lambda _: {"color": "#7b2cbf", "weight": 2, "fillOpacity": 0.08, "dashArray": "4 3"},
            tooltip=folium.GeoJsonTooltip(fields=["lib_qp", "code_qp"], aliases=["QPV", "Code"]),
        ).add_to(m)


_VIEWPORT_RE = re.compile(r'<meta name="viewport"[^>]*>')
_GEOJSON_ADD_RE = re.compile(r"\b(geo_json_[0-9a-f]+)_add\(\{")  # folium's call, not its definition
_SCRIPT_SRC_RE = re.compile(r"<script\b([^>]*\bsrc=)")
_VENDOR_CSS_RE = re.compile(r'<link rel="stylesheet" (href="[^"]*/static/vendor/)')
_ASSET_RE = re.compile(r"<(?:script|link)\b[^>]*(?:src|href)=[\"']([^\"']+)[\"']", re.I)


def folium_parts(m: folium.Map) -> FoliumParts:
    """Draw the map and return its parts for the page template (trusted HTML made by folium)."""
    m.render()  # fills the root figure's header, html and script elements
    root = m.get_root()
    head: str = root.header.render()  # type: ignore[attr-defined]
    # Folium's viewport forbids zooming (user-scalable=no): people must be able to zoom (WCAG 1.4.4).
    head = _VIEWPORT_RE.sub('<meta name="viewport" content="width=device-width, initial-scale=1">', head, count=1)
    # Nothing of the map blocks the first paint: Leaflet's scripts are deferred (the map's script runs
    # after them, as a module: map_page.html), the vendored stylesheets apply when the map is drawn.
    head = _SCRIPT_SRC_RE.sub(r"<script defer \1", head)
    head = _VENDOR_CSS_RE.sub(r'<link rel="stylesheet" media="print" data-gc-late \1', head)
    html: str = root.html.render()  # type: ignore[attr-defined]
    script: str = root.script.render()  # type: ignore[attr-defined]
    script = _GEOJSON_ADD_RE.sub(r"gcAddLater(\1, {", script)  # outlines: a few at a time, after the first paint
    script += f"\nwindow.{m.get_name()} = {m.get_name()};"  # a module's names are its own: map.js reads this one
    return FoliumParts(Markup(head), Markup(html), Markup(script))  # folium's own output, trusted


def check_no_external_assets(page: str) -> None:
    """Raise if a script or stylesheet of the page is not served by the app itself."""
    bad = [u for u in _ASSET_RE.findall(page) if not u.startswith(("/", "data:"))]
    if bad:
        raise ExternalAssetError("ressources externes dans la page : " + ", ".join(bad))

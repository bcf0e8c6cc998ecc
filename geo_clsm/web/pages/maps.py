"""Folium views: the resident map and the shared page parts (the planner map: :mod:`geo_clsm.web.pages.planner`).

The pages load Leaflet and MarkerCluster from ``/static/vendor`` (served by the app) and
the project's own script ``/static/app/map.js``; :func:`check_no_external_assets` fails
if any script or stylesheet would come from another host. Points are not inlined: the
script fetches a compact marker list from ``/api/markers`` and details on demand.
Outlines (communes, QPV) are inlined, simplified in Lambert-93 (metres).
"""

from __future__ import annotations

import html
import json
import re
from typing import TYPE_CHECKING, Any, cast

import geopandas as gpd

from geo_clsm.engine.core import Engine
from geo_clsm.geo.crs import LAMBERT93, WGS84, projected_crs_for
from geo_clsm.model.ages import AGE_GROUPS
from geo_clsm.model.resource import PRECISION_LABELS_FR, ResourceType

if TYPE_CHECKING:  # folium (with branca, jinja2, requests) is imported when a page is first drawn
    import folium
    from branca.element import Figure

VENDOR_JS = [
    ("leaflet", "/static/vendor/leaflet/leaflet.js"),
    ("markercluster", "/static/vendor/markercluster/leaflet.markercluster.js"),
]
VENDOR_CSS = [
    ("leaflet_css", "/static/vendor/leaflet/leaflet.css"),
    ("markercluster_css", "/static/vendor/markercluster/MarkerCluster.css"),
    ("markercluster_default_css", "/static/vendor/markercluster/MarkerCluster.Default.css"),
    ("app_css", "/static/app/map.css"),
]
APP_JS = "/static/app/map.js"
FORMAT_JS = "/static/app/map-format.js"  # loaded before APP_JS (formatting and popups)
APP_SCRIPTS = (FORMAT_JS, APP_JS)

# Colour and short label of each type (the label keeps the map readable without colour).
TYPE_STYLE: dict[ResourceType, tuple[str, str]] = {
    ResourceType.CMP_ADULTE: ("#1f5fa8", "A"),
    ResourceType.CMP_ENFANT: ("#2a9d8f", "E"),
    ResourceType.CMP: ("#4a6fa5", "C"),
    ResourceType.CATTP: ("#6a4c93", "T"),
    ResourceType.HDJ: ("#8d5a97", "J"),
    ResourceType.CMPP: ("#0b7a75", "P"),
    ResourceType.GEM: ("#d1495b", "G"),
    ResourceType.MDA: ("#e07a00", "M"),
    ResourceType.EMPP: ("#7a5c00", "Mo"),
    ResourceType.PAEJ: ("#b5179e", "Éc"),
    ResourceType.CSAPA: ("#5c7c00", "Ad"),
    ResourceType.URGENCES_PSY: ("#c1121f", "U"),
    ResourceType.HOPITAL_PSY: ("#3d405b", "H"),
    ResourceType.ASSOCIATION: ("#a0522d", "As"),
    ResourceType.AUTRE: ("#5f6b73", "•"),
}

EMERGENCY_BANNER = """
<header class="gc-banner" role="banner" aria-label="Numéros d'urgence">
  <strong>Urgence&nbsp;:</strong>
  <a href="tel:3114" aria-label="Appeler le 3114, prévention du suicide">3114 <small>prévention du suicide</small></a>
  <a href="tel:15" aria-label="Appeler le 15, SAMU">15 <small>SAMU</small></a>
  <a href="tel:112" aria-label="Appeler le 112, urgences">112 <small>urgences</small></a>
</header>
"""


class ExternalAssetError(RuntimeError):
    """A page would load a script or stylesheet from another host."""


def _base_map(
    *, tiles_url: str, tiles_attribution: str, bounds: list[list[float]], prefer_canvas: bool = True
) -> folium.Map:
    import folium

    # The scale bar is added by map.js, metric only (folium's would show miles and feet too).
    m = folium.Map(location=[46.6, 2.4], zoom_start=6, tiles=None, control_scale=False, prefer_canvas=prefer_canvas)
    m.default_js = list(VENDOR_JS)
    m.default_css = list(VENDOR_CSS)
    if tiles_url.strip().lower() != "none":
        folium.TileLayer(tiles=tiles_url, attr=tiles_attribution, name="Fond de carte", max_zoom=19).add_to(m)
    m.fit_bounds(bounds)
    return m


def _outline_geojson(gdf: gpd.GeoDataFrame, columns: list[str], *, tolerance_m: float = 15.0) -> dict[str, Any]:
    """GeoJSON (WGS84) of polygons simplified in metres, in the zone's projected CRS."""
    x0, y0, x1, y1 = gdf.total_bounds if not gdf.empty else (2.0, 46.0, 2.0, 46.0)
    crs = projected_crs_for((x0 + x1) / 2, (y0 + y1) / 2) or LAMBERT93  # an overseas territory has its own
    g = gdf[[*columns, "geometry"]].to_crs(crs)
    g["geometry"] = g.geometry.simplify(tolerance_m, preserve_topology=True)
    data: dict[str, Any] = json.loads(g.to_crs(WGS84).to_json(na="null", drop_id=True))
    return data


def _pilot_frames(engine: Engine, territory: str | None) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    cat = engine.catalog
    local = [t.id for t in cat.territories.values() if t.kind != "national"]
    wanted = [territory] if territory else local
    communes = cat.communes_of(*wanted)
    qpv = cat.qpv[cat.qpv["territory"].isin(wanted)]
    return communes, qpv


def _bounds(gdf: gpd.GeoDataFrame) -> list[list[float]]:
    if gdf.empty:
        return [[41.3, -5.2], [51.1, 9.6]]
    x0, y0, x1, y1 = (float(v) for v in gdf.total_bounds)
    return [[y0, x0], [y1, x1]]


def _config(m: folium.Map, mode: str, **extra: Any) -> str:
    cfg = {
        "map": m.get_name(),
        "mode": mode,
        "types": {t.value: {"label": t.label_fr, "color": c, "short": s} for t, (c, s) in TYPE_STYLE.items()},
        "ageGroups": [{"id": i, "label": lab, "age": a} for i, lab, a in AGE_GROUPS],
        "precisionLabels": {p.value: lab for p, lab in PRECISION_LABELS_FR.items()},
        **extra,
    }
    return f"<script>window.GEO_CLSM = {json.dumps(cfg, ensure_ascii=False)};</script>"


def _legend_types() -> str:
    items = "".join(
        f'<li><span class="gc-dot" style="background:{c}" aria-hidden="true">{html.escape(s)}</span>'
        f"{html.escape(t.label_fr)}</li>"
        for t, (c, s) in TYPE_STYLE.items()
    )
    return f'<ul class="gc-legend-types">{items}</ul>'


def _legend_box() -> str:
    return f'<aside class="gc-legend" aria-label="Légende">{_legend_types()}</aside>'


def _add_outlines(m: folium.Map, communes: gpd.GeoDataFrame, qpv: gpd.GeoDataFrame) -> None:
    import folium

    if not communes.empty:
        folium.GeoJson(
            _outline_geojson(communes, ["insee_com", "nom"]),
            name="Communes",
            style_function=lambda _: {"color": "#555", "weight": 1, "fill": False, "opacity": 0.7},
            tooltip=folium.GeoJsonTooltip(fields=["nom"], aliases=["Commune"]),
        ).add_to(m)
    if not qpv.empty:
        folium.GeoJson(
            _outline_geojson(qpv, ["code_qp", "lib_qp"]),
            name="Quartiers prioritaires (QPV)",
            style_function=lambda _: {"color": "#7b2cbf", "weight": 2, "fillOpacity": 0.08, "dashArray": "4 3"},
            tooltip=folium.GeoJsonTooltip(fields=["lib_qp", "code_qp"], aliases=["QPV", "Code"]),
        ).add_to(m)


_VIEWPORT_RE = re.compile(r'<meta name="viewport"[^>]*>')
_ASSET_RE = re.compile(r"<(?:script|link)\b[^>]*(?:src|href)=[\"']([^\"']+)[\"']", re.I)


def check_no_external_assets(page: str) -> None:
    """Raise if a script or stylesheet of the page is not served by the app itself."""
    bad = [u for u in _ASSET_RE.findall(page) if not u.startswith(("/", "data:"))]
    if bad:
        raise ExternalAssetError("ressources externes dans la page : " + ", ".join(bad))


def _root(m: folium.Map) -> Figure:
    return cast("Figure", m.get_root())


def _finish(
    m: folium.Map,
    *,
    lang: str = "fr",
    direction: str | None = None,
    title: str = "Ressources en santé mentale — geo_clsm",
) -> str:
    page: str = m.get_root().render()
    # Folium's viewport forbids zooming (user-scalable=no): people must be able to zoom (WCAG 1.4.4).
    page = _VIEWPORT_RE.sub('<meta name="viewport" content="width=device-width, initial-scale=1">', page, count=1)
    dir_attr = f' dir="{direction}"' if direction else ""
    page = page.replace("<html>", f'<html lang="{lang}"{dir_attr}>', 1)
    page = page.replace(
        "<head>",
        f'<head>\n<meta charset="utf-8"><link rel="icon" href="data:,"><title>{html.escape(title)}</title>',
        1,
    )
    check_no_external_assets(page)
    return page

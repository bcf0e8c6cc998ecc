"""The planner view (/planning): QPV choropleth of one indicator, and the QPV table beside it.
The map is folium's (:mod:`geo_clsm.web.pages.maps`); the page around it is the template
``templates/pages/planner.html``.

Tooltips, table and downloads show the same figures: the presented table
(:func:`geo_clsm.access.present.present`, rounded once) written by :func:`geo_clsm.access.present.format_fr`.
Values resting on fewer than 3 resources within reach (``fragile``) are greyed out on the
map and in the table. The table is sortable with buttons in its column headers
(``static/app/planning.js``, ``aria-sort``), so it reads without a mouse.
"""

from __future__ import annotations

import warnings
from typing import Any

import folium
import numpy as np
import pandas as pd

from geo_clsm.access.present import format_fr, present
from geo_clsm.access.sectorised import NOT_INFORMED, SECTOR_TYPES
from geo_clsm.engine.core import Engine
from geo_clsm.i18n import js_messages, translator
from geo_clsm.i18n.js import JS_MSGIDS
from geo_clsm.model import clock
from geo_clsm.model.directory_figures import wait_by_type
from geo_clsm.model.freshness import fresh_share
from geo_clsm.model.resource_types import PLACE_TYPES, ResourceType
from geo_clsm.web.pages.maps import (
    APP_SCRIPTS,
    add_outlines,
    base_map,
    bounds_of,
    check_no_external_assets,
    folium_parts,
    map_config,
    outline_geojson,
    pilot_frames,
    type_styles,
)
from geo_clsm.web.pages.planner_sectors import PUBLIC_FR, add_sector_layer, sector_cell, sector_columns
from geo_clsm.web.templating import PathFor, render

PLANNER_SCRIPTS = (*APP_SCRIPTS, "planning.js", "whatif.js", "suggest.js")  # files of static/app, in order
PLANNER_CSS = (("planning_css", "planning.css"),)  # after map.css: it widens the panel

INDICATORS_FR = {
    "mean_m": "Distance moyenne à la ressource la plus proche (m)",
    "p90_m": "Distance au 90e centile (m)",
    "within_500m_share": "Part du quartier à moins de 500 m",
    "within_1000m_share": "Part du quartier à moins de 1 km",
    "walk_minutes_mean": "Temps de marche moyen estimé (min)",
    "sfca_per_10k": "Offre pour 10 000 habitants (2SFCA)",
    "equity_ratio_mean": "Ratio distance QPV / reste du territoire",
}
# For these, a larger value is better access: the palette is reversed.
HIGHER_IS_BETTER = {"within_500m_share", "within_1000m_share", "sfca_per_10k"}
PALETTE = ["#fff3b0", "#fdc46a", "#f68d45", "#d6473a", "#8f1d2c"]
FRAGILE_FILL = "#d9d9d9"

# The columns of the table and of the tooltips, in order, with their French headers.
COLUMNS: list[tuple[str, str]] = [
    ("mean_m", "Distance moyenne"),
    ("p90_m", "Distance p90"),
    ("within_500m_share", "Part < 500 m"),
    ("within_1000m_share", "Part < 1 km"),
    ("walk_minutes_mean", "Marche moyenne (estim.)"),
    ("sfca_per_10k", "Offre / 10 000 hab. (2SFCA)"),
    ("equity_ratio_mean", "Ratio QPV / reste"),
    ("zone_blanche", "Zone blanche"),
    ("n_resources", "Ressources à portée"),
    ("n_unknown_audience", "Dont public non précisé"),
    ("commune_precision_share", "Positions à la commune"),
    ("n_sample_points", "Points d'échantillon"),
]


def classify(values: pd.Series, *, k: int = 5) -> tuple[np.ndarray, list[float]]:
    """Class index per value and upper bounds, with mapclassify (Fisher-Jenks, fewer classes
    when there are fewer distinct values). Missing values get class -1."""
    finite = values.replace([np.inf, -np.inf], np.nan).dropna().astype(float)
    classes = np.full(len(values), -1)
    if finite.empty:
        return classes, []
    n = min(k, finite.nunique())
    if n < 2:
        classes[values.notna().to_numpy()] = 0
        return classes, [float(finite.max())]
    import mapclassify  # imported here: it loads scikit-learn and matplotlib (seconds), only planner pages need it

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Numba not installed")
        scheme = mapclassify.FisherJenks(finite.to_numpy(), k=n)
    classes[values.index.get_indexer(finite.index)] = scheme.yb
    return classes, [float(b) for b in scheme.bins]


def _data_value(v: Any) -> str:
    """The sort key of a cell (empty when missing)."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    if isinstance(v, bool | np.bool_):
        return "1" if v else "0"
    return str(v)


def qpv_rows(table: pd.DataFrame, columns: list[tuple[str, str]] = COLUMNS) -> list[dict[str, Any]]:
    """The QPV table's rows, by name: code, name, (sort key, shown text) per column, fragile, note."""
    return [
        {
            "code": rec["code_qp"],
            "name": rec["lib_qp"],
            "cells": [sector_cell(c, rec) or (_data_value(rec[c]), format_fr(c, rec[c])) for c, _ in columns],
            "fragile": bool(rec["fragile"]),
            "note": rec["note"] or "",
        }
        for rec in table.sort_values("lib_qp").to_dict("records")
    ]


def _tooltip_geojson(table: pd.DataFrame, classes: np.ndarray) -> tuple[dict[str, Any], list[str]]:
    """QPV outlines whose properties are the table's own French strings."""
    shown = table.copy()
    fields = ["lib_qp", "code_qp"]
    for col, _ in COLUMNS:
        shown[f"t_{col}"] = [format_fr(col, v) for v in table[col]]
        fields.append(f"t_{col}")
    shown["t_note"] = table["note"].fillna("")
    shown["classe"] = classes
    shown["fragile"] = table["fragile"].astype(bool)
    return outline_geojson(shown, [*fields, "t_note", "classe", "fragile"]), [*fields, "t_note"]


def planner_page(
    engine: Engine,
    *,
    territory: str,
    rtype: ResourceType,
    indicator: str,
    tiles_url: str,
    tiles_attribution: str,
    path_for: PathFor,
    known_audience_only: bool = False,
    lang: str = "fr",
) -> str:
    """The planner view: QPV choropleth of one indicator for one type, the QPV table, downloads.
    The « Suggérer » panel speaks ``lang`` (the rest of the page is French)."""
    result = engine.access[territory].variant(known_audience_only=known_audience_only)
    communes, qpv = pilot_frames(engine, territory)
    table = present(result.qpv[result.qpv["resource_type"] == rtype.value].reset_index(drop=True))
    columns = [*COLUMNS, *sector_columns(rtype)]
    if len(columns) > len(COLUMNS) and not result.sectors.empty:
        table = table.merge(present(result.sectors.drop(columns=["lib_qp", "territory"])), how="left")
    values = table[indicator].astype("Float64").astype(float)
    values[table["fragile"].astype(bool).to_numpy()] = np.nan  # greyed out: not classed
    classes, bins = classify(values)
    palette = PALETTE[::-1] if indicator in HIGHER_IS_BETTER else PALETTE
    palette = palette[: max(len(bins), 1)] if len(bins) < len(PALETTE) else palette
    gj, fields = _tooltip_geojson(table, classes)
    # SVG rather than canvas: few polygons, each a focusable, inspectable path.
    m = base_map(
        tiles_url=tiles_url,
        tiles_attribution=tiles_attribution,
        bounds=bounds_of(qpv if not qpv.empty else communes),  # the QPV, the page's subject, fill the map
        path_for=path_for,
        extra_css=PLANNER_CSS,
        prefer_canvas=False,
    )
    add_outlines(m, communes, table.iloc[0:0])
    public = SECTOR_TYPES.get(rtype, "adultes")
    n_sectors = add_sector_layer(m, engine, territory=territory, public=public)

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        p = feature["properties"]
        c = p["classe"]
        if p["fragile"]:
            return {"color": "#666", "weight": 1.5, "dashArray": "4 3", "fillColor": FRAGILE_FILL, "fillOpacity": 0.6}
        fill = "#cccccc" if c < 0 else palette[min(c, len(palette) - 1)]
        return {"color": "#333", "weight": 1.5, "fillColor": fill, "fillOpacity": 0.75}

    aliases = ["QPV", "Code", *[h for _, h in COLUMNS], "Fiabilité"]
    folium.GeoJson(
        gj,
        name=f"QPV — {INDICATORS_FR[indicator]}",
        style_function=style,
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases, localize=False),
    ).add_to(m)
    cat = engine.catalog
    here = [r for r in cat.resources if r.territory == territory]
    fresh = fresh_share(here, clock.today())
    waits = next((w for w in wait_by_type(here) if w["type"] == rtype.value), None)
    fragile = table["fragile"].astype(bool).to_numpy()
    known = {"known_audience_only": "true"} if known_audience_only else {}
    page = render(
        "pages/planner.html",
        lang="fr",
        title="Ressources en santé mentale — geo_clsm",
        path_for=path_for,
        territories=[(tid, cat.territories[tid].name) for tid in engine.access],
        territory=territory,
        territory_name=cat.territories[territory].name,
        types=[(t.value, t.label_fr) for t in PLACE_TYPES],
        rtype=rtype,
        indicators=INDICATORS_FR,
        indicator=indicator,
        known_audience_only=known_audience_only,
        legend_rows=_legend_rows(bins, palette, indicator),
        no_resource=bool(((classes < 0) & ~fragile).any()),
        any_fragile=bool(fragile.any()),
        fragile_fill=FRAGILE_FILL,
        decay=result.params.decay_fr(rtype),
        columns=columns,
        rows=qpv_rows(table, columns),
        sectors={"count": n_sectors, "public": PUBLIC_FR[public], "not_informed": NOT_INFORMED},
        query={"territory": territory, "type": rtype.value, **known},
        all_types_query={"territory": territory, **known},
        legend=type_styles(),
        map_config=map_config(m, "planner", path_for=path_for, territory=territory),
        scripts=[path_for("app-static", path=f) for f in PLANNER_SCRIPTS],
        folium=folium_parts(m),
        fresh=fresh,
        waits=waits,
        t=translator(lang),
        suggest_config={
            "lang": lang,
            "messages": js_messages(translator(lang), JS_MSGIDS),
            "suggestions": path_for("suggestions"),
        },
    )
    check_no_external_assets(page)
    return page


def _legend_rows(bins: list[float], palette: list[str], indicator: str) -> list[tuple[str, str, str]]:
    """(colour, low, high) of each class, in French notation and the indicator's unit."""
    lows = [None, *bins[:-1]] if bins else []
    return [
        (palette[min(i, len(palette) - 1)], _fmt(lo, indicator), _fmt(hi, indicator))
        for i, (lo, hi) in enumerate(zip(lows, bins, strict=True))
    ]


def _fmt(v: float | None, indicator: str) -> str:
    """A legend bound in French notation, in the indicator's unit."""
    return "min." if v is None else format_fr(indicator, v)

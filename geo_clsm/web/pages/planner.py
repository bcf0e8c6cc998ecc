"""The planner view (/planning): QPV choropleth of one indicator, and the QPV table beside it.

Tooltips, table and downloads show the same figures: the presented table
(:func:`geo_clsm.access.present`, rounded once) written by :func:`geo_clsm.access.format_fr`.
Values resting on fewer than 3 resources within reach (``fragile``) are greyed out on the
map and in the table. The table is sortable with buttons in its column headers
(``/static/app/planning.js``, ``aria-sort``), so it reads without a mouse.
"""

from __future__ import annotations

import html
import warnings
from typing import Any

import folium
import numpy as np
import pandas as pd

from geo_clsm.access import present
from geo_clsm.access.present import format_fr
from geo_clsm.engine.core import Engine
from geo_clsm.model.resource import PLACE_TYPES, ResourceType
from geo_clsm.web.pages.maps import (
    APP_SCRIPTS,
    EMERGENCY_BANNER,
    _add_outlines,
    _base_map,
    _bounds,
    _config,
    _finish,
    _legend_box,
    _outline_geojson,
    _pilot_frames,
    _root,
)

PLANNING_JS = "/static/app/planning.js"
PLANNING_CSS = "/static/app/planning.css"

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


def _data_value(col: str, v: Any) -> str:
    """The sort key of a cell (empty when missing)."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    if isinstance(v, bool | np.bool_):
        return "1" if v else "0"
    return str(v)


def qpv_table_html(table: pd.DataFrame, *, caption: str) -> str:
    """The accessible, sortable QPV table (presented figures; fragile rows greyed out)."""
    heads = "".join(
        f'<th scope="col" aria-sort="none" data-col="{c}"><button type="button">{html.escape(h)}</button></th>'
        for c, h in COLUMNS
    )
    body = []
    for rec in table.sort_values("lib_qp").to_dict("records"):
        cells = "".join(
            f'<td data-value="{html.escape(_data_value(c, rec[c]))}">{html.escape(format_fr(c, rec[c]))}</td>'
            for c, _ in COLUMNS
        )
        fragile = bool(rec["fragile"])
        flag = ' <span class="gc-fragile-flag">(valeur fragile)</span>' if fragile else ""
        body.append(
            f'<tr data-code="{html.escape(rec["code_qp"])}"{" class=gc-fragile" if fragile else ""}>'
            f'<th scope="row" data-value="{html.escape(rec["lib_qp"])}">{html.escape(rec["lib_qp"])}{flag}</th>'
            f'{cells}<td class="gc-note-cell">{html.escape(rec["note"] or "")}</td></tr>'
        )
    return f"""
<section class="gc-qpv-table" aria-labelledby="gc-qpv-table-caption">
  <div class="gc-table-scroll" role="region" aria-labelledby="gc-qpv-table-caption" tabindex="0">
  <table id="gc-qpv-table">
    <caption id="gc-qpv-table-caption">{html.escape(caption)}</caption>
    <thead><tr><th scope="col" aria-sort="ascending" data-col="lib_qp"><button type="button">QPV</button></th>
    {heads}<th scope="col">Fiabilité</th></tr></thead>
    <tbody>{"".join(body)}</tbody>
  </table>
  </div>
  <p id="gc-sort-status" class="gc-note" role="status" aria-live="polite"></p>
  <p class="gc-note">Boutons des en-têtes : trier (un second appui inverse l'ordre). Valeurs en gris :
  moins de 3 ressources du type à portée, à lire avec prudence.</p>
</section>"""


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
    return _outline_geojson(shown, [*fields, "t_note", "classe", "fragile"]), [*fields, "t_note"]


def planner_page(
    engine: Engine,
    *,
    territory: str,
    rtype: ResourceType,
    indicator: str,
    tiles_url: str,
    tiles_attribution: str,
    known_audience_only: bool = False,
) -> str:
    """The planner view: QPV choropleth of one indicator for one type, the QPV table, downloads."""
    result = engine.access[territory].variant(known_audience_only=known_audience_only)
    communes, _ = _pilot_frames(engine, territory)
    table = present(result.qpv[result.qpv["resource_type"] == rtype.value].reset_index(drop=True))
    values = table[indicator].astype("Float64").astype(float)
    values[table["fragile"].astype(bool).to_numpy()] = np.nan  # greyed out: not classed
    classes, bins = classify(values)
    palette = PALETTE[::-1] if indicator in HIGHER_IS_BETTER else PALETTE
    palette = palette[: max(len(bins), 1)] if len(bins) < len(PALETTE) else palette
    gj, fields = _tooltip_geojson(table, classes)
    # SVG rather than canvas: few polygons, each a focusable, inspectable path.
    m = _base_map(
        tiles_url=tiles_url, tiles_attribution=tiles_attribution, bounds=_bounds(communes), prefer_canvas=False
    )
    m.default_css = [*m.default_css, ("planning_css", PLANNING_CSS)]  # after map.css: it widens the panel
    _add_outlines(m, communes, table.iloc[0:0])

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
    root = _root(m)
    panel = f"""
{EMERGENCY_BANNER}
<main class="gc-panel gc-planner" aria-label="Analyse des QPV">
  <h1>Accès aux ressources dans les QPV</h1>
  {_form(engine, territory, rtype, indicator, known_audience_only)}
  <section aria-label="Légende de l'indicateur" class="gc-choropleth-legend">
    <h2>{html.escape(INDICATORS_FR[indicator])} — {html.escape(rtype.label_fr)}</h2>
    <ul>{_legend_rows(bins, palette, indicator, classes, table)}</ul>
    <p class="gc-note">Classes : seuils naturels (Fisher-Jenks, mapclassify). Distances à vol d'oiseau,
    temps de marche estimés ; points de grille de 50 m dans chaque QPV.
    2SFCA : décroissance {html.escape(result.params.decay_fr(rtype))}.</p>
  </section>
  {qpv_table_html(table, caption=f"Indicateurs par QPV — {rtype.label_fr}")}
  {_downloads(territory, rtype, known_audience_only)}
  {evolution_section(territory, rtype, indicator, territory_name=engine.catalog.territories[territory].name)}
</main>
{_legend_box()}"""
    root.html.add_child(folium.Element(panel))
    root.html.add_child(folium.Element(_config(m, "planner", territory=territory)))
    for src in APP_SCRIPTS:
        root.html.add_child(folium.Element(f'<script src="{src}" defer></script>'))
    root.html.add_child(folium.Element(f'<script src="{PLANNING_JS}" defer></script>'))
    return _finish(m)


def _form(engine: Engine, territory: str, rtype: ResourceType, indicator: str, known: bool) -> str:
    cat = engine.catalog
    terr_opts = "".join(
        f'<option value="{tid}"{" selected" if tid == territory else ""}>{html.escape(cat.territories[tid].name)}</option>'
        for tid in engine.access
    )
    type_opts = "".join(
        f'<option value="{t.value}"{" selected" if t == rtype else ""}>{html.escape(t.label_fr)}</option>'
        for t in PLACE_TYPES
    )
    ind_opts = "".join(
        f'<option value="{k}"{" selected" if k == indicator else ""}>{html.escape(v)}</option>'
        for k, v in INDICATORS_FR.items()
    )
    return f"""
  <form method="get" action="/planning" aria-label="Choisir l'indicateur">
    <label for="gc-territory">Territoire</label><select id="gc-territory" name="territory">{terr_opts}</select>
    <label for="gc-type">Type de ressource</label><select id="gc-type" name="type">{type_opts}</select>
    <label for="gc-indicator">Indicateur</label><select id="gc-indicator" name="indicator">{ind_opts}</select>
    <label class="gc-check"><input type="checkbox" name="known_audience_only" value="true"{" checked" if known else ""}>
      Public connu seulement (écarter les ressources au public non précisé)</label>
    <button type="submit">Afficher</button>
  </form>"""


def _legend_rows(
    bins: list[float], palette: list[str], indicator: str, classes: np.ndarray, table: pd.DataFrame
) -> str:
    lows = [None, *bins[:-1]] if bins else []
    rows = "".join(
        f'<li><span class="gc-swatch" style="background:{palette[min(i, len(palette) - 1)]}"></span>'
        f"{_fmt(lo, indicator)} – {_fmt(hi, indicator)}</li>"
        for i, (lo, hi) in enumerate(zip(lows, bins, strict=True))
    )
    fragile = table["fragile"].astype(bool).to_numpy()
    if ((classes < 0) & ~fragile).any():
        rows += '<li><span class="gc-swatch" style="background:#cccccc"></span>aucune ressource de ce type</li>'
    if fragile.any():
        rows += (
            f'<li><span class="gc-swatch gc-swatch-fragile" style="background:{FRAGILE_FILL}"></span>'
            "valeur fragile (moins de 3 ressources à portée)</li>"
        )
    return rows


def _downloads(territory: str, rtype: ResourceType, known: bool) -> str:
    extra = "&amp;known_audience_only=true" if known else ""
    q = f"territory={territory}&amp;type={rtype.value}{extra}"
    return f"""<p class="gc-downloads">Télécharger les indicateurs :
    <a href="/api/gaps?{q}&amp;format=xlsx" download>tableur XLSX</a> ·
    <a href="/api/gaps?{q}&amp;format=csv-fr" download>CSV pour tableur français</a> ·
    <a href="/api/gaps?{q}&amp;format=csv" download>CSV standard</a> ·
    <a href="/api/qpv?{q}">GeoJSON</a> ·
    <a href="/api/gaps?territory={territory}{extra}&amp;format=xlsx" download>XLSX, tous types</a></p>"""


def evolution_section(territory: str, rtype: ResourceType, indicator: str, *, territory_name: str) -> str:
    """The observatory's chart of the indicator (every snapshot, per QPV), its data, and the report."""
    t = html.escape(territory)
    chart = f"/api/observatory/{t}/chart.png?type={rtype.value}&amp;indicator={indicator}"
    what = f"{INDICATORS_FR[indicator]}, {rtype.label_fr}, dans chaque QPV de {territory_name}"
    return f"""
  <section class="gc-evolution" aria-labelledby="gc-evolution-title">
    <h2 id="gc-evolution-title">Évolution dans le temps (observatoire)</h2>
    <p class="gc-note">Les indicateurs sont enregistrés à chaque version des données qui les change
    (modification d'une fiche, mise à jour des sources).</p>
    <figure>
      <img src="{chart}" width="800" height="420" loading="lazy"
        alt="Graphique : {html.escape(what)}, à chaque version des données. Les valeurs sont dans les fichiers ci-dessous.">
      <figcaption>{html.escape(what)}.</figcaption>
    </figure>
    <p class="gc-downloads">Séries : <a href="/api/observatory/{t}?type={rtype.value}&amp;format=xlsx" download>XLSX</a> ·
    <a href="/api/observatory/{t}?type={rtype.value}&amp;format=csv-fr" download>CSV pour tableur français</a> ·
    évolution depuis le premier instantané :
    <a href="/api/observatory/{t}/evolution?format=xlsx" download>XLSX</a></p>
  </section>
  <section class="gc-report-links" aria-labelledby="gc-report-title">
    <h2 id="gc-report-title">Rapport de diagnostic du territoire</h2>
    <p>Pour le comité de pilotage : <a href="/api/report/{t}">rapport (page web, imprimable)</a> ·
    <a href="/api/report/{t}?format=pdf">rapport PDF</a></p>
  </section>"""


def _fmt(v: float | None, indicator: str) -> str:
    """A legend bound in French notation, in the indicator's unit."""
    return "min." if v is None else format_fr(indicator, v)

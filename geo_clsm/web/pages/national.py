"""The national planner page (/planning/france): a choropleth of France's departments for one
resource type and one indicator, the communes of a department on demand, and the figures as
a table (readable without a mouse).

The page itself is small HTML; its script (``static/app/france.js``, vendored Leaflet) loads
the departments' simplified outlines from ``/api/gaps?scope=departements&format=geojson``
(about 100 features) and a department's communes from ``scope=communes&dep=…`` when one is
chosen, so a page view stays well under 2 MB. No inline script: values travel in ``data-``
attributes (the CSP needs no nonce). Where no loaded layer lists the type exhaustively, the
map hatches the area (« type non recensé ici »), the table says so, and a note above the map
says where the type is listed (the run's ``coverage``).
"""

from __future__ import annotations

from html import escape
from typing import Any

import pandas as pd

from geo_clsm.access.present import format_fr, round_series, rule
from geo_clsm.model.resource import LINE_TYPES, ResourceType
from geo_clsm.web.pages.maps import EMERGENCY_BANNER

INDICATORS: dict[str, str] = {
    "mean_m": "Distance moyenne à la ressource la plus proche (m), pondérée par la population",
    "within_1000m_share": "Part de la population à moins de 1 km",
    "within_500m_share": "Part de la population à moins de 500 m",
    "sfca_per_10k": "Offre pour 10 000 habitants (2SFCA)",
}
HIGHER_IS_BETTER = ("within_500m_share", "within_1000m_share", "sfca_per_10k")
PALETTE = ["#fff3b0", "#fdc46a", "#f68d45", "#d6473a", "#8f1d2c"]


def _options(values: dict[str, str], chosen: str) -> str:
    return "".join(
        f'<option value="{escape(k)}"{" selected" if k == chosen else ""}>{escape(v)}</option>'
        for k, v in values.items()
    )


def _coverage_note(summary: dict[str, Any], rtype: ResourceType) -> str:
    """Where the type is listed exhaustively, when not everywhere (empty otherwise)."""
    rows = [r for r in summary.get("coverage", []) if r["resource_type"] == rtype.value]
    if not rows or rows[0]["covered_everywhere"]:
        return ""
    r = rows[0]
    where = ", ".join(r["covered_by"]) or "aucune des couches chargées"
    value = float(r["coverage_share"])
    share = "moins de 1 %" if 0 < value < 0.005 else format_fr("coverage_share", round(value, 2))
    return (
        f"<p class='gc-coverage' id='gc-coverage'><strong>{escape(rtype.value)} : recensé de façon exhaustive "
        f"seulement par : {escape(where)}</strong> ({escape(share)} de la population). Ailleurs, la carte est "
        "hachurée et le tableau dit « type non recensé ici » : c'est un manque de nos données, pas un manque "
        "de ressources mesuré.</p>"
    )


def _france_table(summary: dict[str, Any], rtype: ResourceType) -> str:
    rows = [r for r in summary.get("france", []) if r["resource_type"] == rtype.value]
    if not rows:
        return "<p>Aucune commune n'a de valeur pour ce type.</p>"
    r = rows[0]
    if r.get("covered") is False:
        return (
            f"<table class='gc-france'><caption>France entière — {escape(rtype.value)}</caption>"
            f"<tr><th scope='row'>Couverture des données</th><td>{escape(str(r.get('coverage', '')))}</td></tr></table>"
        )
    cells = "".join(
        f"<tr><th scope='row'>{escape(label)}</th><td>{escape(format_fr(col, _round(col, r.get(col))))}</td></tr>"
        for col, label in INDICATORS.items()
        if col in r
    )
    return f"<table class='gc-france'><caption>France entière — {escape(rtype.value)}</caption>{cells}</table>"


def _round(col: str, v: Any) -> Any:
    kind = rule(col)
    if v is None or kind is None:
        return v
    return round_series(pd.Series([v]), kind).iloc[0]


def national_page(
    summary: dict[str, Any],
    *,
    rtype: ResourceType,
    indicator: str,
    tiles_url: str,
    tiles_attribution: str,
) -> str:
    """The page's HTML for one type and indicator (``summary``: the run's ``summary.json``)."""
    types = {t.value: t.value for t in ResourceType if t not in LINE_TYPES and t.value in summary.get("types", [])}
    notes = "".join(f"<li>{escape(n)}</li>" for n in summary.get("notes", []))
    settings = summary.get("sfca", {}).get("decay_fr", {}).get(rtype.value, "")
    reversed_palette = indicator in HIGHER_IS_BETTER
    palette = ",".join(PALETTE[::-1] if reversed_palette else PALETTE)
    return f"""<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Accès aux ressources en santé mentale — France — geo_clsm</title>
<link rel="icon" href="/static/app/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/vendor/leaflet/leaflet.css">
<link rel="stylesheet" href="/static/app/map.css">
<link rel="stylesheet" href="/static/app/france.css">
</head>
<body class="gc-france-page">
{EMERGENCY_BANNER}
<main>
<h1>Accès aux ressources en santé mentale — France entière</h1>
<p>Calcul du {escape(str(summary.get("computed_at", "?")))} : {summary.get("n_communes", 0)} communes,
{summary.get("n_qpv", 0)} QPV, grille de {summary.get("grid_spacing_m", 200):.0f} m.
<a href="/planning">Vue d'un territoire (QPV)</a></p>
<form method="get" action="/planning/france" class="gc-france-form">
<label for="gc-type">Type de ressource</label>
<select id="gc-type" name="type">{_options(types, rtype.value)}</select>
<label for="gc-indicator">Indicateur</label>
<select id="gc-indicator" name="indicator">{_options(INDICATORS, indicator)}</select>
<button type="submit">Afficher</button>
</form>
{_coverage_note(summary, rtype)}
<p id="gc-level" role="status" aria-live="polite">Départements de France. Choisir un département pour voir ses communes.</p>
<button type="button" id="gc-back" hidden>Revenir aux départements</button>
<div id="gc-map" class="gc-france-map" role="region" aria-label="Carte : {escape(INDICATORS[indicator])}"
 data-type="{escape(rtype.value)}" data-indicator="{escape(indicator)}"
 data-label="{escape(INDICATORS[indicator])}" data-palette="{palette}"
 data-tiles="{escape(tiles_url)}" data-attribution="{escape(tiles_attribution)}"></div>
<div id="gc-legend" class="gc-france-legend" aria-label="Légende"></div>
{_france_table(summary, rtype)}
<h2 id="gc-table-title">Par département</h2>
<p>Le tableau reprend les chiffres de la carte ; le nom d'un département ouvre ses communes.</p>
<table id="gc-area-table" class="gc-area-table" aria-describedby="gc-table-title">
<thead><tr><th scope="col">Zone</th><th scope="col">{escape(INDICATORS[indicator])}</th>
<th scope="col">Population</th></tr></thead><tbody></tbody></table>
<h2>Méthode</h2>
<p>2SFCA : décroissance {escape(settings)}.</p>
<ul>{notes}</ul>
<p><a href="/api/gaps?scope=communes&amp;type={escape(rtype.value)}&amp;format=csv">Télécharger les communes (CSV)</a> ·
<a href="/api/gaps?scope=departements&amp;type={escape(rtype.value)}&amp;format=csv">les départements (CSV)</a></p>
</main>
<script src="/static/vendor/leaflet/leaflet.js"></script>
<script src="/static/app/france.js"></script>
</body>
</html>
"""

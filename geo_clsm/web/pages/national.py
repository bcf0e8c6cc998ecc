"""The national planner page (/planning/france): a choropleth of France's departments for one
resource type and one indicator, the communes of a department on demand, and the figures as
a table (readable without a mouse).

The page itself is small HTML (the template ``templates/pages/national.html``); its script (``static/app/france.js``, vendored Leaflet) loads
the departments' simplified outlines from ``/api/gaps?scope=departements&format=geojson``
(about 100 features) and a department's communes from ``scope=communes&dep=…`` when one is
chosen, so a page view stays well under 2 MB. No inline script: values travel in ``data-``
attributes (the CSP needs no nonce). Where no loaded layer lists the type exhaustively, the
map hatches the area (« type non recensé ici »), the table says so, and a note above the map
says where the type is listed (the run's ``coverage``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
from babel.dates import format_date, format_time

from geo_clsm.access.present import format_fr, round_series, rule
from geo_clsm.model.resource_types import LINE_TYPES, ResourceType
from geo_clsm.web.templating import PathFor, render

INDICATORS: dict[str, str] = {
    "mean_m": "Distance moyenne à la ressource la plus proche (m), pondérée par la population",
    "within_1000m_share": "Part de la population à moins de 1 km",
    "within_500m_share": "Part de la population à moins de 500 m",
    "sfca_per_10k": "Offre pour 10 000 habitants (2SFCA)",
}
HIGHER_IS_BETTER = ("within_500m_share", "within_1000m_share", "sfca_per_10k")
PALETTE = ["#fff3b0", "#fdc46a", "#f68d45", "#d6473a", "#8f1d2c"]


def coverage_note(summary: dict[str, Any], rtype: ResourceType) -> dict[str, str] | None:
    """Where the type is listed exhaustively, when not everywhere (None otherwise): the layers and
    the share of the population, in French."""
    rows = [r for r in summary.get("coverage", []) if r["resource_type"] == rtype.value]
    if not rows or rows[0]["covered_everywhere"]:
        return None
    r = rows[0]
    value = float(r["coverage_share"])
    share = "moins de 1 %" if 0 < value < 0.005 else format_fr("coverage_share", round(value, 2))
    return {"where": ", ".join(r["covered_by"]) or "aucune des couches chargées", "share": share}


def france_rows(summary: dict[str, Any], rtype: ResourceType) -> dict[str, Any] | None:
    """France's figures for the type (None without any): the coverage when the type is not covered,
    else (label, French text) per indicator."""
    rows = [r for r in summary.get("france", []) if r["resource_type"] == rtype.value]
    if not rows:
        return None
    r = rows[0]
    if r.get("covered") is False:
        return {"coverage": str(r.get("coverage", "")), "cells": []}
    cells = [(label, format_fr(col, _round(col, r.get(col)))) for col, label in INDICATORS.items() if col in r]
    return {"coverage": None, "cells": cells}


def _round(col: str, v: Any) -> Any:
    kind = rule(col)
    if v is None or kind is None:
        return v
    return round_series(pd.Series([v]), kind).iloc[0]


def computed_on(stamp: str | None, lang: str) -> str:
    """When the run was made, in the locale's words (« 7 décembre 2026 à 17:20 UTC »), « ? » without it."""
    if not stamp:
        return "?"
    try:
        when = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    day = format_date(when, "long", locale=lang)
    return f"{day}, {format_time(when, 'HH:mm', locale=lang)} UTC" if when.tzinfo else day


def missing_page(*, lang: str, path_for: PathFor, gaps_dir: str) -> str:
    """/planning/france before any ``geo-clsm gaps --all``: what to run, in the person's language."""
    from geo_clsm.i18n import translator
    from geo_clsm.web.pages.resident import languages

    t = translator(lang)
    return render("pages/national_missing.html", t=t, path_for=path_for, gaps_dir=gaps_dir, languages=languages())


def national_page(
    summary: dict[str, Any],
    *,
    rtype: ResourceType,
    indicator: str,
    tiles_url: str,
    tiles_attribution: str,
    path_for: PathFor,
) -> str:
    """The page's HTML for one type and indicator (``summary``: the run's ``summary.json``)."""
    types = {t.value: t.label_fr for t in ResourceType if t not in LINE_TYPES and t.value in summary.get("types", [])}
    palette = PALETTE[::-1] if indicator in HIGHER_IS_BETTER else PALETTE
    return render(
        "pages/national.html",
        path_for=path_for,
        summary=summary,
        computed_on=computed_on(summary.get("computed_at"), "fr"),
        grid_spacing_m=f"{summary.get('grid_spacing_m', 200):.0f}",
        types=types,
        rtype=rtype,
        indicators=INDICATORS,
        indicator=indicator,
        coverage=coverage_note(summary, rtype),
        france=france_rows(summary, rtype),
        decay=summary.get("sfca", {}).get("decay_fr", {}).get(rtype.value, ""),
        palette=",".join(palette),
        tiles_url=tiles_url,
        tiles_attribution=tiles_attribution,
    )

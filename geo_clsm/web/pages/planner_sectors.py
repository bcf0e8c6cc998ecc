"""The planner view's psychiatric sectors (issue 29): a layer of the territory's sectors on the map
and, for a CMP-like type, the indicators by sector as columns of the QPV table
(:mod:`geo_clsm.access.sectorised`). Without sector data the map says so and the columns read
« sectorisation non renseignée », never 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import folium
import geopandas as gpd
import pandas as pd

from geo_clsm.access.present import format_fr
from geo_clsm.access.sectorised import NOT_INFORMED, SECTOR_TYPES
from geo_clsm.engine.core import Engine
from geo_clsm.geo.crs import WGS84
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.web.pages.maps import outline_geojson

SECTOR_COLUMNS: list[tuple[str, str]] = [
    ("sector_ids", "Secteur(s)"),
    ("sector_referent_mean_m", "Distance moyenne au référent du secteur"),
    ("sector_referent_p90_m", "Distance p90 au référent du secteur"),
    ("sector_nearest_mean_m", "Distance moyenne au plus proche (même population)"),
    ("sector_nearest_other_share", "Part dont le plus proche est hors secteur"),
    ("sector_covered_share", "Population au secteur connu"),
]
PUBLIC_FR = {"adultes": "adultes", "enfants": "enfants et adolescents"}
SECTOR_STYLE = {"color": "#00695c", "weight": 2.5, "dashArray": "8 4", "fillColor": "#00695c", "fillOpacity": 0.04}


def sector_columns(rtype: ResourceType) -> list[tuple[str, str]]:
    """The sector columns of the QPV table for ``rtype`` (none for a type not received by sector)."""
    return SECTOR_COLUMNS if rtype in SECTOR_TYPES else []


def sector_cell(col: str, rec: Mapping[Any, Any]) -> tuple[str, str] | None:
    """(sort key, shown text) of a sector column, or None for another column."""
    if col not in dict(SECTOR_COLUMNS):
        return None
    status = rec.get("sectorisation")
    if status is None or (not isinstance(status, str) and pd.isna(status)) or status == NOT_INFORMED:
        return "", NOT_INFORMED
    v = rec.get(col)
    missing = v is None or (not isinstance(v, str) and pd.isna(v))
    return ("" if missing else str(v)), format_fr(col, v)


def add_sector_layer(m: folium.Map, engine: Engine, *, territory: str, public: str) -> int:
    """The outlines of the territory's sectors of ``public`` (adultes / enfants) on the map, with their
    name and referents in the tooltip; the number drawn (0: no sector data, nothing drawn)."""
    index = engine.sectors
    sectors = [s for s in index.for_territory(territory) if s.public == public]
    if not sectors:
        return 0
    names = engine.catalog.resources_by_id
    frame = gpd.GeoDataFrame(
        {
            "sector_id": [s.id for s in sectors],
            "name": [s.name for s in sectors],
            "public": [PUBLIC_FR.get(s.public, s.public) for s in sectors],
            "referents": [
                ", ".join(names[r].public_properties()["display_name"] if r in names else r for r in s.referents)
                or "aucun référent renseigné"
                for s in sectors
            ],
        },
        geometry=[index.geometry_wgs84(s.id) for s in sectors],
        crs=WGS84,
    )
    folium.GeoJson(
        outline_geojson(frame, ["sector_id", "name", "public", "referents"]),
        name=f"Secteurs de psychiatrie ({PUBLIC_FR.get(public, public)})",
        style_function=lambda _: SECTOR_STYLE,
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "sector_id", "public", "referents"], aliases=["Secteur", "Code", "Public", "Référents"]
        ),
    ).add_to(m)
    return len(sectors)

"""A synthetic territory with known populations and counts, for the report's figures (test data only).

Two communes (20,000 and 5,000 inhabitants) make ``synthetic_terr``; a third commune of
the same department (75,000) and one of another department (900,000) complete France
(1,000,000). Every record is synthetic and says so in its id and source.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo_clsm.data.catalog import Catalog
from geo_clsm.data.manifest import LayerInfo, Territory
from geo_clsm.documents.report.national import National
from geo_clsm.geo.crs import WGS84
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Resource

TERRITORY = "synthetic_terr"
CONFIDENTIAL_STREET = "9 impasse Synthétique-Confidentielle"
INTERNAL_NOTE = "SYNTHETIC INTERNAL NOTE never printed"
POPULATION = {"57991": 20_000, "57992": 5_000, "57993": 75_000, "16991": 900_000}


def _layer(lid: str, kind: str) -> LayerInfo:
    return LayerInfo(lid, f"synthetic/{lid}", kind, kind, f"synthetic {lid} (tests)", "test", "2026", "EPSG:4326", ())


def _res(rid: str, rtype: str, insee: str, lon: float, lat: float, **kw: object) -> Resource:
    return Resource(
        id=f"synthetic-{rid}",
        type=rtype,
        name=f"SYNTHETIC {rid}",
        insee_com=insee,
        commune=f"Synthétique {insee}",
        position=Position(lon=lon, lat=lat, precision=PositionPrecision.ADDRESS, source="synthetic"),
        source="synthetic (tests)",
        last_verified=date(2026, 11, 1),
        **kw,  # type: ignore[arg-type]
    )


def synthetic_catalog() -> Catalog:
    a = shapely.box(6.10, 49.10, 6.15, 49.13)
    b = shapely.box(6.15, 49.10, 6.20, 49.13)
    communes = gpd.GeoDataFrame(
        {
            "insee_com": ["57991", "57992"],
            "nom": ["Synthétique-A", "Synthétique-B"],
            "dep": ["57", "57"],
            "population_municipale": [20_000, 5_000],
            "territory": [TERRITORY, TERRITORY],
        },
        geometry=[a, b],
        crs=WGS84,
    )
    qpv = gpd.GeoDataFrame(
        {"code_qp": ["QN99901S"], "lib_qp": ["Quartier Synthétique"], "insee_com": ["57991"], "territory": [TERRITORY]},
        geometry=[shapely.box(6.11, 49.11, 6.12, 49.12)],
        crs=WGS84,
    )
    town_hall = Position(lon=6.14, lat=49.125, precision=PositionPrecision.COMMUNE, source="synthetic town hall")
    resources = [
        _res("cmpa-1", "CMP_ADULTE", "57991", 6.13, 49.105),
        _res("cmpa-2-in-qpv", "CMP_ADULTE", "57991", 6.115, 49.115),
        _res(
            "cmpa-3-confidential",
            "CMP_ADULTE",
            "57991",
            6.116,
            49.116,  # true position inside the QPV; public position at the town hall, outside it
            confidential_address=True,
            street=CONFIDENTIAL_STREET,
            commune_position=town_hall,
            notes=INTERNAL_NOTE,
        ),
        _res("gem-in-qpv", "GEM", "57991", 6.118, 49.118),
        _res("cattp-b", "CATTP", "57992", 6.17, 49.11),
    ]
    layers = {lid: _layer(lid, kind) for lid, kind in (("synthetic_communes", "communes"), ("synthetic_qpv", "qpv"))}
    return Catalog(
        data_dir=Path("synthetic"),
        layers=layers,
        territories={TERRITORY: Territory(TERRITORY, "Territoire synthétique", "pilot", tuple(layers))},
        resources=resources,
        qpv=qpv,
        communes=communes,
        mairies={},
    )


def synthetic_national() -> National:
    """The national layer: 2 CMP adultes in commune A, 3 in the department's third commune, 5 elsewhere."""
    places = [("57991", 6.12, 49.105)] * 2 + [("57993", 6.3, 49.2)] * 3 + [("16991", 0.15, 45.65)] * 5
    resources = tuple(
        _res(f"national-{i}", "CMP_ADULTE", insee, lon, lat) for i, (insee, lon, lat) in enumerate(places)
    )
    communes = pd.DataFrame(
        {
            "insee_com": list(POPULATION),
            "nom": [f"Synthétique {c}" for c in POPULATION],
            "dep": ["57", "57", "57", "16"],
            "population": list(POPULATION.values()),
        }
    )
    return National(_layer("synthetic_national", "resources"), resources, communes)

"""Psychiatric sectors: ``GET /api/sectors`` (GeoJSON of the public view) and ``GET /api/sectors/{id}``.

The features are those of the OGC collection ``sectors`` (:mod:`geo_clsm.exports.ogc`: the public
view of each sector on its resolved extent, WGS84), built once per engine. Where no sector is
loaded, the collection says so: « sectorisation non renseignée » (issue 29, item 6).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from starlette.concurrency import run_in_threadpool

from geo_clsm.engine.core import Engine
from geo_clsm.exports import ogc
from geo_clsm.model.errors import NotFoundError
from geo_clsm.model.sector import NO_SECTOR_DATA_FR
from geo_clsm.web.deps import get_engine
from geo_clsm.web.params import TerritoryFilter

router = APIRouter(prefix="/api", tags=["secteurs de psychiatrie"])

PublicFilter = Annotated[
    Literal["adultes", "enfants"] | None,
    Query(description="Public du secteur : adultes ou enfants (psychiatrie infanto-juvénile)", examples=["adultes"]),
]
SectorId = Annotated[
    str,
    Path(
        description="Identifiant du secteur", examples=["57G03"], max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
    ),
]


def _features(engine: Engine, territory: str | None, public: str | None) -> dict[str, Any]:
    if territory is not None and territory not in engine.catalog.territories:
        known = ", ".join(engine.catalog.territories)
        raise NotFoundError(f"territoire « {territory} » inconnu : choisir parmi {known}")
    found = ogc.select(ogc.table(engine, "sectors"), filters={"territory": territory, "public": public})
    has_data = engine.sectors.has_data_in(territory) if territory else engine.sectors.has_data
    return {
        "type": "FeatureCollection",
        "features": [ogc.to_feature(item) for item in found],
        "has_data": has_data,
        "message": None if has_data else NO_SECTOR_DATA_FR,
    }


@router.get(
    "/sectors",
    summary="Les secteurs de psychiatrie (GeoJSON) : vue publique, sur l'étendue de chaque secteur",
    description=(
        "Un objet par secteur : identifiant, nom, public (adultes ou enfants), établissement, ressources "
        "référentes (CMP d'abord), territoire, source. `has_data` est faux et `message` vaut « "
        f"{NO_SECTOR_DATA_FR} » tant qu'aucun secteur n'est importé ou dessiné pour le territoire."
    ),
)
async def list_sectors(
    engine: Annotated[Engine, Depends(get_engine)],
    territory: TerritoryFilter = None,
    public: PublicFilter = None,
) -> dict[str, Any]:
    if ogc.is_built(engine, "sectors"):
        return _features(engine, territory, public)
    return await run_in_threadpool(_features, engine, territory, public)  # the first build unions polygons


def _one(engine: Engine, sector_id: str) -> dict[str, Any]:
    try:
        return ogc.to_feature(ogc.find(engine, "sectors", sector_id))
    except NotFoundError:
        raise NotFoundError(f"secteur inconnu « {sector_id} » : voir /api/sectors pour la liste") from None


@router.get("/sectors/{sector_id}", summary="Un secteur de psychiatrie (GeoJSON) : vue publique et étendue")
async def get_sector(engine: Annotated[Engine, Depends(get_engine)], sector_id: SectorId) -> dict[str, Any]:
    if ogc.is_built(engine, "sectors"):
        return _one(engine, sector_id)
    return await run_in_threadpool(_one, engine, sector_id)

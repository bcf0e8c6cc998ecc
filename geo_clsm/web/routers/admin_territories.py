"""Territories for admins: POST /api/admin/territories adds a CLSM's territory from the national
layers (by EPCI, department or commune list), DELETE removes one that was added. The running
service loads the change within seconds (see ``geo_clsm/web/reload.py``); resources are never removed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from geo_clsm.data.local_territories import add_territory, remove_territory
from geo_clsm.data.territories import Selection
from geo_clsm.settings import Settings
from geo_clsm.web.deps import get_settings
from geo_clsm.web.rights import AUTHORISE
from geo_clsm.web.sessions import AdminSession

router = APIRouter(
    prefix="/api/admin/territories",
    tags=["édition"],
    responses={401: {"description": "connexion requise"}, 403: {"description": "droits insuffisants ou CSRF"}},
    dependencies=[AUTHORISE],
)


class TerritoryRequest(BaseModel):
    """A territory taken from the national commune layer: exactly one of epci, departments, communes."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"id": "lille", "name": "Métropole européenne de Lille", "epci": "200093201"}]},
    )

    id: str = Field(min_length=2, max_length=40, description="Identifiant court (minuscules, chiffres, tirets)")
    name: str = Field(min_length=1, max_length=120, description="Nom affiché")
    epci: str | None = Field(default=None, max_length=9, description="SIREN de l'EPCI")
    departments: list[str] = Field(default=[], max_length=10, description="Codes de départements")
    communes: list[str] = Field(default=[], max_length=2000, description="Codes INSEE des communes")


@router.post("", status_code=201, summary="Ajouter un territoire à partir des couches nationales (administrateurs)")
def add(
    body: TerritoryRequest, _: AdminSession, settings: Annotated[Settings, Depends(get_settings)]
) -> dict[str, Any]:
    selection = Selection(
        epci_siren=body.epci,
        departments=tuple(d.strip().upper() for d in body.departments),
        communes=tuple(c.strip().upper() for c in body.communes),
    )
    info = add_territory(
        settings.local_territories_file,
        data_dir=settings.data_dir,
        territory_id=body.id,
        name=body.name,
        selection=selection,
    )
    return {**info, "message": "territoire ajouté : il est servi dans quelques secondes"}


@router.delete("/{territory}", status_code=204, summary="Retirer un territoire ajouté (les ressources restent)")
def remove(
    territory: Annotated[str, Path(max_length=40, description="Identifiant du territoire", examples=["lille"])],
    _: AdminSession,
    settings: Annotated[Settings, Depends(get_settings)],
) -> Response:
    remove_territory(settings.local_territories_file, territory)
    return Response(status_code=204)

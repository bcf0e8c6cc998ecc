"""Public corrections: POST /api/resources/{id}/reports ("Signaler une erreur").

Nothing but the message and an optional contact is stored: no position, no IP address.
A honeypot field and the per-client rate limit ``reports`` of :mod:`geo_clsm.web.middleware.security` (in memory, never
written; shared with the HTML form) stop floods.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from geo_clsm.store.reports import MAX_CONTACT, MAX_MESSAGE, add_report
from geo_clsm.web.middleware.rate_limit import RATE_LIMITED, REPORTS_BURST, REPORTS_PER_MINUTE, rate_limit
from geo_clsm.web.sessions import get_db

router = APIRouter(prefix="/api", tags=["ressources"])


class ReportIn(BaseModel):
    message: str = Field(max_length=MAX_MESSAGE, examples=["Le numéro de téléphone a changé : 03 87 00 00 00"])
    contact: str | None = Field(default=None, max_length=MAX_CONTACT, description="Facultatif : e-mail ou téléphone")
    website: str | None = Field(default=None, description="Laisser vide (champ piège pour les robots)")


class ReportOut(BaseModel):
    id: int | None
    status: str = "open"
    message: str = "Merci : votre signalement sera vérifié par l'équipe du CLSM."


@router.post(
    "/resources/{resource_id}/reports",
    status_code=201,
    summary="Signaler une erreur sur une ressource",
    responses={404: {"description": "ressource inconnue"}, **RATE_LIMITED},
    dependencies=[rate_limit("reports", per_minute=REPORTS_PER_MINUTE, burst=REPORTS_BURST)],
)
def report_error(
    resource_id: Annotated[str, Path(max_length=100, description="Identifiant de la ressource")],
    body: ReportIn,
    request: Request,
) -> JSONResponse:
    if body.website:  # the honeypot: a person never fills it in
        return JSONResponse(ReportOut(id=None).model_dump(), status_code=201)
    rid = add_report(get_db(request), resource_id, message=body.message, contact=body.contact)
    return JSONResponse(ReportOut(id=rid).model_dump(), status_code=201)

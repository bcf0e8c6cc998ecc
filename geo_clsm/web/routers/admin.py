"""The editing API (/api/admin/*): create, change, withdraw, verify, history, restore, review,
disagreements with official sources, reports; users and territory settings for admins. Every route needs a session (401), the
admin-only ones an admin (403); changes need the X-CSRF-Token header. Every route is authorised by
territory (:mod:`geo_clsm.web.rights`: 403 outside the account's territories, lists filtered).

Changes are validated exactly as the importers validate a row (see
:func:`geo_clsm.store.records.validate_record`); each error is a 422 naming the field.
After a change, the engine is rebuilt and swapped before the response is sent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Body, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from geo_clsm.data.importers.resource_write import resource_to_row
from geo_clsm.engine.core import Engine
from geo_clsm.model.errors import InvalidInputError, NotFoundError
from geo_clsm.model.presence import check_presence
from geo_clsm.model.resource import Resource
from geo_clsm.store import repo
from geo_clsm.store.disagreements import list_disagreements, resolve
from geo_clsm.store.presence import public_settings
from geo_clsm.store.reports import list_reports, set_status
from geo_clsm.store.review import review_queue
from geo_clsm.store.schema import MAX_ID, territory_settings
from geo_clsm.web.deps import get_engine
from geo_clsm.web.live import refresh
from geo_clsm.web.rights import AUTHORISE, rights_of
from geo_clsm.web.sessions import EditorSession, get_db

router = APIRouter(
    prefix="/api/admin",
    tags=["édition"],
    responses={
        401: {"description": "connexion requise"},
        403: {"description": "droits insuffisants (territoire, rôle) ou CSRF"},
    },
    dependencies=[AUTHORISE],
)
ResourceId = Annotated[
    str, Path(max_length=100, description="Identifiant de la ressource", examples=["metz-epsm-metz-jury"])
]
RECORD_EXAMPLE = {
    "id": "metz-gem-exemple",
    "type": "GEM",
    "name": "GEM de l'exemple",
    "street": "1 rue de l'Exemple",
    "postcode": "57000",
    "commune": "Metz",
    "insee_com": "57463",
    "phone": "03 87 00 00 00",
    "lon": 6.176,
    "lat": 49.119,
    "position_precision": "address",
    "territory": "metz",
    "source": "saisie par le CLSM de Metz",
    "last_verified": "2026-11-23",
}


class AdminRecord(BaseModel):
    """A record as editors see it: every field (confidential ones included), its status and form row."""

    resource: dict[str, Any]
    status: str
    row: dict[str, Any] = Field(description="Les champs au format des fichiers d'import (pour un formulaire)")
    history_id: int | None = None


class RestoreIn(BaseModel):
    entry_id: int = Field(ge=1, le=MAX_ID, description="Numéro de l'entrée d'historique dont la version est restaurée")


def _out(r: Resource, status: str, history_id: int | None = None) -> AdminRecord:
    return AdminRecord(resource=r.model_dump(mode="json"), status=status, row=resource_to_row(r), history_id=history_id)


def _record_body(
    body: Annotated[
        dict[str, Any], Body(description="Champs au format des fichiers d'import", examples=[RECORD_EXAMPLE])
    ],
) -> dict[str, Any]:
    return body


@router.get("/resources", summary="Chercher parmi les ressources (retirées comprises)")
def search_resources(
    session: EditorSession,
    request: Request,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Texte cherché (nom, commune, rue, identifiant)", examples=["GEM"]),
    ] = None,
    status: Annotated[
        str | None, Query(pattern="^(active|withdrawn)$", description="active ou withdrawn", examples=["active"])
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Taille de page", examples=[50])] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ID, description="Nombre de fiches à sauter", examples=[0])] = 0,
) -> dict[str, Any]:
    with get_db(request).connect() as conn:
        scope = rights_of(request, session.user).scope
        page, total = repo.search(conn, text=q, status=status, limit=limit, offset=offset, scope=scope)
    return {
        "total": total,
        "items": [
            {
                "id": r.id,
                "name": r.name,
                "type": r.type.value,
                "commune": r.commune,
                "status": s,
                "last_verified": r.last_verified.isoformat(),
            }
            for r, s in page
        ],
    }


@router.get("/resources/{resource_id}", summary="Une ressource, tous champs")
def get_resource(resource_id: ResourceId, session: EditorSession, request: Request) -> AdminRecord:
    with get_db(request).connect() as conn:
        r, status = repo.get(conn, resource_id)
    return _out(r, status)


@router.post("/resources", status_code=201, summary="Créer une ressource")
def create_resource(
    body: Annotated[dict[str, Any], Depends(_record_body)],
    session: EditorSession,
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
) -> AdminRecord:
    check = rights_of(request, session.user).check
    change = repo.create(get_db(request), body, author=session.user.email, communes=engine.catalog.mairies, check=check)
    refresh(request)
    return _out(change.resource, change.status, change.history_id)


@router.patch("/resources/{resource_id}", summary="Modifier des champs d'une ressource")
def patch_resource(
    resource_id: ResourceId,
    body: Annotated[dict[str, Any], Depends(_record_body)],
    session: EditorSession,
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
) -> AdminRecord:
    if not body:
        raise InvalidInputError("corps vide : envoyer les champs à modifier")
    change = repo.update(
        get_db(request),
        resource_id,
        body,
        author=session.user.email,
        communes=engine.catalog.mairies,
        check=rights_of(request, session.user).check,
    )
    refresh(request)
    return _out(change.resource, change.status, change.history_id)


@router.delete("/resources/{resource_id}", summary="Retirer une ressource de la vue publique (restaurable)")
def withdraw_resource(resource_id: ResourceId, session: EditorSession, request: Request) -> AdminRecord:
    check = rights_of(request, session.user).check
    change = repo.withdraw(get_db(request), resource_id, author=session.user.email, check=check)
    refresh(request)
    return _out(change.resource, change.status, change.history_id)


@router.post("/resources/{resource_id}/verified", summary="Noter que la fiche a été vérifiée aujourd'hui")
def verified(resource_id: ResourceId, session: EditorSession, request: Request) -> AdminRecord:
    check = rights_of(request, session.user).check
    change = repo.mark_verified(get_db(request), resource_id, author=session.user.email, check=check)
    refresh(request)
    return _out(change.resource, change.status, change.history_id)


@router.get("/resources/{resource_id}/history", summary="Historique : auteur, date, valeurs avant et après")
def history(resource_id: ResourceId, session: EditorSession, request: Request) -> list[dict[str, Any]]:
    with get_db(request).connect() as conn:
        entries = repo.entries(conn, resource_id)
    return [{**e, "at": _iso(e["at"])} for e in entries]


@router.post("/resources/{resource_id}/restore", summary="Restaurer la version d'une entrée d'historique")
def restore(resource_id: ResourceId, body: RestoreIn, session: EditorSession, request: Request) -> AdminRecord:
    check = rights_of(request, session.user).check
    change = repo.restore(get_db(request), resource_id, entry_id=body.entry_id, author=session.user.email, check=check)
    refresh(request)
    return _out(change.resource, change.status, change.history_id)


@router.get("/review", summary="Fiches à vérifier, la plus ancienne vérification d'abord")
def review(
    session: EditorSession,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=5000, description="Nombre de fiches", examples=[200])] = 200,
) -> list[dict[str, Any]]:
    with get_db(request).connect() as conn:
        return review_queue(conn, limit=limit, scope=rights_of(request, session.user).scope)


@router.get(
    "/disagreements", summary="Désaccords entre une source officielle (FINESS) et des fiches tenues par le CLSM"
)
def disagreements(
    session: EditorSession,
    request: Request,
    status: Annotated[
        str | None,
        Query(
            pattern="^(open|accepted|kept|superseded)$",
            description="open, accepted, kept ou superseded",
            examples=["open"],
        ),
    ] = "open",
) -> list[dict[str, Any]]:
    return list_disagreements(get_db(request), status=status, scope=rights_of(request, session.user).scope)


@router.post(
    "/disagreements/{item_id}/{decision}",
    summary="Prendre les valeurs officielles (accept) ou garder la fiche (keep) ; noté dans l'historique",
)
def decide_disagreement(
    item_id: Annotated[int, Path(ge=1, le=MAX_ID, description="Numéro du désaccord", examples=[1])],
    decision: Annotated[str, Path(pattern="^(accept|keep)$", description="accept ou keep", examples=["keep"])],
    session: EditorSession,
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
) -> dict[str, Any]:
    out = resolve(
        get_db(request),
        item_id,
        decision=decision,
        author=session.user.email,
        communes=engine.catalog.mairies,
        check=rights_of(request, session.user).check,
    )
    if decision == "accept":
        refresh(request)
    return out


@router.get("/reports", summary="Signalements du public")
def reports(
    session: EditorSession,
    request: Request,
    status: Annotated[
        str | None,
        Query(
            pattern="^(open|handled|corrected|accepted|dismissed)$",
            description="open, handled (tous les traités), corrected, accepted ou dismissed",
            examples=["open"],
        ),
    ] = "open",
) -> list[dict[str, Any]]:
    rows = list_reports(get_db(request), status=status, scope=rights_of(request, session.user).scope)
    return [{**r, "created_at": _iso(r["created_at"]), "handled_at": _iso(r["handled_at"])} for r in rows]


@router.post("/reports/{report_id}/{decision}", summary="Accepter ou écarter un signalement")
def decide_report(
    report_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    decision: Annotated[str, Path(pattern="^(accept|dismiss)$")],
    session: EditorSession,
    request: Request,
    reason: Annotated[
        str | None, Query(max_length=500, description="motif, obligatoire pour écarter un signalement")
    ] = None,
) -> dict[str, Any]:
    r = set_status(
        get_db(request),
        report_id,
        "accepted" if decision == "accept" else "dismissed",
        by=session.user.email,
        reason=reason,
    )
    return {**r, "created_at": _iso(r["created_at"]), "handled_at": _iso(r["handled_at"])}


@router.get("/territories/{territory}/settings", summary="Réglages locaux d'un territoire (ses administrateurs)")
def get_territory_settings(
    territory: Annotated[str, Path(max_length=64, description="Identifiant du territoire", examples=["metz"])],
    session: EditorSession,
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
) -> dict[str, Any]:
    _known(engine, territory)
    with get_db(request).connect() as conn:
        row = conn.execute(sa.select(territory_settings).where(territory_settings.c.territory == territory)).first()
    return {"territory": territory, "settings": public_settings(dict(row.settings)) if row else {}}


@router.put("/territories/{territory}/settings", summary="Changer les réglages locaux (ses administrateurs)")
def put_territory_settings(
    territory: Annotated[str, Path(max_length=64, description="Identifiant du territoire", examples=["metz"])],
    body: Annotated[dict[str, Any], Body(examples=[{"contact_clsm": "clsm@metz.fr"}])],
    session: EditorSession,
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
) -> dict[str, Any]:
    _known(engine, territory)
    check_presence(body)  # the presence fields (issue 31) reach pages and the embed's frame-ancestors
    body.pop("logo", None)  # the logo is uploaded on the presence screen, never set here
    with get_db(request).begin() as conn:
        old = conn.execute(
            sa.select(territory_settings.c.settings).where(territory_settings.c.territory == territory)
        ).scalar()
        if isinstance(old, dict) and "logo" in old:
            body = {**body, "logo": old["logo"]}
        conn.execute(sa.delete(territory_settings).where(territory_settings.c.territory == territory))
        conn.execute(sa.insert(territory_settings).values(territory=territory, settings=body, updated_at=repo.now()))
    return {"territory": territory, "settings": public_settings(body)}


def _known(engine: Engine, territory: str) -> None:
    if territory not in engine.catalog.territories:
        raise NotFoundError(f"territoire inconnu « {territory} » : {', '.join(engine.catalog.territories)}")


def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, datetime) else v

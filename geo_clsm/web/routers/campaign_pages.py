"""Editor screens of the confirmation campaigns (issue 30): /admin/campagnes lists them and starts
one for a territory (records chosen by type, staleness or one by one); /admin/campagnes/{id} counts
sent, opened, confirmed, corrected, failed, lists the places and revokes links; the corrections the
places proposed are decided in the review queue (/admin/review, « Corrections proposées »).

Each campaign names its territory: the screens show an account the campaigns of the territories it
holds (:func:`editor_territories`), and start them there only. The router carries the one
authorisation dependency (:data:`geo_clsm.web.rights.AUTHORISE`): ``campaign_id`` is checked on the
campaign's territory, ``correction_id`` on the record the correction changes; accepting one passes
the store's change check (:meth:`geo_clsm.web.rights.Rights.check`), as any editor's change does."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import Response

from geo_clsm.campaigns.service import start_campaign
from geo_clsm.engine.core import Engine
from geo_clsm.model.errors import GeoClsmError, NotFoundError
from geo_clsm.model.resource_types import TYPE_LABELS_FR
from geo_clsm.settings import Settings
from geo_clsm.store import campaigns as store
from geo_clsm.store.corrections import resolve
from geo_clsm.store.records import FieldError
from geo_clsm.store.rights import EDIT
from geo_clsm.store.schema import MAX_ID
from geo_clsm.store.users import Session
from geo_clsm.web.deps import get_engine, get_settings
from geo_clsm.web.forms import Csrf, back, page, signed_in
from geo_clsm.web.lifecycle import service_state
from geo_clsm.web.live import refresh
from geo_clsm.web.rights import AUTHORISE, rights_of
from geo_clsm.web.sessions import get_db

router = APIRouter(include_in_schema=False, dependencies=[AUTHORISE])


def editor_territories(request: Request, engine: Engine, session: Session) -> list[str]:
    """The local territories whose campaigns the account sees and starts: those of its scope
    (:attr:`geo_clsm.web.rights.Rights.scope`), every local one for a deployment-wide account."""
    scope = rights_of(request, session.user).scope
    return [
        code
        for code, terr in engine.catalog.territories.items()
        if terr.kind != "national" and (scope is None or code in scope.territories)
    ]


def _allowed(request: Request, engine: Engine, session: Session, territory: str) -> None:
    """A campaign is started in a local territory (NotFoundError) that the account holds."""
    if territory not in editor_territories(request, engine, session):
        raise NotFoundError(f"territoire inconnu « {territory} » pour ce compte")


@router.get("/admin/campagnes")
def campaigns_page(
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> Response:
    session = signed_in(request)
    territories = editor_territories(request, engine, session)
    with get_db(request).connect() as conn:
        items = store.list_campaigns(conn, territories=territories)
    return page(
        request,
        "admin/campaigns.html",
        session=session,
        campaigns=items,
        territories=[(c, engine.catalog.territories[c].name) for c in territories],
        types=TYPE_LABELS_FR,
        link_days=settings.campaign_link_days,
        remind_days=settings.campaign_reminder_days,
        sending=service_state(request).outbox is not None,
    )


@router.post("/admin/campagnes")
def start(
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    settings: Annotated[Settings, Depends(get_settings)],
    csrf_token: Csrf,
    territory: Annotated[str, Form(max_length=64)],
    resource_type: Annotated[str, Form(max_length=32)] = "",
    stale: Annotated[str, Form(max_length=3)] = "",
    ids: Annotated[str, Form(max_length=20000)] = "",
    link_days: Annotated[int, Form(ge=1, le=366)] = 60,
    remind_days: Annotated[int, Form(ge=0, le=365)] = 14,
) -> Response:
    session = signed_in(request, csrf_token)
    rights_of(request, session.user).territory(territory, EDIT)  # 403 outside the account's territories
    try:
        _allowed(request, engine, session, territory)
        chosen = [i.strip() for i in ids.replace(",", "\n").splitlines() if i.strip()]
        started = start_campaign(
            get_db(request),
            territory=territory,
            created_by=session.user.email,
            link_days=link_days,
            remind_after_days=remind_days,
            territory_name=engine.catalog.territories[territory].name,
            resource_type=resource_type or None,
            stale_only=bool(stale),
            ids=chosen or None,
            places=rights_of(request, session.user).places,
        )
    except GeoClsmError as exc:
        with get_db(request).connect() as conn:
            items = store.list_campaigns(conn, territories=editor_territories(request, engine, session))
        return page(
            request,
            "admin/campaigns.html",
            422,
            session=session,
            campaigns=items,
            territories=[(c, engine.catalog.territories[c].name) for c in editor_territories(request, engine, session)],
            types=TYPE_LABELS_FR,
            link_days=link_days,
            remind_days=remind_days,
            sending=service_state(request).outbox is not None,
            error=exc.message,
        )
    worker = service_state(request).outbox
    if worker is not None:
        worker.wake()
    return back(f"/admin/campagnes/{started.campaign_id}?started=1")


@router.get("/admin/campagnes/{campaign_id}")
def campaign_page(
    campaign_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
) -> Response:
    session = signed_in(request)
    with get_db(request).connect() as conn:
        campaign = store.get_campaign(conn, campaign_id)  # its territory: checked by AUTHORISE
        counts = store.counts(conn, campaign_id)
        people = store.recipients(conn, campaign_id)
    return page(
        request,
        "admin/campaign.html",
        session=session,
        c=campaign,
        counts=counts,
        people=people,
        started=request.query_params.get("started"),
        revoked=request.query_params.get("revoked"),
    )


@router.post("/admin/campagnes/{campaign_id}/revoke")
def revoke(
    campaign_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    csrf_token: Csrf,
    resource_id: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Revoke one place's links (``resource_id``), or every link of the campaign."""
    signed_in(request, csrf_token)
    db = get_db(request)
    with db.connect() as conn:
        store.get_campaign(conn, campaign_id)  # 404 if unknown; its territory: checked by AUTHORISE
    n = store.revoke(db, campaign_id=campaign_id, resource_id=resource_id or None)
    return back(f"/admin/campagnes/{campaign_id}?revoked={n}")


@router.post("/admin/review/corrections/{correction_id}/{decision}")
def decide_correction(
    correction_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    decision: str,
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    csrf_token: Csrf,
) -> Response:
    """Accept a place's proposed value (written, in the history naming the campaign) or reject it."""
    session = signed_in(request, csrf_token)
    if decision not in ("accept", "reject"):
        raise NotFoundError(f"décision inconnue « {decision} »")
    try:
        out = resolve(
            get_db(request),
            correction_id,
            accept=decision == "accept",
            author=session.user.email,
            communes=engine.catalog.mairies,
            check=rights_of(request, session.user).check,
        )
    except FieldError:  # e.g. hours in the place's own words: the editor writes them in the record
        return back(f"/admin/review?done=correction-invalid&item={correction_id}#corrections")
    if decision == "accept":
        refresh(request)
    return back(f"/admin/review?done=correction-{out['status']}#corrections")

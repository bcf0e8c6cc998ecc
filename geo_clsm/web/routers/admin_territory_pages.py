"""Territory screens for admins (/admin/territories): the loaded territories with their communes,
population and QPV, a form to add one from the national layers (by EPCI, department or commune
list), and removal after a confirmation page. Resources are never removed. Same checks as
``POST /api/admin/territories`` (:func:`geo_clsm.data.local_territories.add_territory`).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from geo_clsm.data.local_territories import add_territory, remove_territory
from geo_clsm.data.territories import Selection, read_local
from geo_clsm.engine.core import Engine
from geo_clsm.i18n import N_
from geo_clsm.model.errors import GeoClsmError
from geo_clsm.settings import Settings
from geo_clsm.web.deps import get_engine, get_settings
from geo_clsm.web.forms import Csrf, back, page, signed_in
from geo_clsm.web.rights import AUTHORISE
from geo_clsm.web.routers.nearest import territories as territory_summaries

router = APIRouter(include_in_schema=False, dependencies=[AUTHORISE])
KIND_LABELS = {"pilot": N_("pilote"), "local": N_("ajouté"), "national": N_("national")}
_SPLIT = re.compile(r"[\s,;]+")


def _codes(text: str) -> tuple[str, ...]:
    return tuple(c.upper() for c in _SPLIT.split(text.strip()) if c)


def _list_context(engine: Engine, settings: Settings) -> dict[str, Any]:
    loaded = territory_summaries(engine)
    known = {t["id"] for t in loaded}
    pending = [e for e in read_local(settings.local_territories_file) if e.get("id") not in known]
    local_ids = {str(e.get("id")) for e in read_local(settings.local_territories_file)}
    return {"territories": loaded, "pending": pending, "kinds": KIND_LABELS, "local_ids": local_ids}


@router.get("/admin/territories")
def territories_page(
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> Response:
    session = signed_in(request, admin=True)
    return page(
        request,
        "admin/territories.html",
        session=session,
        form={},
        added=request.query_params.get("added"),
        removed=request.query_params.get("removed"),
        **_list_context(engine, settings),
    )


@router.post("/admin/territories")
def add(
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    settings: Annotated[Settings, Depends(get_settings)],
    csrf_token: Csrf,
    territory_id: Annotated[str, Form(max_length=40)] = "",
    name: Annotated[str, Form(max_length=120)] = "",
    epci: Annotated[str, Form(max_length=20)] = "",
    departments: Annotated[str, Form(max_length=200)] = "",
    communes: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    session = signed_in(request, csrf_token, admin=True)
    selection = Selection(epci_siren=epci.strip() or None, departments=_codes(departments), communes=_codes(communes))
    try:
        add_territory(
            settings.local_territories_file,
            data_dir=settings.data_dir,
            territory_id=territory_id.strip(),
            name=name,
            selection=selection,
        )
    except GeoClsmError as exc:
        form = {
            "territory_id": territory_id,
            "name": name,
            "epci": epci,
            "departments": departments,
            "communes": communes,
        }
        return page(
            request,
            "admin/territories.html",
            422,
            session=session,
            form=form,
            error=exc.message,
            **_list_context(engine, settings),
        )
    return back(f"/admin/territories?added={territory_id.strip()}")


@router.get("/admin/territories/{territory_id}/retirer")
def confirm_removal(
    territory_id: str,
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> Response:
    session = signed_in(request, admin=True)
    entry = next((e for e in read_local(settings.local_territories_file) if e.get("id") == territory_id), None)
    if entry is None:
        message = f"territoire local « {territory_id} » inconnu : seuls les territoires ajoutés peuvent être retirés"
        return page(
            request, "admin/forbidden.html", 404, session=session, message=message, title=N_("Territoire inconnu")
        )
    summary = next((t for t in territory_summaries(engine) if t["id"] == territory_id), None)
    return page(request, "admin/territory_remove.html", session=session, entry=entry, summary=summary)


@router.post("/admin/territories/{territory_id}/retirer")
def remove(
    territory_id: str,
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    csrf_token: Csrf,
) -> Response:
    session = signed_in(request, csrf_token, admin=True)
    try:
        remove_territory(settings.local_territories_file, territory_id)
    except GeoClsmError as exc:
        return page(
            request, "admin/forbidden.html", 404, session=session, message=exc.message, title="Territoire inconnu"
        )
    return back(f"/admin/territories?removed={territory_id}")

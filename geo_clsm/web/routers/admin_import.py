"""Import on the editor screens: the report is shown first, nothing is written until "Appliquer".

The uploaded file waits in a temporary folder shared by the workers, under a random token, for
a limited time (``geo_clsm/web/previews.py``). Reading a file and rendering its report run in the
heavy-work pool (``geo_clsm/web/heavy.py``), never on the event loop.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request, UploadFile
from fastapi.responses import Response

from geo_clsm.data.importers.resources import import_resources
from geo_clsm.engine.core import Engine
from geo_clsm.i18n import N_
from geo_clsm.model.errors import ForbiddenError
from geo_clsm.model.resource import Resource
from geo_clsm.store import repo
from geo_clsm.store.files import apply_records
from geo_clsm.store.users import Session
from geo_clsm.web.deps import get_engine
from geo_clsm.web.forms import Csrf, page, signed_in
from geo_clsm.web.heavy import heavy_pool, heavy_ticket, run_sync
from geo_clsm.web.lifecycle import service_state
from geo_clsm.web.live import refresh
from geo_clsm.web.previews import SUFFIXES, PreviewStore
from geo_clsm.web.rights import AUTHORISE, Rights, rights_of
from geo_clsm.web.sessions import get_db

router = APIRouter(include_in_schema=False, dependencies=[AUTHORISE])
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def previews(request: Request) -> PreviewStore:
    """The app's pending import files (set up with the app's state: geo_clsm.web.lifecycle)."""
    return service_state(request).previews


@router.get("/admin/import")
def import_form(request: Request) -> Response:
    session = signed_in(request)
    return page(request, "admin/import.html", session=session)


def _preview(
    request: Request, engine: Engine, session: Session, content: bytes, suffix: str, filename: str | None
) -> Response:
    """Save the file, read it and render its report (in the heavy-work pool: seconds for a big file)."""
    token = previews(request).save(content, suffix)
    report = import_resources(previews(request).folder / f"{token}{suffix}", communes=engine.catalog.mairies)
    with get_db(request).connect() as conn:
        stored = {r.id: r for r in repo.active_resources(conn)}
    existing = set(stored)
    refused = _outside(rights_of(request, session.user), report.records, stored)
    if refused:
        (previews(request).folder / f"{token}{suffix}").unlink(missing_ok=True)  # nothing will be applied
        error = (
            f"fichier : {len(refused)} fiche(s) hors de vos territoires ({', '.join(refused[:5])}"
            f"{' …' if len(refused) > 5 else ''}) ; rien n'est importé"
        )
        return page(request, "admin/import.html", 403, session=session, error=error)
    new = sum(1 for r in report.records if r.id not in existing)
    return page(
        request,
        "admin/import.html",
        session=session,
        report=report,
        token=token,
        filename=filename,
        new=new,
        updated=len(report.records) - new,
    )


def _outside(mine: Rights, records: list[Resource], stored: dict[str, Resource]) -> list[str]:
    """The ids of the records this account may not create or change as the file says."""
    refused = []
    for r in records:
        try:
            mine.check(stored.get(r.id), r)
        except ForbiddenError:
            refused.append(r.id)
    return refused


@router.post("/admin/import/preview")
async def import_preview(
    request: Request, engine: Annotated[Engine, Depends(get_engine)], file: UploadFile, csrf_token: Csrf
) -> Response:
    session = signed_in(request, csrf_token)
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in SUFFIXES:
        error = f"fichier : format « {suffix} » non pris en charge, choisir un .csv ou un .geojson"
        return page(request, "admin/import.html", 422, session=session, error=error)
    content = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        error = f"fichier : trop gros ({MAX_UPLOAD_BYTES // 1024 // 1024} Mo au plus), le découper"
        return page(request, "admin/import.html", 413, session=session, error=error)
    pool = heavy_pool(request)
    try:
        async with pool.ticket():
            return await pool.run(_preview, request, engine, session, content, suffix, file.filename)
    except HTTPException as exc:  # the pool is full: the same page, with the French 429
        if exc.status_code != 429:
            raise
        response = page(request, "admin/import.html", 429, session=session, error=exc.detail)
        response.headers.update(exc.headers or {})
        return response


@router.post("/admin/import/apply", dependencies=[heavy_ticket()])
def import_apply(
    request: Request, engine: Annotated[Engine, Depends(get_engine)], token: Annotated[str, Form()], csrf_token: Csrf
) -> Response:
    session = signed_in(request, csrf_token)
    path = previews(request).pending(token)
    if path is None:
        return page(request, "admin/import.html", 422, session=session, error=N_("aperçu expiré : renvoyer le fichier"))
    report = run_sync(request, import_resources, path, communes=engine.catalog.mairies)
    result = apply_records(
        get_db(request),
        report.records,
        author=f"{session.user.email} (import {path.suffix})",
        check=rights_of(
            request, session.user
        ).check,  # a record outside the account's territories: 403, nothing written
    )
    path.unlink(missing_ok=True)
    refresh(request)
    return page(request, "admin/import.html", session=session, applied=result)

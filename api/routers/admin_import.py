"""Import on the editor screens: the report is shown first, nothing is written until "Appliquer".

The uploaded file waits in a temporary folder shared by the workers, under a random token.
"""

from __future__ import annotations

import re
import secrets
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import Response

from api.deps import get_engine
from api.forms import Csrf, checked, page, to_login
from api.live import refresh
from api.sessions import get_db, optional_session
from geo_clsm.engine import Engine
from geo_clsm.importers.resources import import_resources
from geo_clsm.store import repo
from geo_clsm.store.files import apply_records

router = APIRouter(include_in_schema=False)
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
SUFFIXES = (".csv", ".geojson", ".json")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _upload_dir() -> Path:
    folder = Path(tempfile.gettempdir()) / "geo_clsm_imports"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _pending(token: str) -> Path | None:
    if not _TOKEN.match(token):
        return None
    return next((p for p in (_upload_dir() / f"{token}{s}" for s in SUFFIXES) if p.is_file()), None)


@router.get("/admin/import")
def import_form(request: Request) -> Response:
    session = optional_session(request)
    if session is None:
        return to_login()
    return page(request, "admin/import.html", session=session)


@router.post("/admin/import/preview")
async def import_preview(
    request: Request, engine: Annotated[Engine, Depends(get_engine)], file: UploadFile, csrf_token: Csrf
) -> Response:
    session = checked(request, csrf_token)
    if session is None:
        return to_login()
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in SUFFIXES:
        error = f"fichier : format « {suffix} » non pris en charge, choisir un .csv ou un .geojson"
        return page(request, "admin/import.html", 422, session=session, error=error)
    content = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        error = f"fichier : trop gros ({MAX_UPLOAD_BYTES // 1024 // 1024} Mo au plus), le découper"
        return page(request, "admin/import.html", 413, session=session, error=error)
    token = secrets.token_urlsafe(24)
    path = _upload_dir() / f"{token}{suffix}"
    path.write_bytes(content)
    report = import_resources(path, communes=engine.catalog.mairies)
    with get_db(request).connect() as conn:
        existing = {r.id for r in repo.active_resources(conn)}
    new = sum(1 for r in report.records if r.id not in existing)
    return page(
        request,
        "admin/import.html",
        session=session,
        report=report,
        token=token,
        filename=file.filename,
        new=new,
        updated=len(report.records) - new,
    )


@router.post("/admin/import/apply")
def import_apply(
    request: Request, engine: Annotated[Engine, Depends(get_engine)], token: Annotated[str, Form()], csrf_token: Csrf
) -> Response:
    session = checked(request, csrf_token)
    if session is None:
        return to_login()
    path = _pending(token)
    if path is None:
        return page(request, "admin/import.html", 422, session=session, error="aperçu expiré : renvoyer le fichier")
    report = import_resources(path, communes=engine.catalog.mairies)
    result = apply_records(get_db(request), report.records, author=f"{session.user.email} (import {path.suffix})")
    path.unlink(missing_ok=True)
    refresh(request)
    return page(request, "admin/import.html", session=session, applied=result)

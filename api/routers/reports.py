"""Public corrections: POST /api/resources/{id}/reports ("Signaler une erreur").

Nothing but the message and an optional contact is stored: no position, no IP address.
A honeypot field and a per-client rate limit (kept in memory, never written) stop floods.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import deque
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.deps import get_settings
from api.sessions import get_db
from api.settings import Settings
from geo_clsm.store.reports import MAX_CONTACT, MAX_MESSAGE, add_report

router = APIRouter(prefix="/api", tags=["ressources"])
WINDOW_S = 3600.0


class ReportIn(BaseModel):
    message: str = Field(max_length=MAX_MESSAGE, examples=["Le numéro de téléphone a changé : 03 87 00 00 00"])
    contact: str | None = Field(default=None, max_length=MAX_CONTACT, description="Facultatif : e-mail ou téléphone")
    website: str | None = Field(default=None, description="Laisser vide (champ piège pour les robots)")


class ReportOut(BaseModel):
    id: int | None
    status: str = "open"
    message: str = "Merci : votre signalement sera vérifié par l'équipe du CLSM."


class RateLimiter:
    """At most ``limit`` events per client per ``window_s``; clients known only by a salted hash."""

    def __init__(self) -> None:
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._salt = str(time.time_ns())

    def retry_after_s(self, client: str, *, limit: int, window_s: float = WINDOW_S) -> int | None:
        key = hashlib.sha256((self._salt + client).encode()).hexdigest()
        now = time.monotonic()
        with self._lock:
            q = self._events.setdefault(key, deque())
            while q and q[0] <= now - window_s:
                q.popleft()
            if len(q) >= limit:
                return int(q[0] + window_s - now) + 1
            q.append(now)
            return None


@router.post(
    "/resources/{resource_id}/reports",
    status_code=201,
    summary="Signaler une erreur sur une ressource",
    responses={404: {"description": "ressource inconnue"}, 429: {"description": "trop de signalements"}},
)
def report_error(
    resource_id: Annotated[str, Path(max_length=100, description="Identifiant de la ressource")],
    body: ReportIn,
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
) -> JSONResponse:
    limiter: RateLimiter | None = getattr(request.app.state, "report_limiter", None)
    if limiter is None:
        limiter = request.app.state.report_limiter = RateLimiter()
    client = request.client.host if request.client else "?"
    wait = limiter.retry_after_s(client, limit=settings.reports_per_client_per_hour)
    if wait is not None:
        return JSONResponse(
            {"detail": f"trop de signalements envoyés : réessayer dans {max(1, wait // 60)} minute(s)"},
            status_code=429,
            headers={"Retry-After": str(wait)},
        )
    if body.website:  # the honeypot: a person never fills it in
        return JSONResponse(ReportOut(id=None).model_dump(), status_code=201)
    rid = add_report(get_db(request), resource_id, message=body.message, contact=body.contact)
    return JSONResponse(ReportOut(id=rid).model_dump(), status_code=201)

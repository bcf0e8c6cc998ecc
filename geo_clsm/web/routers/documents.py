"""Printed documents: GET /guide/{territory}, the territory's mental-health guide (HTML or PDF)."""

from __future__ import annotations

import functools
import logging
import threading
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from geo_clsm.documents.render import guide_html
from geo_clsm.engine.build import view_version
from geo_clsm.engine.core import Engine
from geo_clsm.model import clock
from geo_clsm.settings import Settings
from geo_clsm.web.caches import VersionedCache
from geo_clsm.web.deps import get_engine, get_settings
from geo_clsm.web.downloads import document_response
from geo_clsm.web.heavy import BUSY, heavy_ticket, run_sync
from geo_clsm.web.lifecycle import service_state

router = APIRouter(tags=["documents"])
log = logging.getLogger(__name__)
_LOCK = threading.Lock()  # one document rendered at a time: rendering is CPU-bound


class GuideFormat(StrEnum):
    html = "html"
    pdf = "pdf"


class GuideAudience(StrEnum):
    tous = "tous"
    jeunes = "jeunes"
    professionnels = "professionnels"


class GuideLayout(StrEnum):
    a4 = "a4"
    a5 = "a5"


def online_map_url(settings: Settings, territory: str) -> str | None:
    """The public map of a territory, from ``GEO_CLSM_PUBLIC_URL`` only (None when unset: the guide
    then has no link nor QR code). Never from the request's Host header, which a client chooses."""
    if not settings.public_url:
        warn_no_public_url()
        return None
    return f"{settings.public_url.rstrip('/')}/?territory={territory}"


@functools.cache  # once per process
def warn_no_public_url() -> None:
    log.warning("GEO_CLSM_PUBLIC_URL is unset: printed guides carry no link nor QR code to the online map")


def documents_cache(request: Request) -> VersionedCache[bytes]:
    """Rendered guides, by data version (see :mod:`geo_clsm.web.caches`): a change is printed at once."""
    return service_state(request).documents


@router.get(
    "/guide/{territory}",
    summary="Guide santé mentale du territoire, imprimable (HTML) ou en PDF",
    response_class=Response,
    responses={
        200: {
            "description": "Le guide : page HTML imprimable, ou PDF balisé (accessible) avec format=pdf",
            "content": {"text/html": {}, "application/pdf": {}},
        },
        404: {"description": "Territoire inconnu ou sans guide"},
        422: {"description": "Paramètre invalide"},
        **BUSY,
    },
    dependencies=[heavy_ticket()],  # 429 when the heavy-work pool is full
)
def guide(
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    settings: Annotated[Settings, Depends(get_settings)],
    territory: Annotated[str, Path(description="Identifiant d'un territoire pilote", examples=["metz"])],
    format: Annotated[GuideFormat, Query(description="html (imprimable) ou pdf", examples=["html"])] = GuideFormat.html,
    audience: Annotated[
        GuideAudience,
        Query(
            description="Public : tous, jeunes (11-25 ans) ou professionnels (FINESS, secteurs)", examples=["jeunes"]
        ),
    ] = GuideAudience.tous,
    layout: Annotated[GuideLayout, Query(description="Format de page : a4 ou a5", examples=["a5"])] = GuideLayout.a4,
) -> Response:
    today = clock.today()
    url = online_map_url(settings, territory)
    version = view_version(engine)  # the engine serving now: a change makes a new version, never a stale guide
    key = (territory, audience.value, layout.value, today)
    cache = documents_cache(request)
    pdf_name = f"guide-sante-mentale-{territory}-{audience.value}-{layout.value}.pdf"
    with _LOCK:
        return document_response(
            request,
            cache,
            version=version,
            key=key,
            make_html=lambda: run_sync(  # off the event loop, in the bounded heavy-work pool
                request,
                guide_html,
                engine.catalog,
                territory=territory,
                audience=audience.value,
                layout=layout.value,
                generated_on=today,
                online_map_url=url,
                contact=settings.guide_contact,
            ).encode("utf-8"),
            pdf_name=pdf_name if format is GuideFormat.pdf else None,
        )

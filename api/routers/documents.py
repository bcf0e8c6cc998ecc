"""Printed documents: GET /guide/{territory}, the territory's mental-health guide (HTML or PDF)."""

from __future__ import annotations

import threading
from datetime import date
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from api.deps import get_engine, get_settings
from api.lifecycle import service_state
from api.settings import Settings
from geo_clsm.documents.pdf import html_to_pdf
from geo_clsm.documents.render import guide_html
from geo_clsm.engine import Engine

router = APIRouter(tags=["documents"])
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


def online_map_url(settings: Settings, request: Request, territory: str) -> str:
    """The public map of a territory: ``GEO_CLSM_PUBLIC_URL`` if set, else this server's address."""
    base = settings.public_url or str(request.base_url)
    return f"{base.rstrip('/')}/?territory={territory}"


_Key = tuple[tuple[str, str, str, str, date], str]


def _cache(request: Request) -> dict[_Key, bytes]:
    """Documents rendered today, by ((territory, audience, layout, map URL, date), format)."""
    cache: dict[_Key, bytes] = service_state(request).documents
    return cache


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
    },
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
    today = date.today()
    url = online_map_url(settings, request, territory)
    key = (territory, audience.value, layout.value, url, today)
    with _LOCK:
        cache = _cache(request)
        for old in [k for k in cache if k[0][-1] != today]:
            del cache[old]
        if (key, "html") not in cache:
            cache[key, "html"] = guide_html(
                engine.catalog,
                territory=territory,
                audience=audience.value,
                layout=layout.value,
                generated_on=today,
                online_map_url=url,
                contact=settings.guide_contact,
            ).encode("utf-8")
        if format is GuideFormat.pdf and (key, "pdf") not in cache:
            cache[key, "pdf"] = html_to_pdf(cache[key, "html"].decode("utf-8"))
        body = cache[key, format.value]
    if format is GuideFormat.pdf:
        name = f"guide-sante-mentale-{territory}-{audience.value}-{layout.value}.pdf"
        return Response(
            body, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'}
        )
    return Response(body, media_type="text/html; charset=utf-8")

"""A CLSM's public pages on a shared deployment (issue 31): ``/t/{territory}`` (its home),
``/t/{territory}/logo``, ``/embed/{territory}`` (framed only by the origins its admins declared,
else by ``GEO_CLSM_FRAME_ANCESTORS``) and ``/oembed`` (the embed's snippet for a CMS).

The pages are :mod:`geo_clsm.web.pages.clsm`'s, cached by data version, territory, language and
presence; they set no cookie (an embed needs no third-party cookie) and keep the emergency banner.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from geo_clsm.engine.build import data_version
from geo_clsm.engine.core import Engine
from geo_clsm.i18n import choose_lang, translator
from geo_clsm.model.errors import GeoClsmError, InvalidInputError, NotFoundError
from geo_clsm.model.presence import Presence, page_filters
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.settings import Settings
from geo_clsm.store.presence import read_logo, read_presence
from geo_clsm.web.deps import get_settings, serving_engine
from geo_clsm.web.lifecycle import service_state
from geo_clsm.web.middleware.security import FRAME_ANCESTORS_STATE_KEY
from geo_clsm.web.pages.clsm import EMBED_HEIGHTS, embed_snippet, embed_url, territory_page
from geo_clsm.web.sessions import get_db

router = APIRouter(tags=["pages des CLSM"])
log = logging.getLogger(__name__)
TerritoryId = Annotated[str, Path(max_length=40, description="Identifiant du territoire", examples=["metz"])]
Lang = Annotated[str | None, Query(max_length=20, description="Langue de la page (fr, en, ar)")]


def territory_name(engine: Engine, territory: str) -> str:
    """The name of a local (non-national) territory; a French 404 for any other id."""
    local = {t.id: t.name for t in engine.catalog.territories.values() if t.kind != "national"}
    if territory not in local:
        raise NotFoundError(f"territoire « {territory[:40]} » inconnu : choisir parmi {', '.join(sorted(local))}")
    return local[territory]


def presence(request: Request, territory: str) -> Presence:
    """The territory's presence (a stored value no longer valid is shown as unset, and logged)."""
    try:
        return read_presence(get_db(request), territory)
    except GeoClsmError as exc:
        log.warning("presence of %s unreadable: %s", territory, exc.message)
        return Presence()


def _types(values: list[str]) -> tuple[str, ...]:
    known = {rt.value for rt in ResourceType}
    for v in values:
        if v not in known:
            raise InvalidInputError(f"type inconnu « {v[:40]} » : choisir parmi {', '.join(sorted(known))}")
    return tuple(dict.fromkeys(values))


def _page(request: Request, settings: Settings, territory: str, lang: str | None, **extra: Any) -> HTMLResponse:
    engine = serving_engine(service_state(request))
    name = territory_name(engine, territory)
    p = presence(request, territory)
    chosen = choose_lang(lang, request.headers.get("accept-language"))
    key = (
        "clsm",
        territory,
        chosen,
        json.dumps(p.as_json(), sort_keys=True),
        json.dumps(extra, sort_keys=True, default=list),
    )
    html = service_state(request).pages.get_or_make(
        data_version(engine),
        key,
        lambda: territory_page(
            engine,
            p,
            territory=territory,
            name=name,
            lang=chosen,
            tiles_url=settings.tiles_url,
            tiles_attribution=settings.tiles_attribution,
            path_for=request.app.url_path_for,
            **extra,
        ),
    )
    return HTMLResponse(html, headers={"Content-Language": chosen, "Vary": "Accept-Language"})


TypeList = Annotated[list[str], Query(max_length=20, description="Types montrés au départ")]
Flag = Annotated[str | None, Query(max_length=5, description="1 : oui, 0 : non (défaut : celui du CLSM)")]
Text = Annotated[str | None, Query(max_length=20)]


def _filters(request: Request, territory: str, given: dict[str, Any], explicit: str | None) -> dict[str, Any]:
    """The page's filters (the address's, else the CLSM's defaults) and the address's own, for its links."""
    chosen = page_filters(presence(request, territory), given, explicit=explicit == "1")
    _types(list(chosen.types))
    own = {k: v for k, v in given.items() if v not in (None, [])}
    if explicit == "1":
        own["filtres"] = "1"
    return {"filters": asdict(chosen), "given": own}


@router.get("/t/{territory}", name="clsm_home", response_class=HTMLResponse, include_in_schema=False)
def home(
    request: Request,
    territory: TerritoryId,
    settings: Annotated[Settings, Depends(get_settings)],
    lang: Lang = None,
    type: TypeList = [],  # noqa: B006
    age: Text = None,
    open: Flag = None,
    accepts_new: Flag = None,
    lang_spoken: Text = None,
    filtres: Annotated[str | None, Query(max_length=1, description="1 : le formulaire de filtres envoyé")] = None,
) -> HTMLResponse:
    given = {"type": type, "age": age, "open": open, "accepts_new": accepts_new, "lang_spoken": lang_spoken}
    return _page(request, settings, territory, lang, **_filters(request, territory, given, filtres))


@router.get("/t/{territory}/logo", name="clsm_logo", summary="Logo du CLSM du territoire")
def logo(request: Request, territory: TerritoryId) -> Response:
    territory_name(serving_engine(service_state(request)), territory)
    found = read_logo(get_db(request), territory)
    if found is None:
        raise NotFoundError(f"territoire « {territory} » : pas de logo")
    ctype, data = found
    return Response(data, media_type=ctype, headers={"Cache-Control": "public, max-age=300"})


@router.get("/embed/{territory}", name="clsm_embed", response_class=HTMLResponse, include_in_schema=False)
def embed(
    request: Request,
    territory: TerritoryId,
    settings: Annotated[Settings, Depends(get_settings)],
    lang: Lang = None,
    type: TypeList = [],  # noqa: B006
    mode: Annotated[Literal["carte", "liste"], Query(description="liste : la liste avant la carte")] = "carte",
    age: Text = None,
    open: Flag = None,
    accepts_new: Flag = None,
    lang_spoken: Text = None,
    filtres: Annotated[str | None, Query(max_length=1, description="1 : le formulaire de filtres envoyé")] = None,
) -> HTMLResponse:
    p = presence(request, territory)
    # Framed only by the territory's declared origins, else by the deployment's (GEO_CLSM_FRAME_ANCESTORS).
    setattr(request.state, FRAME_ANCESTORS_STATE_KEY, p.embed_origins or tuple(settings.frame_ancestors))
    given = {"type": _types(type), "age": age, "open": open, "accepts_new": accepts_new, "lang_spoken": lang_spoken}
    extra = _filters(request, territory, given, filtres)
    return _page(request, settings, territory, lang, embed={"list_first": mode == "liste"}, **extra)


def _base(request: Request, settings: Settings) -> str:
    return (settings.public_url or str(request.base_url)).rstrip("/")


@router.get("/oembed", summary="oEmbed : le code d'intégration de la carte d'un territoire")
def oembed(
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    url: Annotated[
        str,
        Query(
            max_length=2000,
            description="Adresse d'une page /t/{id} ou /embed/{id}",
            examples=["http://127.0.0.1:8000/t/metz"],
        ),
    ],
    format: Annotated[str, Query(max_length=10, description="Format de la réponse : json seulement")] = "json",
    maxwidth: Annotated[int | None, Query(ge=1, le=10_000, description="Largeur maximale (px)", examples=[600])] = None,
    maxheight: Annotated[
        int | None, Query(ge=1, le=10_000, description="Hauteur maximale (px)", examples=[500])
    ] = None,
) -> JSONResponse:
    if format != "json":
        return JSONResponse({"detail": "format non pris en charge : seul format=json est servi"}, status_code=400)
    base = _base(request, settings)
    parts = urlsplit(url)
    segments = parts.path.strip("/").split("/")
    if f"{parts.scheme}://{parts.netloc}" != base or len(segments) != 2 or segments[0] not in ("t", "embed"):
        raise NotFoundError(f"adresse non reconnue : attendu {base}/t/ID ou {base}/embed/ID")
    territory = segments[1]
    name = territory_name(serving_engine(service_state(request)), territory)
    query = parse_qs(parts.query)
    lang = choose_lang(query["lang"][0] if query.get("lang") else None, None)
    types = _types(query.get("type", []))
    height = max(EMBED_HEIGHTS[0], min(maxheight or 600, EMBED_HEIGHTS[1]))
    src = embed_url(base, territory, types=types, lang=lang, list_first=query.get("mode") == ["liste"])
    t = translator(lang)
    title = t("Ressources en santé mentale — %(name)s") % {"name": presence(request, territory).display_name or name}
    return JSONResponse(
        {
            "version": "1.0",
            "type": "rich",
            "provider_name": "geo_clsm",
            "provider_url": base + "/",
            "title": title,
            "html": embed_snippet(src, title=title, height=height),
            "width": maxwidth,
            "height": height,
        }
    )

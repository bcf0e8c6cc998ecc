"""A territory's presence and embed screens, for that territory's admins (and deployment admins):

- ``/admin/territories/{territory}/presence``: the CLSM's name, contact, colour (refused below
  4.5:1 with white text), local numbers, public URL, default filters (types, age band, open now,
  accepting new requests, language spoken), the sites allowed to embed
  its map, and its logo (PNG, JPEG or WebP, at most ``GEO_CLSM_LOGO_MAX_BYTES``);
- ``/admin/territories/{territory}/integrer``: the ``<iframe>`` snippet for ``/embed/{territory}``
  (types, language, height, list-first), with the sites it may be shown on.

Rights: ``AUTHORISE`` (the ``territory`` path parameter needs the territory's admin role).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import Response

from geo_clsm.i18n import available_langs, translator
from geo_clsm.model.ages import AGE_GROUPS
from geo_clsm.model.errors import GeoClsmError
from geo_clsm.model.presence import Presence, check_logo, check_presence
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.settings import Settings
from geo_clsm.store.presence import read_presence, save_logo, save_presence
from geo_clsm.web.deps import get_settings, serving_engine
from geo_clsm.web.forms import Csrf, back, checked, page, to_login
from geo_clsm.web.lifecycle import service_state
from geo_clsm.web.pages.clsm import EMBED_HEIGHTS, embed_snippet, embed_url
from geo_clsm.web.pages.resident import spoken_languages
from geo_clsm.web.rights import AUTHORISE
from geo_clsm.web.routers.clsm import territory_name
from geo_clsm.web.sessions import get_db, optional_session

router = APIRouter(include_in_schema=False, dependencies=[AUTHORISE])
_LINES = re.compile(r"[\r\n]+")


def _context(request: Request, territory: str, p: Presence, settings: Settings) -> dict[str, Any]:
    name = territory_name(serving_engine(service_state(request)), territory)
    return {
        "territory": territory,
        "territory_name": name,
        "presence": p,
        "types": [(rt.value, rt.label_fr) for rt in ResourceType],
        "ages": [(gid, label) for gid, label, _ in AGE_GROUPS],
        "spoken": spoken_languages(serving_engine(service_state(request)), translator("fr")),
        "numbers_text": "\n".join(f"{n} ; {label}" for n, label in p.local_numbers),
        "origins_text": "\n".join(p.embed_origins),
        "default_origins": settings.frame_ancestors,
        "logo_max": settings.logo_max_bytes,
    }


@router.get("/admin/territories/{territory}/presence")
def presence_page(territory: str, request: Request, settings: Annotated[Settings, Depends(get_settings)]) -> Response:
    session = optional_session(request)
    if session is None:
        return to_login()
    p = read_presence(get_db(request), territory)
    ctx = _context(request, territory, p, settings)
    return page(request, "admin/presence.html", session=session, saved=request.query_params.get("saved"), **ctx)


def _numbers(text: str) -> list[dict[str, str]]:
    out = []
    for line in _LINES.split(text.strip()):
        if line.strip():
            number, _, label = line.partition(";")
            out.append({"number": number.strip(), "label": label.strip()})
    return out


@router.post("/admin/territories/{territory}/presence")
def save(
    territory: str,
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    csrf_token: Csrf,
    display_name: Annotated[str, Form(max_length=200)] = "",
    contact_email: Annotated[str, Form(max_length=200)] = "",
    contact_phone: Annotated[str, Form(max_length=40)] = "",
    colour: Annotated[str, Form(max_length=20)] = "",
    local_numbers: Annotated[str, Form(max_length=2000)] = "",
    public_url: Annotated[str, Form(max_length=500)] = "",
    default_types: Annotated[list[str], Form(max_length=40)] = [],  # noqa: B006
    default_age: Annotated[str, Form(max_length=20)] = "",
    default_open_now: Annotated[str, Form(max_length=5)] = "",
    default_accepts_new: Annotated[str, Form(max_length=5)] = "",
    default_lang_spoken: Annotated[str, Form(max_length=20)] = "",
    embed_origins: Annotated[str, Form(max_length=3000)] = "",
) -> Response:
    session = checked(request, csrf_token)
    if session is None:
        return to_login()
    db = get_db(request)
    fields = {
        "display_name": display_name,
        "contact_email": contact_email,
        "contact_phone": contact_phone,
        "colour": colour,
        "local_numbers": _numbers(local_numbers),
        "public_url": public_url,
        "default_types": default_types,
        "default_age": default_age,
        "default_open_now": default_open_now,
        "default_accepts_new": default_accepts_new,
        "default_lang_spoken": default_lang_spoken,
        "embed_origins": [o for o in _LINES.split(embed_origins) if o.strip()],
    }
    try:
        p = check_presence(fields, logo_type=read_presence(db, territory).logo_type)
    except GeoClsmError as exc:
        ctx = _context(request, territory, read_presence(db, territory), settings)
        ctx.update(numbers_text=local_numbers, origins_text=embed_origins)
        return page(request, "admin/presence.html", 422, session=session, error=exc.message, form=fields, **ctx)
    save_presence(db, territory, p)
    return back(f"/admin/territories/{territory}/presence?saved=1")


@router.post("/admin/territories/{territory}/logo")
async def upload_logo(
    territory: str,
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    file: UploadFile,
    csrf_token: Csrf,
) -> Response:
    session = checked(request, csrf_token)
    if session is None:
        return to_login()
    data = await file.read(settings.logo_max_bytes + 1)
    db = get_db(request)
    try:
        ctype = check_logo(data, max_bytes=settings.logo_max_bytes)
    except GeoClsmError as exc:
        ctx = _context(request, territory, read_presence(db, territory), settings)
        return page(request, "admin/presence.html", 422, session=session, error=exc.message, **ctx)
    save_logo(db, territory, ctype, data)
    return back(f"/admin/territories/{territory}/presence?saved=1")


@router.get("/admin/territories/{territory}/integrer")
def embed_page(
    territory: str,
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
) -> Response:
    session = optional_session(request)
    if session is None:
        return to_login()
    q = request.query_params
    p = read_presence(get_db(request), territory)
    ctx = _context(request, territory, p, settings)
    known = {rt.value for rt in ResourceType}
    types = tuple(t for t in q.getlist("type") if t in known) or p.default_types
    lang = str(q.get("lang")) if q.get("lang") in available_langs() else "fr"
    try:
        height = max(EMBED_HEIGHTS[0], min(int(q.get("height") or 600), EMBED_HEIGHTS[1]))
    except ValueError:
        height = 600
    list_first = q.get("mode") == "liste"
    base = (settings.public_url or str(request.base_url)).rstrip("/")
    url = embed_url(base, territory, types=types, lang=lang, list_first=list_first)
    title = f"Ressources en santé mentale — {p.display_name or ctx['territory_name']}"
    snippet = embed_snippet(url, title=title, height=height)
    origins = p.embed_origins or tuple(settings.frame_ancestors)
    return page(
        request,
        "admin/embed.html",
        session=session,
        snippet=snippet,
        embed_src=url,
        chosen={"types": types, "lang": lang, "height": height, "list_first": list_first},
        langs=available_langs(),
        origins=origins,
        heights=EMBED_HEIGHTS,
        **ctx,
    )

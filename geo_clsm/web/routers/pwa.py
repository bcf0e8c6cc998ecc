"""Installable web app: the manifest, the service worker (served at the root for its scope)
and the offline page with the emergency numbers."""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from geo_clsm.i18n import choose_lang, translator
from geo_clsm.web.templating import STATIC_DIR, PathFor, render

router = APIRouter(include_in_schema=False)
# PNG icons drawn by scripts/draw_icons.py from icon.svg's design (some launchers take PNG only).
ICONS: list[dict[str, str]] = [
    {"file": "icon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
    {"file": "icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
    {"file": "icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
    {"file": "icon-maskable-192.png", "sizes": "192x192", "type": "image/png", "purpose": "maskable"},
    {"file": "icon-maskable-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
]
"""Files of ``static/app``."""


@router.get("/manifest.webmanifest")
def manifest(request: Request) -> JSONResponse:
    path_for = request.app.url_path_for
    icons = [
        {"src": str(path_for("app-static", path=i["file"])), **{k: v for k, v in i.items() if k != "file"}}
        for i in ICONS
    ]
    body: dict[str, Any] = {
        "name": "Ressources en santé mentale — geo_clsm",
        "short_name": "Santé mentale",
        "lang": "fr",
        "start_url": str(path_for("resident")),
        "scope": str(path_for("resident")),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#a4161a",
        "icons": icons,
    }
    return JSONResponse(body, media_type="application/manifest+json")


_SHELL_FILE = re.compile(r'"/static/(app|vendor)/([^"]+)"')
_CACHE_NAME = re.compile(r'var CACHE = "([^"]+)";')


def service_worker_js(path_for: PathFor) -> str:
    """``static/app/sw.js`` with its shell's static files at their fingerprinted URLs
    (:mod:`geo_clsm.web.assets`) and a cache name that changes with them: a new deployment installs
    a new worker, which caches the new files and drops the old cache."""
    text = (STATIC_DIR / "app" / "sw.js").read_text(encoding="utf-8")
    text = _SHELL_FILE.sub(lambda m: f'"{path_for(f"{m[1]}-static", path=m[2])}"', text)
    stamp = hashlib.sha256(text.encode()).hexdigest()[:10]
    return _CACHE_NAME.sub(lambda m: f'var CACHE = "{m[1]}-{stamp}";', text, count=1)


@router.get("/sw.js")
def service_worker(request: Request) -> Response:
    return Response(
        service_worker_js(request.app.url_path_for),
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"},
    )


@router.get("/hors-ligne", response_class=HTMLResponse)
def offline(request: Request, lang: Annotated[str | None, Query(max_length=20)] = None) -> HTMLResponse:
    """The page the service worker shows offline: the emergency numbers, always."""
    t = translator(choose_lang(lang, request.headers.get("accept-language")))
    return HTMLResponse(render("pages/offline.html", t=t, path_for=request.app.url_path_for))

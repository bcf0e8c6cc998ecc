"""Installable web app: the manifest, the service worker (served at the root for its scope)
and the offline page with the emergency numbers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from geo_clsm.i18n import choose_lang, translator
from geo_clsm.web.pages.resident import STATIC_DIR as STATIC
from geo_clsm.web.pages.resident import emergency_banner

router = APIRouter(include_in_schema=False)
# PNG icons drawn by scripts/draw_icons.py from icon.svg's design (some launchers take PNG only).
ICONS: list[dict[str, str]] = [
    {"src": "/static/app/icon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
    {"src": "/static/app/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
    {"src": "/static/app/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
    {"src": "/static/app/icon-maskable-192.png", "sizes": "192x192", "type": "image/png", "purpose": "maskable"},
    {"src": "/static/app/icon-maskable-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
]


@router.get("/manifest.webmanifest")
def manifest() -> JSONResponse:
    body: dict[str, Any] = {
        "name": "Ressources en santé mentale — geo_clsm",
        "short_name": "Santé mentale",
        "lang": "fr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#a4161a",
        "icons": ICONS,
    }
    return JSONResponse(body, media_type="application/manifest+json")


@router.get("/sw.js")
def service_worker() -> FileResponse:
    return FileResponse(
        STATIC / "app" / "sw.js",
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"},
    )


@router.get("/hors-ligne", response_class=HTMLResponse)
def offline(request: Request, lang: Annotated[str | None, Query(max_length=20)] = None) -> HTMLResponse:
    """The page the service worker shows offline: the emergency numbers, always."""
    t = translator(choose_lang(lang, request.headers.get("accept-language")))
    return HTMLResponse(
        f"""<!DOCTYPE html><html lang="{t.lang}" dir="{t.dir}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{t("Hors ligne")} — geo_clsm</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="/static/app/page.css"></head>
<body class="gc-page">{emergency_banner(t)}<main id="gc-main"><h1>{t("Vous êtes hors ligne")}</h1>
<p>{t("La carte a besoin d'une connexion. Les numéros d'urgence fonctionnent toujours :")}</p>
<ul class="gc-sit"><li><a class="gc-big-tel" href="tel:3114">{t("3114 — prévention du suicide, 24 h sur 24")}</a></li>
<li><a class="gc-big-tel" href="tel:15">{t("15 — SAMU, urgence médicale")}</a></li>
<li><a class="gc-big-tel" href="tel:112">112 — {t("urgences")}</a></li></ul></main></body></html>"""
    )

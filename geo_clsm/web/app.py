"""The FastAPI app factory: ``create_app(settings)``. A lifespan loads layers and indexes once."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope
from swagger_ui_bundle import swagger_ui_path

from geo_clsm import __version__
from geo_clsm.engine.build import view_version
from geo_clsm.engine.core import Engine
from geo_clsm.model.freshness import ConfirmPolicy, set_confirm_policy
from geo_clsm.settings import Settings
from geo_clsm.web import errors, lifecycle
from geo_clsm.web.assets import AssetMount
from geo_clsm.web.middleware.admin_lang import AdminLangMiddleware
from geo_clsm.web.middleware.compression import GZipMiddleware
from geo_clsm.web.middleware.http_cache import DataCacheMiddleware
from geo_clsm.web.middleware.request_log import RequestLogMiddleware
from geo_clsm.web.middleware.security import SecurityMiddleware
from geo_clsm.web.openapi_errors import document_errors
from geo_clsm.web.reload import watching
from geo_clsm.web.routers import (
    access,
    admin,
    admin_hours,
    admin_import,
    admin_pages,
    admin_presence_pages,
    admin_sector_pages,
    admin_territories,
    admin_territory_pages,
    admin_user_pages,
    admin_users,
    auth,
    batch,
    campaign_form,
    campaign_pages,
    clsm,
    documents,
    export,
    health,
    hsds,
    map,
    national,
    nearest,
    observatory,
    ogc,
    pwa,
    report,
    report_form,
    reports,
    resources,
    search_page,
    sectors,
    suggestion_files,
    suggestions,
)
from geo_clsm.web.routers.national import national_scope, national_stamp
from geo_clsm.web.templating import STATIC_DIR as STATIC

# FastAPI's native OpenTelemetry instrumentation (FastAPI ≥ 0.160) switched off: when a host has an
# OpenTelemetry provider configured (auto-instrumentation, a vendor agent), it would send every
# request's query string (a resident's position at full precision) in spans to that provider's
# collector. The service sends a position to no third party. It also looked for a provider on every
# request, a cost on the busiest route.
_NO_TELEMETRY: dict[str, Any] = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters
    else {}
)


GZIP_MINIMUM_SIZE = 1400  # bytes: a smaller body fits one packet as it is


def _http_cache_version(app: FastAPI) -> Callable[[Scope], str | None]:
    """The HTTP data cache's key: the data version of the engine serving now and today's date
    (:func:`geo_clsm.engine.build.view_version`; None before start-up), with the national run's stamp
    for France-wide figures."""

    state = lifecycle.service_state(app)

    def version(scope: Scope) -> str | None:
        engine = state.engine
        if engine is None:
            return None
        if national_scope(scope):  # France-wide figures change with each `gaps --all` run
            return f"{view_version(engine)}|{national_stamp(state.settings)}"
        return view_version(engine)  # with today's date: the public view's dated members change with it

    return version


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the app. ``engine`` lets tests share one loaded engine between apps."""
    settings = settings or Settings()
    set_confirm_policy(ConfirmPolicy(settings.confirm_after_months, dict(settings.confirm_after_months_by_territory)))
    given = [engine] if engine is not None else []
    del engine  # the lifespan's closure must not keep the first engine alive (see lifecycle.start)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        lifecycle.start(app, settings, given)
        async with watching(app, settings):  # a new data version is picked up without a restart
            yield
        lifecycle.stop(app)

    app = FastAPI(
        title="geo_clsm",
        version=__version__,
        description=(
            "Ressources en santé mentale, quartiers prioritaires (QPV) et écarts d'accès. "
            "En cas d'urgence : 3114 (prévention du suicide), 15 (SAMU), 112."
        ),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        **_NO_TELEMETRY,
    )
    lifecycle.init_state(app, settings)  # settings and caches; the engine and the store at start-up
    errors.install(app)
    document_errors(app)  # the OpenAPI document gives the real error bodies and formats
    # Pure ASGI middlewares, innermost first. Security (headers, CSP nonces in HTML, limits, HEAD, CORS)
    # sees uncompressed bodies; GZip only where it pays (bodies over one packet).
    app.add_middleware(nearest.NearestFastPath)  # the busiest route, answered before routing
    app.add_middleware(AdminLangMiddleware)  # an editor screen's ?lang= kept across its redirects
    app.add_middleware(SecurityMiddleware, settings=settings)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_SIZE, compresslevel=5)
    app.add_middleware(DataCacheMiddleware, version=_http_cache_version(app))
    app.add_middleware(RequestLogMiddleware)
    # Static files: fingerprinted URLs from path_for("app-static", path=…), cached for a year (web/assets.py).
    app.router.routes.append(AssetMount("/static/app", directory=STATIC / "app", name="app-static"))
    app.router.routes.append(AssetMount("/static/vendor", directory=STATIC / "vendor", name="vendor-static"))
    app.mount("/static/swagger", StaticFiles(directory=Path(str(swagger_ui_path))), name="swagger")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        # Swagger UI served by the app itself: no CDN, works on an intranet.
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="geo_clsm — API",
            swagger_js_url=str(app.url_path_for("swagger", path="swagger-ui-bundle.js")),
            swagger_css_url=str(app.url_path_for("swagger", path="swagger-ui.css")),
            swagger_favicon_url=str(app.url_path_for("swagger", path="favicon-32x32.png")),
        )

    app.include_router(nearest.router)  # first: routes are matched in order, and it is the busiest
    app.include_router(health.router)
    app.include_router(resources.router)
    app.include_router(batch.router)
    app.include_router(access.router)
    app.include_router(suggestions.router)
    app.include_router(suggestion_files.router)
    app.include_router(national.router)
    app.include_router(map.router)
    app.include_router(search_page.router)
    app.include_router(pwa.router)
    app.include_router(ogc.router)
    app.include_router(sectors.router)
    app.include_router(export.router)
    app.include_router(hsds.router)
    app.include_router(documents.router)
    app.include_router(report.router)
    app.include_router(observatory.router)
    # Editors (issue 8): sign-in, editing API, public error reports, editor screens.
    app.include_router(auth.router)
    app.include_router(admin.router)
    app.include_router(admin_users.router)
    app.include_router(reports.router)
    app.include_router(admin_pages.router)
    app.include_router(admin_hours.router)
    app.include_router(admin_import.router)
    app.include_router(admin_territories.router)
    app.include_router(admin_territory_pages.router)
    app.include_router(admin_sector_pages.router)
    app.include_router(admin_user_pages.router)
    app.include_router(report_form.router)
    app.include_router(campaign_pages.router)
    app.include_router(campaign_form.router)
    app.include_router(clsm.router)
    app.include_router(admin_presence_pages.router)
    app.router.routes.append(AssetMount("/static/admin", directory=STATIC / "admin", name="admin-static"))
    return app

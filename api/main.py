"""The FastAPI app factory: ``create_app(settings)``. A lifespan loads layers and indexes once."""

from __future__ import annotations

import gc
import inspect
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope
from swagger_ui_bundle import swagger_ui_path

import geo_clsm
from api import errors
from api.caches import VersionedCache
from api.compression import GZipMiddleware
from api.deps import data_version
from api.http_cache import DataCacheMiddleware
from api.live import attach_store, detach_store
from api.openapi_errors import document_errors
from api.reload import build_engine, install_engine, watching
from api.request_log import RequestLogMiddleware
from api.routers import (
    access,
    admin,
    admin_import,
    admin_pages,
    admin_territories,
    admin_territory_pages,
    admin_user_pages,
    auth,
    batch,
    documents,
    export,
    health,
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
)
from api.routers.national import national_scope, national_stamp
from api.security import SecurityMiddleware
from api.settings import Settings
from geo_clsm import __version__
from geo_clsm.deferred import Deferred, DeferredProxy
from geo_clsm.engine import Engine
from geo_clsm.gazetteer import Gazetteer
from geo_clsm.geocode import BanGeocoder, Geocoder, OfflineGeocoder
from geo_clsm.layers import Catalog
from geo_clsm.memory import MemoryReleaser

STATIC = Path(geo_clsm.__file__).resolve().parent / "static"

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


def build_geocoder(settings: Settings, catalog: Catalog) -> Geocoder:
    # The gazetteer (a second or more to build) is built in a thread: start-up does not wait for it,
    # a request that needs it (commune=, address=, /api/geocode) does, until it is ready.
    gazetteer = DeferredProxy(Deferred(lambda: Gazetteer(catalog), name="gazetteer"))
    offline = OfflineGeocoder(catalog, gazetteer=cast(Gazetteer, gazetteer))
    if settings.geocoder == "ban":
        return BanGeocoder(settings.ban_url, offline=offline, timeout_s=settings.ban_timeout_s)
    return offline


def _data_version(app: FastAPI) -> Callable[[Scope], str | None]:
    """The data version of the engine serving now (None before start-up)."""

    def version(scope: Scope) -> str | None:
        engine = getattr(app.state, "engine", None)
        if engine is None:
            return None
        if national_scope(scope):  # France-wide figures change with each `gaps --all` run
            return f"{data_version(engine)}|{national_stamp(app.state.settings)}"
        return data_version(engine)

    return version


def _start(app: FastAPI, settings: Settings, given: list[Engine]) -> None:
    """Build and install the first engine. A function of its own: the lifespan, suspended while the
    app serves (and frozen by ``gc.freeze()``), must hold no reference to this engine, which the
    first change replaces. ``given`` (the engine ``geo-clsm serve`` built, or a test's) is emptied
    for the same reason; a second start of the same app begins from the engine it served last."""
    eng = given.pop() if given else getattr(app.state, "engine", None)
    eng = eng or build_engine(settings)  # layers and index, once per data version (cached)
    # Database of record (issue 8): resources come from it; the layers seed it on first start.
    eng = attach_store(app, settings, eng).sync()
    _ = eng.access  # access indicators: computed once, at start-up
    # What start-up built lives as long as the process: keep it out of the cyclic GC's
    # generations, so that a full collection does not walk it during a request (p99).
    # `geo-clsm serve` loads with the collector off and collects itself after a cold start.
    if gc.isenabled():
        gc.collect()
    gc.freeze()
    gc.enable()
    # Then the background threads (gazetteer, observatory, data-version poll): they start
    # once the start-up's own work is done instead of competing with it for the interpreter.
    install_engine(app, eng)
    app.state.live.notify_fresh(eng)  # the observatory records this version (background thread)
    app.state.live.start()


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the app. ``engine`` lets tests share one loaded engine between apps."""
    settings = settings or Settings()
    given = [engine] if engine is not None else []
    del engine  # the lifespan's closure must not keep the first engine alive (see _start)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _start(app, settings, given)
        async with watching(app, settings):  # a new data version is picked up without a restart
            yield
        detach_store(app)
        app.state.memory.stop()

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
    app.state.settings = settings
    # Rendered answers by data version (the two latest versions kept: see api/caches.py).
    app.state.pages = VersionedCache[str](per_version=64)  # map pages, by view and parameters
    app.state.reports = VersionedCache[Any](per_version=16)  # territorial diagnostics (figures, HTML, PDF)
    app.state.documents = VersionedCache[bytes](per_version=48)  # printed guides (HTML, PDF)
    app.state.observatory_charts = VersionedCache[bytes](per_version=64)  # observatory charts (PNG)
    app.state.memory = MemoryReleaser()  # an old engine's memory given back to the system after a swap
    errors.install(app)
    document_errors(app)  # the OpenAPI document gives the real error bodies and formats
    # Pure ASGI middlewares, innermost first. Security (headers, CSP nonces in HTML, limits, HEAD, CORS)
    # sees uncompressed bodies; GZip only where it pays (bodies over one packet).
    app.add_middleware(nearest.NearestFastPath)  # the busiest route, answered before routing
    app.add_middleware(SecurityMiddleware, settings=settings)
    app.add_middleware(GZipMiddleware, minimum_size=1400, compresslevel=5)
    app.add_middleware(DataCacheMiddleware, version=_data_version(app))
    app.add_middleware(RequestLogMiddleware)
    app.mount("/static/app", StaticFiles(directory=STATIC / "app"), name="app-static")
    app.mount("/static/vendor", StaticFiles(directory=STATIC / "vendor"), name="vendor-static")
    app.mount("/static/swagger", StaticFiles(directory=Path(str(swagger_ui_path))), name="swagger")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        # Swagger UI served by the app itself: no CDN, works on an intranet.
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="geo_clsm — API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
        )

    app.include_router(nearest.router)  # first: routes are matched in order, and it is the busiest
    app.include_router(health.router)
    app.include_router(resources.router)
    app.include_router(batch.router)
    app.include_router(access.router)
    app.include_router(national.router)
    app.include_router(map.router)
    app.include_router(search_page.router)
    app.include_router(pwa.router)
    app.include_router(ogc.router)
    app.include_router(export.router)
    app.include_router(documents.router)
    app.include_router(report.router)
    app.include_router(observatory.router)
    # Editors (issue 8): sign-in, editing API, public error reports, editor screens.
    app.include_router(auth.router)
    app.include_router(admin.router)
    app.include_router(reports.router)
    app.include_router(admin_pages.router)
    app.include_router(admin_import.router)
    app.include_router(admin_territories.router)
    app.include_router(admin_territory_pages.router)
    app.include_router(admin_user_pages.router)
    app.include_router(report_form.router)
    app.mount("/static/admin", StaticFiles(directory=STATIC / "admin"), name="admin-static")
    return app

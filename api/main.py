"""The FastAPI app factory: ``create_app(settings)``. A lifespan loads layers once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors
from api.logging import log_requests
from api.routers import health, resources
from api.settings import Settings
from geo_clsm import __version__
from geo_clsm.layers import Catalog, load_catalog


def create_app(settings: Settings | None = None, *, catalog: Catalog | None = None) -> FastAPI:
    """Build the app. ``catalog`` lets tests share one loaded catalog between apps."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.catalog = catalog or load_catalog(settings.data_dir, territories=settings.territories)
        yield

    app = FastAPI(
        title="geo_clsm",
        version=__version__,
        description="Ressources en santé mentale, quartiers prioritaires (QPV) et écarts d'accès.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    errors.install(app)
    app.middleware("http")(log_requests)
    app.include_router(health.router)
    app.include_router(resources.router)
    return app

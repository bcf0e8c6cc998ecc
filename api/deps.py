"""Shared dependencies: the engine (catalog, index, locator), the geocoder, settings."""

from __future__ import annotations

from fastapi import Request

from api.settings import Settings
from geo_clsm.engine import Engine
from geo_clsm.geocode import Geocoder
from geo_clsm.layers import Catalog


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_catalog(request: Request) -> Catalog:
    return get_engine(request).catalog


def get_geocoder(request: Request) -> Geocoder:
    geocoder: Geocoder = request.app.state.geocoder
    return geocoder


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings

"""Shared dependencies: the loaded catalog and settings."""

from __future__ import annotations

from fastapi import Request

from api.settings import Settings
from geo_clsm.layers import Catalog


def get_catalog(request: Request) -> Catalog:
    catalog: Catalog = request.app.state.catalog
    return catalog


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings

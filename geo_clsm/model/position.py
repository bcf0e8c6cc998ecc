"""Where a resource is: a WGS84 point (at the edges only; metric work re-projects it, see
:mod:`geo_clsm.geo.crs`) with how precisely it locates the place and where the coordinates come from."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class PositionPrecision(StrEnum):
    """How precisely a position locates the place."""

    ADDRESS = "address"
    STREET = "street"
    COMMUNE = "commune"
    NONE = "none"  # no source locates it, not even to a commune: listed, never mapped


PRECISION_LABELS_FR = {
    PositionPrecision.ADDRESS: "à l'adresse",
    PositionPrecision.STREET: "à la rue",
    PositionPrecision.COMMUNE: "position approximative (commune)",
    PositionPrecision.NONE: "position inconnue",
}


class Position(BaseModel):
    """A WGS84 point with its precision and the source of the coordinates."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    precision: PositionPrecision
    source: str

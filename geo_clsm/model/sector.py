"""Psychiatric sectors and extents: one definition used by the store, the engine, the API and the
documents (issue 29).

French public psychiatry is organised in geographic sectors: the address of a person's home
decides the adult sector and the child-and-adolescent sector they belong to, each run by an
establishment with its referent resources (CMP first; CATTP, day hospital, EMPP …).

An :class:`Extent` is the one notion of "where" a sector covers, and where a team intervenes
(EMPP and other mobile teams): any mix of communes (INSEE codes), QPV (``code_qp``) and a drawn
polygon (WGS84 longitude/latitude, WKT). The engine resolves it to a geometry
(:mod:`geo_clsm.engine.sectors`); the model only checks that it is well formed.

No sector data is shipped with the pilots (no public source lists them): every sector comes from
an import or an editor.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal, get_args

import shapely
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SectorPublic = Literal["adultes", "enfants"]
SECTOR_PUBLICS: tuple[SectorPublic, ...] = get_args(SectorPublic)

PUBLIC_LABELS_FR: dict[str, str] = {"adultes": "psychiatrie adulte", "enfants": "psychiatrie infanto-juvénile"}

NO_SECTOR_DATA_FR = "sectorisation non renseignée"
"""What the map and answers say where no sector data exists (issue 29, item 6)."""

_INSEE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_QP_RE = re.compile(r"^Q[A-Z0-9]{5,12}$")
_SECTOR_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
_RESOURCE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")


def _sorted_unique(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(set(values)))


class Extent(BaseModel):
    """Where a sector (or a team's intervention zone) applies: communes, QPV and/or a polygon.

    The covered area is the union of the three parts. ``polygon_wkt`` is a WGS84 (lon/lat)
    Polygon or MultiPolygon. Codes are kept sorted and unique, so two equal extents compare equal.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    communes: tuple[str, ...] = ()
    qpv: tuple[str, ...] = ()
    polygon_wkt: str | None = None

    @field_validator("communes")
    @classmethod
    def _check_communes(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for code in v:
            if not _INSEE_RE.match(code):
                raise ValueError(f"code INSEE invalide « {code} » : 5 caractères, par exemple 57463 ou 2A004")
        return _sorted_unique(v)

    @field_validator("qpv")
    @classmethod
    def _check_qpv(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for code in v:
            if not _QP_RE.match(code):
                raise ValueError(f"code QPV invalide « {code} » : par exemple QN05720M")
        return _sorted_unique(v)

    @field_validator("polygon_wkt")
    @classmethod
    def _check_polygon(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        try:
            geom = shapely.from_wkt(v)
        except shapely.errors.GEOSException:
            raise ValueError(
                "polygone illisible : écrire un POLYGON ou MULTIPOLYGON en WKT (longitude latitude)"
            ) from None
        if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise ValueError("polygone attendu (POLYGON ou MULTIPOLYGON, longitude latitude)")
        minx, miny, maxx, maxy = geom.bounds
        if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
            raise ValueError("polygone hors des coordonnées WGS84 : écrire longitude puis latitude, en degrés")
        if not geom.is_valid:
            raise ValueError("polygone invalide (côtés qui se croisent) : le redessiner")
        return v.strip()

    @property
    def is_empty(self) -> bool:
        return not self.communes and not self.qpv and self.polygon_wkt is None

    def as_dict(self) -> dict[str, Any]:
        return {"communes": list(self.communes), "qpv": list(self.qpv), "polygon_wkt": self.polygon_wkt}


class Sector(BaseModel):
    """A psychiatric sector: its id (« 57G03 »), name, public, establishment, referents and extent.

    ``referents`` are resource ids, CMP first (then CATTP, day hospital, EMPP …), in the order
    they are shown. ``territory`` is the loaded territory it belongs to (None: not tied to one).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str = Field(min_length=1)
    public: SectorPublic
    establishment: str = ""
    referents: tuple[str, ...] = ()
    extent: Extent
    territory: str | None = None
    source: str = Field(min_length=1)
    last_verified: date | None = None

    @field_validator("id")
    @classmethod
    def _check_id(cls, v: str) -> str:
        if not _SECTOR_ID_RE.match(v):
            raise ValueError("identifiant de secteur invalide : lettres, chiffres, - _ . (40 caractères au plus)")
        return v

    @field_validator("referents")
    @classmethod
    def _check_referents(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        seen: list[str] = []
        for rid in v:
            if not _RESOURCE_ID_RE.match(rid):
                raise ValueError(f"identifiant de ressource invalide « {rid} »")
            if rid not in seen:
                seen.append(rid)
        return tuple(seen)

    @model_validator(mode="after")
    def _check_extent(self) -> Sector:
        if self.extent.is_empty:
            raise ValueError("secteur sans étendue : lui donner des communes, des QPV ou un polygone")
        return self

    def public_view(self) -> dict[str, Any]:
        """The one public dict of a sector, used by every output (API, OGC, documents, exports)."""
        return {
            "id": self.id,
            "name": self.name,
            "public": self.public,
            "establishment": self.establishment,
            "referents": list(self.referents),
            "territory": self.territory,
            "source": self.source,
            "last_verified": self.last_verified.isoformat() if self.last_verified else None,
        }

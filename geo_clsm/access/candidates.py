"""Candidate sites for a new place: town halls, QPV centroids, places of a type, the planner's list.

The planner's list is a CSV (``;`` or ``,``) with either ``lon`` and ``lat`` columns or an
``adresse`` (``address``) column located by the engine's geocoder; an optional ``nom``
(``name``) names the site. Each bad row is reported (row, field, French reason), never
guessed. Metric work is done by the caller in the territory's projected CRS.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import shapely

from geo_clsm.data.catalog import Catalog
from geo_clsm.geo.crs import LAMBERT93, WGS84, projected_crs_for
from geo_clsm.i18n import N_
from geo_clsm.model.errors import GeoClsmError
from geo_clsm.model.resource_types import ResourceType
from geo_clsm.model.validate import check_lonlat

Kind = Literal["mairie", "qpv", "lieu", "liste"]
KIND_FR: dict[str, str] = {
    "mairie": N_("mairie"),
    "qpv": N_("centre d'un QPV"),
    "lieu": N_("lieu existant"),
    "liste": N_("site proposé"),
}
Geocode = Callable[[str], tuple[float, float, str]]
"""Address text -> (lon, lat, label); raises a :class:`geo_clsm.model.errors.GeoClsmError` when not found."""


@dataclass(frozen=True)
class Candidate:
    """A site where a new place could open (WGS84)."""

    lon: float
    lat: float
    kind: Kind
    label: str
    ref: str | None = None  # INSEE code, QPV code, resource id, or CSV row

    def as_dict(self) -> dict[str, object]:
        return {
            "lon": round(self.lon, 6),
            "lat": round(self.lat, 6),
            "kind": self.kind,
            "kind_fr": KIND_FR[self.kind],
            "label": self.label,
            "ref": self.ref,
        }


@dataclass(frozen=True)
class RowError:
    """A bad row of the planner's list: its number (1 = first data row), field and French reason."""

    row: int
    field: str
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "field": self.field, "reason": self.reason}


def territory_candidates(
    catalog: Catalog,
    *,
    territory: str,
    mairies: bool = True,
    qpv: bool = True,
    place_types: Iterable[ResourceType] = (),
) -> list[Candidate]:
    """The territory's town halls, its QPV centroids and its places of ``place_types``."""
    communes = catalog.communes_of(territory)
    out: list[Candidate] = []
    if mairies:
        for code in sorted(set(communes["insee_com"])):
            m = catalog.mairies.get(code)
            if m is not None:
                out.append(Candidate(m.lon, m.lat, "mairie", f"Mairie de {m.name}", code))
    if qpv:
        q = catalog.qpv[catalog.qpv["territory"] == territory]
        if len(q):
            c = q.geometry.union_all().representative_point()
            crs = projected_crs_for(c.x, c.y) or LAMBERT93
            cent = q.to_crs(crs).geometry.centroid.to_crs(WGS84)
            for code, name, p in zip(q["code_qp"], q["lib_qp"], cent, strict=True):
                out.append(Candidate(float(p.x), float(p.y), "qpv", f"Centre du QPV {name}", str(code)))
    types = list(place_types)
    if types:
        area = communes.geometry.union_all()
        for r in catalog.resources:
            pos = r.public_position()
            if pos is None or not any(r.matches_type(t) for t in types):
                continue
            if area.contains(shapely.Point(pos.lon, pos.lat)):
                out.append(Candidate(pos.lon, pos.lat, "lieu", r.name, r.id))
    return out


_LON = ("lon", "longitude", "x")
_LAT = ("lat", "latitude", "y")
_ADDRESS = ("adresse", "address")
_NAME = ("nom", "name", "libelle", "label")


def parse_candidates_csv(text: str, *, geocode: Geocode | None = None) -> tuple[list[Candidate], list[RowError]]:
    """The planner's sites from a CSV text, and the rows that could not be read."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        return [], [RowError(0, "fichier", "fichier vide : une ligne d'en-tête (lon;lat ou adresse) est attendue")]
    first = text.splitlines()[0]
    delimiter = ";" if ";" in first else ("," if "," in first else "\t")  # one column: rows kept whole
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = {(h or "").strip().lower(): h for h in reader.fieldnames or []}
    lon_h = next((header[k] for k in _LON if k in header), None)
    lat_h = next((header[k] for k in _LAT if k in header), None)
    addr_h = next((header[k] for k in _ADDRESS if k in header), None)
    name_h = next((header[k] for k in _NAME if k in header), None)
    if not (lon_h and lat_h) and not addr_h:
        return [], [RowError(0, "en-tête", "colonnes lon et lat, ou adresse, attendues")]
    sites: list[Candidate] = []
    errors: list[RowError] = []
    for n, row in enumerate(reader, start=1):
        name = (row.get(name_h) or "").strip() if name_h else ""
        lon_s = (row.get(lon_h) or "").strip() if lon_h else ""
        lat_s = (row.get(lat_h) or "").strip() if lat_h else ""
        addr = (row.get(addr_h) or "").strip() if addr_h else ""
        if lon_s or lat_s:
            site = _point_row(n, lon_s, lat_s, name, errors)
        elif addr:
            site = _address_row(n, addr, name, geocode, errors)
        else:
            errors.append(RowError(n, "lon" if lon_h else "adresse", "ligne sans coordonnées ni adresse"))
            continue
        if site is not None:
            sites.append(site)
    return sites, errors


def _number(v: str) -> float | None:
    try:
        x = float(v.replace(",", "."))
    except ValueError:
        return None
    return x if np.isfinite(x) else None


def _point_row(n: int, lon_s: str, lat_s: str, name: str, errors: list[RowError]) -> Candidate | None:
    lon, lat = _number(lon_s), _number(lat_s)
    if lon is None:
        errors.append(RowError(n, "lon", f"« {lon_s} » n'est pas un nombre (longitude en degrés)"))
    if lat is None:
        errors.append(RowError(n, "lat", f"« {lat_s} » n'est pas un nombre (latitude en degrés)"))
    if lon is None or lat is None:
        return None
    why = check_lonlat(lon, lat)
    if why:
        errors.append(RowError(n, "lon", why))
        return None
    return Candidate(lon, lat, "liste", name or f"Site proposé (ligne {n})", f"ligne {n}")


def _address_row(n: int, addr: str, name: str, geocode: Geocode | None, errors: list[RowError]) -> Candidate | None:
    if geocode is None:
        errors.append(RowError(n, "adresse", "adresses non localisables ici : donner lon et lat"))
        return None
    try:
        lon, lat, label = geocode(addr)
    except GeoClsmError as exc:  # not found, ambiguous, geocoder unavailable: reported for the row
        errors.append(RowError(n, "adresse", str(exc) or f"adresse « {addr} » non localisée"))
        return None
    return Candidate(lon, lat, "liste", name or label or addr, f"ligne {n}")

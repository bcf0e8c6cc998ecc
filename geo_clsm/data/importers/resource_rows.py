"""One row of the project's resource schema -> a validated :class:`~geo_clsm.model.resource.Resource`.

The per-row rules (cleaning, coordinates, booleans, ages, service areas) and their French
reasons (the words it reads: :mod:`geo_clsm.data.importers.resource_schema`).
:mod:`geo_clsm.data.importers.resource_columns` applies the same rules column by column
to large CSV files and hands the rows it cannot decide to :func:`resource_from_record`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import shapely
from pydantic import ValidationError

from geo_clsm.data.importers.resource_schema import FALSE_WORDS, RETIRED_COLUMNS, TRUE_WORDS
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Resource
from geo_clsm.model.sector import Extent
from geo_clsm.model.validate import check_lonlat, french_errors, lambert93_to_lonlat, repair_polygonal


@dataclass(frozen=True, slots=True)
class CommunePoint:
    """A commune's public reference point (its town hall), WGS84."""

    insee_com: str
    name: str
    lon: float
    lat: float
    source: str


class RowError(Exception):
    """A row (or a file's header) rejected: the field at fault and the French reason."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def _clean(v: Any) -> Any:
    if isinstance(v, str):
        v = v.strip()
        return v or None
    return v


def _as_bool(value: Any, field: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    s = str(value).strip().lower()
    if s in TRUE_WORDS:
        return True
    if s in FALSE_WORDS:
        return False
    raise RowError(field, f"« {value} » : écrire oui ou non (ou laisser vide si inconnu)")


def _as_list(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(v).strip() for v in value if str(v).strip())
    return tuple(p.strip() for p in str(value).split(";") if p.strip())


def _as_float(value: Any, field: str) -> float | None:
    if value is None:
        return None
    try:
        return float(str(value).replace(",", ".")) if isinstance(value, str) else float(value)
    except ValueError:
        raise RowError(field, f"« {value} » n'est pas un nombre") from None


def _as_wait(value: Any, stated_on: Any) -> int | None:
    """A stated waiting time in days (never without the day it was stated)."""
    if value is None:
        return None
    n = _as_float(value, "wait_days")
    if n is None or not math.isfinite(n) or n != int(n) or n < 0:
        raise RowError("wait_days", f"« {value} » : un nombre entier de jours, 0 ou plus (par exemple 21)")
    if stated_on is None:
        raise RowError(
            "wait_stated_on", "délai d'attente sans date : indiquer le jour où le lieu l'a donné (AAAA-MM-JJ)"
        )
    return int(n)


def _notice(rec: Mapping[str, Any]) -> dict[str, Any] | None:
    """The notice of a row (``notice_text``, ``notice_start``, ``notice_end``, ``notice_closed``)."""
    text, start, end = rec.get("notice_text"), rec.get("notice_start"), rec.get("notice_end")
    closed = _as_bool(rec.get("notice_closed"), "notice_closed")
    if text is None and start is None and end is None:  # no notice (``notice_closed`` alone says nothing)
        return None
    for name, v in (("notice_text", text), ("notice_start", start), ("notice_end", end)):
        if v is None:
            raise RowError(name, "avis incomplet : donner le texte, la date de début et la date de fin (AAAA-MM-JJ)")
    return {"text": text, "start": start, "end": end, "closed": bool(closed)}


def _position(rec: Mapping[str, Any], communes: Mapping[str, CommunePoint]) -> tuple[Position | None, Position | None]:
    """(position, commune_position) for a row."""
    lon, lat = _as_float(rec.get("lon"), "lon"), _as_float(rec.get("lat"), "lat")
    x, y = _as_float(rec.get("x"), "x"), _as_float(rec.get("y"), "y")
    insee = rec.get("insee_com")
    town = communes.get(insee) if insee else None
    commune_pos = (
        Position(lon=town.lon, lat=town.lat, precision=PositionPrecision.COMMUNE, source=town.source) if town else None
    )
    if (lon is None) != (lat is None):
        raise RowError("lon" if lon is None else "lat", "coordonnée manquante : fournir lon et lat")
    if (x is None) != (y is None):
        raise RowError("x" if x is None else "y", "coordonnée manquante : fournir x et y")
    if lon is None and x is not None and y is not None:
        got = lambert93_to_lonlat(x, y)
        if isinstance(got, str):
            raise RowError("x,y", got)
        lon, lat = got
    if lon is None or lat is None:
        if rec.get("position_precision") == PositionPrecision.NONE.value:
            return None, commune_pos
        if rec.get("position_precision") not in (None, PositionPrecision.COMMUNE.value, PositionPrecision.NONE.value):
            raise RowError(
                "position_precision",
                f"précision « {rec.get('position_precision')} » sans coordonnées : fournir lon/lat ou x/y",
            )
        return commune_pos, commune_pos
    why = check_lonlat(lon, lat)
    if why:
        raise RowError("lon,lat", why)
    precision = rec.get("position_precision") or PositionPrecision.ADDRESS.value
    try:
        prec = PositionPrecision(precision)
    except ValueError:
        raise RowError(
            "position_precision",
            f"« {precision} » : valeurs possibles address, street, commune",
        ) from None
    if prec is PositionPrecision.NONE:
        raise RowError("position_precision", "précision « none » avec des coordonnées : retirer l'un ou l'autre")
    source = rec.get("position_source") or rec.get("source") or ""
    return Position(lon=lon, lat=lat, precision=prec, source=source), commune_pos


def _service_area(rec: Mapping[str, Any], polygon: str | None, communes: Mapping[str, CommunePoint]) -> Extent | None:
    """The intervention zone of a row: its polygon, communes and QPV (None when all are empty)."""
    codes = tuple(_as_list(rec.get("service_area_communes")))
    qpv = tuple(_as_list(rec.get("service_area_qpv")))
    if polygon is None and not codes and not qpv:
        return None
    unknown = [c for c in codes if c not in communes]
    if unknown:
        raise RowError("service_area_communes", f"commune inconnue « {unknown[0]} » : code INSEE d'une commune chargée")
    try:
        return Extent(communes=codes, qpv=qpv, polygon_wkt=polygon)
    except ValidationError as exc:
        errs = french_errors(exc)
        where = errs[0][0] if errs else ""
        field = {"qpv": "service_area_qpv", "polygon_wkt": "service_area"}.get(where, "service_area_communes")
        raise RowError(field, errs[0][1] if errs else "zone d'intervention invalide") from None


def resource_from_record(
    rec: Mapping[str, Any], *, communes: Mapping[str, CommunePoint], territory: str | None = None
) -> Resource:
    """Build a validated Resource from one row of the project's schema.

    Raises
    ------
    RowError
        With the field at fault and a French reason.
    """
    rec = {k: _clean(v) for k, v in rec.items()}
    position, commune_pos = _position(rec, communes)
    confidential = _as_bool(rec.get("confidential_address"), "confidential_address") or False
    if confidential and position is not None and commune_pos is None:
        raise RowError("insee_com", "adresse confidentielle : un code INSEE de commune connu est requis")
    for column, reason in RETIRED_COLUMNS.items():
        if rec.get(column) is not None:
            raise RowError(column, reason)
    area = rec.get("service_area_wkt")
    if area is not None:
        try:
            geom = shapely.from_wkt(area) if isinstance(area, str) else shapely.geometry.shape(area)
        except (shapely.errors.GEOSException, ValueError, TypeError, AttributeError):
            raise RowError("service_area", "zone d'intervention illisible : WKT ou GeoJSON attendu") from None
        fixed, why, _ = repair_polygonal(geom)
        if why or fixed is None:
            raise RowError("service_area", why or "zone vide")
        area = fixed.wkt
    age_min, age_max = rec.get("age_min"), rec.get("age_max")
    data: dict[str, Any] = {
        "id": rec.get("id"),
        "type": rec.get("type"),
        "services": _as_list(rec.get("services")),
        "name": rec.get("name"),
        "street": rec.get("street"),
        "postcode": rec.get("postcode"),
        "commune": rec.get("commune"),
        "insee_com": rec.get("insee_com"),
        "phone": rec.get("phone"),
        "email": rec.get("email"),
        "website": rec.get("website"),
        "audience": {
            "age_min": _as_float(age_min, "age_min"),
            "age_max": _as_float(age_max, "age_max"),
            "groups": _as_list(rec.get("audience")),
        },
        "opening_hours": rec.get("opening_hours"),
        "languages": _as_list(rec.get("languages")),
        "wheelchair": _as_bool(rec.get("wheelchair"), "wheelchair"),
        "appointment_required": _as_bool(rec.get("appointment_required"), "appointment_required"),
        "free_of_charge": _as_bool(rec.get("free_of_charge"), "free_of_charge"),
        "capacity": _as_float(rec.get("capacity"), "capacity"),
        "position": position,
        "commune_position": commune_pos,
        "service_area": _service_area(rec, area, communes),
        "confidential_address": confidential,
        "finess_et": rec.get("finess_et"),
        "territory": rec.get("territory") or territory,
        "source": rec.get("source"),
        "last_verified": rec.get("last_verified"),
        "source_date": rec.get("source_date"),
        "notes": rec.get("notes"),
        "public_info": rec.get("public_info"),
        "display_name": rec.get("display_name"),
        "display_street": rec.get("display_street"),
        "verified_by_person": _as_bool(rec.get("verified_by_person"), "verified_by_person") or False,
        "to_verify": _as_bool(rec.get("to_verify"), "to_verify") or False,
        "verified_by": rec.get("verified_by"),
        "wait_days": _as_wait(rec.get("wait_days"), rec.get("wait_stated_on")),
        "wait_stated_on": rec.get("wait_stated_on"),
        "accepts_new": rec.get("accepts_new"),
        "notice": _notice(rec),
    }
    for key in ("age_min", "age_max"):
        v = data["audience"][key]
        if v is not None and (not math.isfinite(v) or v != int(v)):  # "nan", "inf": not an age either
            raise RowError(key, "âge entier attendu")
        data["audience"][key] = None if v is None else int(v)
    try:
        return Resource.model_validate(data)
    except ValidationError as exc:
        errs = french_errors(exc)
        raise RowError(", ".join(f for f, _ in errs), " ; ".join(r for _, r in errs)) from None

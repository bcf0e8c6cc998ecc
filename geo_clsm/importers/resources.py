"""Resources in the project's schema, as CSV or GeoJSON.

CSV columns (UTF-8, ``,``-separated, one header row; lists are ``;``-separated)::

    id, type, services, name, street, postcode, commune, insee_com, phone, email,
    website, audience, age_min, age_max, opening_hours, languages, wheelchair,
    appointment_required, free_of_charge, sector, capacity,
    lon, lat  (WGS84)  or  x, y  (Lambert-93, metres),
    position_precision, position_source, confidential_address, service_area_wkt,
    finess_et, territory, source, last_verified, source_date, notes, public_info,
    display_name, display_street, verified_by_person, to_verify

``notes`` are internal (never published); ``public_info`` is the text the public sees.

Required: id, type, name, source, last_verified. A row without coordinates but with a
known ``insee_com`` is placed at its town hall with ``position_precision=commune``.
GeoJSON features carry the same properties, a Point geometry (lon/lat) or none, and an
optional ``service_area`` property holding a GeoJSON (Multi)Polygon.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from pydantic import ValidationError

from geo_clsm.importers.report import ImportReport
from geo_clsm.model import Position, PositionPrecision, Resource
from geo_clsm.validate import check_lonlat, french_errors, lambert93_to_lonlat, repair_polygonal

COLUMNS = [
    "id",
    "type",
    "services",
    "name",
    "street",
    "postcode",
    "commune",
    "insee_com",
    "phone",
    "email",
    "website",
    "audience",
    "age_min",
    "age_max",
    "opening_hours",
    "languages",
    "wheelchair",
    "appointment_required",
    "free_of_charge",
    "sector",
    "capacity",
    "lon",
    "lat",
    "position_precision",
    "position_source",
    "confidential_address",
    "service_area_wkt",
    "finess_et",
    "territory",
    "source",
    "last_verified",
    "source_date",
    "notes",
    "public_info",
    "display_name",
    "display_street",
    "verified_by_person",
    "to_verify",
]

_TRUE = {"1", "true", "oui", "yes", "vrai", "o", "y"}
_FALSE = {"0", "false", "non", "no", "faux", "n"}


@dataclass(frozen=True, slots=True)
class CommunePoint:
    """A commune's public reference point (its town hall), WGS84."""

    insee_com: str
    name: str
    lon: float
    lat: float
    source: str


class RowError(Exception):
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
    if s in _TRUE:
        return True
    if s in _FALSE:
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
        "sector": rec.get("sector"),
        "capacity": _as_float(rec.get("capacity"), "capacity"),
        "position": position,
        "commune_position": commune_pos,
        "service_area_wkt": area,
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
    }
    for key in ("age_min", "age_max"):
        v = data["audience"][key]
        if v is not None and v != int(v):
            raise RowError(key, "âge entier attendu")
        data["audience"][key] = None if v is None else int(v)
    try:
        return Resource.model_validate(data)
    except ValidationError as exc:
        errs = french_errors(exc)
        raise RowError(", ".join(f for f, _ in errs), " ; ".join(r for _, r in errs)) from None


def _import_records(
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    report: ImportReport[Resource],
    *,
    communes: Mapping[str, CommunePoint],
    territory: str | None,
) -> ImportReport[Resource]:
    seen: set[str] = set()
    for rownum, rec in rows:
        report.rows_read += 1
        rid = str(rec.get("id") or "").strip()
        try:
            res = resource_from_record(rec, communes=communes, territory=territory)
        except RowError as e:
            report.reject(rownum, e.field, e.reason, rid)
            continue
        if res.id in seen:
            report.reject(rownum, "id", f"identifiant « {res.id} » en double : le rendre unique", rid)
            continue
        seen.add(res.id)
        report.records.append(res)
    return report


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"id", "type", "name", "source", "last_verified"} - set(reader.fieldnames or ())
        if missing:
            raise RowError(
                ", ".join(sorted(missing)),
                "colonnes obligatoires absentes de l'en-tête : " + ", ".join(sorted(missing)),
            )
        for rec in reader:
            # Row 1 is the header, so the first record is row 2 (as a spreadsheet shows it).
            yield reader.line_num, rec


def _geojson_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RowError("fichier", f"GeoJSON illisible (ligne {exc.lineno}) : {exc.msg}") from None
    if doc.get("type") != "FeatureCollection":
        raise RowError("type", "une FeatureCollection GeoJSON est attendue")
    for i, feat in enumerate(doc.get("features", []), start=1):
        props = dict(feat.get("properties") or {})
        geom = feat.get("geometry")
        if geom:
            if geom.get("type") != "Point" or len(geom.get("coordinates") or []) < 2:
                props["lon"] = props["lat"] = None
                props["_bad_geometry"] = geom.get("type")
            else:
                props["lon"], props["lat"] = geom["coordinates"][:2]
        if "service_area" in props:
            props["service_area_wkt"] = props.pop("service_area")
        yield i, props


def _gpkg_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """GeoPackage rows (as ``geo-clsm db export`` writes them): attributes and a Point geometry."""
    import pyogrio

    try:
        gdf = pyogrio.read_dataframe(path)
    except (pyogrio.errors.DataSourceError, OSError) as exc:
        raise RowError("fichier", f"GeoPackage illisible : {exc}") from None
    geom_col = gdf.geometry.name if hasattr(gdf, "geometry") else None
    for i, rec in enumerate(gdf.to_dict("records"), start=1):
        geom = rec.pop(geom_col, None) if geom_col else None
        props = {k: (None if v is None or v != v else v) for k, v in rec.items()}
        if geom is not None and not geom.is_empty:
            if geom.geom_type != "Point":
                props["lon"] = props["lat"] = None
                props["_bad_geometry"] = geom.geom_type
            else:
                props["lon"], props["lat"] = geom.x, geom.y
        yield i, props


def import_resources(
    path: Path | str,
    *,
    communes: Mapping[str, CommunePoint] | None = None,
    territory: str | None = None,
) -> ImportReport[Resource]:
    """Import resources from a CSV or GeoJSON file in the project's schema.

    Parameters
    ----------
    path
        ``.csv``, ``.geojson``/``.json`` or ``.gpkg`` file.
    communes
        Town-hall points by INSEE code, used to place rows without coordinates and to
        give confidential resources their public (commune-level) position.
    territory
        Territory id given to rows that have none.

    Returns
    -------
    ImportReport
        Imported resources and every rejected row (row number, field, reason).
    """
    path = Path(path)
    report: ImportReport[Resource] = ImportReport(kind="resources", source=str(path))
    communes = communes or {}
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            rows: Iterable[tuple[int, Mapping[str, Any]]] = list(_csv_rows(path))
        elif suffix in (".geojson", ".json"):
            rows = list(_geojson_rows(path))
        elif suffix == ".gpkg":
            rows = list(_gpkg_rows(path))
        else:
            report.reject(0, "fichier", f"format « {suffix} » non pris en charge : .csv, .geojson ou .gpkg")
            return report
    except RowError as e:
        report.reject(0, e.field, e.reason)
        return report
    except UnicodeDecodeError:
        report.reject(0, "fichier", "encodage illisible : enregistrer le fichier en UTF-8")
        return report

    def checked() -> Iterator[tuple[int, Mapping[str, Any]]]:
        for rownum, rec in rows:
            bad = rec.get("_bad_geometry") if isinstance(rec, dict) else None
            if bad:
                report.rows_read += 1
                report.reject(
                    rownum, "geometry", f"géométrie {bad} : un Point (lon, lat) est attendu", str(rec.get("id") or "")
                )
                continue
            yield rownum, rec

    return _import_records(checked(), report, communes=communes, territory=territory)


def write_resources_csv(resources: Iterable[Resource], path: Path) -> None:
    """Write resources in the project's CSV schema (the inverse of :func:`import_resources`)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for r in resources:
            w.writerow(resource_to_row(r))


def resource_to_row(r: Resource) -> dict[str, Any]:
    """One resource as a row of the project's CSV schema (true position, not public)."""
    pos = r.position
    placed_at_commune = pos is not None and pos == r.commune_position

    def yn(v: bool | None) -> str:
        return "" if v is None else ("oui" if v else "non")

    return {
        "id": r.id,
        "type": r.type.value,
        "services": ";".join(r.services),
        "name": r.name,
        "street": r.street or "",
        "postcode": r.postcode or "",
        "commune": r.commune or "",
        "insee_com": r.insee_com or "",
        "phone": r.phone or "",
        "email": r.email or "",
        "website": r.website or "",
        "audience": ";".join(r.audience.groups),
        "age_min": "" if r.audience.age_min is None else r.audience.age_min,
        "age_max": "" if r.audience.age_max is None else r.audience.age_max,
        "opening_hours": r.opening_hours or "",
        "languages": ";".join(r.languages),
        "wheelchair": yn(r.wheelchair),
        "appointment_required": yn(r.appointment_required),
        "free_of_charge": yn(r.free_of_charge),
        "sector": r.sector or "",
        "capacity": "" if r.capacity is None else r.capacity,
        "lon": "" if pos is None or placed_at_commune else repr(pos.lon),
        "lat": "" if pos is None or placed_at_commune else repr(pos.lat),
        "position_precision": "none" if pos is None else ("" if placed_at_commune else pos.precision.value),
        "position_source": "" if pos is None or placed_at_commune else pos.source,
        "confidential_address": "oui" if r.confidential_address else "",
        "service_area_wkt": r.service_area_wkt or "",
        "finess_et": r.finess_et or "",
        "territory": r.territory or "",
        "source": r.source,
        "last_verified": r.last_verified.isoformat(),
        "source_date": r.source_date.isoformat() if r.source_date else "",
        "notes": r.notes or "",
        "public_info": r.public_info or "",
        "display_name": r.display_name or "",
        "display_street": r.display_street or "",
        "verified_by_person": "oui" if r.verified_by_person else "",
        "to_verify": "oui" if r.to_verify else "",
    }

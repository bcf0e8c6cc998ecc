"""Eurostat GISCO "healthcare services" CSV for France (FINESS-derived, WGS84 lat/lon).

Columns: id (FINESS ET), hospital_name, site_name, lat, lon, geo_qual, street,
house_number, postcode, city, cc, country, cap_beds, cap_prac, cap_rooms, emergency,
facility_type (FINESS category label), public_private, list_specs, tel, email, url,
ref_date, pub_date.

Mental-health categories are imported; other categories, prison psychiatry and (when
no commune layer covers them) overseas rows are excluded with a reason. Points that fail
the sanity check (outside the commune of their postcode, at a known default position)
are excluded too, so they never reach the public layer.
"""

from __future__ import annotations

import csv
import re
from datetime import date, datetime
from pathlib import Path

from pydantic import ValidationError

from geo_clsm.data.importers.finess_common import (
    EXCLUDED_CATEGORIES,
    GISCO_LABELS,
    CommuneChecker,
    department_of_postcode,
    format_phone,
    type_from_category,
)
from geo_clsm.data.importers.names import readable, readable_street
from geo_clsm.data.importers.report import ImportReport, utf8_readable
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Resource
from geo_clsm.model.validate import check_lonlat, french_errors

SOURCE = "Eurostat GISCO healthcare services FR 2020 (FINESS via ATLASANTE)"
REQUIRED = ("id", "hospital_name", "lat", "lon", "geo_qual", "postcode", "city", "facility_type", "ref_date")
_PRECISION = {"1": PositionPrecision.ADDRESS, "2": PositionPrecision.STREET, "3": PositionPrecision.COMMUNE}


def _date(text: str) -> date:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _optional(rec: dict[str, str], field: str, row: int, report: ImportReport[Resource]) -> str | None:
    """An e-mail or URL, normalised; an unusable value is left out with a warning."""
    value = (rec.get(field) or "").strip()
    if not value:
        return None
    if field == "url":
        value = value if value.lower().startswith(("http://", "https://")) else "https://" + value
        ok = "." in value and " " not in value
    else:
        ok = bool(re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", value))
    if not ok:
        report.warnings.append(f"ligne {row} — champ {field} : « {value} » illisible, laissé vide")
        return None
    return value


def import_gisco(
    path: Path | str, *, checker: CommuneChecker | None = None, territory: str = "france"
) -> ImportReport[Resource]:
    """Import the mental-health facilities of a GISCO healthcare CSV.

    Parameters
    ----------
    path
        The CSV (UTF-8, ``,``-separated, header row).
    checker
        Commune polygons to check each point against. Without it only the bounds of
        France and the known default positions are checked, and a warning says so.
    territory
        Territory id given to the imported resources.
    """
    path = Path(path)
    report: ImportReport[Resource] = ImportReport(kind="gisco", source=str(path))
    if checker is None:
        report.warnings.append(
            "aucune couche de communes : positions vérifiées seulement contre les bornes de la France"
        )
    if not utf8_readable(path, report):
        return report
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            report.reject(1, ", ".join(missing), "colonnes absentes de l'en-tête GISCO : " + ", ".join(missing))
            return report
        for rec in reader:
            report.rows_read += 1
            _import_row(reader.line_num, rec, report, checker, territory)
    return report


def _import_row(
    row: int, rec: dict[str, str], report: ImportReport[Resource], checker: CommuneChecker | None, territory: str
) -> None:
    fid = (rec.get("id") or "").strip().zfill(9)
    label = (rec.get("facility_type") or "").strip()
    category = GISCO_LABELS.get(label)
    if category in EXCLUDED_CATEGORIES:
        report.exclude(row, "facility_type", EXCLUDED_CATEGORIES[category], fid)
        return
    # hospital_name is the unit ("CMP LE PRE VIVAL MENDE"), site_name its site or parent ("CHS FRANCOIS TOSQUELLES")
    site = (rec.get("site_name") or "").strip()
    name = (rec.get("hospital_name") or "").strip() or site
    rtype = type_from_category(category, name) if category else None
    if rtype is None:
        report.exclude(row, "facility_type", f"catégorie hors santé mentale : {label or '(vide)'}", fid)
        return
    postcode = (rec.get("postcode") or "").strip().zfill(5)
    dep = department_of_postcode(postcode)
    try:
        lat, lon = float(rec["lat"]), float(rec["lon"])
    except (TypeError, ValueError):
        report.reject(row, "lat,lon", "coordonnées absentes ou non numériques", fid)
        return
    why = check_lonlat(lon, lat)
    if why:
        report.exclude(row, "lat,lon", why, fid)
        return
    city = (rec.get("city") or "").strip()
    insee = None
    if checker is not None:
        if dep not in checker.departments:
            report.exclude(row, "postcode", f"département {dep} sans couche de communes pour vérifier la position", fid)
            return
        match = checker.check(lon, lat, dep=dep, city=city)
        if match.problem:
            report.exclude(row, "lat,lon", match.problem, fid)
            return
        insee = match.insee_com
    street = " ".join(p for p in ((rec.get("house_number") or "").strip(), (rec.get("street") or "").strip()) if p)
    qual = (rec.get("geo_qual") or "").strip()
    try:
        last = _date(rec.get("ref_date") or "")
    except ValueError:
        report.reject(row, "ref_date", f"date « {rec.get('ref_date')} » illisible : JJ/MM/AAAA attendu", fid)
        return
    try:
        res = Resource(
            id=f"finess-{fid}",
            type=rtype,
            services=(),
            name=name,
            street=street or None,
            postcode=postcode,
            commune=city or None,
            insee_com=insee,
            phone=format_phone(rec.get("tel") or ""),
            email=_optional(rec, "email", row, report),
            website=_optional(rec, "url", row, report),
            position=Position(
                lon=lon,
                lat=lat,
                precision=_PRECISION.get(qual, PositionPrecision.COMMUNE),
                source=f"ATLASANTE via GISCO (geo_qual={qual or '?'})",
            ),
            finess_et=fid,
            territory=territory,
            source=SOURCE,
            last_verified=last,
            source_date=last,
            notes=f"FINESS : {label}" + (f" ; site : {site}" if site and site != name else ""),
            display_name=readable(name),
            display_street=readable_street(street) if street else None,
        )
    except ValidationError as exc:
        errs = french_errors(exc)
        report.reject(row, ", ".join(f for f, _ in errs), " ; ".join(r for _, r in errs), fid)
        return
    report.records.append(res)

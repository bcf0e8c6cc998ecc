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

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo_clsm.data.importers.report import ImportReport
from geo_clsm.data.importers.resource_rows import CommunePoint, RowError, resource_from_record
from geo_clsm.model.resource import Resource


@dataclass
class TableReport(ImportReport[Resource]):
    """An import report whose imported rows may stay in columns (``table``, a
    :class:`~geo_clsm.data.importers.resource_table.ResourceTable`): ``records`` is then empty and
    :meth:`resources` builds each Resource when iterated."""

    table: Sequence[Resource] | None = None

    @property
    def imported(self) -> int:
        return len(self.table) if self.table is not None else len(self.records)

    def resources(self) -> Sequence[Resource]:
        return self.table if self.table is not None else self.records


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
    report = import_resources_table(path, communes=communes, territory=territory)
    if report.table is not None:
        report.records.extend(report.table)
        report.table = None
    return report


def import_resources_table(
    path: Path | str,
    *,
    communes: Mapping[str, CommunePoint] | None = None,
    territory: str | None = None,
) -> TableReport:
    """:func:`import_resources`, the imported rows of a CSV left in columns: ``report.table`` (a
    :class:`~geo_clsm.data.importers.resource_table.ResourceTable`) builds each Resource when iterated;
    ``report.resources()`` gives the imported resources whatever the format."""
    path = Path(path)
    report = TableReport(kind="resources", source=str(path))
    communes = communes or {}
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            from geo_clsm.data.importers.resource_table import import_csv_table  # pyarrow: only when reading a CSV

            report.table = import_csv_table(path, report, communes=communes, territory=territory)
            return report
        if suffix in (".geojson", ".json"):
            rows: Iterable[tuple[int, Mapping[str, Any]]] = list(_geojson_rows(path))
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

    _import_records(checked(), report, communes=communes, territory=territory)
    return report

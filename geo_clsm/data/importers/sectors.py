"""Psychiatric sectors: the CSV (+ GeoJSON polygons) import and export (issue 29).

The CSV is UTF-8 with the header :data:`SECTOR_COLUMNS`, one row per sector × commune or QPV
(``insee_com`` or ``code_qp`` filled, or neither for a sector whose extent is only its polygon);
``referents`` are resource ids separated by ``;`` (CMP first). The name, public, establishment
and referents of a sector are given on each of its rows, the same each time. The optional
GeoJSON holds the drawn polygons (WGS84), one or more features per sector, ``secteur`` in their
properties.

Every row is checked against what is loaded (:class:`SectorContext`): an unknown referent id,
INSEE code or QPV code is refused. The import is all or nothing: :attr:`ImportReport.records`
(the sectors) is empty as soon as a row is rejected, so nothing is stored from a bad file.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import shapely
from pydantic import ValidationError

from geo_clsm.data.catalog import Catalog
from geo_clsm.data.importers.report import ImportReport
from geo_clsm.exports.sheet_safety import neutralise
from geo_clsm.model.sector import SECTOR_PUBLICS, Extent, Sector
from geo_clsm.model.validate import french_errors

SECTOR_COLUMNS = ("secteur", "libelle", "public", "etablissement", "insee_com", "code_qp", "referents")
"""The CSV header, exactly (issue 29)."""

_SAME_EACH_ROW = {"libelle": "name", "public": "public", "etablissement": "establishment", "referents": "referents"}


@dataclass(frozen=True)
class SectorContext:
    """What a sector file is checked against: the resource ids, and the territory of each loaded
    commune and QPV (lowest catalog row: a pilot's before the national layer's)."""

    resource_ids: frozenset[str]
    commune_territory: Mapping[str, str]
    qpv_territory: Mapping[str, str]
    resource_territory: Mapping[str, str | None] = field(default_factory=dict)

    @classmethod
    def of(cls, catalog: Catalog, *, resources: Iterable[Any] | None = None) -> SectorContext:
        """From a catalog (and the database's resources when given instead of the catalog's)."""
        res = list(catalog.resources if resources is None else resources)
        communes: dict[str, str] = {}
        attrs = catalog.commune_table.attrs
        for code, terr in zip(attrs["insee_com"].astype(str), attrs["territory"].astype(str), strict=True):
            communes.setdefault(code, terr)
        qpv: dict[str, str] = {}
        if "code_qp" in catalog.qpv:
            for code, terr in zip(
                catalog.qpv["code_qp"].astype(str), catalog.qpv["territory"].astype(str), strict=True
            ):
                qpv.setdefault(code, terr)
        return cls(frozenset(r.id for r in res), communes, qpv, {r.id: r.territory for r in res})


@dataclass
class _Draft:
    row: int
    values: dict[str, str]
    communes: list[str] = field(default_factory=list)
    qpv: list[str] = field(default_factory=list)
    polygons: list[shapely.Geometry] = field(default_factory=list)


def _split(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(";") if p.strip())


def import_sectors(
    path: Path,
    *,
    context: SectorContext,
    polygons: Path | None = None,
    source: str | None = None,
    verified_on: date | None = None,
) -> ImportReport[Sector]:
    """Read a sectors CSV (and its polygons); the report's records are the sectors (several rows
    each), empty when any row is rejected."""
    report: ImportReport[Sector] = ImportReport(kind="secteurs", source=str(path))
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        report.reject(0, "fichier", f"encodage illisible (octet {exc.start}) : enregistrer le fichier en UTF-8")
        return report
    reader = csv.DictReader(io.StringIO(text))
    header = tuple((h or "").strip() for h in reader.fieldnames or ())
    if header != SECTOR_COLUMNS:
        report.reject(1, "en-tête", f"en-tête attendu : {','.join(SECTOR_COLUMNS)} (trouvé : {','.join(header)})")
        return report
    drafts: dict[str, _Draft] = {}
    for row_no, rec in enumerate(reader, start=2):
        report.rows_read += 1
        _read_row(report, drafts, row_no, {k: (rec.get(k) or "").strip() for k in SECTOR_COLUMNS}, context)
    if polygons is not None:
        _read_polygons(report, drafts, polygons)
    sectors = []
    for sid, d in drafts.items():
        s = _build(report, sid, d, context, source=source or f"import {Path(path).name}", verified_on=verified_on)
        if s is not None:
            sectors.append(s)
    if not report.rejected:
        report.records = sorted(sectors, key=lambda s: s.id)
    return report


def _read_row(
    report: ImportReport[Sector], drafts: dict[str, _Draft], row: int, v: dict[str, str], ctx: SectorContext
) -> None:
    sid = v["secteur"]
    if not sid:
        report.reject(row, "secteur", "identifiant de secteur manquant, par exemple 57G03")
        return
    if v["public"] not in SECTOR_PUBLICS:
        report.reject(row, "public", f"« {v['public']} » : écrire adultes ou enfants", sid)
        return
    for rid in _split(v["referents"]):
        if rid not in ctx.resource_ids:
            report.reject(row, "referents", f"ressource inconnue « {rid} » : donner l'identifiant d'une fiche", sid)
            return
    code, qp = v["insee_com"], v["code_qp"]
    if code and qp:
        report.reject(row, "insee_com", "une commune ou un QPV par ligne, pas les deux", sid)
        return
    if code and code not in ctx.commune_territory:
        report.reject(row, "insee_com", f"commune inconnue « {code} » : code INSEE d'une commune chargée", sid)
        return
    if qp and qp not in ctx.qpv_territory:
        report.reject(row, "code_qp", f"QPV inconnu « {qp} » : code d'un QPV chargé, par exemple QN05720M", sid)
        return
    d = drafts.get(sid)
    if d is None:
        d = drafts[sid] = _Draft(row, {k: v[k] for k in _SAME_EACH_ROW})
    else:
        for col in _SAME_EACH_ROW:
            if v[col] != d.values[col]:
                report.reject(row, col, f"diffère de la ligne {d.row} du même secteur : donner la même valeur", sid)
                return
    if code:
        d.communes.append(code)
    if qp:
        d.qpv.append(qp)


def _read_polygons(report: ImportReport[Sector], drafts: dict[str, _Draft], path: Path) -> None:
    try:
        data = json.loads(Path(path).read_bytes().decode("utf-8-sig"))
        features = data["features"] if data.get("type") == "FeatureCollection" else [data]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, AttributeError, TypeError):
        report.reject(0, "polygones", f"{Path(path).name} : GeoJSON illisible (FeatureCollection attendue)")
        return
    for n, feat in enumerate(features, start=1):
        props = (feat or {}).get("properties") or {}
        sid = str(props.get("secteur") or "").strip()
        where = f"polygones (objet {n})"
        if not sid:
            report.reject(0, where, "propriété « secteur » manquante")
            continue
        if sid not in drafts:
            report.reject(0, where, f"secteur « {sid} » absent du CSV : l'y ajouter (une ligne sans commune)", sid)
            continue
        try:
            geom = shapely.geometry.shape(feat.get("geometry"))
        except (AttributeError, TypeError, ValueError, shapely.errors.GEOSException):
            geom = None
        if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            report.reject(0, where, "géométrie Polygon ou MultiPolygon attendue (longitude latitude)", sid)
            continue
        drafts[sid].polygons.append(geom)


def _territory(d: _Draft, ctx: SectorContext) -> str | None:
    counts: dict[str, int] = {}
    for t in [ctx.commune_territory[c] for c in d.communes] + [ctx.qpv_territory[q] for q in d.qpv]:
        counts[t] = counts.get(t, 0) + 1
    if counts:
        return max(counts, key=lambda t: (counts[t], t != "france"))
    for rid in _split(d.values["referents"]):
        found = ctx.resource_territory.get(rid)
        if found:
            return found
    return None


def _build(
    report: ImportReport[Sector],
    sid: str,
    d: _Draft,
    ctx: SectorContext,
    *,
    source: str,
    verified_on: date | None,
) -> Sector | None:
    if not d.communes and not d.qpv and not d.polygons:
        reason = "secteur sans étendue : lui donner des communes, des QPV ou un polygone (--polygons)"
        report.reject(d.row, "insee_com", reason, sid)
        return None
    wkt = None
    if d.polygons:
        wkt = shapely.to_wkt(shapely.union_all(d.polygons), rounding_precision=7)
    try:
        return Sector(
            id=sid,
            name=d.values["libelle"],
            public=d.values["public"],  # type: ignore[arg-type]  # checked by _read_row
            establishment=d.values["etablissement"],
            referents=_split(d.values["referents"]),
            extent=Extent(communes=tuple(d.communes), qpv=tuple(d.qpv), polygon_wkt=wkt),
            territory=_territory(d, ctx),
            source=source,
            last_verified=verified_on,
        )
    except ValidationError as exc:
        errors = french_errors(exc)
        first = errors[0] if errors else ("secteur", "secteur invalide")
        report.reject(d.row, _column(first[0]), first[1], sid)
        return None


def _column(model_field: str) -> str:
    by_field = {"name": "libelle", "establishment": "etablissement", "id": "secteur", "extent": "insee_com"}
    head = model_field.split(".")[0]
    return by_field.get(head, "polygones" if "polygon" in model_field else head)


def sectors_csv(sectors: Collection[Sector]) -> str:
    """The sectors as the import's CSV (one row per sector × commune or QPV; spreadsheet-safe)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(SECTOR_COLUMNS)
    for s in sorted(sectors, key=lambda s: s.id):
        common = [s.id, s.name, s.public, s.establishment]
        refs = ";".join(s.referents)
        rows = [[c, ""] for c in s.extent.communes] + [["", q] for q in s.extent.qpv] or [["", ""]]
        for code, qp in rows:
            w.writerow([neutralise(x) for x in (*common, code, qp, refs)])
    return buf.getvalue()


def sectors_polygons(sectors: Collection[Sector]) -> dict[str, Any]:
    """The drawn polygons of the sectors as a GeoJSON FeatureCollection (``secteur`` in properties)."""
    features = [
        {
            "type": "Feature",
            "properties": {"secteur": s.id},
            "geometry": shapely.geometry.mapping(shapely.from_wkt(s.extent.polygon_wkt)),
        }
        for s in sorted(sectors, key=lambda s: s.id)
        if s.extent.polygon_wkt
    ]
    return {"type": "FeatureCollection", "features": features}


def sector_problems(sector: Sector, context: SectorContext) -> list[tuple[str, str]]:
    """(field, French reason) for each reference of a sector that is not loaded: the checks of the
    import, for a sector edited on a screen (fields named as the CSV columns)."""
    out: list[tuple[str, str]] = []
    for rid in sector.referents:
        if rid not in context.resource_ids:
            out.append(("referents", f"ressource inconnue « {rid} » : donner l'identifiant d'une fiche"))
    for code in sector.extent.communes:
        if code not in context.commune_territory:
            out.append(("insee_com", f"commune inconnue « {code} » : code INSEE d'une commune chargée"))
    for qp in sector.extent.qpv:
        if qp not in context.qpv_territory:
            out.append(("code_qp", f"QPV inconnu « {qp} » : code d'un QPV chargé, par exemple QN05720M"))
    return out

"""FINESS establishments, data.gouv.fr etalab export (``etalab-cs1100507-stock-*.csv``).

Two layouts are read (see ``layers/README.md`` and the layout file shipped in
``tests/data/finess/``):

- the *stock* layout: Latin-1, ``;``-separated, a first metadata line, then
  ``structureet`` lines (32 fields) and ``geolocalisation`` lines (nofinesset, coordxet,
  coordyet, sourcecoordet, datemaj) joined on ``nofinesset``;
- the *42-column* layout: one header line, coordinates inline (``coordx``, ``coordy``),
  INSEE code in ``cog``.

Coordinates are Lambert-93 in mainland France and each overseas department's own CRS.
Categories are mapped to resource types; other categories are excluded with a reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from pydantic import ValidationError

from geo_clsm.data.importers.finess_common import CommuneChecker, format_phone, type_from_category
from geo_clsm.data.importers.names import readable, readable_street
from geo_clsm.data.importers.report import ImportReport
from geo_clsm.data.importers.resource_rows import CommunePoint
from geo_clsm.geo.crs import LAMBERT93, crs_for_department, to_wgs84
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Resource
from geo_clsm.model.validate import check_lonlat, french_errors, lambert93_to_lonlat

SOURCE = "FINESS, extraction etalab (data.gouv.fr)"

STRUCTURE_FIELDS = [
    "section",
    "nofinesset",
    "nofinessej",
    "rs",
    "rslongue",
    "complrs",
    "compldistrib",
    "numvoie",
    "typvoie",
    "voie",
    "compvoie",
    "lieuditbp",
    "commune",
    "departement",
    "libdepartement",
    "ligneacheminement",
    "telephone",
    "telecopie",
    "categetab",
    "libcategetab",
    "categagretab",
    "libcategagretab",
    "siret",
    "codeape",
    "codemft",
    "libmft",
    "codesph",
    "libsph",
    "dateouv",
    "dateautor",
    "datemaj",
    "numuai",
]
GEO_FIELDS = ("section", "nofinesset", "coordxet", "coordyet", "sourcecoordet", "datemaj")
WIDE_REQUIRED = ("nofinesset", "rs", "categetab", "departement", "coordx", "coordy")

_TYPVOIE = {
    "R": "RUE",
    "AV": "AVENUE",
    "BD": "BOULEVARD",
    "PL": "PLACE",
    "RTE": "ROUTE",
    "CHE": "CHEMIN",
    "ALL": "ALLEE",
    "IMP": "IMPASSE",
    "QUA": "QUAI",
    "SQ": "SQUARE",
    "CRS": "COURS",
    "FG": "FAUBOURG",
}


@dataclass
class _Row:
    line: int
    fid: str
    fields: dict[str, str]
    x: str = ""
    y: str = ""
    geo_line: int | None = None
    geo_date: str = ""


def _date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _insee(dep: str, commune: str) -> str | None:
    dep, commune = dep.strip(), commune.strip()
    if not dep or not commune:
        return None
    if len(commune) == 5:
        return commune
    if len(dep) == 2 and dep[0] == "9" and dep[1].isalpha():  # 9A..9F: overseas departments
        return "97" + commune.zfill(3)
    return dep.zfill(2) + commune.zfill(3)


def _read_lines(path: Path) -> list[str]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # the etalab export is Latin-1
    return text.splitlines()


def import_finess(
    path: Path | str,
    *,
    checker: CommuneChecker | None = None,
    communes: Mapping[str, CommunePoint] | None = None,
    territory: str | None = None,
) -> ImportReport[Resource]:
    """Import the mental-health establishments of a FINESS etalab export.

    Parameters
    ----------
    path
        The export, in either layout (detected from its first line).
    checker
        Commune polygons: a point outside its commune (by INSEE code) is excluded.
    communes
        Town-hall points, to place establishments that have no geolocation line.
    territory
        Territory id given to imported resources.

    Returns
    -------
    ImportReport
        Row numbers are line numbers in the file (line 1 is the metadata or header line).
    """
    path = Path(path)
    report: ImportReport[Resource] = ImportReport(kind="finess", source=str(path))
    lines = _read_lines(path)
    if not lines:
        report.reject(0, "fichier", "fichier vide")
        return report
    rows = _parse_wide(lines, report) if lines[0].lower().startswith("nofinesset;") else _parse_stock(lines, report)
    for r in rows:
        _import_row(r, report, checker, communes or {}, territory)
    return report


def _parse_stock(lines: list[str], report: ImportReport[Resource]) -> list[_Row]:
    structures: dict[str, _Row] = {}
    geos: list[tuple[int, list[str]]] = []
    first = lines[0].split(";")[0].strip().lower()
    start = 1 if first not in ("structureet", "geolocalisation") else 0
    if start == 0:
        report.warnings.append("pas de ligne de métadonnées en tête : le fichier est lu dès la ligne 1")
    for i, line in enumerate(lines[start:], start=start + 1):
        if not line.strip():
            continue
        parts = line.split(";")
        section = parts[0].strip().lower()
        report.rows_read += 1
        if section == "structureet":
            if len(parts) < len(STRUCTURE_FIELDS):
                report.reject(i, "ligne", f"{len(parts)} champs au lieu de {len(STRUCTURE_FIELDS)} : ligne tronquée")
                continue
            fields = dict(zip(STRUCTURE_FIELDS, (p.strip() for p in parts), strict=False))
            fid = fields["nofinesset"]
            if fid in structures:
                report.reject(
                    i, "nofinesset", f"établissement {fid} en double (déjà ligne {structures[fid].line})", fid
                )
                continue
            structures[fid] = _Row(line=i, fid=fid, fields=fields)
        elif section == "geolocalisation":
            geos.append((i, parts))
        else:
            report.reject(
                i, "section", f"type de ligne « {parts[0][:30]} » inconnu : structureet ou geolocalisation attendu"
            )
    for i, parts in geos:
        if len(parts) < 4:
            report.reject(i, "ligne", f"{len(parts)} champs au lieu de {len(GEO_FIELDS)} : ligne tronquée")
            continue
        fid = parts[1].strip()
        target = structures.get(fid)
        if target is None:
            report.reject(i, "nofinesset", f"géolocalisation de {fid} sans ligne structureet", fid)
            continue
        if target.geo_line is not None:
            report.reject(i, "nofinesset", f"géolocalisation de {fid} en double (déjà ligne {target.geo_line})", fid)
            continue
        target.x, target.y = parts[2].strip(), parts[3].strip()
        target.geo_line = i
        target.geo_date = parts[5].strip() if len(parts) > 5 else ""
        # The geolocation line is merged into its structure: it is accounted for there.
        report.rows_read -= 1
    return list(structures.values())


def _parse_wide(lines: list[str], report: ImportReport[Resource]) -> list[_Row]:
    header = [h.strip().lower() for h in lines[0].split(";")]
    missing = [c for c in WIDE_REQUIRED if c not in header]
    if missing:
        report.reject(1, ", ".join(missing), "colonnes absentes de l'en-tête FINESS : " + ", ".join(missing))
        return []
    rows = []
    for i, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        report.rows_read += 1
        parts = [p.strip() for p in line.split(";")]
        if len(parts) < len(header):
            report.reject(i, "ligne", f"{len(parts)} champs au lieu de {len(header)} : ligne tronquée")
            continue
        f = dict(zip(header, parts, strict=False))
        cp_city = f.get("ligneacheminement", "")
        fields = {
            **f,
            "commune": f.get("cog", ""),
            "ligneacheminement": cp_city or f"{f.get('codepostal', '')} {f.get('libelle_routage', '')}",
        }
        rows.append(
            _Row(
                line=i,
                fid=f["nofinesset"],
                fields=fields,
                x=f["coordx"],
                y=f["coordy"],
                geo_line=i,
                geo_date=f.get("dategeocod", ""),
            )
        )
    return rows


def _position(r: _Row, dep: str) -> Position | str | None:
    """The WGS84 position of a row, a French reason when unusable, None when absent."""
    if not r.x and not r.y:
        return None
    try:
        x, y = float(r.x.replace(",", ".")), float(r.y.replace(",", "."))
    except ValueError:
        return f"coordonnées « {r.x} ; {r.y} » non numériques"
    crs = crs_for_department(dep)
    if crs == LAMBERT93:
        got = lambert93_to_lonlat(x, y)
        if isinstance(got, str):
            return got
        lon, lat = got
    else:
        lo, la = to_wgs84(x, y, crs)
        lon, lat = float(lo), float(la)
    why = check_lonlat(lon, lat)
    if why:
        return why
    return Position(lon=lon, lat=lat, precision=PositionPrecision.ADDRESS, source=f"FINESS géolocalisation ({crs})")


def _import_row(
    r: _Row,
    report: ImportReport[Resource],
    checker: CommuneChecker | None,
    communes: Mapping[str, CommunePoint],
    territory: str | None,
) -> None:
    f = r.fields
    fid = r.fid
    category = f.get("categetab", "")
    name = f.get("rslongue") or f.get("rs") or ""
    rtype = type_from_category(category, name)
    if rtype is None:
        report.exclude(
            r.line, "categetab", f"catégorie {category} ({f.get('libcategetab', '')}) hors santé mentale", fid
        )
        return
    dep = f.get("departement", "")
    insee = _insee(dep, f.get("commune", ""))
    pos = _position(r, dep)
    if isinstance(pos, str):
        report.reject(r.geo_line or r.line, "coordxet,coordyet", pos, fid)
        return
    if pos is not None and checker is not None and insee and dep in checker.departments:
        match = checker.check(pos.lon, pos.lat, insee_com=insee)
        if match.problem:
            report.exclude(r.geo_line or r.line, "coordxet,coordyet", match.problem, fid)
            return
    commune_pos = None
    if insee and insee in communes:
        c = communes[insee]
        commune_pos = Position(lon=c.lon, lat=c.lat, precision=PositionPrecision.COMMUNE, source=c.source)
    if pos is None:
        pos = commune_pos
        report.warnings.append(
            f"ligne {r.line} [{fid}] : pas de géolocalisation, "
            + ("placé à la mairie de sa commune" if pos else "aucune position")
        )
    acheminement = f.get("ligneacheminement", "")
    m = re.match(r"^(\d{5})\s+(.*)$", acheminement)
    typvoie = f.get("typvoie", "")
    street = " ".join(
        p for p in (f.get("numvoie", ""), f.get("compvoie", ""), _TYPVOIE.get(typvoie, typvoie), f.get("voie", "")) if p
    )
    last = _date(r.geo_date) or _date(f.get("datemaj", ""))
    if last is None:
        report.reject(
            r.line, "datemaj", f"date de mise à jour « {f.get('datemaj', '')} » illisible : AAAA-MM-JJ attendu", fid
        )
        return
    try:
        res = Resource(
            id=f"finess-{fid}",
            type=rtype,
            name=name,
            street=street or None,
            postcode=m.group(1) if m else None,
            commune=m.group(2).removesuffix(" CEDEX").strip() if m else None,
            insee_com=insee,
            phone=format_phone(f.get("telephone", "")),
            position=pos,
            commune_position=commune_pos,
            finess_et=fid,
            territory=territory,
            source=SOURCE,
            last_verified=last,
            source_date=last,
            display_name=readable(name),
            display_street=readable_street(street) if street else None,
            notes=f"FINESS catégorie {category} : {f.get('libcategetab', '')}",
        )
    except ValidationError as exc:
        errs = french_errors(exc)
        report.reject(r.line, ", ".join(x for x, _ in errs), " ; ".join(y for _, y in errs), fid)
        return
    report.records.append(res)

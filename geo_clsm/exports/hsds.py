"""Open Referral HSDS 3.0 tabular export: CSV tables and a datapackage.json.

Built from the public view of each resource only (:meth:`Resource.public_properties`
and :meth:`Resource.public_position`): a confidential location is exported at commune
precision (the town-hall point, no street address row). Positions are WGS84 degrees.

One resource gives one organization, one service, one location and one
service_at_location; an address when the public view has a street, postcode and
commune; a phone, schedules (from the OSM opening hours), languages and an
accessibility row when known. Identifiers are UUIDs derived from the resource id
(stable from one export to the next); ``organization_identifier`` keeps the geo_clsm id
and the FINESS number.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from geo_clsm.errors import NotFoundError
from geo_clsm.hours import DAYS, parse_opening_hours
from geo_clsm.model import PRECISION_LABELS_FR, PositionPrecision, Resource

_NS = uuid.UUID("0f3c1d52-6f0e-4d8e-9a3e-6b1f2c9e7a10")  # geo_clsm's HSDS namespace (fixed)

# table -> (field, HSDS type, format or None, required); HSDS 3.0 tabular names and types.
TABLES: dict[str, tuple[tuple[str, str, str | None, bool], ...]] = {
    "organization": (
        ("id", "string", "uuid", True),
        ("name", "string", None, True),
        ("alternate_name", "string", None, False),
        ("description", "string", None, True),
        ("email", "string", "email", False),
        ("website", "string", "uri", False),
        ("legal_status", "string", None, False),
    ),
    "organization_identifier": (
        ("id", "string", "uuid", True),
        ("organization_id", "string", "uuid", True),
        ("identifier_scheme", "string", None, False),
        ("identifier_type", "string", None, True),
        ("identifier", "string", None, True),
    ),
    "service": (
        ("id", "string", "uuid", True),
        ("organization_id", "string", "uuid", True),
        ("name", "string", None, True),
        ("alternate_name", "string", None, False),
        ("description", "string", None, False),
        ("url", "string", "uri", False),
        ("email", "string", "email", False),
        ("status", "string", None, True),
        ("application_process", "string", None, False),
        ("fees_description", "string", None, False),
        ("eligibility_description", "string", None, False),
        ("minimum_age", "number", None, False),
        ("maximum_age", "number", None, False),
        ("assured_date", "string", None, False),
    ),
    "location": (
        ("id", "string", "uuid", True),
        ("location_type", "string", None, True),
        ("organization_id", "string", "uuid", False),
        ("name", "string", None, False),
        ("description", "string", None, False),
        ("latitude", "number", None, False),
        ("longitude", "number", None, False),
        ("external_identifier", "string", None, False),
        ("external_identifier_type", "string", None, False),
    ),
    "service_at_location": (
        ("id", "string", "uuid", True),
        ("service_id", "string", "uuid", True),
        ("location_id", "string", "uuid", True),
        ("description", "string", None, False),
    ),
    "address": (
        ("id", "string", "uuid", True),
        ("location_id", "string", "uuid", False),
        ("address_1", "string", None, True),
        ("city", "string", None, True),
        ("state_province", "string", None, True),
        ("postal_code", "string", None, True),
        ("country", "string", None, True),
        ("address_type", "string", None, True),
    ),
    "phone": (
        ("id", "string", "uuid", True),
        ("service_id", "string", "uuid", False),
        ("location_id", "string", "uuid", False),
        ("number", "string", None, True),
        ("type", "string", None, False),
    ),
    "schedule": (
        ("id", "string", "uuid", True),
        ("service_id", "string", "uuid", False),
        ("location_id", "string", "uuid", False),
        ("freq", "string", None, False),
        ("byday", "string", None, False),
        ("opens_at", "string", None, False),
        ("closes_at", "string", None, False),
        ("description", "string", None, False),
        ("notes", "string", None, False),
    ),
    "language": (
        ("id", "string", "uuid", True),
        ("service_id", "string", "uuid", False),
        ("location_id", "string", "uuid", False),
        ("name", "string", None, False),
        ("code", "string", None, False),
    ),
    "accessibility": (
        ("id", "string", "uuid", True),
        ("location_id", "string", "uuid", False),
        ("description", "string", None, False),
    ),
}

# child table -> (its field, parent table)
FOREIGN_KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    "organization_identifier": (("organization_id", "organization"),),
    "service": (("organization_id", "organization"),),
    "location": (("organization_id", "organization"),),
    "service_at_location": (("service_id", "service"), ("location_id", "location")),
    "address": (("location_id", "location"),),
    "phone": (("service_id", "service"), ("location_id", "location")),
    "schedule": (("service_id", "service"), ("location_id", "location")),
    "language": (("service_id", "service"), ("location_id", "location")),
    "accessibility": (("location_id", "location"),),
}

LANGUAGE_NAMES_FR = {
    "fr": "français",
    "en": "anglais",
    "de": "allemand",
    "ar": "arabe",
    "es": "espagnol",
    "it": "italien",
    "pt": "portugais",
    "tr": "turc",
    "ru": "russe",
    "uk": "ukrainien",
    "ro": "roumain",
    "pl": "polonais",
    "zh": "chinois",
    "fcs": "langue des signes française",
}

_BYDAY = {d: d.upper() for d in DAYS}  # OSM Mo -> RFC 5545 MO


def _uid(kind: str, *parts: str) -> str:
    return str(uuid.uuid5(_NS, ":".join([kind, *parts])))


def _department(insee: str | None) -> str | None:
    if not insee:
        return None
    return insee[:3] if insee.startswith("97") else insee[:2]


def _schedules(props: dict[str, Any], service_id: str, location_id: str, rid: str) -> list[dict[str, Any]]:
    """Weekly RRULE rows: one per opening span, with the days that share it."""
    text = props["opening_hours"]
    if not text:
        return []
    hours = parse_opening_hours(text)
    spans: dict[tuple[int, int], list[int]] = {}
    for slot in hours.slots:
        spans.setdefault((slot.start_min, slot.end_min), []).append(slot.weekday)
    rows = []
    for (start, end), days in sorted(spans.items()):
        rows.append(
            {
                "id": _uid("schedule", rid, str(start), str(end)),
                "service_id": service_id,
                "location_id": location_id,
                "freq": "WEEKLY",
                "byday": ",".join(_BYDAY[DAYS[d]] for d in sorted(set(days))),
                "opens_at": f"{start // 60:02d}:{start % 60:02d}",
                "closes_at": f"{end // 60:02d}:{end % 60:02d}",
                "description": f"{props['opening_hours_fr']} (heure locale)",
                "notes": f"horaires OSM : {text}",
            }
        )
    return rows


def _rows(r: Resource) -> dict[str, list[dict[str, Any]]]:
    """The HSDS rows of one resource, from its public view only."""
    p = r.public_properties()
    pos = r.public_position()
    rid = p["id"]
    org, svc, loc = _uid("organization", rid), _uid("service", rid), _uid("location", rid)
    precision = PositionPrecision(p["position_precision"])
    where = PRECISION_LABELS_FR[precision]
    if p["confidential_address"]:
        where = f"adresse confidentielle, {where}"
    audience = p["audience"]
    eligibility = ", ".join(audience["groups"]) or None
    identifiers = [{"identifier_type": "identifiant geo_clsm", "identifier": rid, "identifier_scheme": None}]
    if p["finess_et"]:
        identifiers.append({"identifier_type": "FINESS ET", "identifier": p["finess_et"], "identifier_scheme": None})
    out: dict[str, list[dict[str, Any]]] = {
        "organization": [
            {
                "id": org,
                "name": p["name"],
                "description": p["type_label"] + (f" — secteur {p['sector']}" if p["sector"] else ""),
                "email": p["email"],
                "website": p["website"],
            }
        ],
        "organization_identifier": [
            {"id": _uid("identifier", rid, i["identifier_type"]), "organization_id": org, **i} for i in identifiers
        ],
        "service": [
            {
                "id": svc,
                "organization_id": org,
                "name": p["name"],
                "alternate_name": p["type_label"],
                "description": "; ".join(
                    [p["type_label"], *p["services"], f"Source : {p['source']} (vérifié le {p['last_verified']})"]
                ),
                "url": p["website"],
                "email": p["email"],
                "status": "active",
                "application_process": {True: "sur rendez-vous", False: "sans rendez-vous"}.get(
                    p["appointment_required"]
                ),
                "fees_description": {True: "gratuit", False: "payant"}.get(p["free_of_charge"]),
                "eligibility_description": eligibility,
                "minimum_age": audience["age_min"],
                "maximum_age": audience["age_max"],
                "assured_date": p["last_verified"],
            }
        ],
        "location": [
            {
                "id": loc,
                "location_type": "physical",
                "organization_id": org,
                "name": p["name"],
                "description": f"Position : {where}" + (f" ; {p['commune']}" if p["commune"] else ""),
                "latitude": None if pos is None else round(pos.lat, 6),
                "longitude": None if pos is None else round(pos.lon, 6),
                "external_identifier": p["finess_et"],
                "external_identifier_type": "FINESS ET" if p["finess_et"] else None,
            }
        ],
        "service_at_location": [{"id": _uid("service_at_location", rid), "service_id": svc, "location_id": loc}],
        "schedule": _schedules(p, svc, loc, rid),
        "language": [
            {
                "id": _uid("language", rid, code),
                "service_id": svc,
                "location_id": loc,
                "name": LANGUAGE_NAMES_FR.get(code.lower(), code),
                "code": code,
            }
            for code in p["languages"]
        ],
        "address": [],
        "phone": [],
        "accessibility": [],
    }
    dep = _department(p["insee_com"])
    if p["street"] and p["postcode"] and p["commune"] and dep:
        out["address"].append(
            {
                "id": _uid("address", rid),
                "location_id": loc,
                "address_1": p["street"],
                "city": p["commune"],
                "state_province": dep,
                "postal_code": p["postcode"],
                "country": "FR",
                "address_type": "physical",
            }
        )
    if p["phone"]:
        out["phone"].append(
            {"id": _uid("phone", rid), "service_id": svc, "location_id": loc, "number": p["phone"], "type": "voice"}
        )
    if p["wheelchair"] is not None:
        text = "accessible en fauteuil roulant" if p["wheelchair"] else "non accessible en fauteuil roulant"
        out["accessibility"].append({"id": _uid("accessibility", rid), "location_id": loc, "description": text})
    return out


def hsds_tables(resources: Iterable[Resource]) -> dict[str, list[dict[str, Any]]]:
    """Every HSDS table (rows as dicts) for ``resources``."""
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    for r in resources:
        for name, rows in _rows(r).items():
            tables[name] += rows
    return tables


def territory_resources(resources: Sequence[Resource], *, territory: str, territories: Iterable[str]) -> list[Resource]:
    """The resources of ``territory``; NotFoundError naming the loaded ones."""
    known = list(territories)
    if territory not in known:
        raise NotFoundError(f"territoire inconnu « {territory} » : choisir parmi {', '.join(known)}")
    return [r for r in resources if r.territory == territory]


def _descriptor(territory: str, title: str) -> dict[str, Any]:
    res = []
    for name, fields in TABLES.items():
        schema: dict[str, Any] = {
            "fields": [
                {
                    "name": f,
                    "type": t,
                    **({"format": fmt} if fmt else {}),
                    **({"constraints": {"required": True, **({"unique": True} if f == "id" else {})}} if req else {}),
                }
                for f, t, fmt, req in fields
            ],
            "primaryKey": ["id"],
        }
        fks = [
            {"fields": [field], "reference": {"resource": parent, "fields": ["id"]}}
            for field, parent in FOREIGN_KEYS.get(name, ())
        ]
        if fks:
            schema["foreignKeys"] = fks
        res.append(
            {
                "name": name,
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": schema,
            }
        )
    return {
        "name": f"geo-clsm-hsds-{territory.lower()}",
        "title": title,
        "profile": "tabular-data-package",
        "description": (
            "Ressources en santé mentale au format Open Referral HSDS 3.0 (tables CSV). Vue publique : "
            "une adresse confidentielle n'est donnée qu'à la commune. Chaque service indique sa source et "
            "sa date de vérification."
        ),
        "resources": res,
    }


def _csv(name: str, rows: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    fields = [f[0] for f in TABLES[name]]
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for row in rows:
        w.writerow({k: "" if row.get(k) is None else row[k] for k in fields})
    return buf.getvalue().encode("utf-8")


def hsds_files(resources: Iterable[Resource], *, territory: str, title: str) -> dict[str, bytes]:
    """The export's files by name: one CSV per table and ``datapackage.json``."""
    tables = hsds_tables(resources)
    files = {f"{name}.csv": _csv(name, rows) for name, rows in tables.items()}
    descriptor = json.dumps(_descriptor(territory, title), ensure_ascii=False, indent=2)
    files["datapackage.json"] = descriptor.encode("utf-8")
    return files


def write_hsds(files: dict[str, bytes], out_dir: Path) -> list[Path]:
    """Write the files into ``out_dir`` (created if needed); the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in files.items():
        path = out_dir / name
        path.write_bytes(content)
        written.append(path)
    return written


def zip_hsds(files: dict[str, bytes]) -> bytes:
    """The files in one zip archive."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            zf.writestr(name, content)
    return buf.getvalue()

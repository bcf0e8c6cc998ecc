"""Open Referral HSDS 3.0 tabular export: the official package's CSV tables and datapackage.json.

Built from the public view of each resource only (:meth:`Resource.public_properties`
and :meth:`Resource.public_position`): a confidential location is exported at commune
precision (the town-hall point, no street address row). Positions are WGS84 degrees.

Every table of the official package (:mod:`geo_clsm.exports.hsds_schema`) is written under its
official file name with its official columns in order (a table geo_clsm has nothing for is a
header). One resource gives one organization, one service, one location and one
service_at_location; an address when the public view has a street, postcode and commune
(``state_province`` the region's name); a phone, schedules (from the OSM opening hours),
languages and an accessibility row when known; the service's type as a term of geo_clsm's
taxonomy of resource types (``taxonomy``, ``taxonomy_term``, ``attribute``); and a ``metadata``
row for its verification. The FINESS ET number identifies an establishment, that is the
location (``external_identifier``), not the organization; the organization's identifier is the
geo_clsm id (scheme ``geo_clsm``, not an org-id.guide list: the record's own id, so that a reader
finds it in ``/api/resources/{id}``). Identifiers are UUIDs derived from the resource id (stable from one export to the next).
"""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from geo_clsm.exports.hsds_regions import region_of
from geo_clsm.exports.hsds_schema import LANGUAGE_NAMES_FR, descriptor, table_fields, table_names, table_path
from geo_clsm.exports.sheet_safety import neutralise
from geo_clsm.model.errors import NotFoundError
from geo_clsm.model.hours import DAYS, parse_opening_hours
from geo_clsm.model.position import PRECISION_LABELS_FR, Position, PositionPrecision
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import ResourceType

_NS = uuid.UUID("0f3c1d52-6f0e-4d8e-9a3e-6b1f2c9e7a10")  # geo_clsm's HSDS namespace (fixed)

_BYDAY = {d: d.upper() for d in DAYS}  # OSM Mo -> RFC 5545 MO


def _uid(kind: str, *parts: str) -> str:
    return str(uuid.uuid5(_NS, ":".join([kind, *parts])))


def _time(minutes: int) -> str:
    """HH:MM:SS (the table schema's ``time``); the end of day 24:00 is written 23:59:59."""
    if minutes >= 24 * 60:
        return "23:59:59"
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


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
                "opens_at": _time(start),
                "closes_at": _time(end),
                "description": f"{props['opening_hours_fr']} (heure locale)",
                "notes": f"horaires OSM : {text}",
            }
        )
    return rows


def _organization(p: dict[str, Any], org: str) -> dict[str, Any]:
    return {
        "id": org,
        "name": p["name"],
        "description": p["type_label"],
        "email": p["email"],
        "website": p["website"],
    }


def _service(p: dict[str, Any], svc: str, org: str) -> dict[str, Any]:
    audience = p["audience"]
    return {
        "id": svc,
        "organization_id": org,
        "name": p["name"],
        "alternate_name": p["type_label"],
        "description": "; ".join([p["type_label"], *p["services"], f"Source : {p['source']} ({p['provenance_fr']})"]),
        "url": p["website"],
        "email": p["email"],
        "status": "active",
        "application_process": " ; ".join(
            w
            for w in (
                {True: "sur rendez-vous", False: "sans rendez-vous"}.get(p["appointment_required"]),
                p["accepts_new_fr"],
            )
            if w
        )
        or None,
        "fees_description": {True: "gratuit", False: "payant"}.get(p["free_of_charge"]),
        "eligibility_description": ", ".join(audience["groups"]) or None,
        "minimum_age": audience["age_min"],
        "maximum_age": audience["age_max"],
        "assured_date": p["confirmed_on"],  # only a confirmation by the place or the CLSM assures it
        "wait_time": p["wait_fr"],  # as the place stated it, with its day; never estimated
        "alert": _alert(p["notice"]),  # the notice running on the day of the export
    }


def _alert(notice: dict[str, Any] | None) -> str | None:
    if notice is None:
        return None
    start, end = (date.fromisoformat(notice[k]).strftime("%d/%m/%Y") for k in ("start", "end"))
    return f"{notice['text']} (du {start} au {end})"


def _location(p: dict[str, Any], pos: Position | None, loc: str, org: str) -> dict[str, Any]:
    where = PRECISION_LABELS_FR[PositionPrecision(p["position_precision"])]
    if p["confidential_address"]:
        where = f"adresse confidentielle, {where}"
    return {
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


def _address(p: dict[str, Any], loc: str) -> list[dict[str, Any]]:
    """The street address, when the public view has one (never for a confidential address)."""
    region = region_of(p["insee_com"])
    if not (p["street"] and p["postcode"] and p["commune"] and region):
        return []
    return [
        {
            "id": _uid("address", p["id"]),
            "location_id": loc,
            "address_1": p["street"],
            "city": p["commune"],
            "state_province": region,
            "postal_code": p["postcode"],
            "country": "FR",
            "address_type": "physical",
        }
    ]


def _rows(r: Resource) -> dict[str, list[dict[str, Any]]]:
    """The HSDS rows of one resource, from its public view only."""
    p = r.public_properties()
    rid = p["id"]
    org, svc, loc = _uid("organization", rid), _uid("service", rid), _uid("location", rid)
    out: dict[str, list[dict[str, Any]]] = {"organization": [_organization(p, org)]}
    out["organization_identifier"] = [
        {
            "id": _uid("identifier", rid, "identifiant geo_clsm"),
            "organization_id": org,
            "identifier_scheme": "geo_clsm",
            "identifier_type": "identifiant geo_clsm",
            "identifier": rid,
        }
    ]
    out["service"] = [_service(p, svc, org)]
    out["attribute"] = [
        {
            "id": _uid("attribute", rid),
            "link_id": svc,
            "taxonomy_term_id": _term_id(r.type),
            "link_type": "service_type",
            "link_entity": "service",
            "value": p["type_label"],
        }
    ]
    out["metadata"] = [
        {
            "id": _uid("metadata", rid),
            "resource_id": svc,
            "resource_type": "service",
            "last_action_date": p["last_verified"],
            "last_action_type": "verify",
            "field_name": "assured_date",
            "previous_value": "non publiée",
            "replacement_value": p["last_verified"],
            "updated_by": "une personne (geo_clsm)" if p["verified_by_person"] else f"source : {p['source']}",
        }
    ]
    out["location"] = [_location(p, r.public_position(), loc, org)]
    out["service_at_location"] = [{"id": _uid("service_at_location", rid), "service_id": svc, "location_id": loc}]
    out["address"] = _address(p, loc)
    out["schedule"] = _schedules(p, svc, loc, rid)
    out["language"] = [
        {
            "id": _uid("language", rid, code),
            "service_id": svc,
            "location_id": loc,
            "name": LANGUAGE_NAMES_FR.get(code.lower(), code),
            "code": code,
        }
        for code in p["languages"]
    ]
    out["phone"] = (
        [{"id": _uid("phone", rid), "service_id": svc, "location_id": loc, "number": p["phone"], "type": "voice"}]
        if p["phone"]
        else []
    )
    out["accessibility"] = []
    if p["wheelchair"] is not None:
        text = "accessible en fauteuil roulant" if p["wheelchair"] else "non accessible en fauteuil roulant"
        out["accessibility"].append({"id": _uid("accessibility", rid), "location_id": loc, "description": text})
    return out


TAXONOMY_ID = str(uuid.uuid5(_NS, "taxonomy:resource-types"))


def _term_id(kind: ResourceType) -> str:
    return _uid("taxonomy_term", kind.value)


def taxonomy_tables() -> dict[str, list[dict[str, Any]]]:
    """geo_clsm's taxonomy of resource types: one term per type (its code and French label)."""
    return {
        "taxonomy": [
            {
                "id": TAXONOMY_ID,
                "name": "Types de ressources geo_clsm",
                "description": "Types de ressources en santé mentale (CMP, CATTP, GEM, …) tels que geo_clsm les code.",
                "version": "1",
            }
        ],
        "taxonomy_term": [
            {
                "id": _term_id(kind),
                "code": kind.value,
                "name": kind.label_fr,
                "description": kind.label_fr,
                "taxonomy": "Types de ressources geo_clsm",
                "language": "fr",
                "taxonomy_id": TAXONOMY_ID,
            }
            for kind in ResourceType
        ],
    }


def hsds_tables(resources: Iterable[Resource]) -> dict[str, list[dict[str, Any]]]:
    """Every table of the official package (rows as dicts, keyed by the official resource name) for ``resources``."""
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in table_names()}
    for name, rows in taxonomy_tables().items():
        tables[name] += rows
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


def _csv(name: str, rows: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    fields = table_fields(name)
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for row in rows:
        w.writerow({k: "" if row.get(k) is None else neutralise(row[k]) for k in fields})
    return buf.getvalue().encode("utf-8")


def hsds_files(resources: Iterable[Resource], *, territory: str, title: str) -> dict[str, bytes]:
    """The export's files by name: one CSV per table and ``datapackage.json``."""
    tables = hsds_tables(resources)
    files = {table_path(name): _csv(name, rows) for name, rows in tables.items()}
    text = json.dumps(descriptor(territory, title), ensure_ascii=False, indent=2)
    files["datapackage.json"] = text.encode("utf-8")
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

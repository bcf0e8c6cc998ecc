"""The HSDS 3.0 tables geo_clsm writes: field names, types and keys, and the Frictionless
``datapackage.json`` descriptor that declares them (types, required fields, primary and
foreign keys), so that ``frictionless validate`` checks a package.
"""

from __future__ import annotations

from typing import Any

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
        ("wait_time", "string", None, False),
        ("alert", "string", None, False),
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


def descriptor(territory: str, title: str) -> dict[str, Any]:
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

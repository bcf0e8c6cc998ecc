"""The HSDS 3.0 tables as Open Referral defines them: the official ``datapackage.json`` of
openreferral/specification, vendored unchanged under ``hsds_spec/`` (with its licence and
provenance), gives each table's file name, columns in order, types, enums and keys; the
``datapackage.json`` geo_clsm writes is that descriptor with the package's own name, title and
description (the resources, their schemas, ``profile`` and HSDS ``version`` kept as published).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

from geo_clsm.package_data import package_dir

SPEC_DIR = package_dir("geo_clsm.exports") / "hsds_spec"
"""The vendored official files (datapackage.json, schema/*.json, LICENSE, README.md)."""

HSDS_VERSION = "3.0.0"
HSDS_PROFILE = "https://github.com/openreferral/specification/tree/3.0/schema"
"""No HSDS profile is applied: the base specification's canonical schema URL (docs/hsds/profiles.md)."""


@cache
def official_package() -> dict[str, Any]:
    """The official HSDS 3.0 ``datapackage.json`` (read once; callers copy before changing it)."""
    found: dict[str, Any] = json.loads((SPEC_DIR / "datapackage.json").read_text(encoding="utf-8"))
    return found


@cache
def _tables() -> dict[str, tuple[str, tuple[str, ...]]]:
    return {
        r["name"]: (r["path"], tuple(f["name"] for f in r["schema"]["fields"])) for r in official_package()["resources"]
    }


def table_names() -> tuple[str, ...]:
    """Every table of the official package, in its order."""
    return tuple(_tables())


def table_path(name: str) -> str:
    """The official file name of table ``name`` (``organizations.csv``…)."""
    return _tables()[name][0]


def table_fields(name: str) -> tuple[str, ...]:
    """The official columns of table ``name``, in order."""
    return _tables()[name][1]


def json_schema(name: str) -> dict[str, Any]:
    """The official JSON schema ``schema/{name}.json`` (``service``, ``service_at_location``…)."""
    found: dict[str, Any] = json.loads((SPEC_DIR / "schema" / f"{name}.json").read_text(encoding="utf-8"))
    return found


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
    """The official HSDS 3.0 descriptor, named and described for this package."""
    out = copy.deepcopy(official_package())
    out.update(
        {
            "name": f"geo-clsm-hsds-{territory.lower()}",
            "title": title,
            "description": (
                "Ressources en santé mentale au format Open Referral HSDS 3.0 (tables CSV du paquet officiel). "
                "Vue publique : une adresse confidentielle n'est donnée qu'à la commune. Chaque service "
                "indique sa source et sa date de vérification."
            ),
            "profile": "tabular-data-package",
            "version": HSDS_VERSION,
            "hsds_profile": HSDS_PROFILE,
        }
    )
    return out

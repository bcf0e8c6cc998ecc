"""Adding and removing a local territory: checked against the national layers, kept in the local file.

The definitions are read back by :func:`geo_clsm.data.territories.read_local` (and through it by the
manifest); this module sits above the manifest and the layers, which it reads to check a selection.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from geo_clsm.data.territories import Selection, check_name, read_local
from geo_clsm.model.errors import InvalidInputError, NotFoundError

_ID_RE = re.compile(r"^[a-z][a-z0-9-]{1,39}$")


_HEADER = "# Territories added with `geo-clsm territory add` (local to this deployment).\n\n"


def _write_local(path: Path, entries: list[dict[str, Any]]) -> None:
    """Write the local file with a TOML writer (tomli-w escapes what TOML forbids), check that it
    reads back as written, then replace the old file atomically (a reader sees the old file or
    the new one; a failed write leaves the old one)."""
    doc = {"territory": entries}
    text = _HEADER + tomli_w.dumps(doc)
    if tomllib.loads(text) != doc:
        raise InvalidInputError("territoire : valeurs impossibles à enregistrer telles quelles dans le fichier local")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add_territory(
    path: Path,
    *,
    data_dir: Path | str | None,
    territory_id: str,
    name: str,
    selection: Selection,
) -> dict[str, Any]:
    """Check and record a new local territory; returns its summary (communes, population).

    Raises
    ------
    InvalidInputError
        Bad id, name or selection, or an id already used.
    NotFoundError
        Codes the national layer does not know, or an empty selection.
    """
    from geo_clsm.data.layers import national_communes
    from geo_clsm.data.manifest import read_manifest

    if not _ID_RE.match(territory_id):
        raise InvalidInputError(
            f"identifiant « {territory_id} » invalide : 2 à 40 lettres minuscules, chiffres ou tirets, par exemple lille"
        )
    name = check_name(name)
    selection.check()
    _, territories = read_manifest(Path(data_dir) if data_dir else None, local_file=path)
    if territory_id in territories:
        raise InvalidInputError(f"territoire « {territory_id} » déjà défini : choisir un autre identifiant")
    table = national_communes(data_dir)
    unknown = selection.unknown_codes(table)
    if unknown:
        raise NotFoundError(f"codes inconnus de la couche nationale des communes : {', '.join(unknown[:10])}")
    chosen = table[selection.mask(table)]
    if chosen.empty:
        raise NotFoundError("aucune commune choisie : vérifier l'EPCI, le département ou les codes INSEE")
    entries = read_local(path)
    entries.append({"id": territory_id, "name": name, "kind": "local", **selection.as_toml()})
    _write_local(path, entries)
    return {
        "id": territory_id,
        "name": name,
        "communes": len(chosen),
        "population": int(chosen["population_municipale"].fillna(0).sum()),
    }


def remove_territory(path: Path, territory_id: str) -> None:
    """Forget a local territory (its resources, if any, stay)."""
    entries = read_local(path)
    kept = [e for e in entries if e.get("id") != territory_id]
    if len(kept) == len(entries):
        raise NotFoundError(
            f"territoire local « {territory_id} » inconnu : seuls les territoires ajoutés peuvent être retirés"
        )
    _write_local(path, kept)

"""Territories defined from the national layers, with no hand-made file.

A deployment adds the territory of its CLSM by an EPCI (SIREN), a department or a list of INSEE
codes. The definition is kept in a local TOML file (``var/territories.toml`` by default, beside
the database, never in the shipped ``layers/``) that :func:`geo_clsm.data.layers.read_manifest` reads
after the manifest. Such a territory (kind ``local``) uses the national commune and town-hall
layers, filtered to its communes, and every QPV layer, filtered by commune code. Removing a
territory removes only its definition: resources are never tied to it.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from geo_clsm.model.errors import InvalidInputError, LayerError

DEFAULT_LOCAL_FILE = Path("var") / "territories.toml"
_DEP_RE = re.compile(r"^(\d{2}|2[AB]|97[1-6])$")
_INSEE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


@dataclass(frozen=True, slots=True)
class Selection:
    """How a local territory picks its communes: exactly one of the three."""

    epci_siren: str | None = None
    departments: tuple[str, ...] = ()
    communes: tuple[str, ...] = ()

    def check(self) -> None:
        given = sum(bool(v) for v in (self.epci_siren, self.departments, self.communes))
        if given != 1:
            raise InvalidInputError(
                "territoire : donner exactement un choix de communes (EPCI, département ou communes)"
            )
        if self.epci_siren is not None and not re.fullmatch(r"\d{9}", self.epci_siren):
            raise InvalidInputError(f"EPCI « {self.epci_siren} » invalide : un SIREN de 9 chiffres est attendu")
        bad = [d for d in self.departments if not _DEP_RE.match(d)]
        if bad:
            raise InvalidInputError(f"département invalide : {', '.join(bad)} (par exemple 57, 2A ou 974)")
        bad = [c for c in self.communes if not _INSEE_RE.match(c)]
        if bad:
            raise InvalidInputError(f"code INSEE invalide : {', '.join(bad[:10])} (5 caractères, par exemple 57463)")

    def mask(self, communes: pd.DataFrame) -> pd.Series:
        """Rows of a national commune table that this selection keeps."""
        if self.epci_siren:
            return communes["epci_siren"].astype(str) == self.epci_siren
        if self.departments:
            return communes["dep"].astype(str).isin(self.departments)
        return communes["insee_com"].astype(str).isin(self.communes)

    def unknown_codes(self, communes: pd.DataFrame) -> list[str]:
        """Codes of the selection that the national table does not hold."""
        if self.epci_siren:
            return [] if (communes["epci_siren"].astype(str) == self.epci_siren).any() else [self.epci_siren]
        if self.departments:
            known = set(communes["dep"].astype(str))
            return [d for d in self.departments if d not in known]
        known = set(communes["insee_com"].astype(str))
        return [c for c in self.communes if c not in known]

    def as_toml(self) -> dict[str, Any]:
        if self.epci_siren:
            return {"epci_siren": self.epci_siren}
        if self.departments:
            return {"departments": list(self.departments)}
        return {"communes": list(self.communes)}


def read_local(path: Path | None) -> list[dict[str, Any]]:
    """The ``[[territory]]`` entries of the local file (none when it does not exist)."""
    if path is None or not path.is_file():
        return []
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise LayerError(f"fichier des territoires locaux illisible ({path}) : {exc}") from None
    entries = doc.get("territory", [])
    if not isinstance(entries, list):
        raise LayerError(f"fichier des territoires locaux ({path}) : [[territory]] attendu")
    return entries


def check_name(name: str) -> str:
    """The territory's display name, stripped; InvalidInputError (French, naming the field) when
    empty or holding a control character or a lone surrogate."""
    bad = next((c for c in name if unicodedata.category(c) in ("Cc", "Cs")), None)
    if bad is not None:
        raise InvalidInputError(
            f"champ name (nom du territoire) : caractère de contrôle U+{ord(bad):04X} refusé ;"
            " écrire le nom sur une seule ligne, sans tabulation"
        )
    if not name.strip():
        raise InvalidInputError("nom du territoire requis, par exemple « Métropole européenne de Lille »")
    return name.strip()


def national_layers(layers: dict[str, Any], territories: dict[str, Any]) -> list[str]:
    """Layer ids a local territory uses: the national territory's communes and town halls, and every QPV layer."""
    national = next((t for t in territories.values() if t.kind == "national"), None)
    if national is None:
        raise LayerError("aucun territoire national dans le manifeste : impossible de définir un territoire local")
    base = [ref for ref in national.layers if layers[ref].kind in ("communes", "mairies")]
    qpv = [lid for lid, lay in layers.items() if lay.kind == "qpv"]
    return base + qpv

"""The layers' manifest: the shipped layers with their provenance, the territories, local additions.

``manifest.toml`` lists every layer (path, format, source, licence, vintage, CRS) and every
territory with the layers it uses; territories added from the national layers live in a local
file, and a data update points a layer at the version in service.
"""

from __future__ import annotations

import gzip
import tomllib
import warnings
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import geopandas as gpd

from geo_clsm.data.territories import Selection, national_layers, read_local
from geo_clsm.data.versions import VersionStore
from geo_clsm.model.errors import LayerError
from geo_clsm.model.resource_types import LINE_TYPES, ResourceType

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent.parent / "layers"
KIND_ORDER = {"pilot": 0, "local": 1, "national": 2}
SOURCE_FORMATS = {"finess": "finess", "qpv": "anct", "communes": "communes"}  # format of each official source
LAYER_KEYS = ("id", "path", "kind", "format", "source", "licence", "vintage", "crs", "fields")
FORMATS = {
    "qpv": {"anct"},
    "communes": {"communes"},
    "mairies": {"mairies"},
    "resources": {"registry", "resources", "gisco", "finess"},
    "population": {"points"},
    # read by the gazetteer and the national lines, whichever territories are loaded
    "arrondissements": {"arrondissements"},
    "postcodes": {"postcodes"},
    "lines": {"national_lines"},
    "line_needs": {"line_needs"},
}
EVERY_TERRITORY = "*"
FINESS_COVERS_TYPES = ("CMP", "CMP_ADULTE", "CMP_ENFANT", "CATTP", "HOPITAL_PSY", "CMPP", "CSAPA")
"""Types a full FINESS extract (``data update --source finess``) lists exhaustively: every
establishment of categories 156 (CMP), 425 (CATTP), 292 and 161 (psychiatric hospitals and
clinics), 189 (CMPP) and 197 (CSAPA) is registered in FINESS (layers/README.md, « Coverage »)."""


@dataclass(frozen=True, slots=True)
class LayerInfo:
    """One shipped layer and its provenance, as the manifest gives it."""

    id: str
    path: str
    kind: str
    format: str
    source: str
    licence: str
    vintage: str
    crs: str
    fields: tuple[str, ...]
    verified_on: date | None = None
    value_field: str | None = None  # population layers: the field holding the count
    cell_m: float | None = None  # population layers: the grid cell size, in metres
    update_source: str | None = None  # official source that `geo-clsm data update` refreshes
    covers_types: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Resource types the layer lists exhaustively: (territory id or "*" for every territory
    using the layer, type codes). Outside these, the France-wide indicators give no value."""

    def types_covered(self, territory: str) -> frozenset[str]:
        """The types this layer lists exhaustively in ``territory``'s communes."""
        return frozenset(t for key, types in self.covers_types if key in (EVERY_TERRITORY, territory) for t in types)


@dataclass(frozen=True, slots=True)
class Territory:
    """A territory: an id, a name, and the layers it uses."""

    id: str
    name: str
    kind: str  # "pilot", "local" (added from the national layers) or "national"
    layers: tuple[str, ...]
    epci_siren: str | None = None
    registry_label: str | None = None
    departments: tuple[str, ...] = ()
    communes: tuple[str, ...] = ()

    @property
    def selection(self) -> Selection | None:
        """How the territory picks communes from its layers (None: every commune, as a national territory)."""
        if not (self.epci_siren or self.departments or self.communes):
            return None
        return Selection(epci_siren=self.epci_siren, departments=self.departments, communes=self.communes)


def read_manifest(
    data_dir: Path | None, *, local_file: Path | None = None
) -> tuple[dict[str, LayerInfo], dict[str, Territory]]:
    """Parse and check ``manifest.toml``, then the local territories of ``local_file`` (see
    :mod:`geo_clsm.data.territories`); every problem is reported together."""
    data_dir = data_dir or DEFAULT_DATA_DIR
    path = data_dir / "manifest.toml"
    if not path.is_file():
        raise LayerError(f"manifeste introuvable : {path}")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise LayerError(f"manifeste illisible ({path}) : {exc}") from None
    problems: list[str] = []
    layers: dict[str, LayerInfo] = {}
    for i, raw in enumerate(doc.get("layer", []), start=1):
        missing = [k for k in LAYER_KEYS if k not in raw]
        if missing:
            problems.append(f"couche n°{i} ({raw.get('id', '?')}) : clés manquantes {', '.join(missing)}")
            continue
        if raw["kind"] not in FORMATS or raw["format"] not in FORMATS[raw["kind"]]:
            problems.append(f"couche {raw['id']} : type/format inconnus ({raw['kind']}/{raw['format']})")
        if not (data_dir / raw["path"]).is_file():
            problems.append(f"couche {raw['id']} : fichier absent {raw['path']}")
        if raw["id"] in layers:
            problems.append(f"couche {raw['id']} : identifiant en double")
        verified = raw.get("verified_on")
        if raw["format"] == "registry" and verified is None:
            problems.append(f"couche {raw['id']} : un registre doit dire verified_on (date de vérification)")
        layers[raw["id"]] = LayerInfo(
            id=raw["id"],
            path=raw["path"],
            kind=raw["kind"],
            format=raw["format"],
            source=raw["source"],
            licence=raw["licence"],
            vintage=str(raw["vintage"]),
            crs=raw["crs"],
            fields=tuple(raw["fields"]),
            verified_on=date.fromisoformat(str(verified)) if verified else None,
            value_field=raw.get("value_field"),
            cell_m=float(raw["cell_m"]) if raw.get("cell_m") is not None else None,
            update_source=raw.get("update_source"),
            covers_types=_covers(raw, problems),
        )
        if raw["kind"] == "population" and (not raw.get("value_field") or not raw.get("cell_m")):
            problems.append(f"couche {raw['id']} : une couche de population doit dire value_field et cell_m")
    territories: dict[str, Territory] = {}
    for raw in doc.get("territory", []):
        tid = raw.get("id")
        if not tid or not raw.get("name"):
            problems.append(f"territoire {tid or '?'} : id et name sont requis")
            continue
        refs = tuple(raw.get("layers", []))
        for ref in refs:
            if ref not in layers:
                problems.append(f"territoire {tid} : couche inconnue {ref}")
        kinds = [layers[r].kind for r in refs if r in layers]
        if "communes" not in kinds:
            problems.append(f"territoire {tid} : une couche communes est requise")
        if raw.get("kind", "pilot") == "pilot" and not raw.get("epci_siren"):
            problems.append(f"territoire {tid} : epci_siren requis pour un territoire pilote")
        territories[tid] = Territory(
            id=tid,
            name=raw["name"],
            kind=raw.get("kind", "pilot"),
            layers=refs,
            epci_siren=raw.get("epci_siren"),
            registry_label=raw.get("registry_label"),
        )
    problems += _covers_territories(layers, territories)
    if not territories:
        problems.append("aucun territoire déclaré")
    if problems:
        raise LayerError(f"manifeste invalide ({path})", problems)
    _add_local_territories(local_file, layers, territories)
    return layers, territories


def _covers(raw: dict[str, object], problems: list[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``covers_types``: a list of type codes (every territory using the layer) or a table
    territory id -> list of type codes."""
    value = raw.get("covers_types")
    if value is None:
        return ()
    if raw.get("kind") != "resources":
        problems.append(f"couche {raw['id']} : covers_types ne vaut que pour une couche de ressources")
        return ()
    table = value if isinstance(value, dict) else {EVERY_TERRITORY: value}
    places = {t.value for t in ResourceType if t not in LINE_TYPES}
    out = []
    for key, types in table.items():
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            problems.append(f"couche {raw['id']} : covers_types ({key}) doit être une liste de types")
            continue
        bad = [t for t in types if t not in places]
        if bad:
            problems.append(f"couche {raw['id']} : covers_types, type(s) inconnu(s) {', '.join(bad)}")
        out.append((str(key), tuple(t for t in types if t in places)))
    return tuple(out)


def _covers_territories(layers: dict[str, LayerInfo], territories: dict[str, Territory]) -> list[str]:
    """Each declared territory named in a layer's ``covers_types`` must use that layer (a name
    no territory declares is ignored: a manifest may reuse a layer without its territories)."""
    problems = []
    for lay in layers.values():
        for key, _ in lay.covers_types:
            if key in territories and lay.id not in territories[key].layers:
                problems.append(f"couche {lay.id} : covers_types nomme {key}, qui n'utilise pas cette couche")
    return problems


def _add_local_territories(path: Path | None, layers: dict[str, LayerInfo], territories: dict[str, Territory]) -> None:
    problems: list[str] = []
    entries = read_local(path)
    refs = tuple(national_layers(layers, territories)) if entries else ()
    for raw in entries:
        tid = str(raw.get("id") or "")
        if not tid or not raw.get("name") or tid in territories:
            problems.append(f"territoire local {tid or '?'} : id unique et name requis")
            continue
        territories[tid] = Territory(
            id=tid,
            name=str(raw["name"]),
            kind="local",
            layers=refs,
            epci_siren=raw.get("epci_siren"),
            departments=tuple(raw.get("departments", ())),
            communes=tuple(raw.get("communes", ())),
        )
    if problems:
        raise LayerError(f"territoires locaux invalides ({path})", problems)


def read_vector(path: Path, *, read_geometry: bool = True) -> gpd.GeoDataFrame:
    """Read a vector file with pyogrio; ``.gz`` files are decompressed in memory."""
    import pyogrio  # here: GDAL costs ~30 MB and a second at start-up, unused when the cache answers

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*non conformant file extension.*")
        if path.suffix == ".gz":
            data = gzip.decompress(path.read_bytes())
            return pyogrio.read_dataframe(data, read_geometry=read_geometry)
        return pyogrio.read_dataframe(path, read_geometry=read_geometry)


def with_versions(layers: dict[str, LayerInfo], versions_dir: Path | None) -> dict[str, LayerInfo]:
    """The layers with those refreshed by a data update pointing at the version in service."""
    if versions_dir is None:
        return layers
    current = VersionStore(versions_dir).in_service()
    out = dict(layers)
    for lid, lay in layers.items():
        v = current.get(lay.update_source or "")
        if v is not None:
            out[lid] = replace(
                lay,
                path=str(v.file.resolve()),
                format=SOURCE_FORMATS[v.source],
                vintage=f"{v.created.date().isoformat()} (mise à jour {v.id})",
                source=f"{v.url} (téléchargé le {v.created.date().isoformat()})",
                covers_types=((EVERY_TERRITORY, FINESS_COVERS_TYPES),) if v.source == "finess" else lay.covers_types,
            )
    return out

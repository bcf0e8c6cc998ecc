"""`geo-clsm data update`: download an official source, import it, compare, refuse or publish.

Nothing in service changes unless every step succeeds: the download is complete, the file
imports, it removes at most ``max_removed_share`` of the records of that source (unless
forced); then the file becomes a new dated version and ``current.json`` points at it.
A curated record (pilot registry, or a record an editor changed) is never overwritten: where the
official source disagrees with it, the disagreement is written to the version's ``review.csv`` and,
given the database of record, filed in the editors' review queue
(:mod:`geo_clsm.store.disagreements`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd

from geo_clsm.data.catalog import Catalog
from geo_clsm.data.changes import Change, area_changes, counts, resource_changes, write_changes
from geo_clsm.data.download import DownloadError, Progress, download, resolve
from geo_clsm.data.importers.finess import import_finess
from geo_clsm.data.importers.finess_common import CommuneChecker
from geo_clsm.data.importers.qpv import import_qpv
from geo_clsm.data.layers import load_catalog
from geo_clsm.data.manifest import LayerInfo, read_vector
from geo_clsm.data.versions import Version, VersionStore
from geo_clsm.model.errors import GeoClsmError, InvalidInputError
from geo_clsm.model.resource import Resource

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine as SqlEngine

MAX_REMOVED_SHARE = 0.10
# title of the data.gouv.fr resource to pick when a source URL is a dataset API URL
TITLE_PATTERNS = {
    "finess": r"^(?!.*\bsans\b).*g[ée]olocalis",
    "qpv": r"QP2024_France_Hexagonale_Outre_Mer_WGS84.*geojson|geojson",
}
SUFFIXES = {"finess": ".csv", "qpv": ".geojson", "communes": ".gpkg"}


class UpdateRefusedError(GeoClsmError):
    """The new data were not published; the data in service are untouched."""


@dataclass
class UpdateResult:
    source: str
    version: Version
    changes: list[Change]
    review: list[Change]
    report_summary: dict[str, Any]
    official: list[Resource]  # the records the new file holds (resources only)
    queued: int = 0  # disagreements newly filed in the editors' review queue


@dataclass(frozen=True)
class UpdateOptions:
    url: str
    timeout_s: float = 60.0
    max_bytes: int = 500 << 20
    force: bool = False
    max_removed_share: float = MAX_REMOVED_SHARE


def _layer_of(catalog: Catalog, source: str) -> tuple[LayerInfo, str]:
    """The layer refreshed by ``source`` and the territory that uses it (the national one first)."""
    for lay in catalog.layers.values():
        if lay.update_source == source:
            users = [t for t in catalog.territories.values() if lay.id in t.layers]
            users.sort(key=lambda t: t.kind != "national")
            if users:
                return lay, users[0].id
    raise InvalidInputError(f"aucune couche du manifeste n'est mise à jour par la source « {source} »")


def _compare_resources(
    catalog: Catalog, path: Path, layer: LayerInfo, territory: str
) -> tuple[list[Change], list[Change], dict[str, Any], int, list[Resource]]:
    communes = catalog.communes_of(territory)
    report = import_finess(path, checker=CommuneChecker(communes), communes=catalog.mairies, territory=territory)
    if report.imported == 0:
        raise UpdateRefusedError(
            f"fichier refusé : aucun établissement importé ({len(report.rejected)} lignes rejetées) ; "
            "vérifier qu'il s'agit bien de l'extraction FINESS etalab"
        )
    old = catalog.reports[f"{territory}:{layer.id}"].records
    changes = resource_changes(old, report.records)
    return changes, _curated_conflicts(catalog, report.records), report.summary(), len(old), report.records


def _curated_conflicts(catalog: Catalog, official: list[Resource]) -> list[Change]:
    curated = {
        r.finess_et: r
        for r in catalog.resources
        if r.finess_et
        and catalog.territories.get(r.territory or "")
        and catalog.territories[r.territory or ""].kind == "pilot"
    }
    out = []
    for r in official:
        c = curated.get(r.finess_et or "")
        if c is None:
            continue
        diffs = [
            f"{label} : {getattr(c, f) or '—'} (fiche) / {getattr(r, f) or '—'} (FINESS)"
            for f, label in (("street", "adresse"), ("postcode", "code postal"), ("phone", "téléphone"))
            if getattr(r, f) and getattr(c, f) != getattr(r, f)
        ]
        if diffs:
            out.append(Change("review", c.id, r.finess_et or "", c.name, "FINESS indique : " + "; ".join(diffs)))
    return out


def _compare_areas(catalog: Catalog, path: Path, source: str) -> tuple[list[Change], dict[str, Any], int]:
    if source == "qpv":
        new, report = import_qpv(path)
        if new.empty:
            raise UpdateRefusedError("fichier refusé : aucun QPV lisible (code_qp, lib_qp, insee_com attendus)")
        old = catalog.qpv.drop_duplicates("code_qp")
        # compare only the QPV of the loaded territories: the national file holds all of France
        new_here = new[new["code_qp"].isin(set(old["code_qp"])) | new["insee_com"].apply(_in(catalog))]
        return area_changes(old, new_here, key="code_qp", name="lib_qp", fields=("lib_qp",)), report.summary(), len(old)
    new_c = read_vector(path)
    need = {"insee_com", "nom", "dep", "population_municipale"}
    if new_c.empty or not need <= set(new_c.columns):
        raise UpdateRefusedError(f"fichier refusé : couche de communes sans {', '.join(sorted(need))}")
    old_c = catalog.communes.drop_duplicates("insee_com")
    new_c = gpd.GeoDataFrame(new_c.to_crs("EPSG:4326"))
    rows = area_changes(old_c, new_c, key="insee_com", name="nom", fields=("nom", "population_municipale"))
    return rows, {"kind": "communes", "rows_read": len(new_c)}, len(old_c)


def _in(catalog: Catalog) -> Callable[[object], bool]:
    codes = set(catalog.communes["insee_com"])
    return lambda v: any(c.strip() in codes for c in str(v).split(","))


def update_source(
    source: str,
    *,
    options: UpdateOptions,
    store: VersionStore,
    data_dir: Path | None = None,
    local_file: Path | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
    db: SqlEngine | None = None,
    prepare: Callable[[dict[str, str]], None] | None = None,
) -> UpdateResult:
    """Download, import, compare and publish one official source.

    With ``db`` (the database of record), disagreements with curated records are filed in the
    editors' review queue once the version is published. ``prepare``, given the versions that will
    be in service, runs just before the version is published (the data CLI fills the service's
    start-up cache for them, see :func:`geo_clsm.engine.build.prepare_cache`).

    Raises
    ------
    DownloadError, UpdateRefusedError
        With a French message; the data in service are unchanged.
    """
    catalog = load_catalog(data_dir, local_file=local_file, versions_dir=store.root)
    layer, territory = _layer_of(catalog, source)
    store.root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=store.root) as tmp:
        url = resolve(options.url, title_pattern=TITLE_PATTERNS.get(source), timeout_s=options.timeout_s)
        got = download(
            url,
            Path(tmp) / f"{source}{SUFFIXES[source]}",
            timeout_s=options.timeout_s,
            max_bytes=options.max_bytes,
            progress=progress,
        )
        review: list[Change] = []
        official: list[Resource] = []
        if source == "finess":
            changes, review, summary, n_old, official = _compare_resources(catalog, got.path, layer, territory)
        else:
            changes, summary, n_old = _compare_areas(catalog, got.path, source)
        removed = counts(changes)["removed"]
        if n_old and removed / n_old > options.max_removed_share and not options.force:
            raise UpdateRefusedError(
                f"mise à jour refusée : elle retirerait {removed} enregistrements sur {n_old} "
                f"({removed / n_old:.0%}, plus de {options.max_removed_share:.0%}) ; "
                "vérifier le fichier, ou relancer avec --force si ces fermetures sont réelles"
            )
        version, folder = store.create(
            source=source,
            created=now or datetime.now(UTC),
            url=url,
            file=got.path,
            sha256=got.sha256,
            counts={**counts(changes), "review": len(review), "records": int(summary.get("imported", 0) or 0)},
        )
    write_changes(changes, folder / "changes.csv")
    write_changes(review, folder / "review.csv")
    if prepare is not None:
        prepare(store.published(version.id))
    store.publish(version.id)
    queued = 0
    if db is not None and official:
        from geo_clsm.store.disagreements import file_disagreements

        pilots = [t.id for t in catalog.territories.values() if t.kind == "pilot"]
        queued = file_disagreements(db, official, source=source, version=version.id, curated_territories=pilots)
    return UpdateResult(source, version, changes, review, summary, official, queued)


__all__ = ["DownloadError", "UpdateOptions", "UpdateRefusedError", "UpdateResult", "update_source"]

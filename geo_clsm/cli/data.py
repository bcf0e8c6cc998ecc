"""``geo-clsm data update|versions|rollback``: the official sources, their versions and changes."""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from geo_clsm.data.changes import counts
from geo_clsm.data.versions import VersionStore

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine as SqlEngine

    from geo_clsm.settings import Settings


def _progress(done: int, total: int | None) -> None:
    if total:
        width = 30
        filled = width * done // total
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done // 1024} / {total // 1024} Kio")
    else:
        sys.stderr.write(f"\r{done // 1024} Kio")
    sys.stderr.flush()


def _review_db(url: str) -> SqlEngine | None:
    """The database of record, to file disagreements with curated records; None (with a warning) if not ready."""
    from geo_clsm.store.db import SchemaBehindError, check_schema, connect, is_empty

    db = connect(url)
    try:
        if is_empty(db):
            raise SchemaBehindError("base vide : le service ne l'a pas encore créée")
        check_schema(db)
    except SchemaBehindError as exc:
        print(
            f"attention : désaccords avec les fiches non versés dans la file des éditeurs ({exc.message}) ; "
            "ils restent dans review.csv de la version",
            file=sys.stderr,
        )
        return None
    return db


def _preparer(settings: Settings) -> Callable[[dict[str, str]], None]:
    """Before the versions in service change: fill the service's start-up cache for the new ones
    (the running service then reads it instead of parsing every layer; see ``geo_clsm/engine/build.py``).
    A failure only warns: the service would parse the layers itself, as before."""
    from geo_clsm.engine.build import prepare_cache
    from geo_clsm.model.errors import GeoClsmError

    def prepare(current: dict[str, str]) -> None:
        try:
            prepare_cache(settings, current=current)
        except (GeoClsmError, OSError, ValueError) as exc:
            print(f"attention : cache du service non préparé ({exc}) ; le service lira les couches", file=sys.stderr)

    return prepare


def run_data(args: argparse.Namespace) -> int:
    from geo_clsm.data.update import UpdateOptions, update_source
    from geo_clsm.settings import Settings

    settings = Settings()
    if args.action in ("update", "rollback") and args.data:
        settings = settings.model_copy(update={"data_dir": args.data})
    prepare = _preparer(settings)
    store = VersionStore(settings.versions_dir)
    db = None
    if args.action == "versions":
        current = set(store.current().values())
        versions = store.list()
        if not versions:
            print("Aucune version publiée : les couches livrées sont en service.")
        for v in versions:
            mark = "*" if v.id in current else " "
            print(f"{mark} {v.id:<32} {v.source:<9} {v.created:%Y-%m-%d %H:%M}  {v.counts}")
        return 0
    if args.action == "rollback":
        prepare(store.rolled_back(args.version, source=args.source))
        store.rollback(args.version, source=args.source)
        print(f"En service : {store.current() or 'couches livrées'} (le service la charge sans redémarrage).")
        return 0
    sources = ("finess", "qpv", "communes") if args.source == "all" else (args.source,)
    urls = {
        "finess": settings.source_finess_url,
        "qpv": settings.source_qpv_url,
        "communes": settings.source_communes_url,
    }
    status = 0
    if "finess" in sources:
        db = _review_db(settings.database_url)
    for source in sources:
        url = urls[source]
        if not url:
            print(f"{source} : pas d'adresse de téléchargement (GEO_CLSM_SOURCE_{source.upper()}_URL)", file=sys.stderr)
            status = 2
            continue
        options = UpdateOptions(
            url=url, timeout_s=settings.download_timeout_s, max_bytes=settings.download_max_mb << 20, force=args.force
        )
        result = update_source(
            source,
            options=options,
            store=store,
            data_dir=args.data or settings.data_dir,
            local_file=settings.local_territories_file,
            progress=_progress,
            db=db,
            prepare=prepare,
        )
        sys.stderr.write("\n")
        c = counts(result.changes)
        print(
            f"{source} : version {result.version.id} publiée — {c['added']} ajouts, {c['removed']} retraits, "
            f"{c['moved']} déplacements, {c['changed']} modifications ; {len(result.review)} fiches à revoir"
            + (f", {result.queued} nouvelle(s) dans la file des éditeurs (/admin/review)" if db is not None else "")
        )
        if args.report:
            target = args.report if len(sources) == 1 else args.report.with_name(f"{args.report.stem}_{source}.csv")
            shutil.copy(store.versions_dir / result.version.id / "changes.csv", target)
    return status

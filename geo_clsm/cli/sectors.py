"""``geo-clsm sectors import FILE.csv [--polygons FILE.geojson]`` and ``geo-clsm sectors export``.

The import checks every row against what the service serves (its layers' communes and QPV, the
database's resources), prints the report (row, field, French reason) and stores the sectors in
the database of record in one transaction, only when no row is rejected (with ``--dry-run``,
never). The service's workers pick the change up like an editor's (change counter).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

_DB_HELP = "URL (défaut : GEO_CLSM_DATABASE_URL ou sqlite:///var/geo_clsm.db)"


def register(sub: Any) -> None:
    s = sub.add_parser("sectors", help="secteurs de psychiatrie : importer, exporter")
    acts = s.add_subparsers(dest="sectors_action", required=True)
    i = acts.add_parser("import", help="importer un CSV de secteurs (et leurs polygones)")
    i.add_argument("file", type=Path, help="CSV : secteur,libelle,public,etablissement,insee_com,code_qp,referents")
    i.add_argument("--polygons", type=Path, default=None, help="GeoJSON des polygones dessinés (propriété secteur)")
    i.add_argument("--source", default=None, help="source des secteurs (par défaut : « import » et le nom du fichier)")
    i.add_argument("--report", type=Path, default=None, help="écrire les lignes rejetées en CSV")
    i.add_argument("--dry-run", action="store_true", help="contrôler le fichier sans rien enregistrer")
    i.add_argument("--data", type=Path, default=None, help="dossier des couches (manifest.toml)")
    i.add_argument("--database", default=None, help=_DB_HELP)
    i.set_defaults(run=_import)
    e = acts.add_parser("export", help="exporter les secteurs enregistrés (CSV, et GeoJSON des polygones)")
    e.add_argument("--out", type=Path, default=None, help="fichier CSV (par défaut : la sortie standard)")
    e.add_argument("--polygons", type=Path, default=None, help="fichier GeoJSON des polygones dessinés")
    e.add_argument("--territory", default=None, help="les secteurs d'un territoire seulement")
    e.add_argument("--database", default=None, help=_DB_HELP)
    e.set_defaults(run=_export)


def _open(database: str | None) -> Any:
    from geo_clsm.store.commands import database_url
    from geo_clsm.store.db import check_schema, connect, is_empty, upgrade

    db = connect(database_url(database))
    if is_empty(db):
        upgrade(db)
    check_schema(db)
    return db


def _import(args: argparse.Namespace) -> int:
    from geo_clsm.data.importers.sectors import SectorContext, import_sectors
    from geo_clsm.engine.build import load_served_catalog
    from geo_clsm.settings import Settings
    from geo_clsm.store import repo, seeding
    from geo_clsm.store.sectors import replace_sectors

    for path in (args.file, args.polygons):
        if path is not None and not path.is_file():
            print(f"erreur : fichier introuvable : {path}", file=sys.stderr)
            return 2
    settings = Settings(data_dir=args.data) if args.data else Settings()
    catalog = load_served_catalog(settings)
    db = _open(args.database)
    try:
        with db.connect() as conn:
            resources = repo.active_resources(conn) if seeding.was_seeded(conn) else None
        context = SectorContext.of(catalog, resources=resources)
        report = import_sectors(args.file, polygons=args.polygons, context=context, source=args.source)
        print(report.format())
        if args.report:
            report.write_csv(args.report)
        if report.rejected:
            print("rien n'est enregistré : corriger les lignes rejetées puis relancer l'import", file=sys.stderr)
            return 1
        if args.dry_run:
            print(f"contrôle seul : {len(report.records)} secteur(s) valides, rien n'est enregistré")
            return 0
        result = replace_sectors(db, report.records, author="import (ligne de commande)", comment=args.file.name)
        print(result.format())
    finally:
        db.dispose()
    return 0


def _export(args: argparse.Namespace) -> int:
    from geo_clsm.data.importers.sectors import sectors_csv, sectors_polygons
    from geo_clsm.store.sectors import active_sectors

    db = _open(args.database)
    try:
        with db.connect() as conn:
            sectors = [s for s in active_sectors(conn) if args.territory is None or s.territory == args.territory]
    finally:
        db.dispose()
    text = sectors_csv(sectors)
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
        print(f"{len(sectors)} secteur(s) écrits dans {args.out}", file=sys.stderr)
    if args.polygons is not None:
        args.polygons.write_text(json.dumps(sectors_polygons(sectors), ensure_ascii=False), encoding="utf-8")
    return 0

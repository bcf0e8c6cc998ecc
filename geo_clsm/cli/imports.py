"""``geo-clsm import``: read a file with an importer and print its report (``--apply`` writes to the store)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo_clsm.data.importers.report import ImportReport

if TYPE_CHECKING:
    from geo_clsm.data.importers.resource_rows import CommunePoint

IMPORT_KINDS = ("qpv", "resources", "registry", "gisco", "finess")


def register(sub: Any) -> None:
    i = sub.add_parser("import", help="importer un fichier et afficher le rapport d'import")
    i.add_argument("kind", choices=IMPORT_KINDS)
    i.add_argument("file", type=Path)
    i.add_argument("--territory", default=None, help="territoire du manifeste (filtre, contrôle des positions)")
    i.add_argument("--data", type=Path, default=None, help="dossier des couches (manifest.toml)")
    i.add_argument("--out", type=Path, default=None, help="écrire les enregistrements importés (.csv, .geojson)")
    i.add_argument("--report", type=Path, default=None, help="écrire les lignes rejetées/écartées en CSV")
    i.add_argument("--verified-on", default=None, help="registre : date de vérification (AAAA-MM-JJ)")
    i.add_argument("--apply", action="store_true", help="écrire les enregistrements valides dans la base")
    i.add_argument("--database", default=None, help="URL de la base (défaut : GEO_CLSM_DATABASE_URL)")
    i.set_defaults(run=_import)


def _import(args: argparse.Namespace) -> int:
    from datetime import date

    from geo_clsm.data.importers.resource_write import write_resources_csv

    # Each importer is imported when used: a resources CSV needs neither geopandas nor GDAL.
    from geo_clsm.data.importers.resources import import_resources_table
    from geo_clsm.model import clock

    if not args.file.is_file():
        print(f"erreur : fichier introuvable : {args.file}", file=sys.stderr)
        return 2
    mairies: Mapping[str, CommunePoint] | None  # every commune's town hall: a compact mapping
    terr = communes = mairies = None
    if args.territory:
        from geo_clsm.data.layers import territory_context

        terr, communes, mairies = territory_context(args.data, args.territory)
    tid = terr.id if terr else None
    report: ImportReport[Any]
    if args.kind == "qpv":
        from geo_clsm.data.importers.qpv import import_qpv

        codes = set(communes["insee_com"].astype(str)) if communes is not None else None
        gdf, report = import_qpv(args.file, communes=codes, territory=tid)
        if args.out:
            gdf.to_file(args.out)
    else:
        checker = None
        if communes is not None:
            from geo_clsm.data.importers.finess_common import CommuneChecker

            checker = CommuneChecker(communes)
        if args.kind == "resources":
            if args.apply and mairies is None:  # rows placed at their town hall need every commune's
                from geo_clsm.data.layers import load_catalog

                mairies = load_catalog(args.data).mairies
            # The imported rows stay in columns; Resource objects only for --out or --apply.
            report = import_resources_table(args.file, communes=mairies, territory=tid)
        elif args.kind == "registry":
            from geo_clsm.data.importers.registry import import_registry

            verified = date.fromisoformat(args.verified_on) if args.verified_on else clock.today()
            label = terr.registry_label if terr else None
            report = import_registry(
                args.file, verified_on=verified, territory_label=label, territory=tid, communes=mairies
            )
        elif args.kind == "gisco":
            from geo_clsm.data.importers.gisco import import_gisco

            report = import_gisco(args.file, checker=checker, territory=tid or "france")
        else:
            from geo_clsm.data.importers.finess import import_finess

            report = import_finess(args.file, checker=checker, communes=mairies, territory=tid)
        if args.out:
            _write_resources(_resources(report), args.out, write_resources_csv)
    print(report.format())
    if args.apply:
        if args.kind == "qpv":
            print("erreur : --apply concerne les ressources", file=sys.stderr)
            return 2
        from geo_clsm.store.commands import apply_import

        print(apply_import(_resources(report), database=args.database))
    if args.report:
        report.write_csv(args.report)
    return 1 if any(r.row == 0 for r in report.rejected) else 0


def _resources(report: ImportReport[Any]) -> Sequence[Any]:
    from geo_clsm.data.importers.resources import TableReport

    return report.resources() if isinstance(report, TableReport) else report.records


def _write_resources(records: Sequence[Any], out: Path, write_csv: Any) -> None:
    if out.suffix.lower() == ".csv":
        write_csv(records, out)
        return
    from geo_clsm.model.geojson import feature_collection

    out.write_text(json.dumps(feature_collection(records), ensure_ascii=False), encoding="utf-8")

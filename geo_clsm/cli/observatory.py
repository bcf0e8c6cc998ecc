"""``geo-clsm observatory``: record a snapshot now, print what changed since a date, export the series.

The running service records snapshots itself after every reload; ``snapshot`` is for a data
update published while it is stopped (or a scheduled job).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from geo_clsm.model.errors import InvalidInputError


def register(sub: Any) -> None:
    o = sub.add_parser("observatory", help="observatoire : instantanés des indicateurs, évolution depuis une date")
    o.add_argument("action", choices=("snapshot", "evolution", "series"))
    o.add_argument("--territory", action="append", default=None, help="territoire (répétable pour snapshot)")
    o.add_argument("--since", type=date.fromisoformat, default=None, help="evolution : date de départ AAAA-MM-JJ")
    o.add_argument("--database", default=None, help="URL (défaut : GEO_CLSM_DATABASE_URL ou sqlite:///var/geo_clsm.db)")
    o.add_argument("--data", type=Path, default=None, help="snapshot : dossier des couches (manifest.toml)")
    o.add_argument("--versions", type=Path, default=None, help="snapshot : dossier des versions des données (var/data)")
    o.add_argument("--out", type=Path, default=None, help="fichier .xlsx, .csv ou .json (evolution, series)")
    o.add_argument("--csv-fr", action="store_true", help="CSV pour tableur français (;, virgule décimale, BOM)")
    o.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from geo_clsm.store.commands import database_url
    from geo_clsm.store.db import check_schema, connect

    db = connect(database_url(args.database))
    check_schema(db)
    if args.action == "snapshot":
        return _snapshot(db, args)
    if not args.territory or len(args.territory) != 1:
        raise InvalidInputError(f"{args.action} : indiquer un territoire, --territory ID")
    (territory,) = args.territory
    if args.action == "series":
        from geo_clsm.observatory.evolution import series

        _, table = series(db, territory)
        if args.out is None:
            raise InvalidInputError("series : indiquer --out FICHIER.xlsx|.csv")
        _write(table, args, title=f"Observatoire — indicateurs par QPV, {territory}")
        print(f"{len(table)} lignes écrites dans {args.out}")
        return 0
    from geo_clsm.observatory.evolution import evolution

    evo = evolution(db, territory, since=args.since)
    _print_evolution(evo)
    if args.out is not None:
        if args.out.suffix.lower() == ".json":
            args.out.write_text(json.dumps(evo.as_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
        else:
            _write(evo.changed_indicators(), args, title=f"Évolution des indicateurs, {territory}", notes=evo.notes)
        print(f"écrit : {args.out}")
    return 0


def _snapshot(db: Any, args: argparse.Namespace) -> int:
    from geo_clsm.engine.build import build_engine
    from geo_clsm.observatory.recorder import SnapshotRecorder
    from geo_clsm.settings import Settings
    from geo_clsm.store import repo

    given = {"data_dir": args.data, "versions_dir": args.versions}
    settings = Settings(**{name: value for name, value in given.items() if value is not None})
    with db.connect() as conn:
        active = repo.active_resources(conn)
    engine = build_engine(settings, resources=active, indicators=False)  # the service's data, the store's resources
    ids = SnapshotRecorder(db).record_now(engine, args.territory)  # computes the indicators (about 1 s a territory)
    print(f"{len(ids)} nouvel(s) instantané(s) ; territoires inchangés : aucun nouvel instantané")
    return 0


def _write(table: Any, args: argparse.Namespace, *, title: str, notes: list[str] | None = None) -> None:
    from geo_clsm.exports.tables import write_table

    suffix = args.out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise InvalidInputError(f"--out : extension « {suffix} » ; choisir .xlsx, .csv ou .json")
    fmt = "xlsx" if suffix == ".xlsx" else ("csv-fr" if args.csv_fr else "csv")
    args.out.write_bytes(write_table(table, fmt=fmt, name=args.out.stem, title=title, notes=notes or ()).content)


def _print_evolution(evo: Any) -> None:
    base = evo.base.taken_at.strftime("%d/%m/%Y") if evo.base and evo.base.taken_at else "—"
    latest = evo.latest.taken_at.strftime("%d/%m/%Y") if evo.latest.taken_at else "—"
    print(f"{evo.territory} : version du {base} -> version du {latest}")
    for note in evo.notes:
        print(f"  {note}")
    for title, rows in (("ouvertes", evo.opened), ("fermées", evo.closed)):
        print(f"ressources {title} : {len(rows)}")
        for r in rows:
            print(f"  {r['id']}\t{r['type']}\t{r['name']} ({r['commune'] or '—'})")
    print(f"ressources déplacées : {len(evo.moved)}")
    for r in evo.moved:
        print(f"  {r['id']}\t{r['name']} : {r['moved_m']} m")
    print(f"indicateurs changés (QPV x type x indicateur) : {len(evo.changed_indicators())}")
    sys.stdout.flush()

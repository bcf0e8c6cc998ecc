"""``geo-clsm report`` (the territorial diagnostic, HTML or PDF; ``--compare``) and
``geo-clsm indicators import`` (partner indicators by commune, department or territory)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo_clsm.model import clock

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine as SqlEngine

    from geo_clsm.data.catalog import Catalog
    from geo_clsm.documents.report.figures import ReportFigures


def register(sub: Any) -> None:
    r = sub.add_parser("report", help="diagnostic territorial (HTML imprimable ou PDF), ou comparaison de territoires")
    who = r.add_mutually_exclusive_group(required=True)
    who.add_argument("--territory", help="territoire du manifeste (pilote ou ajouté)")
    who.add_argument("--compare", nargs="+", metavar="ID", help="plusieurs territoires côte à côte")
    r.add_argument("--out", type=Path, required=True, help="fichier de sortie .html ou .pdf")
    r.add_argument("--since", type=date.fromisoformat, default=None, help="date AAAA-MM-JJ : section « évolution »")
    r.add_argument("--data", type=Path, default=None, help="dossier des couches (manifest.toml)")
    r.add_argument("--database", default=None, help="URL (défaut : GEO_CLSM_DATABASE_URL ou sqlite:///var/geo_clsm.db)")
    r.set_defaults(run=_report)
    i = sub.add_parser("indicators", help="indicateurs des partenaires pour le diagnostic")
    i.add_argument("action", choices=("import",))
    i.add_argument("file", type=Path, help="CSV : colonnes code ; valeur (code INSEE, département ou territoire)")
    i.add_argument("--name", required=True, help="nom de l'indicateur, par ex. « Taux de recours en psychiatrie »")
    i.add_argument("--source", required=True, help="source et millésime, par ex. « ORS Grand Est, 2023 »")
    i.add_argument("--unit", required=True, help="unité, par ex. « pour 10 000 habitants »")
    i.add_argument("--national-value", type=str, default=None, help="valeur nationale (sinon une ligne code FR)")
    i.add_argument("--data", type=Path, default=None, help="dossier des couches (manifest.toml)")
    i.add_argument("--database", default=None, help="URL (défaut : GEO_CLSM_DATABASE_URL ou sqlite:///var/geo_clsm.db)")
    i.set_defaults(run=_indicators)


def _open_database(url: str | None, *, create: bool) -> SqlEngine | None:
    """The database of record, or None when it does not exist yet (and ``create`` is false)."""
    import sqlalchemy as sa

    from geo_clsm.store.commands import database_url
    from geo_clsm.store.db import check_schema, connect, is_empty, normalize_url, upgrade

    full = normalize_url(database_url(url))
    if full.startswith("sqlite") and not create:
        path = sa.engine.make_url(full).database
        if path and path != ":memory:" and not Path(path).exists():
            return None
    db = connect(full)
    if is_empty(db):
        if not create:
            return None
        upgrade(db)
    check_schema(db)
    return db


def _catalog(args: argparse.Namespace, territories: list[str]) -> tuple[Catalog, SqlEngine | None]:
    """The territories and the national layer; resources from the database of record when there is one."""
    from geo_clsm.data.layers import load_catalog
    from geo_clsm.data.manifest import read_manifest
    from geo_clsm.store import repo, seeding
    from geo_clsm.store.live import catalog_from_store
    from geo_clsm.store.sectors import active_sectors

    _, terrs = read_manifest(args.data)
    national = [t for t, terr in terrs.items() if terr.kind == "national" and t not in territories]
    catalog = load_catalog(args.data, territories=[*territories, *national])
    db = _open_database(args.database, create=False)
    if db is None:
        print(
            "attention : pas de base de données : annuaire des couches livrées, sans indicateurs importés",
            file=sys.stderr,
        )
        return catalog, None
    with db.connect() as conn:
        if not seeding.was_seeded(conn):  # a database holding only indicators: the layers are the directory
            return catalog, db
        return catalog_from_store(catalog, repo.active_resources(conn), active_sectors(conn)), db


def _figures(catalog: Catalog, territory: str, db: SqlEngine | None) -> ReportFigures:
    from geo_clsm.access.indicators import compute_access
    from geo_clsm.documents.report.figures import check_territory, report_figures
    from geo_clsm.model.resource_types import PLACE_TYPES
    from geo_clsm.store.indicators import indicator_rows

    check_territory(catalog, territory)
    has_qpv = territory in set(catalog.qpv["territory"])
    access = compute_access(catalog, territory=territory, types=PLACE_TYPES) if has_qpv else None
    communes = catalog.communes_of(territory)
    indicators = (
        indicator_rows(
            db, territory=territory, departments=set(communes["dep"].astype(str)), communes=set(communes["insee_com"])
        )
        if db is not None
        else []
    )
    return report_figures(
        catalog, territory=territory, access=access, generated_on=clock.today(), indicators=indicators
    )


def _report(args: argparse.Namespace) -> int:
    from geo_clsm.documents.report.render import as_document, compare_html, report_html

    suffix = args.out.suffix.lower().lstrip(".")
    if suffix not in ("pdf", "html"):
        print(f"erreur : --out {args.out} : choisir un fichier .pdf ou .html", file=sys.stderr)
        return 2
    if args.since is not None and args.compare is not None:
        print("erreur : --since : pour un seul territoire (--territory), pas avec --compare", file=sys.stderr)
        return 2
    ids = list(dict.fromkeys(args.compare or [args.territory]))
    if args.compare is not None and len(ids) < 2:
        print("erreur : --compare : donner au moins deux territoires différents", file=sys.stderr)
        return 2
    catalog, db = _catalog(args, ids)
    figures = [_figures(catalog, t, db) for t in ids]
    section = None
    if args.since is not None:
        if db is None:
            print(
                "erreur : --since : l'évolution vient de l'observatoire, dans la base de données (--database)",
                file=sys.stderr,
            )
            return 2
        from geo_clsm.observatory.evolution import evolution
        from geo_clsm.observatory.section import evolution_html

        section = evolution_html(evolution(db, ids[0], since=args.since), territory_name=figures[0].name)
    html = compare_html(figures) if args.compare else report_html(catalog, figures[0], evolution=section)
    body = as_document(html, suffix)
    args.out.write_bytes(body)
    print(f"Écrit : {args.out} ({len(body) // 1024} Kio)")
    return 0


def _indicators(args: argparse.Namespace) -> int:
    from geo_clsm.data.importers.indicators import KnownCodes, import_indicator, parse_number
    from geo_clsm.data.layers import national_communes
    from geo_clsm.data.manifest import read_manifest, read_vector
    from geo_clsm.store.indicators import replace_indicator

    if not args.file.exists():
        print(f"erreur : fichier introuvable : {args.file}", file=sys.stderr)
        return 2
    national = None
    if args.national_value is not None:
        try:
            national = parse_number(args.national_value)
        except ValueError as exc:
            print(f"erreur : --national-value : {exc}", file=sys.stderr)
            return 2
    layers, terrs = read_manifest(args.data)
    table = national_communes(args.data)
    communes = set(table["insee_com"].astype(str))
    departments = set(table["dep"].astype(str))
    from geo_clsm.data.manifest import DEFAULT_DATA_DIR

    base = args.data or DEFAULT_DATA_DIR
    for lay in layers.values():  # communes of pilot layers too (a pilot may ship communes the national layer lacks)
        if lay.kind == "communes" and not lay.path.startswith("france/"):
            communes |= set(read_vector(base / lay.path, read_geometry=False)["insee_com"].astype(str))
    report = import_indicator(
        args.file,
        known=KnownCodes(communes=communes, departments=departments, territories=set(terrs)),
        national_value=national,
    )
    print(report.format())
    if report.rejected:
        print(
            "erreur : rien n'est enregistré tant qu'une ligne est rejetée : corriger le fichier et recommencer",
            file=sys.stderr,
        )
        return 2
    db = _open_database(args.database, create=True)
    assert db is not None
    n = replace_indicator(db, report.records, name=args.name, source=args.source, unit=args.unit)
    print(f"Indicateur « {args.name} » : {n} valeurs enregistrées ({args.unit} ; source : {args.source})")
    return 0

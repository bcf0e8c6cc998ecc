"""``geo-clsm`` command line: serve the API, import files with a report.

``serve`` imports the web app inside the function, so the core library never imports
FastAPI at module level.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from geo_clsm.errors import GeoClsmError, LayerError
from geo_clsm.importers.report import ImportReport

IMPORT_KINDS = ("qpv", "resources", "registry", "gisco", "finess")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="geo-clsm", description="Ressources en santé mentale, QPV et accès.")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="démarrer le service web (carte et API)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--data", type=Path, default=None, help="dossier des couches (manifest.toml)")
    s.add_argument("--workers", type=int, default=1, help="processus servant les requêtes (défaut 1)")

    n = sub.add_parser("nearest", help="ressources les plus proches de chaque point d'un fichier CSV (id,lat,lon)")
    n.add_argument("--in", dest="points", type=Path, required=True, help="points CSV : id,lat,lon (WGS84)")
    n.add_argument("--out", type=Path, required=True, help="réponses CSV : une ligne par point et ressource")
    n.add_argument("--k", type=int, default=5, help="ressources par point (défaut 5, au plus 50)")
    n.add_argument("--type", action="append", default=None, help="type de ressource (répétable)")
    n.add_argument("--age", type=int, default=None, help="âge de la personne")
    n.add_argument("--max-distance-m", type=float, default=None, help="distance maximale, en mètres")
    n.add_argument("--data", type=Path, default=None, help="dossier des couches (manifest.toml)")

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

    _territory_parser(sub)
    _data_parser(sub)

    g = sub.add_parser("gaps", help="indicateurs d'accès par QPV et type de ressource")
    g.add_argument("--territory", required=True, help="territoire du manifeste (avec des QPV)")
    g.add_argument("--out", type=Path, required=True, help="fichier de sortie .gpkg, .geojson ou .csv")
    g.add_argument("--data", type=Path, default=None, help="dossier des couches (manifest.toml)")
    g.add_argument("--type", action="append", default=None, help="type de ressource (répétable ; défaut : tous)")
    g.add_argument("--spacing-m", type=float, default=50.0, help="pas de la grille dans les QPV, en mètres")
    g.add_argument("--rest-spacing-m", type=float, default=200.0, help="pas de la grille hors QPV, en mètres")
    g.add_argument(
        "--radius-m", type=float, action="append", default=None, help="rayon de part (répétable ; défaut 500 et 1000)"
    )
    g.add_argument("--detour-factor", type=float, default=1.3)
    g.add_argument("--walk-speed-kmh", type=float, default=4.5)
    g.add_argument(
        "--catchment-m", type=float, default=None, help="2SFCA : une zone de chalandise pour tous les types (m)"
    )
    g.add_argument(
        "--catchment",
        action="append",
        default=None,
        metavar="TYPE=M",
        help="2SFCA : zone de chalandise d'un type en mètres (répétable ; ex. CMP=5000)",
    )
    g.add_argument(
        "--decay", choices=("gaussian", "step", "none"), default="gaussian", help="2SFCA : décroissance (APL)"
    )
    g.add_argument("--decay-sigma-m", type=float, default=None, help="2SFCA : sigma gaussien (défaut : moitié)")
    g.add_argument("--demand-spacing-m", type=float, default=200.0, help="2SFCA : pas de la grille de demande")
    g.add_argument("--known-audience-only", action="store_true", help="écarter les ressources au public non précisé")
    x = sub.add_parser("export", help="exporter l'annuaire d'un territoire (Open Referral HSDS 3.0)")
    x.add_argument("format", choices=("hsds",))
    x.add_argument("--territory", required=True, help="territoire du manifeste")
    x.add_argument("--out", type=Path, required=True, help="dossier de sortie (CSV et datapackage.json)")
    x.add_argument("--data", type=Path, default=None, help="dossier des couches (manifest.toml)")
    d = sub.add_parser("guide", help="guide santé mentale du territoire (PDF ou HTML imprimable)")
    d.add_argument("--territory", required=True, help="territoire pilote du manifeste")
    d.add_argument("--audience", choices=("tous", "jeunes", "professionnels"), default="tous")
    d.add_argument("--format", choices=("a4", "a5"), default="a4", help="format de page")
    d.add_argument("--out", type=Path, required=True, help="fichier de sortie .pdf ou .html")
    d.add_argument("--data", type=Path, default=None, help="dossier des couches (manifest.toml)")
    d.add_argument(
        "--public-url", default=None, help="adresse publique du service (QR code ; défaut GEO_CLSM_PUBLIC_URL)"
    )
    d.add_argument("--contact", default=None, help="à qui signaler une erreur (défaut GEO_CLSM_GUIDE_CONTACT)")
    from geo_clsm.store.commands import add_parsers

    add_parsers(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "gaps":
            return _gaps(args)
        if args.command == "territory":
            return _territory(args)
        if args.command == "data":
            from geo_clsm.data_cli import run_data

            return run_data(args)
        if args.command == "export":
            return _export(args)
        if args.command == "guide":
            return _guide(args)
        if args.command in ("db", "user"):
            from geo_clsm.store.commands import run_db, run_user

            return run_db(args) if args.command == "db" else run_user(args)
        if args.command == "nearest":
            return _nearest(args)
        return _import(args)
    except GeoClsmError as exc:
        print(f"erreur : {exc.message}", file=sys.stderr)
        return 2


def _serve(args: argparse.Namespace) -> int:
    """Load the data first: a start-up failure is one French line on stderr (exit 2), no traceback."""
    import uvicorn
    from pydantic import ValidationError

    from api.main import create_app
    from api.settings import Settings

    if args.workers < 1:
        print("erreur : --workers doit valoir 1 ou plus", file=sys.stderr)
        return 2
    if args.data is not None:
        os.environ["GEO_CLSM_DATA_DIR"] = str(args.data.resolve())  # read by every worker's Settings()
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"erreur au démarrage : {settings_error_line(exc)}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        _prepare_database(settings)  # layers read and database opened before the port is opened
    except (GeoClsmError, OSError) as exc:
        print(f"erreur au démarrage : {startup_error_line(exc, data_dir=settings.data_dir)}", file=sys.stderr)
        return 2
    # access_log off: the access log would write the query string (a resident's position).
    if args.workers == 1:
        uvicorn.run(create_app(settings), host=args.host, port=args.port, access_log=False)
        return 0
    # Several workers, each building its own app (settings from the environment). Fill the
    # start-up cache once, in a child process, so that every worker reads the same parsed layers
    # and indicators instead of computing them N times.
    ctx = multiprocessing.get_context("spawn")
    child = ctx.Process(target=_warm, args=(settings,))
    child.start()
    child.join()
    uvicorn.run(
        "api.main:create_app", factory=True, host=args.host, port=args.port, workers=args.workers, access_log=False
    )
    return 0


def _warm(settings: Any) -> None:
    """Build the engine once, which fills the start-up cache (run in a child process)."""
    from api.reload import build_engine

    build_engine(settings)


def _nearest(args: argparse.Namespace) -> int:
    from api.settings import Settings
    from geo_clsm.batch import answer_rows, parse_points_csv, parse_types, write_answers_csv
    from geo_clsm.cache import load_catalog_cached
    from geo_clsm.engine import MAX_K, Engine

    if not args.points.is_file():
        print(f"erreur : fichier introuvable : {args.points}", file=sys.stderr)
        return 2
    if not 1 <= args.k <= MAX_K:
        print(f"erreur : --k entre 1 et {MAX_K}", file=sys.stderr)
        return 2
    points = parse_points_csv(args.points.read_text(encoding="utf-8-sig"))
    types = parse_types(args.type)
    settings = Settings(**({"data_dir": args.data} if args.data is not None else {}))
    catalog = load_catalog_cached(  # the same data as the service (see api.reload.build_engine)
        settings.data_dir,
        territories=settings.territories,
        local_file=settings.local_territories_file,
        versions_dir=settings.versions_dir,
        cache_dir=settings.cache_dir,
    )
    engine = Engine(catalog)
    rows = answer_rows(
        engine,
        points,
        k=args.k,
        types=types,
        age=args.age,
        max_distance_m=args.max_distance_m,
        near_limit_m=settings.near_limit_m,
    )
    with args.out.open("w", encoding="utf-8", newline="") as f:
        n = write_answers_csv(rows, f)
    print(f"{len(points)} points, {n} lignes écrites dans {args.out}")
    return 0


def check_layers_readable(reports: dict[str, ImportReport[Any]]) -> None:
    """Raise if a layer file could not be read at all (a rejection of row 0, the whole file).

    A layer with some bad rows loads, and its report lists them; an unreadable file stops the service.
    """
    problems = [
        f"couche {key} ({rep.source}) : {rej.reason}"
        for key, rep in reports.items()
        for rej in rep.rejected
        if rej.row == 0
    ]
    if problems:
        raise LayerError("couches illisibles", sorted(set(problems)))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def startup_error_line(exc: Exception, *, data_dir: Path) -> str:
    """What failed and how to fix it, on one line (the problems of a LayerError joined by « ; »)."""
    where = f"corriger puis relancer (dossier des couches : {data_dir}, option --data ou GEO_CLSM_DATA_DIR)"
    if isinstance(exc, GeoClsmError):
        first, *_ = exc.message.split("\n", 1)
        problems = getattr(exc, "problems", [])
        detail = _one_line(first) + (" : " + " ; ".join(_one_line(p) for p in problems[:5]) if problems else "")
        if len(problems) > 5:
            detail += f" ; et {len(problems) - 5} autre(s)"
        return f"{detail} — {where}"
    filename = getattr(exc, "filename", None)
    reason = _one_line(getattr(exc, "strerror", None) or str(exc))
    return f"fichier illisible {filename or ''} ({reason}) — {where}"


def settings_error_line(exc: Any) -> str:
    """A pydantic-settings ValidationError as one line naming the environment variables to fix."""
    parts = []
    for err in exc.errors():
        name = "GEO_CLSM_" + "_".join(str(p) for p in err.get("loc", ())[:1]).upper()
        msg = str(err.get("msg", "")).removeprefix("Value error, ")
        parts.append(f"réglage {name} invalide : {_one_line(msg)}")
    return " ; ".join(parts) + " — corriger la variable d'environnement puis relancer"


def _territory_parser(sub: Any) -> None:
    t = sub.add_parser("territory", help="territoires définis à partir des couches nationales")
    tsub = t.add_subparsers(dest="action", required=True)
    a = tsub.add_parser("add", help="ajouter le territoire d'un CLSM (EPCI, département ou liste de communes)")
    a.add_argument("id", help="identifiant court, par exemple lille")
    a.add_argument("--name", required=True, help="nom affiché, par exemple « Métropole européenne de Lille »")
    sel = a.add_mutually_exclusive_group(required=True)
    sel.add_argument("--epci", help="SIREN de l'EPCI")
    sel.add_argument("--department", help="code du département (répétable avec des virgules : 59,62)")
    sel.add_argument("--communes", help="codes INSEE séparés par des virgules")
    r = tsub.add_parser("remove", help="retirer un territoire ajouté (les ressources restent)")
    r.add_argument("id")
    lst = tsub.add_parser("list", help="lister les territoires")
    for q in (a, r, lst):
        q.add_argument("--data", type=Path, default=None, help="dossier des couches (manifest.toml)")
        q.add_argument("--local-file", type=Path, default=None, help="fichier des territoires locaux")


def _data_parser(sub: Any) -> None:
    d = sub.add_parser("data", help="mettre à jour les données officielles (FINESS, QPV, communes), versions")
    dsub = d.add_subparsers(dest="action", required=True)
    u = dsub.add_parser("update", help="télécharger, comparer et publier une nouvelle version")
    u.add_argument("--source", required=True, choices=("finess", "qpv", "communes", "all"))
    u.add_argument("--report", type=Path, default=None, help="écrire les changements en CSV")
    u.add_argument(
        "--force", action="store_true", help="publier même si plus de 10 % des enregistrements disparaissent"
    )
    dsub.add_parser("versions", help="lister les versions publiées")
    r = dsub.add_parser("rollback", help="revenir à une version (ou « shipped » : les couches livrées)")
    r.add_argument("version")
    r.add_argument("--source", default=None, choices=("finess", "qpv", "communes"))
    for q in (u, r):
        q.add_argument("--data", type=Path, default=None, help="dossier des couches (manifest.toml)")


def _territory(args: argparse.Namespace) -> int:
    from geo_clsm.data.territories import DEFAULT_LOCAL_FILE, Selection, add_territory, remove_territory
    from geo_clsm.layers import read_manifest

    local = args.local_file or DEFAULT_LOCAL_FILE
    if args.action == "add":
        split = [c.strip().upper() for c in (args.department or args.communes or "").split(",") if c.strip()]
        selection = Selection(
            epci_siren=args.epci,
            departments=tuple(split) if args.department else (),
            communes=tuple(split) if args.communes else (),
        )
        info = add_territory(local, data_dir=args.data, territory_id=args.id, name=args.name, selection=selection)
        print(
            f"Territoire {info['id']} ajouté : {info['communes']} communes, {info['population']:,} habitants".replace(
                ",", " "
            )
        )
        print("Redémarrer le service (geo-clsm serve) pour le charger.")
        return 0
    if args.action == "remove":
        remove_territory(local, args.id)
        print(f"Territoire {args.id} retiré (les ressources sont conservées).")
        return 0
    _, territories = read_manifest(args.data, local_file=local)
    for terr in territories.values():
        print(f"{terr.id:<16} {terr.kind:<9} {terr.name}")
    return 0


def _prepare_database(settings: Any) -> None:
    """Create and seed the database once, before any worker starts; refuse a schema that is behind."""
    from geo_clsm.layers import load_catalog
    from geo_clsm.store import open_store

    catalog = load_catalog(
        settings.data_dir,
        territories=settings.territories,
        local_file=settings.local_territories_file,
        versions_dir=settings.versions_dir,
    )
    check_layers_readable(catalog.reports)  # some bad rows load with their report; an unreadable file stops
    open_store(
        settings.database_url, shipped=lambda: catalog.resources, territories=list(catalog.territories)
    ).dispose()


def _guide(args: argparse.Namespace) -> int:
    import os
    from datetime import date

    from geo_clsm.documents.render import guide_document
    from geo_clsm.layers import load_catalog

    suffix = args.out.suffix.lower().lstrip(".")
    if suffix not in ("pdf", "html"):
        print(f"erreur : --out {args.out} : choisir un fichier .pdf ou .html", file=sys.stderr)
        return 2
    base = args.public_url or os.environ.get("GEO_CLSM_PUBLIC_URL")
    if not base:
        print("attention : pas d'adresse publique (--public-url) : guide sans code QR", file=sys.stderr)
    body = guide_document(
        load_catalog(args.data, territories=[args.territory]),
        territory=args.territory,
        audience=args.audience,
        layout=args.format,
        doc_format=suffix,
        generated_on=date.today(),
        online_map_url=f"{base.rstrip('/')}/?territory={args.territory}" if base else None,
        contact=args.contact or os.environ.get("GEO_CLSM_GUIDE_CONTACT"),
    )
    args.out.write_bytes(body)
    print(f"Écrit : {args.out} ({len(body) // 1024} Kio)")
    return 0


def _progress(done: int, total: int, label: str) -> None:
    width = 30
    filled = width * done // total
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label:<14}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _gaps(args: argparse.Namespace) -> int:
    from geo_clsm.access import DEFAULT_CATCHMENTS_M, AccessParams, compute_access, present
    from geo_clsm.exports import write_access
    from geo_clsm.layers import load_catalog
    from geo_clsm.model import ResourceType

    try:
        types = [ResourceType(t) for t in args.type] if args.type else None
    except ValueError as exc:
        print(f"erreur : type inconnu ({exc}) : {', '.join(t.value for t in ResourceType)}", file=sys.stderr)
        return 2
    catchments = dict(DEFAULT_CATCHMENTS_M)
    for item in args.catchment or []:
        name, _, metres = item.partition("=")
        try:
            catchments[name.strip()] = float(metres)
        except ValueError:
            print(f"erreur : --catchment « {item} » : écrire TYPE=MÈTRES, par exemple CMP=5000", file=sys.stderr)
            return 2
    params = AccessParams(
        grid_spacing_m=args.spacing_m,
        rest_spacing_m=args.rest_spacing_m,
        radii_m=tuple(args.radius_m) if args.radius_m else (500.0, 1000.0),
        detour_factor=args.detour_factor,
        walk_speed_kmh=args.walk_speed_kmh,
        catchment_m=args.catchment_m,
        catchments_m=catchments,
        decay=args.decay,
        decay_sigma_m=args.decay_sigma_m,
        demand_spacing_m=args.demand_spacing_m,
    )
    catalog = load_catalog(args.data)
    result = compute_access(catalog, territory=args.territory, types=types, params=params, progress=_progress)
    result = result.variant(known_audience_only=args.known_audience_only)
    written = write_access(result, args.out)
    shown = present(result.rest)
    rest = shown[shown["zone"] == "qpv"]
    print(f"Indicateurs d'accès — {catalog.territories[args.territory].name} ({result.crs})")
    for note in result.notes:
        print(f"  note : {note}")
    print(
        "  type            distance moyenne QPV   hors QPV   ratio QPV/hors QPV   QPV en zone blanche   valeurs fragiles"
    )
    for rec in rest.itertuples():
        other = shown[(shown["zone"] == "hors_qpv") & (shown["resource_type"] == rec.resource_type)]
        rows = result.qpv[result.qpv["resource_type"] == rec.resource_type]
        blank = int(rows["zone_blanche"].sum())
        om = other["mean_m"].iloc[0] if len(other) else None
        print(
            f"  {rec.resource_type:<15} {_m(rec.mean_m):>20} {_m(om):>10} {_r(rec.equity_ratio_mean):>20}"
            f" {blank:>5}/{result.qpv['code_qp'].nunique()}"
            f"   fragiles : {int(rows['fragile'].sum())}"
        )
    print("Écrit : " + ", ".join(str(p) for p in written))
    return 0


def _export(args: argparse.Namespace) -> int:
    from geo_clsm.exports.hsds import hsds_files, territory_resources, write_hsds
    from geo_clsm.layers import load_catalog

    catalog = load_catalog(args.data)
    chosen = territory_resources(catalog.resources, territory=args.territory, territories=catalog.territories)
    title = f"geo_clsm — {catalog.territories[args.territory].name} (HSDS 3.0)"
    written = write_hsds(hsds_files(chosen, territory=args.territory, title=title), args.out)
    print(f"HSDS 3.0 : {len(chosen)} ressources de {args.territory}, {len(written)} fichiers dans {args.out}")
    return 0


def _missing(v: Any) -> bool:
    import pandas as pd

    return v is None or bool(pd.isna(v))


def _m(v: Any) -> str:
    return "—" if _missing(v) else f"{v:,.0f} m".replace(",", " ")


def _r(v: Any) -> str:
    return "—" if _missing(v) else f"{v:.2f}"


def _import(args: argparse.Namespace) -> int:
    from datetime import date

    from geo_clsm.importers.finess import import_finess
    from geo_clsm.importers.finess_common import CommuneChecker
    from geo_clsm.importers.gisco import import_gisco
    from geo_clsm.importers.qpv import import_qpv
    from geo_clsm.importers.registry import import_registry
    from geo_clsm.importers.resources import import_resources, write_resources_csv
    from geo_clsm.layers import territory_context

    if not args.file.is_file():
        print(f"erreur : fichier introuvable : {args.file}", file=sys.stderr)
        return 2
    terr = communes = mairies = None
    if args.territory:
        terr, communes, mairies = territory_context(args.data, args.territory)
    tid = terr.id if terr else None
    report: ImportReport[Any]
    if args.kind == "qpv":
        codes = set(communes["insee_com"].astype(str)) if communes is not None else None
        gdf, report = import_qpv(args.file, communes=codes, territory=tid)
        if args.out:
            gdf.to_file(args.out)
    else:
        checker = CommuneChecker(communes) if communes is not None else None
        if args.kind == "resources":
            if args.apply and mairies is None:  # rows placed at their town hall need every commune's
                from geo_clsm.layers import load_catalog

                mairies = load_catalog(args.data).mairies
            report = import_resources(args.file, communes=mairies, territory=tid)
        elif args.kind == "registry":
            verified = date.fromisoformat(args.verified_on) if args.verified_on else date.today()
            label = terr.registry_label if terr else None
            report = import_registry(
                args.file, verified_on=verified, territory_label=label, territory=tid, communes=mairies
            )
        elif args.kind == "gisco":
            report = import_gisco(args.file, checker=checker, territory=tid or "france")
        else:
            report = import_finess(args.file, checker=checker, communes=mairies, territory=tid)
        if args.out:
            _write_resources(report, args.out, write_resources_csv)
    print(report.format())
    if args.apply:
        if args.kind == "qpv":
            print("erreur : --apply concerne les ressources", file=sys.stderr)
            return 2
        from geo_clsm.store.commands import apply_import

        print(apply_import(list(report.records), database=args.database))
    if args.report:
        report.write_csv(args.report)
    return 1 if any(r.row == 0 for r in report.rejected) else 0


def _write_resources(report: ImportReport[Any], out: Path, write_csv: Any) -> None:
    if out.suffix.lower() == ".csv":
        write_csv(report.records, out)
        return
    from geo_clsm.geojson import feature_collection

    out.write_text(json.dumps(feature_collection(report.records), ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

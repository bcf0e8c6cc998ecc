"""``geo-clsm nearest``: the nearest resources of every point of a CSV file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    n = sub.add_parser("nearest", help="ressources les plus proches de chaque point d'un fichier CSV (id,lat,lon)")
    n.add_argument("--in", dest="points", type=Path, required=True, help="points CSV : id,lat,lon (WGS84)")
    n.add_argument("--out", type=Path, required=True, help="réponses CSV : une ligne par point et ressource")
    n.add_argument("--k", type=int, default=5, help="ressources par point (défaut 5, au plus 50)")
    n.add_argument("--type", action="append", default=None, help="type de ressource (répétable)")
    n.add_argument(
        "--age",
        default=None,
        help="âge de la personne : années (0 à 120) ou tranche (enfant, ado, jeune, adulte, senior)",
    )
    n.add_argument("--max-distance-m", type=float, default=None, help="distance maximale, en mètres")
    n.add_argument("--data", type=Path, default=None, help="dossier des couches (manifest.toml)")
    n.set_defaults(run=_nearest)


def _nearest(args: argparse.Namespace) -> int:
    from geo_clsm.engine.backend import MemoryBackend, QueryBackend, backend_factory
    from geo_clsm.engine.batch import BatchQuery, answer_rows, answers, parse_points_csv, parse_types, write_answers_csv
    from geo_clsm.engine.build import build_engine
    from geo_clsm.engine.core import MAX_K
    from geo_clsm.engine.nearest import NearestQuery
    from geo_clsm.model.ages import AgeError, parse_age
    from geo_clsm.settings import Settings

    if not args.points.is_file():
        print(f"erreur : fichier introuvable : {args.points}", file=sys.stderr)
        return 2
    if not 1 <= args.k <= MAX_K:
        print(f"erreur : --k entre 1 et {MAX_K}", file=sys.stderr)
        return 2
    try:
        age = parse_age(args.age)  # the one age vocabulary of the API and the pages
    except AgeError as exc:
        print(f"erreur : --age : {exc}", file=sys.stderr)
        return 2
    points = parse_points_csv(args.points.read_text(encoding="utf-8-sig"))
    types = parse_types(args.type)
    settings = Settings(**({"data_dir": args.data} if args.data is not None else {}))
    engine = build_engine(settings, indicators=False)  # the same data as the service; no access indicators
    # The service's query backend (GEO_CLSM_QUERY_BACKEND) and its row builder: the same answers.
    backend: QueryBackend = MemoryBackend(engine)
    if settings.query_backend == "postgis":  # reads only: the service keeps PostGIS's layer tables
        from geo_clsm.engine.postgis.backend import PostgisBackend
        from geo_clsm.store.db import connect

        db = connect(settings.database_url)
        backend_factory("postgis", db=db)  # a French error when the database is not PostgreSQL
        backend = PostgisBackend(db, engine, sync=False)
    asked = NearestQuery(
        k=args.k, types=types, age=age, max_distance_m=args.max_distance_m, near_limit_m=settings.near_limit_m
    )
    query = BatchQuery(engine, backend, asked)
    rows = (row for a in answers(points, query) for row in answer_rows(a))
    with args.out.open("w", encoding="utf-8", newline="") as f:
        n = write_answers_csv(rows, f)
    print(f"{len(points)} points, {n} lignes écrites dans {args.out}")
    return 0

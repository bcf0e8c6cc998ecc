"""``geo-clsm suggest``: where to open K new places of a type (exact p-median or maximal covering),
with their effect per QPV; the progress of the search is written to stderr."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    s = sub.add_parser("suggest", help="où ouvrir K nouveaux lieux d'un type pour améliorer l'accès (choix exact)")
    s.add_argument("--territory", required=True, help="territoire du manifeste (avec des QPV)")
    s.add_argument("--type", required=True, help="type des lieux à ouvrir (ex. CMP)")
    s.add_argument(
        "--sites",
        type=int,
        required=True,
        help="nombre de sites (1 à 10 ; au-delà de 5, calcul plus long, avancement affiché)",
    )
    s.add_argument("--objective", choices=("mean", "coverage"), default="mean", help="mean (défaut) ou coverage")
    s.add_argument("--within-m", type=float, default=None, help="coverage : distance de couverture en mètres")
    s.add_argument("--qpv-weight", type=float, default=1.0, help="poids des habitants des QPV (défaut 1)")
    s.add_argument("--candidates", type=Path, default=None, help="CSV de sites candidats (lon;lat ou adresse)")
    s.add_argument("--place-type", action="append", default=[], help="candidats : lieux existants de ce type")
    s.add_argument("--data", type=Path, default=None, help="dossier des couches (manifest.toml)")
    s.add_argument("--out", type=Path, default=None, help="réponse JSON écrite dans ce fichier (défaut : sortie)")
    s.set_defaults(run=_suggest)


def _suggest(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from geo_clsm.engine.build import build_engine
    from geo_clsm.engine.geocode import OfflineGeocoder
    from geo_clsm.settings import Settings
    from geo_clsm.web.routers.suggestions import (
        SuggestionRequest,
        check_request,
        gather_candidates,
        suggest_answer,
    )

    try:
        body = SuggestionRequest(
            territory=args.territory,
            type=args.type,
            sites=args.sites,
            objective=args.objective,
            within_m=args.within_m,
            qpv_weight=args.qpv_weight,
            place_types=args.place_type,
            candidates_csv=args.candidates.read_text(encoding="utf-8") if args.candidates else None,
        )
    except (ValidationError, OSError) as exc:
        print(f"erreur : {exc}", file=sys.stderr)
        return 2
    settings = Settings(**({"data_dir": args.data} if args.data is not None else {}))
    engine = build_engine(settings, indicators=False)  # the service's data (the one engine build)
    check_request(engine, body)
    candidates, errors = gather_candidates(engine, body, geocoder=OfflineGeocoder(engine.catalog))

    def progress(step: str, fraction: float) -> None:
        print(f"  {round(100 * fraction):3d} % {step}", file=sys.stderr)

    answer = suggest_answer(engine, body, candidates=candidates, errors=errors, progress=progress)
    for e in answer["candidates"]["rejected_rows"]:
        print(f"ligne {e['row']} ({e['field']}) : {e['reason']}", file=sys.stderr)
    o = answer["objective"]
    print(
        f"{answer['method']} — {len(answer['sites'])} site(s), objectif {o['name']} : {o['before']} → {o['after']}",
        file=sys.stderr,
    )
    for site in answer["sites"]:
        print(f"  {site['kind_fr']} : {site['label']} ({site['lon']}, {site['lat']})", file=sys.stderr)
    text = json.dumps(answer, ensure_ascii=False, indent=2)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0

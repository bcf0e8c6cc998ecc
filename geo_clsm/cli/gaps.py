"""``geo-clsm gaps``: access indicators per QPV and resource type, written to a file and summarised."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    g = sub.add_parser("gaps", help="indicateurs d'accès par QPV et type de ressource (ou toute la France : --all)")
    g.add_argument("--territory", default=None, help="territoire du manifeste (avec des QPV)")
    g.add_argument(
        "--all",
        action="store_true",
        help="toute la France : chaque commune (outre-mer compris) et chaque QPV chargé, grille de 200 m",
    )
    g.add_argument(
        "--out",
        type=Path,
        default=None,
        help="fichier de sortie .gpkg, .geojson ou .csv ; avec --all, un dossier (défaut var/gaps_france)",
    )
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
    g.add_argument(
        "--distance-method",
        choices=("voronoi", "edt"),
        default="voronoi",
        help="avec --all : distances exactes (voronoi, défaut) ou transformée de distance (edt, à un carreau près)",
    )
    g.set_defaults(run=_gaps)


def _progress(done: int, total: int, label: str) -> None:
    width = 30
    filled = width * done // total
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label:<14}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _parse(args: argparse.Namespace) -> tuple[Any, Any] | int:
    """(types, params) from the arguments, or the exit code after a French error."""
    from geo_clsm.access.params import DEFAULT_CATCHMENTS_M, AccessParams
    from geo_clsm.model.resource_types import ResourceType

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
    return types, AccessParams(
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


def _gaps(args: argparse.Namespace) -> int:
    from geo_clsm.access.indicators import compute_access
    from geo_clsm.access.present import present
    from geo_clsm.data.layers import load_catalog
    from geo_clsm.exports.indicator_files import write_access

    if args.all:
        from geo_clsm.cli.gaps_all import run_all

        return run_all(args, _parse, _progress)
    if not args.territory or not args.out:
        print("erreur : indiquer --territory et --out, ou --all pour toute la France", file=sys.stderr)
        return 2
    parsed = _parse(args)
    if isinstance(parsed, int):
        return parsed
    types, params = parsed
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


def _missing(v: Any) -> bool:
    import pandas as pd

    return v is None or bool(pd.isna(v))


def _m(v: Any) -> str:
    return "—" if _missing(v) else f"{v:,.0f} m".replace(",", " ")


def _r(v: Any) -> str:
    return "—" if _missing(v) else f"{v:.2f}"

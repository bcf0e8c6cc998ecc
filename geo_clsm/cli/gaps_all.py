"""``geo-clsm gaps --all``: France-wide indicators (every commune and every loaded QPV, per
resource type), written as GeoParquet and GeoPackage to one folder (default var/gaps_france)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any


def run_all(
    args: argparse.Namespace,
    parse: Callable[[argparse.Namespace], tuple[Any, Any] | int],
    progress: Callable[[int, int, str], None],
) -> int:
    from geo_clsm.access.national import compute_national
    from geo_clsm.access.national_io import DEFAULT_NATIONAL_DIR, write_national
    from geo_clsm.data.layers import load_catalog

    parsed = parse(args)
    if isinstance(parsed, int):
        return parsed
    types, params = parsed
    out = args.out or DEFAULT_NATIONAL_DIR
    if out.suffix:
        print(f"erreur : avec --all, --out est un dossier (pas « {out.name} »)", file=sys.stderr)
        return 2
    start = time.perf_counter()
    catalog = load_catalog(args.data)
    result = compute_national(
        catalog,
        types=types,
        params=params,
        known_audience_only=args.known_audience_only,
        method=args.distance_method,
        progress=progress,
    )
    written = write_national(result, out, params=params, seconds=time.perf_counter() - start)
    s = result.summary
    print(
        f"Indicateurs d'accès — France : {s['n_communes']} communes, {s['n_qpv']} QPV, grille de {params.demand_spacing_m:.0f} m"
    )
    for crs, n in s["zones"].items():
        print(f"  {crs} : {n} communes")
    for note in s["notes"]:
        print(f"  note : {note}")
    print("  type            distance moyenne (pondérée population)   part à moins de 1 km   2SFCA / 10 000 hab.")
    share = f"within_{int(params.radii_m[-1])}m_share"
    for row in s["france"]:
        if row.get("covered") is False:  # the type is not listed exhaustively everywhere: no national figure
            print(f"  {row['resource_type']:<15} {row['coverage']}")
            continue
        mean = "—" if row["mean_m"] is None else f"{row['mean_m']:,.0f} m".replace(",", " ")
        part = "—" if row.get(share) is None else f"{row[share] * 100:.0f} %"
        sfca = "—" if row.get("sfca_per_10k") is None else f"{row['sfca_per_10k']:.3f}"
        print(f"  {row['resource_type']:<15} {mean:>38} {part:>22} {sfca:>20}")
    print(
        f"Calculé en {time.perf_counter() - start:.0f} s. Écrit : "
        + ", ".join(p.name for p in written)
        + f" dans {out}"
    )
    return 0

"""``geo-clsm guide`` (the printable guide) and ``geo-clsm export`` (the directory as Open Referral HSDS)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    x = sub.add_parser("export", help="exporter l'annuaire d'un territoire (Open Referral HSDS 3.0)")
    x.add_argument("format", choices=("hsds",))
    x.add_argument("--territory", required=True, help="territoire du manifeste")
    x.add_argument("--out", type=Path, required=True, help="dossier de sortie (CSV et datapackage.json)")
    x.add_argument("--data", type=Path, default=None, help="dossier des couches (manifest.toml)")
    x.set_defaults(run=_export)
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
    d.set_defaults(run=_guide)


def _guide(args: argparse.Namespace) -> int:
    import os

    from geo_clsm.data.layers import load_catalog
    from geo_clsm.documents.render import guide_document
    from geo_clsm.model import clock

    suffix = args.out.suffix.lower().lstrip(".")
    if suffix not in ("pdf", "html"):
        print(f"erreur : --out {args.out} : choisir un fichier .pdf ou .html", file=sys.stderr)
        return 2
    base = args.public_url or os.environ.get("GEO_CLSM_PUBLIC_URL")
    if not base:
        print(
            "attention : GEO_CLSM_PUBLIC_URL n'est pas défini (ni --public-url) : "
            "guide sans lien ni code QR vers la carte en ligne",
            file=sys.stderr,
        )
    body = guide_document(
        load_catalog(args.data, territories=[args.territory]),
        territory=args.territory,
        audience=args.audience,
        layout=args.format,
        doc_format=suffix,
        generated_on=clock.today(),
        online_map_url=f"{base.rstrip('/')}/?territory={args.territory}" if base else None,
        contact=args.contact or os.environ.get("GEO_CLSM_GUIDE_CONTACT"),
    )
    args.out.write_bytes(body)
    print(f"Écrit : {args.out} ({len(body) // 1024} Kio)")
    return 0


def _export(args: argparse.Namespace) -> int:
    from geo_clsm.data.layers import load_catalog
    from geo_clsm.exports.hsds import hsds_files, territory_resources, write_hsds

    catalog = load_catalog(args.data)
    chosen = territory_resources(catalog.resources, territory=args.territory, territories=catalog.territories)
    title = f"geo_clsm — {catalog.territories[args.territory].name} (HSDS 3.0)"
    written = write_hsds(hsds_files(chosen, territory=args.territory, title=title), args.out)
    print(f"HSDS 3.0 : {len(chosen)} ressources de {args.territory}, {len(written)} fichiers dans {args.out}")
    return 0

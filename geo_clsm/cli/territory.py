"""``geo-clsm territory`` (territories from the national layers) and ``geo-clsm data`` (official updates)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    _territory_parser(sub)
    _data_parser(sub)


def _run_data(args: argparse.Namespace) -> int:
    from geo_clsm.cli.data import run_data

    return run_data(args)


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
    t.set_defaults(run=_territory)
    for q in (a, r, lst):
        q.add_argument(
            "--data", type=Path, default=None, help="dossier des couches (manifest.toml ; défaut : GEO_CLSM_DATA_DIR)"
        )
        q.add_argument(
            "--local-file",
            type=Path,
            default=None,
            help="fichier des territoires locaux (défaut : GEO_CLSM_LOCAL_TERRITORIES_FILE, celui du service)",
        )


def _data_parser(sub: Any) -> None:
    d = sub.add_parser("data", help="mettre à jour les données officielles (FINESS, QPV, communes), versions")
    dsub = d.add_subparsers(dest="action", required=True)
    d.set_defaults(run=_run_data)
    u = dsub.add_parser("update", help="télécharger, comparer et publier une nouvelle version")
    u.add_argument("--source", required=True, choices=("finess", "qpv", "communes", "all"))
    u.add_argument("--report", type=Path, default=None, help="écrire les changements en CSV")
    u.add_argument(
        "--force", action="store_true", help="publier même si plus de 10 %% des enregistrements disparaissent"
    )
    dsub.add_parser("versions", help="lister les versions publiées")
    r = dsub.add_parser("rollback", help="revenir à une version (ou « shipped » : les couches livrées)")
    r.add_argument("version")
    r.add_argument("--source", default=None, choices=("finess", "qpv", "communes"))
    for q in (u, r):
        q.add_argument("--data", type=Path, default=None, help="dossier des couches (manifest.toml)")


def _territory(args: argparse.Namespace) -> int:
    from geo_clsm.data.local_territories import add_territory, remove_territory
    from geo_clsm.data.manifest import read_manifest
    from geo_clsm.data.territories import Selection
    from geo_clsm.settings import Settings

    # The service's own settings (GEO_CLSM_LOCAL_TERRITORIES_FILE, GEO_CLSM_DATA_DIR): the file this
    # command writes is the one the service reads; --local-file and --data override them.
    settings = Settings()
    local = args.local_file or settings.local_territories_file
    data = args.data or settings.data_dir
    if args.action == "add":
        split = [c.strip().upper() for c in (args.department or args.communes or "").split(",") if c.strip()]
        selection = Selection(
            epci_siren=args.epci,
            departments=tuple(split) if args.department else (),
            communes=tuple(split) if args.communes else (),
        )
        info = add_territory(local, data_dir=data, territory_id=args.id, name=args.name, selection=selection)
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
    _, territories = read_manifest(data, local_file=local)
    for terr in territories.values():
        print(f"{terr.id:<16} {terr.kind:<9} {terr.name}")
    return 0

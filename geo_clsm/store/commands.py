"""The ``db`` and ``user`` sub-commands of ``geo-clsm`` (registered by :mod:`geo_clsm.cli`)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PASSWORD_ENV = "GEO_CLSM_PASSWORD"


def database_url(arg: str | None = None) -> str:
    from geo_clsm.store.db import DEFAULT_DATABASE_URL

    return arg or os.environ.get("GEO_CLSM_DATABASE_URL") or DEFAULT_DATABASE_URL


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    d = sub.add_parser("db", help="base de données : migrations, remplissage, export")
    d.add_argument("action", choices=("upgrade", "seed", "export", "status", "backup", "restore"))
    d.add_argument("file", nargs="?", type=Path, help="restore : le fichier écrit par « db backup »")
    d.add_argument("--database", default=None, help="URL (défaut : GEO_CLSM_DATABASE_URL ou sqlite:///var/geo_clsm.db)")
    d.add_argument(
        "--data", type=Path, default=None, help="dossier des couches (manifest.toml), pour seed et export --territory"
    )
    d.add_argument(
        "--out", type=Path, default=None, help="export : fichier .gpkg, .geojson ou .csv ; backup : fichier .zip"
    )
    d.add_argument("--force", action="store_true", help="restore : remplacer les données d'une base qui n'est pas vide")
    d.add_argument("--all", action="store_true", help="export : inclure les ressources retirées")
    d.add_argument(
        "--territory",
        default=None,
        metavar="ID",
        help="export : les seules fiches de ce territoire (position, commune ou territoire nommé), pour son CLSM",
    )

    u = sub.add_parser("user", help="comptes des éditeurs et administrateurs")
    u.add_argument(
        "action",
        choices=("add", "list", "passwd", "disable", "enable"),
        help="add : créer ou réinitialiser ; passwd : nouveau mot de passe ; disable/enable : (dés)activer. "
        "Chaque changement termine les sessions du compte",
    )
    u.add_argument("email", nargs="?")
    u.add_argument("--role", choices=("editor", "admin"), default="editor")
    u.add_argument(
        "--territory",
        action="append",
        default=[],
        metavar="ID",
        help="add : le rôle vaut pour ce territoire seulement (répétable) ; sans --territory, pour tout le déploiement",
    )
    u.add_argument("--database", default=None)


def run_db(args: argparse.Namespace) -> int:
    if args.action in ("backup", "restore"):
        from geo_clsm.store.backup_cli import run_backup

        return run_backup(args, database_url(args.database))
    from geo_clsm.store import seeding
    from geo_clsm.store.db import check_schema, connect, current_revision, head_revision, upgrade

    db = connect(database_url(args.database))
    if args.action == "upgrade":
        before = current_revision(db)
        upgrade(db)
        print(f"schéma : {before or 'vide'} -> {head_revision()}")
        return 0
    if args.action == "status":
        print(f"schéma : {current_revision(db) or 'vide'} (attendu : {head_revision()})")
        return 0
    check_schema(db)
    if args.action == "seed":
        from geo_clsm.data.layers import load_catalog

        catalog = load_catalog(args.data)
        result = seeding.seed(db, catalog.resources, territories=list(catalog.territories))
        print(
            f"ajoutées : {result.inserted}, mises à jour : {result.updated}, retirées : {result.withdrawn}, "
            f"modifiées par un éditeur (laissées) : {result.kept_edited}, inchangées : {result.unchanged}"
        )
        return 0
    if args.out is None:
        print("erreur : export : --out FICHIER.gpkg|.geojson|.csv est requis", file=sys.stderr)
        return 2
    from geo_clsm.store.files import export_resources

    scope = None
    if args.territory:
        from geo_clsm.data.layers import load_catalog
        from geo_clsm.model.errors import NotFoundError
        from geo_clsm.store.membership import territory_scope
        from geo_clsm.store.rights import territory_map

        catalog = load_catalog(args.data)
        if args.territory not in catalog.territories:
            raise NotFoundError(f"territoire inconnu « {args.territory} » : {', '.join(catalog.territories)}")
        places = territory_map(catalog)
        if args.territory in places.national:
            raise NotFoundError(f"« {args.territory} » est le territoire national : exporter sans --territory")
        scope = territory_scope(args.territory, places, db)
    n = export_resources(db, args.out, include_withdrawn=args.all, scope=scope)
    print(f"{n} ressources écrites dans {args.out} (fichier interne : adresses confidentielles et notes incluses)")
    return 0


def _password() -> str | None:
    """The password from GEO_CLSM_PASSWORD, or typed twice in a terminal; None (message printed) otherwise."""
    password = os.environ.get(PASSWORD_ENV)
    if password:
        return password
    if not sys.stdin.isatty():
        print(f"erreur : mot de passe : définir {PASSWORD_ENV} ou lancer la commande dans un terminal", file=sys.stderr)
        return None
    password = getpass.getpass("Mot de passe : ")
    if getpass.getpass("Confirmer : ") != password:
        print("erreur : les deux mots de passe diffèrent", file=sys.stderr)
        return None
    return password


def run_user(args: argparse.Namespace) -> int:
    from geo_clsm.store.accounts import set_active, set_password, user_id
    from geo_clsm.store.db import check_schema, connect
    from geo_clsm.store.users import add_user, list_users

    db = connect(database_url(args.database))
    check_schema(db)
    if args.action == "list":
        for u in list_users(db):
            scoped = u["territories"]
            where = ", ".join(f"{r} de {t}" for t, r in scoped.items()) or "tout le déploiement"
            role = "par territoire" if scoped else u["role"]
            print(f"{u['email']}\t{role}\t{'actif' if u['active'] else 'désactivé'}\t{where}")
        return 0
    if not args.email:
        print(f"erreur : user {args.action} EMAIL", file=sys.stderr)
        return 2
    if args.action in ("disable", "enable"):
        set_active(db, user_id(db, args.email), args.action == "enable")
        done = "désactivé, ses sessions sont terminées" if args.action == "disable" else "réactivé"
        print(f"compte {args.email.strip().lower()} {done}")
        return 0
    uid = user_id(db, args.email) if args.action == "passwd" else None  # unknown account: say so before asking
    password = _password()
    if password is None:
        return 2
    if uid is not None:
        set_password(db, uid, password)
        print(f"mot de passe de {args.email.strip().lower()} changé, ses sessions sont terminées")
        return 0
    user = add_user(db, args.email, password, role=args.role, territories=args.territory)
    where = ", ".join(user.scopes) if user.territories else "tout le déploiement"
    print(f"compte {user.email} ({args.role}, {where}) enregistré")
    return 0


def apply_import(records: Sequence[Any], *, database: str | None = None) -> str:
    """Write an import's records to the database; a one-line summary."""
    from geo_clsm.store.db import check_schema, connect
    from geo_clsm.store.files import apply_records

    db = connect(database_url(database))
    check_schema(db)
    result = apply_records(db, records, author="import (ligne de commande)")
    return f"base : {result.created} créées, {result.updated} modifiées, {result.unchanged} inchangées"

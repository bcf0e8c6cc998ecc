"""``geo-clsm db backup --out FILE`` and ``geo-clsm db restore FILE [--force]`` (see :mod:`geo_clsm.store.backup`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geo_clsm.store.backup import BackupError, BackupSummary, backup, restore


def data_files() -> tuple[Path, Path]:
    """The versions folder and the local territories file, as the service finds them (its settings)."""
    from geo_clsm.settings import Settings

    settings = Settings()
    return settings.versions_dir, settings.local_territories_file


def _describe(summary: BackupSummary) -> str:
    rows = ", ".join(f"{name} {n}" for name, n in summary.tables.items())
    return f"schéma {summary.revision} ; lignes : {rows} ; fichiers de données : {summary.files}"


def run_backup(args: argparse.Namespace, url: str) -> int:
    versions_dir, territories_file = data_files()
    try:
        if args.action == "backup":
            if args.out is None:
                print("erreur : backup : --out FICHIER.zip est requis", file=sys.stderr)
                return 2
            summary = backup(url, args.out, versions_dir=versions_dir, territories_file=territories_file)
            print(f"sauvegarde écrite dans {args.out} ({_describe(summary)})")
            print("Ce fichier contient les adresses confidentielles, les notes et les comptes : le garder à l'abri.")
            return 0
        if args.file is None:
            print("erreur : restore FICHIER : indiquer le fichier écrit par « db backup »", file=sys.stderr)
            return 2
        summary = restore(
            url, args.file, versions_dir=versions_dir, territories_file=territories_file, force=args.force
        )
    except BackupError as exc:
        print(f"erreur : {exc.message}", file=sys.stderr)
        return 2
    print(f"sauvegarde {args.file} restaurée ({_describe(summary)})")
    return 0

"""``geo-clsm db backup --out FILE`` and ``geo-clsm db restore FILE [--force]`` (see :mod:`geo_clsm.store.backup`)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from geo_clsm.data.territories import DEFAULT_LOCAL_FILE
from geo_clsm.data.versions import DEFAULT_VERSIONS_DIR
from geo_clsm.store.backup import BackupError, BackupSummary, backup, restore


def data_files() -> tuple[Path, Path]:
    """The versions folder and the local territories file, as the service finds them."""
    versions = os.environ.get("GEO_CLSM_VERSIONS_DIR")
    local = os.environ.get("GEO_CLSM_LOCAL_TERRITORIES_FILE")
    return Path(versions) if versions else DEFAULT_VERSIONS_DIR, Path(local) if local else DEFAULT_LOCAL_FILE


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

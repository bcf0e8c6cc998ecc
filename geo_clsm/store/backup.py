"""Online, consistent backups of the database of record, and their restore (``geo-clsm db backup|restore``).

A backup is one zip file, the same for both databases (a SQLite backup restores into PostgreSQL and
back):

- ``backup.json``: format, creation time, the source's dialect, its schema revision (Alembic), and
  each table's columns and row count;
- ``tables/<table>.jsonl``: the rows, one JSON object a line (dates and times in ISO 8601);
- ``files/versions/…``: the data versions published by ``geo-clsm data update`` (the versions
  folder), and ``files/territories.toml``: the local territories file, when they exist. The answers
  of the API depend on them as much as on the database.

Consistency, while the service keeps running: SQLite is first copied with SQLite's online backup
API (a snapshot of one instant, even in WAL mode) and the rows are read from the copy; PostgreSQL
rows are read in one ``REPEATABLE READ, READ ONLY`` transaction (one snapshot for every table).
Sessions and login failures are not saved: they are short-lived, and restoring a session would
sign someone in again.

Restore goes into an empty database (created and migrated to the backup's revision, the rows
loaded, then migrated to the code's head) and refuses a database or versions folder holding data
unless ``force`` is set (then their rows and files are replaced).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import sqlite3
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.model.errors import GeoClsmError
from geo_clsm.store.db import connect, current_revision, head_revision, upgrade

FORMAT = "geo_clsm-backup/1"
SKIPPED_TABLES = {"sessions", "login_failures", "alembic_version", "spatial_ref_sys"}
BATCH_ROWS = 2000


class BackupError(GeoClsmError):
    """A backup cannot be written or restored (the message says why and what to do)."""


@dataclass(frozen=True)
class BackupSummary:
    tables: dict[str, int]
    files: int
    revision: str | None


def backup(
    url: str, out: Path, *, versions_dir: Path | None = None, territories_file: Path | None = None
) -> BackupSummary:
    """Write a consistent backup of the database at ``url`` (and the data files) to ``out``."""
    db = connect(url)
    try:
        with _snapshot(db) as conn:
            revision = current_revision_of(conn)
            if revision is None:
                raise BackupError("la base est vide (aucun schéma) : rien à sauvegarder ; vérifier --database")
            tmp = out.with_name(out.name + ".partial")
            counts: dict[str, int] = {}
            columns: dict[str, list[str]] = {}
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                for table in _tables(conn):
                    columns[table.name] = [c.name for c in _columns(table)]
                    counts[table.name] = _write_table(zf, conn, table)
                n_files = _write_files(zf, versions_dir, territories_file)
                info = {
                    "format": FORMAT,
                    "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "dialect": db.dialect.name,
                    "revision": revision,
                    "tables": {name: {"rows": counts[name], "columns": columns[name]} for name in counts},
                }
                zf.writestr("backup.json", json.dumps(info, ensure_ascii=False, indent=1))
            tmp.replace(out)
    finally:
        db.dispose()
    return BackupSummary(tables=counts, files=n_files, revision=revision)


def restore(
    url: str,
    archive: Path,
    *,
    versions_dir: Path | None = None,
    territories_file: Path | None = None,
    force: bool = False,
) -> BackupSummary:
    """Load a backup into the database at ``url`` (empty, or replaced with ``force``) and put the
    data files back."""
    try:
        zf = zipfile.ZipFile(archive)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BackupError(
            f"{archive} : fichier de sauvegarde illisible ({exc}) : indiquer un fichier écrit par « db backup »"
        ) from exc
    with zf:
        info = _read_info(zf, archive)
        _check_files_target(zf, versions_dir, territories_file, force=force)
        db = connect(url)
        try:
            counts = _restore_tables(db, zf, info, force=force)
        finally:
            db.dispose()
        n_files = _restore_files(zf, versions_dir, territories_file)
    return BackupSummary(tables=counts, files=n_files, revision=str(info["revision"]))


# --- reading a consistent snapshot ------------------------------------------------------------


@contextlib.contextmanager
def _snapshot(db: SqlEngine) -> Iterator[Connection]:
    """A connection seeing one instant of the database while it keeps changing."""
    if db.dialect.name == "sqlite":
        source = db.url.database
        if not source or source == ":memory:":
            raise BackupError("base SQLite en mémoire : rien à sauvegarder ; indiquer le fichier avec --database")
        if not Path(source).is_file():
            raise BackupError(f"base SQLite introuvable : {source} ; vérifier --database ou GEO_CLSM_DATABASE_URL")
        with tempfile.TemporaryDirectory(prefix="geo_clsm_backup_") as tmp:
            copy = Path(tmp) / "snapshot.db"
            src = sqlite3.connect(source, timeout=30)
            dst = sqlite3.connect(copy)
            try:
                src.backup(dst)  # SQLite's online backup API: one consistent instant
            finally:
                dst.close()
                src.close()
            snap = sa.create_engine(f"sqlite:///{copy}")
            try:
                with snap.connect() as conn:
                    yield conn
            finally:
                snap.dispose()
        return
    with db.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            yield conn


def current_revision_of(conn: Connection) -> str | None:
    if "alembic_version" not in sa.inspect(conn).get_table_names():
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _tables(conn: Connection) -> list[sa.Table]:
    """The data tables, parents before children (foreign keys)."""
    meta = sa.MetaData()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa.exc.SAWarning)  # PostGIS's geometry type is not SQLAlchemy's
        meta.reflect(bind=conn)
    return [t for t in meta.sorted_tables if t.name not in SKIPPED_TABLES]


def _columns(table: sa.Table) -> list[sa.Column[Any]]:
    """Stored columns (a generated column, like PostGIS ``geom``, is rebuilt by the database)."""
    return [c for c in table.columns if c.computed is None]


def _json_default(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"valeur non sauvegardable : {type(value).__name__}")


def _write_table(zf: zipfile.ZipFile, conn: Connection, table: sa.Table) -> int:
    cols = _columns(table)
    order = list(table.primary_key.columns) or cols
    n = 0
    with zf.open(f"tables/{table.name}.jsonl", "w") as f:
        for row in conn.execute(sa.select(*cols).order_by(*order)).mappings():
            f.write(json.dumps(dict(row), default=_json_default, ensure_ascii=False).encode() + b"\n")
            n += 1
    return n


def _write_files(zf: zipfile.ZipFile, versions_dir: Path | None, territories_file: Path | None) -> int:
    n = 0
    if versions_dir is not None and versions_dir.is_dir():
        for path in sorted(versions_dir.rglob("*")):
            if path.is_file():
                zf.write(path, f"files/versions/{path.relative_to(versions_dir).as_posix()}")
                n += 1
    if territories_file is not None and territories_file.is_file():
        zf.write(territories_file, "files/territories.toml")
        n += 1
    return n


# --- restoring ---------------------------------------------------------------------------------


def _read_info(zf: zipfile.ZipFile, archive: Path) -> dict[str, Any]:
    try:
        info: dict[str, Any] = json.loads(zf.read("backup.json"))
    except (KeyError, ValueError) as exc:
        raise BackupError(f"{archive} : pas une sauvegarde geo_clsm (backup.json absent ou illisible)") from exc
    if info.get("format") != FORMAT:
        raise BackupError(f"{archive} : format {info.get('format')!r} inconnu (attendu {FORMAT})")
    return info


def has_data(db: SqlEngine) -> bool:
    """True when a data table holds a row (``meta``'s counters, which the migrations write, aside:
    a database just created by ``geo-clsm db upgrade`` is empty)."""
    with db.connect() as conn:
        tables = [t for t in _tables(conn) if t.name != "meta"]
        return any(conn.execute(sa.select(sa.literal(1)).select_from(t).limit(1)).first() for t in tables)


def _restore_tables(db: SqlEngine, zf: zipfile.ZipFile, info: dict[str, Any], *, force: bool) -> dict[str, int]:
    revision = str(info["revision"])
    if has_data(db) and not force:
        raise BackupError(
            "la base de destination contient déjà des données : restaurer dans une base neuve, "
            "ou ajouter --force pour les remplacer"
        )
    try:
        upgrade(db, revision)  # the tables as they were when the backup was written
    except Exception as exc:  # an unknown revision: a backup from newer code
        raise BackupError(
            f"sauvegarde au schéma {revision}, inconnu de cette version de geo_clsm (dernier : {head_revision()}) : "
            "restaurer avec la version du logiciel qui l'a écrite, ou une plus récente"
        ) from exc
    counts: dict[str, int] = {}
    with db.begin() as conn:
        tables = _tables(conn)
        for table in reversed(tables):
            conn.execute(table.delete())
        for table in tables:
            if table.name in info["tables"]:
                counts[table.name] = _load_table(conn, zf, table)
        _reset_sequences(conn, tables)
    upgrade(db)  # then to the code's head
    if current_revision(db) != head_revision():
        raise BackupError("la base restaurée n'a pas pu être migrée : lancer « geo-clsm db upgrade »")
    return counts


def _converters(table: sa.Table) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for c in _columns(table):
        if isinstance(c.type, sa.DateTime):
            out[c.name] = dt.datetime.fromisoformat
        elif isinstance(c.type, sa.Date):
            out[c.name] = dt.date.fromisoformat
    return out


def _load_table(conn: Connection, zf: zipfile.ZipFile, table: sa.Table) -> int:
    convert = _converters(table)
    stored = {c.name for c in _columns(table)}
    batch: list[dict[str, Any]] = []
    n = 0
    with zf.open(f"tables/{table.name}.jsonl") as f:
        for line in f:
            row = {k: v for k, v in json.loads(line).items() if k in stored}
            for name, fn in convert.items():
                if isinstance(row.get(name), str):
                    row[name] = fn(row[name])
            batch.append(row)
            if len(batch) >= BATCH_ROWS:
                conn.execute(table.insert(), batch)
                n += len(batch)
                batch = []
    if batch:
        conn.execute(table.insert(), batch)
        n += len(batch)
    return n


def _reset_sequences(conn: Connection, tables: list[sa.Table]) -> None:
    """PostgreSQL: the next generated id follows the restored ones."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        for col in table.primary_key.columns:
            if isinstance(col.type, sa.Integer):
                conn.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence(:t, :c), COALESCE((SELECT MAX({col.name}) FROM "
                        f"{table.name}), 0) + 1, false) WHERE pg_get_serial_sequence(:t, :c) IS NOT NULL"
                    ),
                    {"t": table.name, "c": col.name},
                )


def _check_files_target(
    zf: zipfile.ZipFile, versions_dir: Path | None, territories_file: Path | None, *, force: bool
) -> None:
    names = zf.namelist()
    saved_versions = any(n.startswith("files/versions/") for n in names)
    versions_used = versions_dir is not None and versions_dir.is_dir() and any(versions_dir.iterdir())
    if saved_versions and versions_used and not force:
        raise BackupError(
            f"le dossier des versions {versions_dir} n'est pas vide : restaurer dans un dossier neuf "
            "(GEO_CLSM_VERSIONS_DIR), ou ajouter --force pour le remplacer"
        )
    saved_territories = "files/territories.toml" in names
    if saved_territories and territories_file is not None and territories_file.is_file() and not force:
        raise BackupError(
            f"le fichier des territoires locaux {territories_file} existe : le déplacer, "
            "ou ajouter --force pour le remplacer"
        )


def _restore_files(zf: zipfile.ZipFile, versions_dir: Path | None, territories_file: Path | None) -> int:
    n = 0
    members = [m for m in zf.namelist() if m.startswith("files/versions/") and not m.endswith("/")]
    if versions_dir is not None and members:
        if versions_dir.is_dir():
            shutil.rmtree(versions_dir)
        root = versions_dir.resolve()
        for member in members:
            target = (versions_dir / member.removeprefix("files/versions/")).resolve()
            if root not in target.parents:
                raise BackupError(f"chemin refusé dans la sauvegarde : {member}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(member))
            n += 1
    if territories_file is not None and "files/territories.toml" in zf.namelist():
        territories_file.parent.mkdir(parents=True, exist_ok=True)
        territories_file.write_bytes(zf.read("files/territories.toml"))
        n += 1
    return n

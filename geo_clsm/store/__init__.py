"""The database of record: schema and migrations, SQLite and PostgreSQL, history, users, reports.

``open_store`` is what the service calls at start-up: a brand-new database is created at
the latest schema and filled from the shipped layers; an existing one must already be at
the latest schema (else :class:`SchemaBehindError` says to run ``geo-clsm db upgrade``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported on first use: `geo-clsm import` (which registers `db`) needs no SQLAlchemy
    from sqlalchemy.engine import Engine as SqlEngine

    from geo_clsm.model.resource import Resource
    from geo_clsm.store.db import DEFAULT_DATABASE_URL, SchemaBehindError, connect, upgrade

__all__ = ["DEFAULT_DATABASE_URL", "SchemaBehindError", "connect", "open_store", "upgrade"]


def __getattr__(name: str) -> Any:
    if name in ("DEFAULT_DATABASE_URL", "SchemaBehindError", "connect", "upgrade"):
        from geo_clsm.store import db

        return getattr(db, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def open_store(
    url: str,
    *,
    shipped: Callable[[], Iterable[Resource]],
    territories: Collection[str] | None = None,
    shipped_version: str | None = None,
) -> SqlEngine:
    """Connect to ``url``, create it when new, refuse a schema that is behind, and seed it.

    The seed runs at every start: records nobody edited follow the layers in use (for the
    ``territories`` they cover); records an editor changed are left alone. With
    ``shipped_version`` (the data version of the layers, see :mod:`geo_clsm.data.cache`), a start
    with the layers the database was last seeded from skips the seed: it would change nothing.
    """
    from geo_clsm.store import repo
    from geo_clsm.store.db import check_schema, connect, is_empty, upgrade

    db = connect(url)
    if is_empty(db):
        upgrade(db)
    check_schema(db)
    if shipped_version is not None:
        with db.connect() as conn:
            if repo.seeded_with(conn, shipped_version, territories):
                return db
    repo.seed(db, shipped(), territories=territories, version=shipped_version)
    return db

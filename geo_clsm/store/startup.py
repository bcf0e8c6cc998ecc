"""Opening the database of record at start-up: create a new one, refuse a schema that is behind, seed it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING

from geo_clsm.store import seeding
from geo_clsm.store.db import check_schema, connect, head_revision, is_empty, upgrade

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine as SqlEngine

    from geo_clsm.model.resource import Resource


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

    db = connect(url)
    if is_empty(db):
        upgrade(db)
        log.info("base de données créée (schéma %s)", head_revision())
    check_schema(db)
    if shipped_version is not None:
        with db.connect() as conn:
            if seeding.seeded_with(conn, shipped_version, territories):
                return db
    done = seeding.seed(db, shipped(), territories=territories, version=shipped_version)
    if done.inserted or done.updated or done.withdrawn:
        log.info(
            "fiches mises à jour depuis les couches : %d ajoutée(s), %d modifiée(s), %d retirée(s)",
            done.inserted,
            done.updated,
            done.withdrawn,
        )
    return db

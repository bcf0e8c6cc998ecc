"""The commune and QPV polygons of the layers in service, copied into PostGIS for territory lookups,
and the sample points of the access indicators (:func:`sync_access_points`).

``layer_communes`` and ``layer_qpv`` (migration 0004, PostgreSQL only) hold the catalog's polygons
in its order (pilot communes first), so that ``ST_Contains`` with the lowest ``ord`` answers as the
in-memory locator does. They are rewritten when the layers change (a fingerprint of codes, names,
territories and geometries is kept in ``meta``), by one worker under an advisory lock.

``sector_extents`` (migration 0010) holds the resolved extent of each psychiatric sector
(:func:`sync_sector_extents`), in its zone's projected CRS, with the very vertices the in-memory
:class:`~geo_clsm.engine.sectors.SectorIndex` tests points against: ``ST_Covers`` on it answers as
:meth:`~geo_clsm.engine.sectors.SectorIndex.at` does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.data.catalog import Catalog

if TYPE_CHECKING:
    from geo_clsm.engine.sectors import SectorIndex

_ZONES_LOCK = 0x15_0D_6E_0F  # pg_advisory_xact_lock key of the service-area extents refresh

_LAYERS_LOCK = 0x15_0D_6E_0C  # pg_advisory_xact_lock key of the layer refresh

_fingerprints: list[tuple[Catalog, str]] = []  # the last catalog seen, and its layers' fingerprint


def _replace_if_changed(
    db: SqlEngine, *, key: str, fingerprint: str, lock: int, write: Callable[[Connection], None], analyze: str
) -> bool:
    """The one refresh of a derived table: unless ``meta[key]`` already holds ``fingerprint``,
    ``write`` replaces the rows and the fingerprint is stored, in one transaction under the advisory
    ``lock`` (one worker writes, the others find it done), then ``ANALYZE analyze`` (fresh statistics,
    so that the planner picks the GiST indexes from the start). Returns whether it wrote."""
    read = sa.text("SELECT value FROM meta WHERE key = :k")
    with db.connect() as conn:
        if conn.execute(read, {"k": key}).scalar() == fingerprint:
            return False
    with db.begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock})
        if conn.execute(read, {"k": key}).scalar() == fingerprint:  # another worker did it meanwhile
            return False
        write(conn)
        conn.execute(sa.text("DELETE FROM meta WHERE key = :k"), {"k": key})
        conn.execute(sa.text("INSERT INTO meta (key, value) VALUES (:k, :v)"), {"k": key, "v": fingerprint})
        conn.execute(sa.text(f"ANALYZE {analyze}"))
    return True


def _rows_fingerprint(rows: list[dict[str, Any]], fields: tuple[str, ...]) -> str:
    """A hash of rows: their ``fields`` and their ``wkb`` geometry."""
    h = hashlib.blake2b(digest_size=16)
    for row in rows:
        h.update("".join(f"{row[f]}|" for f in fields).encode())
        h.update(bytes(row["wkb"]))
    return h.hexdigest()


def _replace_rows(table: str, insert: str, rows: list[dict[str, Any]]) -> Callable[[Connection], None]:
    """A ``write`` of :func:`_replace_if_changed`: every row of ``table`` replaced by ``rows``."""

    def write(conn: Connection) -> None:
        conn.execute(sa.text(f"DELETE FROM {table}"))
        if rows:
            conn.execute(sa.text(insert), rows)

    return write


def layers_fingerprint(catalog: Catalog) -> str:
    """A hash of the communes and QPV (codes, names, territories, geometries) of a catalog."""
    for cat, fp in _fingerprints:
        if cat.commune_table is catalog.commune_table and cat.qpv is catalog.qpv:
            return fp
    h = hashlib.blake2b(digest_size=16)
    communes = catalog.commune_table.frame()  # built for this hash, not kept
    for frame, cols in ((communes, ("insee_com", "nom", "territory")), (catalog.qpv, ("code_qp", "lib_qp"))):
        for col in (*cols, "territory"):
            h.update(repr(frame[col].astype(str).tolist()).encode())
        for wkb in shapely.to_wkb(frame.geometry.values):
            h.update(wkb)
    fp = h.hexdigest()
    _fingerprints[:] = [(catalog, fp)]
    return fp


def sync_layers(db: SqlEngine, catalog: Catalog) -> bool:
    """Copy the catalog's commune and QPV polygons into ``layer_communes`` / ``layer_qpv`` when they
    differ from what the database holds; returns whether it wrote. Safe with several workers."""

    def write(conn: Connection) -> None:
        conn.execute(sa.text("DELETE FROM layer_communes"))
        conn.execute(sa.text("DELETE FROM layer_qpv"))
        c = catalog.commune_table.frame().reset_index(drop=True)
        q = catalog.qpv.reset_index(drop=True)
        geom = "ST_GeomFromWKB(:wkb, 4326)"
        if len(c):
            conn.execute(
                sa.text(f"INSERT INTO layer_communes VALUES (:ord, :a, :b, :t, {geom})"),
                _layer_rows(c, "insee_com", "nom"),
            )
        if len(q):
            conn.execute(
                sa.text(f"INSERT INTO layer_qpv VALUES (:ord, :a, :b, :t, {geom})"), _layer_rows(q, "code_qp", "lib_qp")
            )

    return _replace_if_changed(
        db,
        key="layers_fingerprint",
        fingerprint=layers_fingerprint(catalog),
        lock=_LAYERS_LOCK,
        write=write,
        analyze="layer_communes, layer_qpv, resources",
    )


def _layer_rows(frame: Any, code: str, name: str) -> list[dict[str, Any]]:
    wkbs = shapely.to_wkb(frame.geometry.values)
    return [
        {"ord": i, "a": str(a), "b": str(b), "t": None if t is None else str(t), "wkb": w}
        for i, (a, b, t, w) in enumerate(zip(frame[code], frame[name], frame["territory"], wkbs, strict=True))
    ]


_POINTS_LOCK = 0x15_0D_6E_0D  # pg_advisory_xact_lock key of the access points refresh


def points_fingerprint(srid: int, groups: list[tuple[str, str | None, Any, Any]]) -> str:
    """A hash of sample points: (zone, code_qp, xy (n, 2) array, weights) per group, in a CRS."""
    h = hashlib.blake2b(digest_size=16)
    h.update(str(srid).encode())
    for zone, code, xy, w in groups:
        h.update(f"{zone}|{code}|".encode())
        h.update(np.ascontiguousarray(xy, dtype=float).tobytes())
        h.update(np.ascontiguousarray(w, dtype=float).tobytes())
    return h.hexdigest()


def sync_access_points(
    db: SqlEngine, *, territory: str, srid: int, groups: list[tuple[str, str | None, Any, Any]]
) -> bool:
    """Store a territory's weighted sample points in ``access_points`` (projected, EPSG ``srid``)
    when they differ from what the database holds; returns whether it wrote. ``groups``: (zone,
    code_qp, xy (n, 2) array in metres, weights) in order. Safe with several workers."""

    def write(conn: Connection) -> None:
        rows: list[dict[str, Any]] = []
        for zone, code, xy, w in groups:
            xys, ws = np.asarray(xy, dtype=float).tolist(), np.asarray(w, dtype=float).tolist()
            for (x, y), wi in zip(xys, ws, strict=True):
                rows.append({"t": territory, "o": len(rows), "z": zone, "c": code, "w": wi, "x": x, "y": y})
        conn.execute(sa.text("DELETE FROM access_points WHERE territory = :t"), {"t": territory})
        if rows:
            point = f"ST_SetSRID(ST_MakePoint(:x, :y), {int(srid)})"
            conn.execute(sa.text(f"INSERT INTO access_points VALUES (:t, :o, :z, :c, :w, {point})"), rows)

    return _replace_if_changed(
        db,
        key=f"access_points:{territory}",
        fingerprint=points_fingerprint(srid, groups),
        lock=_POINTS_LOCK,
        write=write,
        analyze="access_points",
    )


_SECTORS_LOCK = 0x15_0D_6E_0E  # pg_advisory_xact_lock key of the sector extents refresh


def sector_extent_rows(index: SectorIndex) -> list[dict[str, Any]]:
    """The rows of ``sector_extents`` for a sector index: each sector whose extent resolved to an
    area, its metric geometry as the in-memory engine holds it (same vertices: the same answers)."""
    rows = []
    for s in index.sectors:
        r = index.resolved(s.id)
        if r is None or r.is_empty:
            continue
        rows.append(
            {
                "id": s.id,
                "public": s.public,
                "t": s.territory,
                "srid": int(r.crs.split(":")[1]),
                "wkb": shapely.to_wkb(r.projected),
            }
        )
    return rows


def sync_sector_extents(db: SqlEngine, index: SectorIndex) -> bool:
    """Write the resolved extents of ``index``'s sectors into ``sector_extents`` when they differ
    from what the database holds (a fingerprint in ``meta``); returns whether it wrote. Safe with
    several workers (advisory lock)."""
    rows = sector_extent_rows(index)
    insert = (
        "INSERT INTO sector_extents (sector_id, public, territory, zone_srid, geom) "
        "VALUES (:id, :public, :t, :srid, ST_Multi(ST_GeomFromWKB(:wkb, :srid)))"
    )
    return _replace_if_changed(
        db,
        key="sector_extents_fingerprint",
        fingerprint=_rows_fingerprint(rows, ("id", "public", "t", "srid")),
        lock=_SECTORS_LOCK,
        write=_replace_rows("sector_extents", insert, rows),
        analyze="sector_extents",
    )


def sync_service_areas(db: SqlEngine, catalog: Catalog) -> bool:
    """Write the resolved intervention zones of the catalog's resources (WGS84, as
    :class:`~geo_clsm.engine.core.ServiceAreas` tests points against them) into
    ``service_area_extents`` when they changed; returns whether it wrote."""
    from geo_clsm.engine.extents import polygonal, service_area_geometries

    zones = service_area_geometries(catalog)
    rows: list[dict[str, Any]] = [{"id": rid, "wkb": shapely.to_wkb(polygonal(g))} for rid, g in sorted(zones.items())]
    insert = "INSERT INTO service_area_extents VALUES (:id, ST_Multi(ST_GeomFromWKB(:wkb, 4326)))"
    return _replace_if_changed(
        db,
        key="service_area_extents_fingerprint",
        fingerprint=_rows_fingerprint(rows, ("id",)),
        lock=_ZONES_LOCK,
        write=_replace_rows("service_area_extents", insert, rows),
        analyze="service_area_extents",
    )

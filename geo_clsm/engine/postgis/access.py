"""PostGIS access indicators (``GEO_CLSM_QUERY_BACKEND=postgis``), on the database of record.

The same indicators as :func:`geo_clsm.access.indicators.compute_access` (the parity tests hold them to
0.1 %), with the resources read from the database (:func:`geo_clsm.store.repo.active_resources`),
never from an engine's in-memory copy. What runs where:

- **Sample points** (they depend on the layers only): :func:`geo_clsm.access.sample_territory`
  gives each territory's weighted points in its projected CRS, the QPV grid and the 200 m grid of
  the rest of the territory, with the population weights; they are stored in ``access_points``
  (migration 0007) and rewritten only when they change.
- **SQL (PostGIS)**, per territory and resource type: the distance from every sample point to the
  nearest resource of the type (KNN ``<->`` on the zone's GiST index of ``public_xy``, exact planar
  metres in the zone's CRS; 0 inside a service area, ``ST_Contains`` on the area projected with
  ``ST_Transform``), aggregated per QPV, for all QPV together and for the rest of the territory:
  weighted mean, weighted median and 90th percentile (first value whose cumulative weight reaches
  the share, as :func:`geo_clsm.access.weighted_quantile`), maximum, shares within the radii,
  number of points and the nearest resources relied on; per QPV, the resources within the count
  radius, the gap radius (``zone_blanche``) and the 2SFCA catchment (``ST_DWithin`` on the QPV
  polygon projected in the zone's CRS, or a service area meeting it).
- **Python**: the 2SFCA scores (:mod:`geo_clsm.access.sfca`, a dense distance matrix per chunk is
  not a query for a database), the uncertainty notes, walking minutes, equity ratios and gap ranks
  (assembled by the in-memory engine's code, :mod:`geo_clsm.access.indicators`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine as SqlEngine

from geo_clsm.access.distances import Supply
from geo_clsm.access.indicators import measured_results, sample_territory
from geo_clsm.access.params import AccessParams, AccessResult
from geo_clsm.access.rows import Measured, QpvMeasured, TypeRows, type_rows
from geo_clsm.access.sampled import SampledTerritory
from geo_clsm.data.catalog import Catalog
from geo_clsm.geo.walk import walk_minutes
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import PLACE_TYPES, ResourceType
from geo_clsm.store import repo
from geo_clsm.store.layer_tables import sync_access_points, sync_layers, sync_service_areas

_TIES = 8  # resources at the same distance (one address, one town hall): the first in catalog order
REST, ALL_QPV = "~hors_qpv", "~qpv"  # group keys of the rest of the territory and of all its QPV together


def _supply_sql(srid: int) -> list[str]:
    """Statements filling the transaction's temporary tables of one supply: ``supply_xy`` (its
    resources in the zone, in supply order ``pos``, position and projected service area, from
    ``service_area_extents``) with a GiST
    index for the KNN, and ``supply_area`` (those with a service area), GiST-indexed too."""
    return [
        "CREATE TEMP TABLE supply_xy ON COMMIT DROP AS SELECT r.id, u.pos, r.public_xy AS xy,"
        f" ST_Transform(COALESCE(z.geom, r.service_area), {srid}) AS area"
        " FROM resources r JOIN unnest(CAST(:ids AS text[])) WITH ORDINALITY AS u(id, pos) ON r.id = u.id"
        " LEFT JOIN service_area_extents z ON z.resource_id = r.id"  # the zones resolved (communes, QPV, polygon)
        f" WHERE r.zone_srid = {srid}",
        "CREATE INDEX ON supply_xy USING gist (xy)",
        "CREATE TEMP TABLE supply_area ON COMMIT DROP AS SELECT id, pos, area FROM supply_xy WHERE area IS NOT NULL",
        "CREATE INDEX ON supply_area USING gist (area)",
        "ANALYZE supply_xy, supply_area",
    ]


def _distances_sql(radii_m: Sequence[float]) -> sa.TextClause:
    """Per group (a QPV's code, :data:`REST`, :data:`ALL_QPV`): weighted distance figures from the
    territory's sample points to the nearest resource of ``supply_xy`` (0 inside a service area of
    ``supply_area``, the last in supply order winning; ties in distance to the first)."""
    shares = "".join(
        f", coalesce(sum(w) FILTER (WHERE d <= {float(r)!r}), 0) / max(tot) AS s{i}" for i, r in enumerate(radii_m)
    )
    return sa.text(
        "WITH nn AS (SELECT p.zone, p.code_qp, p.weight AS w,"
        " CASE WHEN a.id IS NOT NULL THEN 0.0 ELSE k.d END AS d, coalesce(a.id, k.id) AS id"
        " FROM access_points p"
        " LEFT JOIN LATERAL (SELECT id, d FROM (SELECT s.id, s.pos, s.xy <-> p.geom AS d FROM supply_xy s"
        f"  ORDER BY s.xy <-> p.geom LIMIT {_TIES}) t ORDER BY d, pos LIMIT 1) k ON true"
        " LEFT JOIN LATERAL (SELECT id FROM supply_area s WHERE ST_Contains(s.area, p.geom) ORDER BY pos DESC LIMIT 1) a"
        "  ON true"
        " WHERE p.territory = :territory),"
        f" g AS (SELECT CASE WHEN zone = 'qpv' THEN code_qp ELSE '{REST}' END AS grp, w, d, id FROM nn"
        f"  UNION ALL SELECT '{ALL_QPV}', w, d, id FROM nn WHERE zone = 'qpv'),"
        " c AS (SELECT grp, w, d, id, sum(w) OVER (PARTITION BY grp) AS tot,"
        "  sum(w) FILTER (WHERE d IS NOT NULL) OVER (PARTITION BY grp) AS ftot,"
        "  sum(w) OVER (PARTITION BY grp ORDER BY d ROWS UNBOUNDED PRECEDING) AS cum FROM g)"
        " SELECT grp, count(*) AS n, sum(d * w) / max(ftot) AS mean_m,"
        " coalesce(min(d) FILTER (WHERE cum / ftot >= 0.5), max(d)) AS p50_m,"
        " coalesce(min(d) FILTER (WHERE cum / ftot >= 0.9), max(d)) AS p90_m,"
        f" max(d) AS max_m{shares}, array_agg(DISTINCT id) FILTER (WHERE id IS NOT NULL) AS nearest"
        " FROM c GROUP BY grp"
    )


def _reach_sql(srid: int) -> sa.TextClause:
    """Per QPV of a territory: the resources of ``supply_xy`` within ``:catchment`` of its polygon
    (or whose service area meets it), and how many within ``:count_r`` and ``:gap_r``."""
    near = "(ST_DWithin(s.xy, q.g, {r}) OR (s.area IS NOT NULL AND ST_Intersects(s.area, q.g)))"
    return sa.text(
        f"SELECT q.code_qp, array_agg(s.id) FILTER (WHERE {near.format(r=':catchment')}) AS reach,"
        f" count(s.id) FILTER (WHERE {near.format(r=':count_r')}) AS n_count,"
        f" count(s.id) FILTER (WHERE {near.format(r=':gap_r')}) AS n_gap"
        f" FROM (SELECT code_qp, ST_Transform(geom, {srid}) AS g FROM layer_qpv WHERE territory = :territory) q"
        f" LEFT JOIN supply_xy s ON {near.format(r=':far')}"
        " GROUP BY q.code_qp"
    )


def read_resources(db: SqlEngine, *, loaded: Iterable[str], rank: Callable[[Resource], Any]) -> list[Resource]:
    """The active resources of the database of record (territory loaded or none), ordered by ``rank``."""
    keep = set(loaded)
    with db.connect() as conn:
        found = repo.active_resources(conn)
    return sorted((r for r in found if r.territory is None or r.territory in keep), key=rank)


def postgis_indicators(
    db: SqlEngine,
    catalog: Catalog,
    *,
    resources: Sequence[Resource],
    types: Iterable[ResourceType | str] = PLACE_TYPES,
    params: AccessParams | None = None,
) -> dict[str, AccessResult]:
    """Access indicators of every territory of ``catalog`` that has QPV (sorted by id), measured by
    PostGIS to the database's ``resources`` (read with :func:`read_resources`)."""
    params = params or AccessParams()
    type_list = tuple(ResourceType(t) for t in types)
    sync_layers(db, catalog)  # the QPV polygons measured against (a no-op when they are current)
    sync_service_areas(db, catalog)  # the teams' zones resolved (likewise)
    return {
        tid: territory_access(db, catalog, territory=tid, resources=resources, types=type_list, params=params)
        for tid in sorted(set(catalog.qpv["territory"]))
    }


def territory_access(
    db: SqlEngine,
    catalog: Catalog,
    *,
    territory: str,
    resources: Sequence[Resource],
    types: tuple[ResourceType, ...],
    params: AccessParams,
) -> AccessResult:
    """As :func:`geo_clsm.access.indicators.compute_access` for one territory, distances measured by PostGIS."""
    max_catchment = max((params.catchment_for(t) for t in types), default=params.default_catchment_m)
    ctx = sample_territory(catalog, territory=territory, params=params, max_catchment_m=max_catchment)
    srid = int(ctx.crs.split(":")[1])
    groups: list[tuple[str, str | None, Any, Any]] = [
        ("qpv", str(code), pts, w) for code, pts, w in zip(ctx.qpv["code_qp"], ctx.q_pts, ctx.q_w, strict=True)
    ]
    groups.append(("hors_qpv", None, ctx.r_xy, ctx.r_w))
    sync_access_points(db, territory=territory, srid=srid, groups=groups)
    return measured_results(
        catalog,
        ctx,
        params=params,
        types=types,
        resources=resources,
        type_rows=lambda rtype, supply: _type_rows(db, ctx, srid, rtype, supply, params),
    )


def _measure(
    db: SqlEngine, ctx: SampledTerritory, srid: int, supply: Supply, params: AccessParams, catchment_m: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The SQL figures of one supply: distance figures by group, reach by QPV code."""
    common = {"territory": ctx.territory}
    with db.begin() as conn:
        for statement in _supply_sql(srid):
            conn.execute(sa.text(statement), {"ids": list(supply.ids)})
        dist = conn.execute(_distances_sql(params.radii_m), common).all()
        reach = conn.execute(
            _reach_sql(srid),
            {
                **common,
                "catchment": catchment_m,
                "count_r": params.count_radius_m,
                "gap_r": params.gap_radius_m,
                "far": max(catchment_m, params.count_radius_m, params.gap_radius_m),
            },
        ).all()
    return {row.grp: row for row in dist}, {row.code_qp: row for row in reach}


def _stats(row: Any, params: AccessParams) -> dict[str, Any]:
    """The figures of :func:`geo_clsm.access.distance_stats` from a row of :func:`_distances_sql`."""
    mean = None if row.mean_m is None else float(row.mean_m)
    out: dict[str, Any] = {
        "mean_m": mean,
        "p50_m": None if row.p50_m is None else float(row.p50_m),
        "p90_m": None if row.p90_m is None else float(row.p90_m),
        "max_m": None if row.max_m is None else float(row.max_m),
    }
    for i, r in enumerate(params.radii_m):
        out[f"within_{int(r)}m_share"] = float(getattr(row, f"s{i}"))
    out["walk_minutes_mean"] = (
        None
        if mean is None
        else float(walk_minutes(mean, detour_factor=params.detour_factor, speed_kmh=params.walk_speed_kmh))
    )
    return out


def _type_rows(
    db: SqlEngine, ctx: SampledTerritory, srid: int, rtype: ResourceType, supply: Supply, params: AccessParams
) -> TypeRows:
    """QPV rows, rest rows and commune rows of one type (:func:`geo_clsm.access.rows.type_rows`), measured by PostGIS."""
    dist, reach = _measure(db, ctx, srid, supply, params, params.catchment_for(rtype))
    index = {rid: i for i, rid in enumerate(supply.ids)}

    def used(ids: Sequence[str] | None) -> set[int]:
        return {index[i] for i in ids or ()}

    def measured(row: Any) -> Measured:
        return Measured(_stats(row, params), used(row.nearest))

    def qpv(i: int, rec: Any) -> QpvMeasured:
        d, near = dist[rec.code_qp], reach[rec.code_qp]
        return QpvMeasured(
            stats=_stats(d, params),
            nearest=used(d.nearest),
            n_sample_points=int(d.n),
            reach=used(near.reach),
            n_count=int(near.n_count),
            n_gap=int(near.n_gap),
        )

    return type_rows(
        ctx,
        rtype,
        supply,
        params,
        rest=measured(dist[REST]),
        all_qpv=measured(dist[ALL_QPV]) if ALL_QPV in dist else None,
        qpv=qpv,
    )

"""Per-QPV indicators per resource type, equity against the rest of the territory, 2SFCA.

All metric work is done in the territory's projected CRS (Lambert-93 in mainland France,
each overseas territory's own CRS), chosen from the territory's position. Distances are
straight lines in metres; walking minutes are estimates (detour factor x straight line at
a walking speed), labelled as such. Sampling and demand: :mod:`geo_clsm.access.sampling`;
2SFCA: :mod:`geo_clsm.access.sfca`; parameters: :mod:`geo_clsm.access.params`.

Each QPV row states its uncertainty: ``n_sample_points``; ``n_resources`` (resources of
the type within the 2SFCA catchment of the QPV); the resources relied on (those within
reach and the nearest one of every sample point): their number, how many are counted only
because their audience is unknown (``n_unknown_audience``), the share at commune precision;
``fragile`` when fewer than 3 resources are within reach; and a French ``note``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo_clsm.access.distances import Supply, distance_stats
from geo_clsm.access.params import AccessParams, AccessResult, Progress
from geo_clsm.access.rows import Measured, QpvMeasured, TypeRows, type_rows
from geo_clsm.access.sampled import SampledTerritory
from geo_clsm.access.sampling import commune_grid_demand, population_weights, sample_grid
from geo_clsm.access.sectorised import SECTOR_NOTE, SECTOR_TYPES, sector_rows, sector_table, territory_sectors
from geo_clsm.access.uncertainty import indices
from geo_clsm.data.catalog import Catalog
from geo_clsm.engine.extents import service_area_geometries
from geo_clsm.geo.crs import LAMBERT93, WGS84, projected_crs_for, to_projected
from geo_clsm.model.errors import InvalidInputError, NotFoundError
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import IMPLIED_AGES, PLACE_TYPES, ResourceType


def sample_territory(
    catalog: Catalog, *, territory: str, params: AccessParams, max_catchment_m: float
) -> SampledTerritory:
    """Sample points of the QPV and of the rest of the territory, with weights, and 2SFCA demand."""
    qpv = catalog.qpv[catalog.qpv["territory"] == territory].reset_index(drop=True)
    communes = catalog.communes_of(territory).reset_index(drop=True)
    if communes.empty:
        raise InvalidInputError(f"territoire « {territory} » sans communes : indicateurs impossibles")
    c = communes.geometry.union_all().representative_point()
    crs = projected_crs_for(c.x, c.y) or LAMBERT93
    qpv_p = qpv.to_crs(crs)
    com_p = communes.to_crs(crs)
    notes = [
        f"distances à vol d'oiseau ; temps de marche estimés (détour x{params.detour_factor}, {params.walk_speed_kmh} km/h)"
    ]
    q_pts = [sample_grid(g, spacing_m=params.grid_spacing_m) for g in qpv_p.geometry]
    qpv_union = qpv_p.geometry.union_all() if len(qpv_p) else shapely.Polygon()
    rest_pts, rest_w = [], []
    for geom, pop in zip(com_p.geometry, com_p["population_municipale"].fillna(0).astype(float), strict=True):
        part = geom.difference(qpv_union) if not qpv_union.is_empty else geom
        if part.is_empty:
            continue
        pts = sample_grid(part, spacing_m=params.rest_spacing_m)
        rest_pts.append(pts)
        rest_w.append(np.full(len(pts), pop / len(pts)))
    r_xy, r_w = np.vstack(rest_pts), np.concatenate(rest_w)
    q_w = [np.ones(len(p)) for p in q_pts]

    # 2SFCA demand: communes (every layer, pilot first) within two catchments of the territory.
    b = com_p.total_bounds
    m = 2 * max_catchment_m
    box = (b[0] - m, b[1] - m, b[2] + m, b[3] + m)
    table = catalog.commune_table  # the communes near the territory only: the others are not built
    first = ~table.attrs["insee_com"].duplicated(keep="first").to_numpy(dtype=bool)
    rows = table.rows_intersecting(to_wgs84_box(box, crs))
    near = table.frame(rows[first[rows]]).to_crs(crs)
    pop = catalog.population
    pop = pop[pop["territory"] == territory] if pop is not None else None
    if pop is not None and not pop.empty:
        pxy = np.column_stack(to_projected(pop.geometry.x.to_numpy(), pop.geometry.y.to_numpy(), crs))
        cell = float(pop["cell_m"].iloc[0])
        values = pop["population"].to_numpy(dtype=float)
        q_w = [population_weights(p, pxy, values, cell_m=cell) for p in q_pts]
        unweighted = [qpv_p["code_qp"].iloc[i] for i, w in enumerate(q_w) if w.sum() <= 0]
        q_w = [w if w.sum() > 0 else np.ones(len(w)) for w in q_w]
        rw = population_weights(r_xy, pxy, values, cell_m=cell)
        if rw.sum() > 0:
            r_w = rw
        # Demand: the grid's cells in the territory, the communes' spread population around it.
        outside = near[~near["insee_com"].isin(set(communes["insee_com"]))]
        oxy, opop = commune_grid_demand(outside, box=box, spacing_m=params.demand_spacing_m)
        demand_xy, demand_pop = np.vstack([pxy, oxy]), np.concatenate([values, opop])
        notes.append(f"points pondérés par la population (carreaux de {cell:.0f} m)")
        notes.append(f"2SFCA : demande = carreaux de population de {cell:.0f} m (communes voisines : grille)")
        if unweighted:
            notes.append("QPV sans population carroyée, points de poids égal : " + ", ".join(unweighted))
    else:
        demand_xy, demand_pop = commune_grid_demand(near, box=box, spacing_m=params.demand_spacing_m)
        notes.append("QPV : points de grille de poids égal (pas de couche de population infra-communale)")
        notes.append("hors QPV : population de chaque commune répartie uniformément sur sa surface")
        notes.append(
            f"2SFCA : demande = population de chaque commune répartie sur une grille de {params.demand_spacing_m:.0f} m"
        )
    reps = com_p.geometry.representative_point()
    return SampledTerritory(
        territory=territory,
        crs=crs,
        qpv=qpv_p,
        communes=com_p,
        q_pts=q_pts,
        q_w=q_w,
        r_xy=r_xy,
        r_w=r_w,
        demand_xy=demand_xy,
        demand_pop=demand_pop,
        com_xy=np.column_stack([reps.x, reps.y]),
        notes=notes,
    )


def to_wgs84_box(box: tuple[float, float, float, float], crs: str) -> tuple[float, float, float, float]:
    """A projected box's WGS84 bounds (lon_min, lat_min, lon_max, lat_max)."""
    x0, y0, x1, y1 = box
    xs = np.array([x0, x1, x0, x1, (x0 + x1) / 2, (x0 + x1) / 2])
    ys = np.array([y0, y0, y1, y1, y0, y1])
    g = gpd.GeoSeries(shapely.points(xs, ys), crs=crs).to_crs(WGS84)
    return float(g.x.min()), float(g.y.min()), float(g.x.max()), float(g.y.max())


def compute_access(
    catalog: Catalog,
    *,
    territory: str,
    resources: Sequence[Resource] | None = None,
    types: Iterable[ResourceType | str] | None = None,
    params: AccessParams | None = None,
    progress: Progress | None = None,
) -> AccessResult:
    """Indicators per QPV x type for one territory, and their known-audience-only variant.

    Parameters
    ----------
    catalog
        Loaded layers (QPV, communes with population, resources).
    territory
        Territory id (a pilot: it needs QPV and communes).
    resources
        Resources to measure against (default: the catalog's, all territories, so help
        just across a border counts).
    types
        Resource types (default: every type of place; phone lines have no position).
    params
        Grid spacing, radii, walking assumptions, 2SFCA catchments and decay.
    progress
        Called with (done, total, type) after each type.
    """
    params = params or AccessParams()
    if territory not in catalog.territories:
        raise NotFoundError(f"territoire inconnu « {territory} » : {', '.join(catalog.territories)}")
    resources = list(catalog.resources if resources is None else resources)
    type_list = tuple(ResourceType(t) for t in (types or PLACE_TYPES))
    max_catchment = max((params.catchment_for(t) for t in type_list), default=params.default_catchment_m)
    ctx = sample_territory(catalog, territory=territory, params=params, max_catchment_m=max_catchment)
    return measured_results(
        catalog,
        ctx,
        params=params,
        types=type_list,
        resources=resources,
        type_rows=lambda rtype, supply: _type_rows(ctx, rtype, supply, params),
        progress=progress,
    )


def measured_results(
    catalog: Catalog,
    ctx: SampledTerritory,
    *,
    params: AccessParams,
    types: tuple[ResourceType, ...],
    resources: Sequence[Resource],
    type_rows: Callable[[ResourceType, Supply], TypeRows],
    progress: Callable[[int, int, str], None] | None = None,
) -> AccessResult:
    """The indicators of a sampled territory, with their known-audience-only variant (``.known``):
    ``type_rows`` measures one type against a supply (in memory here, in PostGIS for
    :mod:`geo_clsm.engine.postgis.access`); a type whose known-audience supply is the same is measured once."""
    ctx.placed = Supply.place(resources, ctx.crs, zones=service_area_geometries(catalog))
    tables: dict[bool, list[TypeRows]] = {False: [], True: []}
    by_sector: dict[bool, list[dict[str, Any]]] = {False: [], True: []}
    layer = territory_sectors(catalog, ctx) if any(t in SECTOR_TYPES for t in types) else None
    for n, rtype in enumerate(types, start=1):
        supply = Supply.build(resources, rtype, ctx.crs, placed=ctx.placed)
        rows = type_rows(rtype, supply)
        tables[False].append(rows)
        srows = sector_rows(ctx, rtype, supply, layer)
        by_sector[False] += srows
        known = (
            Supply.build(resources, rtype, ctx.crs, known_audience_only=True, placed=ctx.placed)
            if rtype in IMPLIED_AGES
            else supply
        )
        same = known.ids == supply.ids
        tables[True].append(rows if same else type_rows(rtype, known))
        by_sector[True] += srows if same else sector_rows(ctx, rtype, known, layer)
        if progress:
            progress(n, len(types), rtype.value)
    notes = [*ctx.notes, *_sfca_notes(params, types)]
    if by_sector[False]:
        notes.append(SECTOR_NOTE)
    known_result = _assemble(catalog, ctx, params, types, tables[True], [*notes, KNOWN_NOTE], known=True)
    result = _assemble(catalog, ctx, params, types, tables[False], [*notes, UNKNOWN_NOTE], known=False)
    known_result.sectors = sector_table(ctx, by_sector[True])
    result.sectors = sector_table(ctx, by_sector[False])
    result.known = known_result
    return result


UNKNOWN_NOTE = "les ressources au public non précisé comptent (CMP adultes / enfants : public inclus ou non précisé)"
KNOWN_NOTE = "public connu seulement : les ressources au public non précisé sont écartées"


def _sfca_notes(params: AccessParams, types: tuple[ResourceType, ...]) -> list[str]:
    groups: dict[str, list[str]] = {}
    for t in types:
        groups.setdefault(params.decay_fr(t), []).append(t.value)
    return [f"2SFCA ({', '.join(ts)}) : décroissance {d}" for d, ts in groups.items()]


def _type_rows(ctx: SampledTerritory, rtype: ResourceType, supply: Supply, params: AccessParams) -> TypeRows:
    """QPV rows, rest rows and commune rows of one type, measured in memory."""
    catchment = params.catchment_for(rtype)
    rest_d, rest_near = supply.nearest(ctx.r_xy)
    q_d_all, q_near_all = supply.nearest(ctx.q_all)
    bounds = np.cumsum([0, *(len(pts) for pts in ctx.q_pts)])

    def qpv(i: int, rec: Any) -> QpvMeasured:
        part = slice(int(bounds[i]), int(bounds[i + 1]))
        return QpvMeasured(
            stats=distance_stats(q_d_all[part], ctx.q_w[i], params),
            nearest=indices(q_near_all[part]),
            n_sample_points=len(ctx.q_pts[i]),
            reach=supply.within(rec.geometry, catchment),
            n_count=supply.count_within(rec.geometry, params.count_radius_m),
            n_gap=supply.count_within(rec.geometry, params.gap_radius_m),
        )

    return type_rows(
        ctx,
        rtype,
        supply,
        params,
        rest=Measured(distance_stats(rest_d, ctx.r_w, params), indices(rest_near)),
        all_qpv=Measured(distance_stats(q_d_all, ctx.q_w_all, params), indices(q_near_all)) if len(ctx.q_all) else None,
        qpv=qpv,
    )


def _assemble(
    catalog: Catalog,
    ctx: SampledTerritory,
    params: AccessParams,
    types: tuple[ResourceType, ...],
    parts: list[TypeRows],
    notes: list[str],
    *,
    known: bool,
) -> AccessResult:
    table = pd.DataFrame([r for p in parts for r in p[0]])
    if not table.empty:
        # Rank QPVs by gap per type: 1 = farthest on average (no resource at all ranks first).
        key = table["mean_m"].astype(float).fillna(np.inf)
        table["gap_rank"] = key.groupby(table["resource_type"]).rank(method="min", ascending=False).astype(int)
    qpv = catalog.qpv[catalog.qpv["territory"] == ctx.territory]
    geoms = dict(zip(qpv["code_qp"], qpv.geometry, strict=True))
    gdf = (
        gpd.GeoDataFrame(table, geometry=[geoms[c] for c in table["code_qp"]], crs=WGS84)
        if not table.empty
        else gpd.GeoDataFrame(table, geometry=[], crs=WGS84)
    )
    rest = pd.DataFrame([r for p in parts for r in p[1]])
    if not rest.empty:
        rest["sfca_per_10k"] = rest["sfca"].astype(float) * 10_000
        means = rest.pivot_table(index="resource_type", columns="zone", values="mean_m", aggfunc="first")
        if {"qpv", "hors_qpv"} <= set(means.columns):
            rest["equity_ratio_mean"] = rest["resource_type"].map(means["qpv"] / means["hors_qpv"])
    return AccessResult(
        territory=ctx.territory,
        crs=ctx.crs,
        params=params,
        types=types,
        qpv=gdf,
        rest=rest,
        communes=pd.DataFrame([r for p in parts for r in p[2]]),
        notes=notes,
        known_audience_only=known,
    )


def territory_indicators(
    catalog: Catalog, *, types: Iterable[ResourceType | str] | None = None, params: AccessParams | None = None
) -> dict[str, AccessResult]:
    """Access indicators of every territory that has QPV (sorted by id); ``types`` as in :func:`compute_access`."""
    with_qpv = sorted(set(catalog.qpv["territory"]))
    type_list = list(types) if types is not None else None
    return {
        tid: compute_access(catalog, territory=tid, types=type_list, params=params or AccessParams())
        for tid in with_qpv
    }

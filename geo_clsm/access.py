"""Access gaps: per-QPV indicators per resource type, equity against the rest of the
territory, two-step floating catchment area (2SFCA) scores, and what-if scenarios.

All metric work is done in the territory's projected CRS (Lambert-93 in mainland France,
each overseas territory's own CRS), chosen from the territory's position. Distances are
straight lines in metres; walking minutes are estimates (detour factor x straight line at
a walking speed), labelled as such.

Sampling:

- each QPV is covered by a regular grid of sample points (``grid_spacing_m``, 50 m by
  default);
- the rest of the territory (its communes minus its QPV) is covered by a coarser grid
  (``rest_spacing_m``);
- weights: with a population layer for the territory (points of a population grid, e.g.
  INSEE's 200 m cells), each cell's population is split among its sample points; without
  one, QPV points weigh the same and each rest point carries its commune's population
  divided by the commune's number of points (population-weighted over communes).

A resource with a service area (EMPP, sector) is at distance 0 from every point inside it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pydantic import BaseModel, ConfigDict, Field
from shapely.geometry.base import BaseGeometry

from geo_clsm.crs import LAMBERT93, WGS84, projected_crs_for, to_projected
from geo_clsm.errors import InvalidInputError, NotFoundError
from geo_clsm.layers import Catalog
from geo_clsm.model import Position, PositionPrecision, Resource, ResourceType
from geo_clsm.validate import check_lonlat
from geo_clsm.walk import DETOUR_FACTOR, WALK_SPEED_KMH, walk_minutes

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class AccessParams:
    """Parameters of the access computation (metres, km/h)."""

    grid_spacing_m: float = 50.0
    rest_spacing_m: float = 200.0
    radii_m: tuple[float, ...] = (500.0, 1000.0)
    count_radius_m: float = 1000.0
    gap_radius_m: float = 1000.0
    detour_factor: float = DETOUR_FACTOR
    walk_speed_kmh: float = WALK_SPEED_KMH
    catchment_m: float = 10_000.0
    decay_sigma_m: float | None = None
    """Gaussian distance decay for the 2SFCA (sigma in metres); None = no decay."""

    def __post_init__(self) -> None:
        if self.grid_spacing_m <= 0 or self.rest_spacing_m <= 0:
            raise InvalidInputError("pas de grille : un nombre de mètres positif est attendu")
        if not self.radii_m or any(r <= 0 for r in self.radii_m):
            raise InvalidInputError("rayons : des distances positives en mètres sont attendues")
        if self.catchment_m <= 0 or (self.decay_sigma_m is not None and self.decay_sigma_m <= 0):
            raise InvalidInputError("zone de chalandise et décroissance : des mètres positifs sont attendus")


@dataclass
class AccessResult:
    """Indicators of one territory.

    ``qpv``: one row per QPV x type (GeoDataFrame, QPV polygons in WGS84).
    ``rest``: one row per type for the territory outside its QPV, and for all its QPV.
    ``communes``: 2SFCA score per commune x type.
    """

    territory: str
    crs: str
    params: AccessParams
    types: tuple[ResourceType, ...]
    qpv: gpd.GeoDataFrame
    rest: pd.DataFrame
    communes: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def indicator_columns(params: AccessParams) -> list[str]:
    """The per-row indicator columns, in output order."""
    return [
        "mean_m",
        "p50_m",
        "p90_m",
        "max_m",
        *[f"within_{int(r)}m_share" for r in params.radii_m],
        f"count_within_{int(params.count_radius_m)}m",
        "walk_minutes_mean",
        "sfca",
        "sfca_per_10k",
    ]


# --------------------------------------------------------------------------- sampling


def sample_grid(geom: BaseGeometry, *, spacing_m: float) -> np.ndarray:
    """Points of a regular grid (cell centres) inside a projected polygon, as an (n, 2) array.

    A polygon too small to hold a grid point gets one point inside it.
    """
    x0, y0, x1, y1 = geom.bounds
    xs = np.arange(np.floor(x0 / spacing_m) * spacing_m + spacing_m / 2, x1, spacing_m)
    ys = np.arange(np.floor(y0 / spacing_m) * spacing_m + spacing_m / 2, y1, spacing_m)
    mx, my = np.meshgrid(xs, ys)
    gx, gy = mx.ravel(), my.ravel()
    shapely.prepare(geom)
    inside = shapely.contains_xy(geom, gx, gy)
    if not inside.any():
        p = geom.representative_point()
        return np.array([[p.x, p.y]])
    return np.column_stack([gx[inside], gy[inside]])


def population_weights(pts: np.ndarray, pop_xy: np.ndarray, pop: np.ndarray, *, cell_m: float) -> np.ndarray:
    """Weights of sample points from a population grid (projected metres).

    Each sample point belongs to the nearest population point within half a cell's
    diagonal; each cell's population is split equally among its sample points. A point
    in no populated cell weighs 0.
    """
    w = np.zeros(len(pts))
    if len(pop_xy) == 0 or len(pts) == 0:
        return w
    tree = shapely.STRtree(np.asarray(shapely.points(pop_xy)))
    src, dst = tree.query_nearest(
        np.asarray(shapely.points(pts)), max_distance=cell_m * np.sqrt(2) / 2, all_matches=False
    )
    counts = np.bincount(dst, minlength=len(pop_xy))
    w[src] = pop[dst] / counts[dst]
    return w


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Quantile ``q`` (0-1) of values with weights (inverted empirical CDF)."""
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cdf = np.cumsum(w) / w.sum()
    return float(v[min(int(np.searchsorted(cdf, q)), len(v) - 1)])


# --------------------------------------------------------------------------- distances


@dataclass
class _Supply:
    """Resources of one type, projected."""

    resources: list[Resource]
    xy: np.ndarray
    areas: dict[int, BaseGeometry]  # index in ``resources`` -> projected service area
    tree: shapely.STRtree | None

    @classmethod
    def build(cls, resources: Sequence[Resource], rtype: ResourceType, crs: str) -> _Supply:
        picked: list[Resource] = []
        lon, lat = [], []
        for r in resources:
            pos = r.public_position()
            if pos is None or not r.matches_type(rtype) or projected_crs_for(pos.lon, pos.lat) != crs:
                continue
            picked.append(r)
            lon.append(pos.lon)
            lat.append(pos.lat)
        x, y = to_projected(np.array(lon), np.array(lat), crs) if picked else (np.empty(0), np.empty(0))
        xy = np.column_stack([x, y]) if picked else np.empty((0, 2))
        areas = {
            i: gpd.GeoSeries([shapely.from_wkt(r.service_area_wkt)], crs=WGS84).to_crs(crs).iloc[0]
            for i, r in enumerate(picked)
            if r.service_area_wkt
        }
        tree = shapely.STRtree(np.asarray(shapely.points(xy))) if picked else None
        return cls(picked, xy, areas, tree)

    def nearest_m(self, pts: np.ndarray) -> np.ndarray:
        """Distance (m) from each point to the nearest resource; 0 inside a service area; inf if none."""
        if self.tree is None:
            return np.full(len(pts), np.inf)
        _, d = self.tree.query_nearest(np.asarray(shapely.points(pts)), return_distance=True, all_matches=False)
        d = np.asarray(d, dtype=float)
        for area in self.areas.values():
            d[shapely.contains_xy(area, pts[:, 0], pts[:, 1])] = 0.0
        return d

    def count_within(self, geom: BaseGeometry, radius_m: float) -> int:
        if self.tree is None:
            return 0
        near = set(self.tree.query(geom, predicate="dwithin", distance=radius_m).tolist())
        near |= {i for i, area in self.areas.items() if area.intersects(geom)}
        return len(near)


def _stats(d: np.ndarray, w: np.ndarray, params: AccessParams) -> dict[str, Any]:
    finite = np.isfinite(d)
    out: dict[str, Any] = {}
    if not finite.any():
        for key in ("mean_m", "p50_m", "p90_m", "max_m", "walk_minutes_mean"):
            out[key] = None
        for r in params.radii_m:
            out[f"within_{int(r)}m_share"] = 0.0
        return out
    dd, ww = d[finite], w[finite]
    mean = float(np.average(dd, weights=ww))
    out["mean_m"] = round(mean, 1)
    out["p50_m"] = round(weighted_quantile(dd, ww, 0.5), 1)
    out["p90_m"] = round(weighted_quantile(dd, ww, 0.9), 1)
    out["max_m"] = round(float(dd.max()), 1)
    for r in params.radii_m:
        out[f"within_{int(r)}m_share"] = round(float(w[finite & (d <= r)].sum() / w.sum()), 4)
    out["walk_minutes_mean"] = round(
        float(walk_minutes(mean, detour_factor=params.detour_factor, speed_kmh=params.walk_speed_kmh)), 1
    )
    return out


# --------------------------------------------------------------------------- 2SFCA


def _fca_weights(a: np.ndarray, b: np.ndarray, *, catchment_m: float, decay_sigma_m: float | None) -> np.ndarray:
    d = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1])
    w = np.ones_like(d) if decay_sigma_m is None else np.exp(-(d**2) / (2 * decay_sigma_m**2))
    return np.where(d <= catchment_m, w, 0.0)


def fca_supply_ratios(
    demand_xy: np.ndarray,
    demand_pop: np.ndarray,
    supply_xy: np.ndarray,
    supply_capacity: np.ndarray,
    *,
    catchment_m: float,
    decay_sigma_m: float | None = None,
) -> np.ndarray:
    """2SFCA step 1: R_j = S_j / sum_k P_k W(d_kj) over demand k within the catchment of j."""
    if len(supply_xy) == 0:
        return np.zeros(0)
    served = demand_pop @ _fca_weights(demand_xy, supply_xy, catchment_m=catchment_m, decay_sigma_m=decay_sigma_m)
    return np.divide(supply_capacity, served, out=np.zeros(len(supply_xy)), where=served > 0)


def fca_scores(
    eval_xy: np.ndarray,
    supply_xy: np.ndarray,
    ratios: np.ndarray,
    *,
    catchment_m: float,
    decay_sigma_m: float | None = None,
    chunk: int = 4096,
) -> np.ndarray:
    """2SFCA step 2: A_i = sum_j R_j W(d_ij) over supply j within the catchment of i."""
    if len(supply_xy) == 0:
        return np.zeros(len(eval_xy))
    out = np.empty(len(eval_xy))
    for s in range(0, len(eval_xy), chunk):
        w = _fca_weights(eval_xy[s : s + chunk], supply_xy, catchment_m=catchment_m, decay_sigma_m=decay_sigma_m)
        out[s : s + chunk] = w @ ratios
    return out


def two_step_fca(
    demand_xy: np.ndarray,
    demand_pop: np.ndarray,
    supply_xy: np.ndarray,
    supply_capacity: np.ndarray,
    eval_xy: np.ndarray,
    *,
    catchment_m: float,
    decay_sigma_m: float | None = None,
) -> np.ndarray:
    """2SFCA accessibility at ``eval_xy`` (supply per inhabitant), planar metres.

    Step 1: R_j = S_j / sum_k P_k W(d_kj) over demand k within the catchment of supply j.
    Step 2: A_i = sum_j R_j W(d_ij) over supply j within the catchment of location i.
    W = 1, or a Gaussian exp(-d^2 / (2 sigma^2)) when ``decay_sigma_m`` is given.
    """
    ratios = fca_supply_ratios(
        demand_xy, demand_pop, supply_xy, supply_capacity, catchment_m=catchment_m, decay_sigma_m=decay_sigma_m
    )
    return fca_scores(eval_xy, supply_xy, ratios, catchment_m=catchment_m, decay_sigma_m=decay_sigma_m)


# --------------------------------------------------------------------------- main entry


def compute_access(
    catalog: Catalog,
    *,
    territory: str,
    resources: Sequence[Resource] | None = None,
    types: Iterable[ResourceType] | None = None,
    params: AccessParams | None = None,
    progress: Progress | None = None,
) -> AccessResult:
    """Indicators per QPV x type for one territory.

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
        Resource types (default: every type).
    params
        Grid spacing, radii, walking assumptions, 2SFCA catchment and decay.
    progress
        Called with (done, total, type) after each type.
    """
    params = params or AccessParams()
    if territory not in catalog.territories:
        raise NotFoundError(f"territoire inconnu « {territory} » : {', '.join(catalog.territories)}")
    resources = list(catalog.resources if resources is None else resources)
    type_list = tuple(ResourceType(t) for t in (types or list(ResourceType)))
    qpv = catalog.qpv[catalog.qpv["territory"] == territory].reset_index(drop=True)
    communes = catalog.communes[catalog.communes["territory"] == territory].reset_index(drop=True)
    if communes.empty:
        raise InvalidInputError(f"territoire « {territory} » sans communes : indicateurs impossibles")
    c = communes.geometry.union_all().representative_point()
    crs = projected_crs_for(c.x, c.y) or LAMBERT93
    qpv_p = qpv.to_crs(crs)
    com_p = communes.to_crs(crs)
    notes = [
        f"distances à vol d'oiseau ; temps de marche estimés (détour x{params.detour_factor}, {params.walk_speed_kmh} km/h)"
    ]

    # Sample points.
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
    r_xy = np.vstack(rest_pts)
    r_w = np.concatenate(rest_w)
    q_w = [np.ones(len(p)) for p in q_pts]

    # Population weights, when the territory has a population layer (e.g. a 200 m grid).
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
        notes.append(f"points pondérés par la population (carreaux de {cell:.0f} m)")
        if unweighted:
            notes.append("QPV sans population carroyée, points de poids égal : " + ", ".join(unweighted))
    else:
        notes.append("QPV : points de grille de poids égal (pas de couche de population infra-communale)")
        notes.append("hors QPV : population de chaque commune répartie uniformément sur sa surface")
    q_all = np.vstack(q_pts) if q_pts else np.empty((0, 2))
    q_w_all = np.concatenate(q_w) if q_w else np.empty(0)

    # 2SFCA demand: every commune (all layers, pilot first) near the territory.
    demand = _demand(catalog, crs, com_p.total_bounds, params.catchment_m)
    margin = 2 * params.catchment_m
    b = com_p.total_bounds
    sfca_box = np.array([b[0] - margin, b[1] - margin, b[2] + margin, b[3] + margin])
    com_xy = np.column_stack([com_p.geometry.representative_point().x, com_p.geometry.representative_point().y])

    rows: list[dict[str, Any]] = []
    rest_rows: list[dict[str, Any]] = []
    commune_rows: list[dict[str, Any]] = []
    count_col = f"count_within_{int(params.count_radius_m)}m"
    for n, rtype in enumerate(type_list, start=1):
        supply = _Supply.build(resources, rtype, crs)
        # 2SFCA over the supply near the territory (within two catchments of its bounds).
        near = np.all((supply.xy >= sfca_box[:2]) & (supply.xy <= sfca_box[2:]), axis=1)
        sxy = supply.xy[near]
        cap = np.array([r.capacity or 1.0 for r in supply.resources])[near] if len(supply.xy) else np.zeros(0)
        ratios = fca_supply_ratios(
            demand[0], demand[1], sxy, cap, catchment_m=params.catchment_m, decay_sigma_m=params.decay_sigma_m
        )

        def sfca(xy: np.ndarray, *, _sxy: np.ndarray = sxy, _r: np.ndarray = ratios) -> np.ndarray:
            return fca_scores(xy, _sxy, _r, catchment_m=params.catchment_m, decay_sigma_m=params.decay_sigma_m)

        rest_d = supply.nearest_m(r_xy)
        rest_stats = _stats(rest_d, r_w, params)
        q_d_all = supply.nearest_m(q_all) if len(q_all) else np.empty(0)
        all_q_stats = _stats(q_d_all, q_w_all, params) if len(q_all) else {}
        rest_sfca = float(np.average(sfca(r_xy), weights=r_w)) if len(r_xy) else 0.0
        for part, stats, sf in (("hors_qpv", rest_stats, rest_sfca), ("qpv", all_q_stats, None)):
            if not stats:
                continue
            row = {"territory": territory, "zone": part, "resource_type": rtype.value, **stats}
            row["sfca"] = sf
            rest_rows.append(row)
        offset = 0
        for i, rec in enumerate(qpv_p.itertuples()):
            pts = q_pts[i]
            d = q_d_all[offset : offset + len(pts)]
            offset += len(pts)
            stats = _stats(d, q_w[i], params)
            s = float(np.average(sfca(pts), weights=q_w[i]))
            row = {
                "code_qp": rec.code_qp,
                "lib_qp": rec.lib_qp,
                "territory": territory,
                "resource_type": rtype.value,
                **stats,
                count_col: supply.count_within(rec.geometry, params.count_radius_m),
                "sfca": s,
                "sfca_per_10k": s * 10_000,
                "n_sample_points": len(pts),
                "n_resources": len(supply.resources),
            }
            rest_mean = rest_stats.get("mean_m")
            row["equity_ratio_mean"] = (
                round(row["mean_m"] / rest_mean, 3) if row["mean_m"] is not None and rest_mean else None
            )
            gap_count = supply.count_within(rec.geometry, params.gap_radius_m)
            row["zone_blanche"] = gap_count == 0
            rows.append(row)
        com_sfca = sfca(com_xy)
        for rec, s in zip(com_p.itertuples(), com_sfca, strict=True):
            commune_rows.append(
                {
                    "insee_com": rec.insee_com,
                    "nom": rec.nom,
                    "territory": territory,
                    "resource_type": rtype.value,
                    "population": rec.population_municipale,
                    "sfca": float(s),
                    "sfca_per_10k": float(s) * 10_000,
                }
            )
        if progress:
            progress(n, len(type_list), rtype.value)

    table = pd.DataFrame(rows)
    if not table.empty:
        # Rank QPVs by gap per type: 1 = farthest on average (no resource at all ranks first).
        key = table["mean_m"].astype(float).fillna(np.inf)
        table["gap_rank"] = key.groupby(table["resource_type"]).rank(method="min", ascending=False).astype(int)
    geoms = dict(zip(qpv["code_qp"], qpv.geometry, strict=True))
    gdf = (
        gpd.GeoDataFrame(table, geometry=[geoms[c] for c in table.get("code_qp", [])], crs=WGS84)
        if not table.empty
        else gpd.GeoDataFrame(table, geometry=[], crs=WGS84)
    )
    rest = pd.DataFrame(rest_rows)
    if not rest.empty:
        rest["sfca_per_10k"] = rest["sfca"].astype(float) * 10_000
        means = rest.pivot_table(index="resource_type", columns="zone", values="mean_m", aggfunc="first")
        if {"qpv", "hors_qpv"} <= set(means.columns):
            ratio = (means["qpv"] / means["hors_qpv"]).round(3)
            rest["equity_ratio_mean"] = rest["resource_type"].map(ratio)
    return AccessResult(
        territory=territory,
        crs=crs,
        params=params,
        types=type_list,
        qpv=gdf,
        rest=rest,
        communes=pd.DataFrame(commune_rows),
        notes=notes,
    )


def _demand(catalog: Catalog, crs: str, bounds: np.ndarray, margin_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Commune demand points (representative points) and populations within the margin."""
    c = catalog.communes.drop_duplicates("insee_com", keep="first").to_crs(crs)
    x0, y0, x1, y1 = bounds
    box = shapely.box(x0 - 2 * margin_m, y0 - 2 * margin_m, x1 + 2 * margin_m, y1 + 2 * margin_m)
    c = c[c.geometry.intersects(box)]
    pts = c.geometry.representative_point()
    return np.column_stack([pts.x, pts.y]), c["population_municipale"].fillna(0).astype(float).to_numpy()


# --------------------------------------------------------------------------- scenarios


class ScenarioChange(BaseModel):
    """One change of a what-if scenario."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["add", "move", "remove"]
    id: str | None = Field(default=None, description="Ressource à déplacer ou retirer ; identifiant de l'ajout")
    type: ResourceType | None = Field(default=None, description="Type de la ressource ajoutée")
    name: str | None = None
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    capacity: float | None = Field(default=None, gt=0)


def apply_scenario(resources: Sequence[Resource], changes: Sequence[ScenarioChange]) -> list[Resource]:
    """The resources after adding, moving or removing some; untouched ones are the same objects."""
    out = {r.id: r for r in resources}
    for i, ch in enumerate(changes, start=1):
        where = f"changement n°{i}"
        if ch.action in ("move", "remove") and (ch.id is None or ch.id not in out):
            raise NotFoundError(f"{where} : ressource « {ch.id} » inconnue")
        if ch.action in ("add", "move"):
            if ch.lon is None or ch.lat is None:
                raise InvalidInputError(f"{where} : lon et lat sont requis pour {ch.action}")
            why = check_lonlat(ch.lon, ch.lat)
            if why:
                raise InvalidInputError(f"{where} : {why}")
        if ch.action == "remove":
            del out[ch.id]  # type: ignore[arg-type]
        elif ch.action == "move":
            r = out[ch.id]  # type: ignore[index]
            pos = Position(lon=ch.lon, lat=ch.lat, precision=PositionPrecision.ADDRESS, source="scénario")  # type: ignore[arg-type]
            out[r.id] = r.model_copy(update={"position": pos, "confidential_address": False, "commune_position": None})
        else:
            if ch.type is None:
                raise InvalidInputError(f"{where} : type requis pour un ajout")
            rid = ch.id or f"scenario-{i}"
            if rid in out:
                raise InvalidInputError(f"{where} : l'identifiant « {rid} » existe déjà")
            out[rid] = Resource(
                id=rid,
                type=ch.type,
                name=ch.name or f"Ressource ajoutée ({ch.type.label_fr})",
                position=Position(lon=ch.lon, lat=ch.lat, precision=PositionPrecision.ADDRESS, source="scénario"),  # type: ignore[arg-type]
                capacity=ch.capacity,
                source="scénario (hypothèse de planification)",
                last_verified=date.today(),
            )
    return list(out.values())


def compare(before: AccessResult, after: AccessResult) -> pd.DataFrame:
    """Indicators before, after and their difference, per QPV x type."""
    cols = ["mean_m", "p90_m", *[f"within_{int(r)}m_share" for r in before.params.radii_m], "sfca_per_10k"]
    a = pd.DataFrame(before.qpv.drop(columns="geometry"))
    b = pd.DataFrame(after.qpv.drop(columns="geometry"))
    m = a[["code_qp", "lib_qp", "resource_type", *cols, "zone_blanche"]].merge(
        b[["code_qp", "resource_type", *cols, "zone_blanche"]],
        on=["code_qp", "resource_type"],
        suffixes=("_before", "_after"),
    )
    for col in cols:
        m[f"{col}_diff"] = m[f"{col}_after"].astype(float) - m[f"{col}_before"].astype(float)
    return m

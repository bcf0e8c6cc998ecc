"""France-wide access indicators: every commune of France (overseas included) x every
resource type, and every loaded QPV (``geo-clsm gaps --all``).

Each zone is computed in its own projected CRS (:mod:`geo_clsm.geo.crs`: Lambert-93 in
mainland France and Corsica, each overseas territory's own), on a grid of
``params.demand_spacing_m`` (200 m) cells (:mod:`geo_clsm.access.raster`):

- population: each commune's legal population spread evenly over its cells;
- distance to the nearest resource of the type, from each cell centre: the resources'
  Voronoi cells rasterised on the grid (exact; ``method="edt"``: the distance transform,
  within half a cell diagonal); per commune its mean, median, 90th percentile and maximum over the commune's
  cells (its population is spread evenly, so these are population-weighted), and the share
  of its cells within each radius of ``params.radii_m``;
- 2SFCA: the definition, decay and per-type catchments of :mod:`geo_clsm.access.sfca`
  (``AccessParams``), demand = the population cells, supply = the resources of the type
  (capacity 1 unless given); per commune the population-weighted mean of its cells' scores;
- QPV: :mod:`geo_clsm.access.national_qpv` (sample points, exact distances, same ratios);
- coverage (:mod:`geo_clsm.access.national_coverage`): figures only where a loaded layer
  lists the type exhaustively (``covers_types`` in the manifest); elsewhere empty, with a
  ``coverage`` label. A zone where no commune and no QPV is covered for a type is not computed;
  one where only some are is computed around them (:func:`geo_clsm.access.national_zone.covered_frame`).

Resources count for a type by the audience rule of :meth:`Resource.matches_type`; a
resource counts in the zone of its public position.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from geo_clsm.access.national_coverage import (
    Coverage,
    coverage_notes,
    coverage_summary,
    group_coverage,
    mask_communes,
    mask_qpv,
    zone_needs,
)
from geo_clsm.access.national_qpv import qpv_rows, qpv_samples
from geo_clsm.access.national_zone import Zone, build_zone, covered_frame, empty_frame, type_frame
from geo_clsm.access.params import AccessParams, Progress
from geo_clsm.data.catalog import Catalog
from geo_clsm.geo.crs import WGS84, projected_crs_many
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import PLACE_TYPES, ResourceType

Method = Literal["voronoi", "edt"]
COMMUNE_FIELDS = ["insee_com", "nom", "dep", "population_municipale"]


@dataclass
class NationalResult:
    """France-wide indicators.

    ``communes``: one row per commune (WGS84 polygons, ``zone_crs`` its zone's CRS, ``n_cells``);
    ``indicators``: one row per commune x type (raw metres, shares 0-1, 2SFCA);
    ``qpv``: one row per loaded QPV x type (WGS84 polygons); ``summary``: parameters,
    notes, counts and the population-weighted national figures per type.
    """

    communes: gpd.GeoDataFrame
    indicators: pd.DataFrame
    qpv: gpd.GeoDataFrame
    summary: dict[str, Any] = field(default_factory=dict)


def national_communes(catalog: Catalog) -> gpd.GeoDataFrame:
    """The communes of the national territory (every loaded commune once if there is none)."""
    national = [t.id for t in catalog.territories.values() if t.kind == "national"]
    com = catalog.communes
    rows = com[com["territory"].isin(national)] if national else com
    if rows.empty:
        rows = com
    return rows.drop_duplicates("insee_com", keep="first").reset_index(drop=True)


def compute_national(
    catalog: Catalog,
    *,
    resources: Sequence[Resource] | None = None,
    types: Iterable[ResourceType | str] | None = None,
    params: AccessParams | None = None,
    known_audience_only: bool = False,
    method: Method = "voronoi",
    workers: int = 2,
    progress: Progress | None = None,
    coverage: Coverage | None = None,
) -> NationalResult:
    """Indicators of every commune of France and every loaded QPV, per resource type.

    Parameters
    ----------
    catalog
        Loaded layers: the national communes layer (legal population), resources, QPV.
    resources
        Resources to measure against (default: the catalog's).
    types
        Resource types (default: every type of place).
    params
        Radii, walking assumptions, 2SFCA catchments and decay; ``demand_spacing_m`` is the
        grid (200 m); ``grid_spacing_m`` the QPV sample points (50 m).
    known_audience_only
        Count only resources whose audience is known.
    method
        Distances: "voronoi" (exact, default) or "edt" (distance transform, within half a
        cell diagonal).
    workers
        Threads computing types side by side (2 on a 2-core machine; each holds the zone's
        grid arrays, about 0.5 GB in mainland France at 200 m).
    progress
        Called with (done, total, "zone type") after each zone and type.
    coverage
        Where each type is listed exhaustively (default: the claims of the catalog's layers,
        ``covers_types`` in the manifest); figures elsewhere are empty.
    """
    params = params or AccessParams()
    coverage = Coverage.from_catalog(catalog) if coverage is None else coverage
    resources = list(catalog.resources if resources is None else resources)
    type_list = tuple(ResourceType(t) for t in (types or PLACE_TYPES))
    communes = national_communes(catalog)
    reps = communes.geometry.representative_point()
    zone_crs = projected_crs_many(reps.x.to_numpy(), reps.y.to_numpy())
    communes = communes[[*COMMUNE_FIELDS, "geometry"]].copy()
    communes["zone_crs"] = zone_crs
    communes["n_cells"] = 0
    cover = coverage.table(communes["insee_com"].astype(str).to_numpy(), type_list)
    covered = cover["covered"].to_numpy().reshape(len(type_list), len(communes))
    qpv = catalog.qpv.reset_index(drop=True)
    q_reps = qpv.geometry.representative_point()
    qpv_crs = projected_crs_many(q_reps.x.to_numpy(), q_reps.y.to_numpy()) if len(qpv) else np.array([])
    zones = sorted({c for c in zone_crs if c})
    total, done = len(zones) * len(type_list), 0
    frames: list[pd.DataFrame] = []
    q_rows: list[dict[str, Any]] = []
    notes = _notes(params, known_audience_only)
    outside = communes.index[communes["zone_crs"] == ""]
    if len(outside):
        codes = ", ".join(communes.loc[outside, "insee_com"].astype(str)[:10])
        notes.append(f"{len(outside)} commune(s) hors des zones connues, sans indicateur : {codes}")
    lost = sorted(set(qpv.loc[~np.isin(qpv_crs, zones), "code_qp"].astype(str))) if len(qpv) else []
    if lost:
        notes.append(f"{len(lost)} QPV hors des zones des communes chargées, sans indicateur : {', '.join(lost[:10])}")
    for crs in zones:
        members = np.flatnonzero(zone_crs == crs)
        zone = build_zone(communes.iloc[members].to_crs(crs), resources, type_list, params, known_audience_only)
        communes.loc[communes.index[members], "n_cells"] = zone.grid.n_cells
        q_idx = np.flatnonzero(qpv_crs == crs)
        q_p = qpv.iloc[q_idx].to_crs(crs) if len(q_idx) else qpv.iloc[0:0]
        q_pts = qpv_samples(q_p, spacing_m=params.grid_spacing_m)
        codes = communes["insee_com"].astype(str).to_numpy()
        wanted = zone_needs(covered, members, codes, q_p["insee_com"] if len(q_p) else [])
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:  # numpy's array loops release the GIL
            futures = {
                _submit(pool, zone, t, params, method, wanted=w, covered=covered[k][members], q_p=q_p): t
                for k, (t, w) in enumerate(zip(type_list, wanted, strict=True))
            }
            results: dict[ResourceType, tuple[pd.DataFrame, np.ndarray]] = {}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                done += 1
                if progress:
                    progress(done, total, f"{crs} {futures[future].value}")
        for rtype in type_list:
            frame, ratios = results[rtype]
            frames.append(frame)
            if len(q_p):
                q_rows += qpv_rows(q_p, q_pts, zone.supplies[rtype], ratios, rtype=rtype, params=params)
    indicators = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    indicators = mask_communes(_with_outside(indicators, communes.loc[outside], type_list), cover)
    q_table = mask_qpv(_qpv_table(qpv, q_rows, indicators), cover)
    notes += coverage_notes(indicators, coverage, type_list, resources=resources)
    summary = {
        "n_communes": len(communes),
        "n_qpv": int(qpv["code_qp"].nunique()) if len(qpv) else 0,
        "types": [t.value for t in type_list],
        "zones": {crs: int((zone_crs == crs).sum()) for crs in zones},
        "grid_spacing_m": params.demand_spacing_m,
        "qpv_spacing_m": params.grid_spacing_m,
        "radii_m": list(params.radii_m),
        "known_audience_only": known_audience_only,
        "sfca": params.sfca_settings(type_list),
        "notes": notes,
        "france": national_figures(indicators, params=params),
        "coverage": coverage_summary(indicators, coverage, type_list),
    }
    return NationalResult(
        communes=gpd.GeoDataFrame(communes, geometry="geometry", crs=WGS84),
        indicators=indicators,
        qpv=q_table,
        summary=summary,
    )


def _submit(
    pool: ThreadPoolExecutor,
    zone: Zone,
    rtype: ResourceType,
    params: AccessParams,
    method: Method,
    *,
    wanted: bool,
    covered: np.ndarray,
    q_p: gpd.GeoDataFrame,
) -> Future[tuple[pd.DataFrame, np.ndarray]]:
    """One type of one zone: the whole grid where the type is covered everywhere, nothing where
    it is covered nowhere, else only around the covered communes and their QPV."""
    if not wanted:
        return pool.submit(empty_frame, zone, rtype, params, method)
    if covered.all():
        return pool.submit(type_frame, zone, rtype, params, method)
    codes = set(zone.communes["insee_com"].astype(str).to_numpy()[covered])
    q_cov = [bool(codes & {c.strip() for c in str(v).split(",")}) for v in q_p["insee_com"]] if len(q_p) else []
    extra = q_p.geometry.bounds.to_numpy()[np.asarray(q_cov, dtype=bool)] if len(q_p) else np.empty((0, 4))
    return pool.submit(covered_frame, zone, rtype, params, method, covered=covered, extra_bounds=extra)


def _with_outside(indicators: pd.DataFrame, outside: pd.DataFrame, types: tuple[ResourceType, ...]) -> pd.DataFrame:
    """Rows without figures for the communes outside every known zone (never dropped silently)."""
    if outside.empty:
        return indicators
    extra = pd.DataFrame(
        [
            {
                "insee_com": str(r.insee_com),
                "dep": str(r.dep),
                "resource_type": t.value,
                "population": float(r.population_municipale or 0),  # type: ignore[arg-type]
                "zone_crs": "",
            }
            for r in outside.itertuples()
            for t in types
        ]
    )
    return pd.concat([indicators, extra], ignore_index=True)


def national_figures(indicators: pd.DataFrame, *, params: AccessParams, by: str | None = None) -> list[dict[str, Any]]:
    """Population-weighted figures per type (and per ``by``, e.g. "dep"): mean distance,
    shares within the radii, 2SFCA; exact from the commune rows (population spread evenly)."""
    if indicators.empty:
        return []
    shares = [f"within_{int(r)}m_share" for r in params.radii_m]
    t = indicators.dropna(subset=["mean_m"])
    keys = ["resource_type", by] if by else ["resource_type"]
    pop = t["population"].to_numpy(dtype=float)
    cols = ["mean_m", *shares, "sfca"]
    weighted = t[cols].multiply(pop, axis=0)
    weighted[keys] = t[keys]
    weighted["population"] = pop
    sums = weighted.groupby(keys, sort=True).sum(numeric_only=True)
    out = sums[cols].div(sums["population"].where(sums["population"] > 0), axis=0)
    out["sfca_per_10k"] = out["sfca"] * 10_000
    out["population_measured"] = sums["population"]
    out["n_communes"] = t.groupby(keys, sort=True).size()
    # Every group, those without any resource of the type too (no figure, population kept).
    every = indicators.groupby(keys, sort=True)["population"].sum()
    out = out.reindex(every.index)
    out["population"] = every
    out["n_communes"] = out["n_communes"].fillna(0).astype(int)
    out["population_measured"] = out["population_measured"].fillna(0.0)
    # A figure only for a group whose every commune is covered (else it would pass for the whole).
    if "covered" not in indicators.columns:
        indicators = indicators.assign(covered=True)
    out = out.join(group_coverage(indicators, keys))
    out.loc[~out["covered"].astype(bool), [*cols, "sfca_per_10k"]] = np.nan
    return [{k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in r.items()} for r in _records(out)]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.reset_index().to_dict(orient="records")]


def _qpv_table(qpv: gpd.GeoDataFrame, rows: list[dict[str, Any]], indicators: pd.DataFrame) -> gpd.GeoDataFrame:
    """QPV x type rows with their polygons, and the equity ratio against the QPV's commune."""
    table = pd.DataFrame(rows)
    if table.empty:
        return gpd.GeoDataFrame(table, geometry=[], crs=WGS84)
    ref = indicators.set_index(["insee_com", "resource_type"])["mean_m"]
    key = list(zip(table["insee_com"].str[:5], table["resource_type"], strict=True))
    table["commune_mean_m"] = ref.reindex(key).to_numpy()
    table["equity_ratio_mean"] = table["mean_m"].astype(float) / table["commune_mean_m"]
    geoms = dict(zip(qpv["code_qp"], qpv.geometry, strict=False))
    return gpd.GeoDataFrame(table, geometry=[geoms[c] for c in table["code_qp"]], crs=WGS84)


def _notes(params: AccessParams, known: bool) -> list[str]:
    s = params.demand_spacing_m
    notes = [
        f"grille de {s:.0f} m : population légale de chaque commune répartie uniformément sur ses carreaux",
        f"distances à vol d'oiseau entre centres de carreaux (écart au plus {s * np.sqrt(2) / 2:.0f} m)",
        f"temps de marche estimés (détour x{params.detour_factor}, {params.walk_speed_kmh} km/h)",
        "chaque zone dans sa projection (Lambert-93 en métropole, la projection locale outre-mer)",
        "une zone sans ressource du type n'a pas de distance ; les moyennes nationales et départementales "
        "portent sur la population des communes mesurées (population_measured)",
    ]
    notes.append(
        "public connu seulement : les ressources au public non précisé sont écartées"
        if known
        else "les ressources au public non précisé comptent (CMP adultes / enfants : public inclus ou non précisé)"
    )
    return notes

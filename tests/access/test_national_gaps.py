"""France-wide indicators (``gaps --all``) on a reduced synthetic France: every commune and type
gets a row, the grid's distances agree with a brute-force KD-tree over independently sampled
cell centres, an overseas commune is measured in its own CRS, the grid's 2SFCA agrees
with PySAL ``access``, and a type listed only by a local registry gets figures only in that
territory. Every commune, QPV, layer and resource here is synthetic (named so)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from access import Access, weights
from scipy.spatial import cKDTree

from geo_clsm.access.national import NationalResult, compute_national
from geo_clsm.access.national_coverage import Coverage
from geo_clsm.access.params import AccessParams
from geo_clsm.access.raster import build_grid, grid_fca
from geo_clsm.access.sampling import sample_grid
from geo_clsm.data.catalog import Catalog
from geo_clsm.data.manifest import LayerInfo, Territory
from geo_clsm.geo.crs import LAMBERT93, WGS84
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Audience, Resource
from geo_clsm.model.resource_types import ResourceType

REUNION = "EPSG:2975"
TYPES = [ResourceType.CMP, ResourceType.CMP_ENFANT, ResourceType.GEM, ResourceType.HOPITAL_PSY]
SPACING = 200.0
NATIONAL_TYPES = ("CMP", "CMP_ADULTE", "CMP_ENFANT", "HOPITAL_PSY")
PILOT = "synthetic_pilot"
PILOT_COMMUNES = {f"99{i}{j:02d}" for i in (0, 1) for j in range(4)}
"""The synthetic pilot: the 8 western mainland communes; its registry alone lists GEM."""


def _square(x: float, y: float, w: float, h: float | None = None) -> shapely.Polygon:
    return shapely.box(x, y, x + w, y + (h if h is not None else w))


def _communes() -> gpd.GeoDataFrame:
    """Mainland: 5 x 4 communes of 3 km around Lambert-93 (700 km, 6 600 km), a triangle, a
    commune smaller than a cell; La Réunion: two communes in its own CRS."""
    rows = []
    for i in range(5):
        for j in range(4):
            geom = _square(700_000 + 3000 * i, 6_600_000 + 3000 * j, 3000)
            rows.append((f"99{i}{j:02d}", f"synthetic_commune_{i}_{j}", "99", 1000 + 250 * (i + j), geom))
    rows.append(
        (
            "99900",
            "synthetic_triangle",
            "98",
            800,
            shapely.Polygon([(715_000, 6_600_000), (721_000, 6_600_000), (715_000, 6_606_000)]),
        )
    )
    rows.append(("99901", "synthetic_tiny", "98", 15, _square(715_020, 6_610_020, 90)))
    main = gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=["insee_com", "nom", "dep", "population_municipale", "geometry"]),
        geometry="geometry",
        crs=LAMBERT93,
    ).to_crs(WGS84)
    reunion = gpd.GeoDataFrame(
        {
            "insee_com": ["97998", "97999"],
            "nom": ["synthetic_reunion_a", "synthetic_reunion_b"],
            "dep": ["974", "974"],
            "population_municipale": [5000, 3000],
        },
        geometry=[_square(340_000, 7_660_000, 4000), _square(344_000, 7_660_000, 4000, 3000)],
        crs=REUNION,
    ).to_crs(WGS84)
    out = pd.concat([main, reunion], ignore_index=True)
    out["territory"] = "synthetic_france"
    return gpd.GeoDataFrame(out, geometry="geometry", crs=WGS84)


def _resource(
    n: int, rtype: ResourceType, x: float, y: float, crs: str, territory: str = "synthetic_france", **kw: object
) -> Resource:
    lon, lat = gpd.GeoSeries([shapely.Point(x, y)], crs=crs).to_crs(WGS84).iloc[0].coords[0]
    return Resource(
        id=f"synthetic-{n}",
        type=rtype,
        name=f"synthetic_resource_{n}",
        position=Position(lon=lon, lat=lat, precision=PositionPrecision.ADDRESS, source="synthetic"),
        territory=territory,
        source="synthetic test fixture",
        last_verified=date(2026, 11, 1),
        **kw,  # type: ignore[arg-type]
    )


def _resources() -> list[Resource]:
    rng = np.random.default_rng(15)
    out = []
    kinds = [ResourceType.CMP_ADULTE, ResourceType.CMP_ENFANT, ResourceType.CMP, ResourceType.GEM]
    for n, (x, y) in enumerate(rng.uniform([698_000, 6_598_000], [718_000, 6_614_000], (14, 2))):
        out.append(_resource(n, kinds[n % 4], x, y, LAMBERT93, capacity=float(1 + n % 3)))
    out.append(_resource(50, ResourceType.HOPITAL_PSY, 709_100, 6_606_100, LAMBERT93))
    out.append(_resource(51, ResourceType.CMP_ADULTE, 341_234, 7_661_987, REUNION, audience=Audience(age_min=18)))
    out.append(_resource(52, ResourceType.GEM, 346_500, 7_662_500, REUNION))
    out.append(_resource(53, ResourceType.GEM, 702_500, 6_604_500, LAMBERT93, territory=PILOT))
    return out


def _qpv() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "code_qp": ["QN099SYN1", "QN974SYN2"],
            "lib_qp": ["synthetic_qpv_main", "synthetic_qpv_reunion"],
            "insee_com": ["99101", "97998"],
            "territory": ["synthetic_france", "synthetic_france"],
        },
        geometry=[
            gpd.GeoSeries([_square(703_400, 6_603_300, 700, 500)], crs=LAMBERT93).to_crs(WGS84).iloc[0],
            gpd.GeoSeries([_square(341_000, 7_661_000, 900, 600)], crs=REUNION).to_crs(WGS84).iloc[0],
        ],
        crs=WGS84,
    )


def _layer(lid: str, covers: tuple[tuple[str, tuple[str, ...]], ...]) -> LayerInfo:
    return LayerInfo(
        lid,
        f"synthetic/{lid}",
        "resources",
        "resources",
        f"{lid} (tests)",
        "test",
        "2026",
        "EPSG:4326",
        (),
        covers_types=covers,
    )


def synthetic_national_catalog(data_dir: Path) -> Catalog:
    """A reduced synthetic France: 22 mainland communes, 2 in La Réunion, 2 QPV, 18 resources.
    Its national layer lists the CMPs and hospitals exhaustively; the synthetic pilot's
    registry (8 communes) alone lists GEM."""
    layers = {
        "synthetic_national_layer": _layer("synthetic_national_layer", (("*", NATIONAL_TYPES),)),
        "synthetic_pilot_registry": _layer("synthetic_pilot_registry", ((PILOT, ("GEM",)),)),
    }
    france = Territory(
        id="synthetic_france", name="synthetic_France", kind="national", layers=("synthetic_national_layer",)
    )
    pilot = Territory(id=PILOT, name="synthetic_Pilot", kind="pilot", layers=("synthetic_pilot_registry",))
    communes = _communes()
    pilot_rows = communes[communes["insee_com"].isin(PILOT_COMMUNES)].assign(territory=PILOT)
    return Catalog(
        data_dir=data_dir,
        layers=layers,
        territories={PILOT: pilot, "synthetic_france": france},
        resources=_resources(),
        qpv=_qpv(),
        communes=gpd.GeoDataFrame(pd.concat([pilot_rows, communes], ignore_index=True), crs=WGS84),
        mairies={},
    )


@pytest.fixture(scope="module")
def synthetic_catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    return synthetic_national_catalog(tmp_path_factory.mktemp("synthetic"))


@pytest.fixture(scope="module")
def national(synthetic_catalog: Catalog) -> NationalResult:
    return compute_national(synthetic_catalog, types=TYPES)


def test_every_commune_and_type_gets_a_row(national: NationalResult, synthetic_catalog: Catalog) -> None:
    com = synthetic_catalog.communes.drop_duplicates("insee_com")
    ind = national.indicators
    assert len(ind) == len(com) * len(TYPES)
    pairs = set(zip(ind["insee_com"], ind["resource_type"], strict=True))
    assert pairs == {(c, t.value) for c in com["insee_com"] for t in TYPES}
    # No figure where the zone has no resource of the type (La Réunion has no hospital and no
    # CMP for children: its CMP states an adult audience), nor for GEM outside the pilot.
    missing = set(
        zip(ind.loc[ind["mean_m"].isna(), "insee_com"], ind.loc[ind["mean_m"].isna(), "resource_type"], strict=True)
    )
    no_gem = {(c, "GEM") for c in com["insee_com"] if c not in PILOT_COMMUNES}
    assert missing == {(c, t) for c in ("97998", "97999") for t in ("HOPITAL_PSY", "CMP_ENFANT")} | no_gem
    assert len(national.qpv) == 2 * len(TYPES)
    assert set(national.qpv["code_qp"]) == {"QN099SYN1", "QN974SYN2"}
    # The commune smaller than a cell keeps its population on one cell.
    tiny = national.communes.set_index("insee_com").loc["99901"]
    assert tiny["n_cells"] == 1


def test_overseas_commune_gets_its_own_crs(national: NationalResult) -> None:
    crs = national.communes.set_index("insee_com")["zone_crs"]
    assert crs["97998"] == REUNION and crs["99000"] == LAMBERT93
    rows = national.indicators[national.indicators["insee_com"] == "97998"]
    assert set(rows["zone_crs"]) == {REUNION}
    # La Réunion has no hospital: no distance, no 2SFCA, never one measured to the mainland.
    hosp = rows[rows["resource_type"] == "HOPITAL_PSY"].iloc[0]
    assert pd.isna(hosp["mean_m"]) and hosp["sfca"] == 0
    assert national.summary["zones"] == {LAMBERT93: 22, REUNION: 2}


def _brute_force(catalog: Catalog, national: NationalResult, rtype: ResourceType) -> pd.DataFrame:
    """Per commune: the mean, median and maximum distance from the centres of the 200 m cells
    inside it (sampled independently with sample_grid) to the nearest resource (KD-tree)."""
    out = []
    communes = catalog.communes.drop_duplicates("insee_com")
    for crs, part in communes.groupby(
        national.communes.set_index("insee_com")["zone_crs"].reindex(communes["insee_com"]).to_numpy()
    ):
        pos = [
            (p.lon, p.lat)
            for r in catalog.resources
            if r.matches_type(rtype) and (p := r.public_position()) is not None
        ]
        sxy = np.column_stack(gpd.GeoSeries(shapely.points(pos), crs=WGS84).to_crs(crs).get_coordinates().to_numpy().T)
        zone = gpd.GeoSeries(shapely.points(pos), crs=WGS84).to_crs(crs)
        inside = np.array([z.x > -1e12 for z in zone])  # every point projects
        keep = _same_zone(zone, crs)
        sxy = sxy[inside & keep]
        if len(sxy) == 0:
            continue
        tree = cKDTree(sxy)
        for rec in part.to_crs(crs).itertuples():
            pts = sample_grid(rec.geometry, spacing_m=SPACING)
            d, _ = tree.query(pts)
            out.append({"insee_com": rec.insee_com, "mean": d.mean(), "p50": np.median(d), "max": d.max()})
    return pd.DataFrame(out).set_index("insee_com")


def _same_zone(zone: gpd.GeoSeries, crs: str) -> np.ndarray:
    """Resources of the zone: mainland resources for Lambert-93, the island's for La Réunion."""
    lonlat = zone.to_crs(WGS84)
    is_reunion = (lonlat.x > 55) & (lonlat.x < 56)
    return (is_reunion if crs == REUNION else ~is_reunion).to_numpy()


@pytest.mark.parametrize("method", ["voronoi", "edt"])
def test_grid_distances_agree_with_brute_force_within_one_cell(synthetic_catalog: Catalog, method: str) -> None:
    result = compute_national(
        synthetic_catalog,
        types=[ResourceType.CMP, ResourceType.GEM],
        method=method,  # type: ignore[arg-type]
        coverage=Coverage.everywhere(TYPES),
    )
    for rtype in (ResourceType.CMP, ResourceType.GEM):
        ref = _brute_force(synthetic_catalog, result, rtype)
        ours = result.indicators[result.indicators["resource_type"] == rtype.value].set_index("insee_com")
        ours = ours.loc[ref.index]
        # The tiny commune's cell centre lies outside it: within one cell, like every other.
        assert np.abs(ours["mean_m"] - ref["mean"]).max() <= SPACING
        assert np.abs(ours["max_m"] - ref["max"]).max() <= SPACING
        assert np.abs(ours["p50_m"] - ref["p50"]).max() <= SPACING + 1e-6
        if method == "voronoi":  # exact distances from the same cell centres
            big = ref.index[~ref.index.isin(["99900", "99901"])]
            np.testing.assert_allclose(ours.loc[big, "mean_m"], ref.loc[big, "mean"], rtol=1e-9)


def test_shares_and_quantiles_follow_the_cells(national: NationalResult, synthetic_catalog: Catalog) -> None:
    ref = _brute_force(synthetic_catalog, national, ResourceType.GEM).loc[sorted(PILOT_COMMUNES)]
    ours = national.indicators[national.indicators["resource_type"] == "GEM"].set_index("insee_com")
    ours = ours.loc[ours["covered"]]
    assert ((ours["within_500m_share"] <= ours["within_1000m_share"]) & (ours["within_1000m_share"] <= 1)).all()
    assert (ours["p50_m"] <= ours["p90_m"]).all() and (ours["p90_m"] <= ours["max_m"]).all()
    assert (ours.loc[ref.index, "mean_m"] > 0).all()


def _pysal(
    demand_xy: np.ndarray, pop: np.ndarray, supply_xy: np.ndarray, cap: np.ndarray, catchment_m: float, fn: object
) -> np.ndarray:
    d = np.hypot(demand_xy[:, None, 0] - supply_xy[None, :, 0], demand_xy[:, None, 1] - supply_xy[None, :, 1])
    i, j = np.nonzero(d <= catchment_m)
    acc = Access(
        demand_df=pd.DataFrame({"geoid": np.arange(len(pop)), "pop": pop}),
        demand_index="geoid",
        demand_value="pop",
        supply_df=pd.DataFrame({"geoid": np.arange(len(cap)), "cap": cap}),
        supply_index="geoid",
        supply_value="cap",
        cost_df=pd.DataFrame({"origin": i, "dest": j, "cost": d[i, j]}),
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    out = acc.two_stage_fca(max_cost=catchment_m, weight_fn=fn)
    col = next(c for c in out.columns if c.startswith("2sfca"))
    return out[col].reindex(np.arange(len(pop))).fillna(0).to_numpy()


@pytest.mark.parametrize("decay", ["gaussian", "step"])
def test_grid_2sfca_agrees_with_pysal_access(synthetic_catalog: Catalog, decay: str) -> None:
    params = AccessParams(decay=decay)  # type: ignore[arg-type]
    catchment = params.catchment_for("CMP")
    com = synthetic_catalog.communes.drop_duplicates("insee_com")
    com = com[com["dep"] != "974"].to_crs(LAMBERT93)
    supply = [
        r
        for r in synthetic_catalog.resources
        if r.matches_type("CMP") and r.territory and r.position and r.position.lon < 20
    ]
    sxy = np.column_stack(
        gpd.GeoSeries(shapely.points([(r.position.lon, r.position.lat) for r in supply if r.position]), crs=WGS84)
        .to_crs(LAMBERT93)
        .get_coordinates()
        .to_numpy()
        .T
    )
    cap = np.array([r.capacity or 1.0 for r in supply])
    grid = build_grid(com, spacing_m=SPACING, extra_xy=sxy, pad_m=catchment + 2 * SPACING)
    _, score = grid_fca(
        grid, sxy, cap, catchment_m=catchment, decay_sigma_m=params.sigma_for("CMP"), steps=params.steps_for("CMP")
    )
    pop = grid.population_raster().ravel()
    cells = np.flatnonzero(pop > 0)
    rows, cols = np.divmod(cells, grid.shape[1])
    demand_xy = np.column_stack([grid.x0 + cols * SPACING, grid.y0 + rows * SPACING])
    fn = (
        weights.gaussian(params.sigma_for("CMP"))
        if decay == "gaussian"
        else weights.step_fn(dict(params.steps_for("CMP") or ()))
    )
    theirs = _pysal(demand_xy, pop[cells], sxy, cap, catchment, fn)
    assert theirs.max() > 0 and len(np.unique(np.round(theirs, 12))) > 10
    np.testing.assert_allclose(score[cells], theirs, rtol=1e-9, atol=1e-15)


def test_qpv_rows_measure_exact_distances(national: NationalResult, synthetic_catalog: Catalog) -> None:
    row = national.qpv[(national.qpv["code_qp"] == "QN974SYN2") & (national.qpv["resource_type"] == "CMP")].iloc[0]
    # The Réunion QPV holds the island's only adult CMP (341 234, 7 661 987): some points are within 100 m.
    pts = sample_grid(_square(341_000, 7_661_000, 900, 600), spacing_m=50.0)
    d = np.hypot(pts[:, 0] - 341_234, pts[:, 1] - 7_661_987)
    assert row["mean_m"] == pytest.approx(d.mean(), abs=1.0)
    assert row["n_sample_points"] == len(pts)
    assert not row["zone_blanche"] and row["fragile"]  # one resource within reach: fragile
    assert row["equity_ratio_mean"] == pytest.approx(row["mean_m"] / row["commune_mean_m"])


def test_known_audience_only_drops_unknown_audience(synthetic_catalog: Catalog) -> None:
    every = compute_national(synthetic_catalog, types=[ResourceType.CMP_ENFANT])
    known = compute_national(synthetic_catalog, types=[ResourceType.CMP_ENFANT], known_audience_only=True)
    n_all = every.indicators["n_resources_zone"].max()
    n_known = known.indicators["n_resources_zone"].max()
    assert n_known < n_all  # plain CMPs (audience unknown) count for children only in the first


def test_write_and_read_back(national: NationalResult, tmp_path: Path) -> None:
    from geo_clsm.access.national_io import NationalRun, write_national

    written = write_national(national, tmp_path / "gaps_france", params=AccessParams(), seconds=1.0)
    names = {p.name for p in written}
    assert {
        "communes.parquet",
        "indicators.parquet",
        "qpv.parquet",
        "departements.parquet",
        "gaps_france.gpkg",
        "summary.json",
    } <= names
    run = NationalRun(tmp_path / "gaps_france")
    assert len(run.table("indicators")) == len(national.indicators)
    assert run.table("communes").crs.to_epsg() == 4326
    import pyogrio

    layers = {name for name, _ in pyogrio.list_layers(tmp_path / "gaps_france" / "gaps_france.gpkg")}
    assert layers == {"communes", "indicateurs_communes", "qpv", "departements"}
    deps = run.table("departements")
    assert set(deps["dep"]) == {"98", "99", "974"}


def test_gaps_command_needs_a_territory_or_all(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from geo_clsm.cli import main

    assert main(["gaps"]) == 2
    assert "--territory et --out, ou --all" in capsys.readouterr().err
    assert main(["gaps", "--all", "--out", str(tmp_path / "gaps.gpkg")]) == 2
    assert "--out est un dossier" in capsys.readouterr().err

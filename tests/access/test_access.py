"""Access engine: hand-computed values on a tiny synthetic territory, brute force on Metz,
and the 2SFCA against PySAL ``access``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from access import Access, weights
from pyproj import Geod

from geo_clsm.access.indicators import compute_access
from geo_clsm.access.params import AccessParams
from geo_clsm.access.scenarios import ScenarioChange, apply_scenario, compare
from geo_clsm.access.sfca import two_step_fca
from geo_clsm.data.catalog import Catalog
from geo_clsm.data.manifest import Territory
from geo_clsm.geo.crs import LAMBERT93, to_wgs84
from geo_clsm.model.errors import InvalidInputError, NotFoundError
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Resource

# A synthetic territory in Lambert-93: one 4 km x 4 km commune, a 200 m x 200 m QPV in it.
X0, Y0 = 900_000.0, 6_880_000.0  # south-west corner of the commune (near Metz)
QX, QY = X0 + 2000, Y0 + 2000  # south-west corner of the QPV
CENTRE = (QX + 100, QY + 100)
# The 16 grid-cell centres of the QPV at 50 m spacing, as offsets from its centre.
OFFSETS = [(dx, dy) for dx in (-75, -25, 25, 75) for dy in (-75, -25, 25, 75)]


def _ll(x: float, y: float) -> tuple[float, float]:
    lon, lat = to_wgs84(x, y, LAMBERT93)
    return float(lon), float(lat)


def _poly(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.Polygon([_ll(x0, y0), _ll(x1, y0), _ll(x1, y1), _ll(x0, y1)])


def _res(rid: str, rtype: str, x: float, y: float, **kw: object) -> Resource:
    lon, lat = _ll(x, y)
    return Resource.model_validate(
        {
            "id": rid,
            "type": rtype,
            "name": f"synthetic {rid}",
            "position": Position(lon=lon, lat=lat, precision=PositionPrecision.ADDRESS, source="synthetic"),
            "source": "synthetic test fixture",
            "last_verified": date(2026, 11, 1),
            **kw,
        }
    )


@pytest.fixture(scope="module")
def square() -> Catalog:
    empp_area = _poly(QX - 500, QY - 500, QX + 700, QY + 700).wkt
    resources = [
        _res("cmp-centre", "CMP_ADULTE", *CENTRE),
        _res("gem-east", "GEM", CENTRE[0] + 1000, CENTRE[1]),
        _res("csapa-far", "CSAPA", QX + 200 + 1500, CENTRE[1]),  # 1,500 m east of the QPV's edge
        _res("empp-base", "EMPP", X0 + 100, Y0 + 100, service_area_wkt=empp_area),
    ]
    commune = gpd.GeoDataFrame(
        {
            "insee_com": ["57999"],
            "nom": ["Synthétique"],
            "dep": ["57"],
            "population_municipale": [1000],
            "territory": ["test"],
        },
        geometry=[_poly(X0, Y0, X0 + 4000, Y0 + 4000)],
        crs="EPSG:4326",
    )
    qpv = gpd.GeoDataFrame(
        {
            "code_qp": ["QN05799Z"],
            "lib_qp": ["QPV synthétique"],
            "insee_com": ["57999"],
            "lib_com": [""],
            "territory": ["test"],
        },
        geometry=[_poly(QX, QY, QX + 200, QY + 200)],
        crs="EPSG:4326",
    )
    return Catalog(
        data_dir=Path("."),
        layers={},
        territories={"test": Territory(id="test", name="Test", kind="pilot", layers=(), epci_siren="000000000")},
        resources=resources,
        qpv=qpv,
        communes=commune,
        mairies={},
    )


def _row(result: object, rtype: str) -> pd.Series:
    t = result.qpv  # type: ignore[attr-defined]
    return t[t["resource_type"] == rtype].iloc[0]


def test_hand_computed_distances(square: Catalog) -> None:
    res = compute_access(square, territory="test", types=["CMP_ADULTE", "GEM", "CSAPA", "EMPP", "CMPP"])
    cmp_ = _row(res, "CMP_ADULTE")
    expected = [float(np.hypot(dx, dy)) for dx, dy in OFFSETS]
    assert cmp_["n_sample_points"] == 16
    assert cmp_["mean_m"] == pytest.approx(sum(expected) / 16, abs=0.1)  # 74.88 m
    assert cmp_["max_m"] == pytest.approx(106.07, abs=0.1)
    assert cmp_["within_500m_share"] == 1.0 and cmp_["count_within_1000m"] == 1
    assert cmp_["walk_minutes_mean"] == pytest.approx(74.88 * 1.3 / 75, abs=0.1)
    assert not cmp_["zone_blanche"]

    gem = _row(res, "GEM")
    gem_d = sorted(float(np.hypot(1000 - dx, dy)) for dx, dy in OFFSETS)
    assert gem["mean_m"] == pytest.approx(np.mean(gem_d), abs=0.1)
    assert gem["p50_m"] == pytest.approx(gem_d[7], abs=0.1)  # lower median of 16 values
    assert gem["within_1000m_share"] == pytest.approx(sum(d <= 1000 for d in gem_d) / 16)
    assert gem["count_within_1000m"] == 1  # 900 m from the QPV's edge

    csapa = _row(res, "CSAPA")
    assert csapa["count_within_1000m"] == 0 and csapa["zone_blanche"]
    assert csapa["mean_m"] == pytest.approx(np.mean([np.hypot(1600 - dx, dy) for dx, dy in OFFSETS]), abs=0.1)

    empp = _row(res, "EMPP")  # its service area covers the QPV: reachable everywhere in it
    assert empp["mean_m"] == 0.0 and empp["within_500m_share"] == 1.0 and not empp["zone_blanche"]

    none = _row(res, "CMPP")
    assert none["mean_m"] is None or np.isnan(none["mean_m"])
    assert none["zone_blanche"] and none["within_1000m_share"] == 0.0


def test_equity_against_the_rest_and_ranking(square: Catalog) -> None:
    res = compute_access(square, territory="test", types=["CMP_ADULTE"], params=AccessParams(rest_spacing_m=100))
    rest = res.rest.set_index("zone")
    # The rest of the commune is farther from the CMP at the QPV's centre than the QPV is.
    assert rest.loc["hors_qpv", "mean_m"] > rest.loc["qpv", "mean_m"]
    ratio = rest.loc["qpv", "mean_m"] / rest.loc["hors_qpv", "mean_m"]
    assert rest.loc["qpv", "equity_ratio_mean"] == pytest.approx(ratio, abs=1e-3)
    assert _row(res, "CMP_ADULTE")["gap_rank"] == 1


def test_radii_and_walking_are_configurable(square: Catalog) -> None:
    params = AccessParams(radii_m=(100.0, 2000.0), detour_factor=1.0, walk_speed_kmh=6.0)
    row = _row(compute_access(square, territory="test", types=["CMP_ADULTE"], params=params), "CMP_ADULTE")
    assert row["within_100m_share"] == pytest.approx(12 / 16)  # 4 corner cells are 106 m away
    assert row["walk_minutes_mean"] == pytest.approx(74.88 / 100, abs=0.05)
    with pytest.raises(InvalidInputError):
        AccessParams(grid_spacing_m=0)


def test_scenarios(square: Catalog) -> None:
    before = compute_access(square, territory="test", types=["CSAPA"])
    changes = [ScenarioChange(action="add", type="CSAPA", lon=_ll(*CENTRE)[0], lat=_ll(*CENTRE)[1])]
    after = compute_access(
        square, territory="test", types=["CSAPA"], resources=apply_scenario(square.resources, changes)
    )
    diff = compare(before, after).iloc[0]
    assert diff["zone_blanche_before"] and not diff["zone_blanche_after"]
    # Figures as presented (metres to 10 m); the difference is that of the presented figures.
    assert diff["mean_m_after"] == 70
    assert diff["mean_m_diff"] == 70 - round(before.qpv.iloc[0]["mean_m"], -1)
    moved = apply_scenario(
        square.resources, [ScenarioChange(action="move", id="gem-east", lon=_ll(*CENTRE)[0], lat=_ll(*CENTRE)[1])]
    )
    gem = _row(compute_access(square, territory="test", types=["GEM"], resources=moved), "GEM")
    assert gem["mean_m"] == pytest.approx(74.88, abs=0.1)
    removed = apply_scenario(square.resources, [ScenarioChange(action="remove", id="cmp-centre")])
    assert "cmp-centre" not in {r.id for r in removed}
    with pytest.raises(NotFoundError):
        apply_scenario(square.resources, [ScenarioChange(action="remove", id="nope")])
    with pytest.raises(InvalidInputError, match="hors de France"):
        apply_scenario(square.resources, [ScenarioChange(action="add", type="GEM", lon=13.4, lat=52.5)])


def test_2sfca_matches_pysal_access() -> None:
    rng = np.random.default_rng(3)
    demand_xy = rng.uniform(0, 20_000, (40, 2))
    pop = rng.integers(100, 5000, 40).astype(float)
    supply_xy = rng.uniform(0, 20_000, (12, 2))
    cap = rng.integers(1, 4, 12).astype(float)
    d = np.hypot(demand_xy[:, None, 0] - supply_xy[None, :, 0], demand_xy[:, None, 1] - supply_xy[None, :, 1])
    cost = pd.DataFrame(
        [(f"d{i}", f"s{j}", d[i, j]) for i in range(40) for j in range(12)], columns=["origin", "dest", "cost"]
    )
    demand_df = pd.DataFrame({"geoid": [f"d{i}" for i in range(40)], "pop": pop})
    supply_df = pd.DataFrame({"geoid": [f"s{j}" for j in range(12)], "cap": cap})
    for sigma in (None, 4000.0):
        ours = two_step_fca(demand_xy, pop, supply_xy, cap, demand_xy, catchment_m=8000, decay_sigma_m=sigma)
        acc = Access(
            demand_df=demand_df,
            demand_index="geoid",
            demand_value="pop",
            supply_df=supply_df,
            supply_index="geoid",
            supply_value="cap",
            cost_df=cost,
            cost_origin="origin",
            cost_dest="dest",
            cost_name="cost",
        )
        theirs = acc.two_stage_fca(max_cost=8000, weight_fn=weights.gaussian(sigma) if sigma else None)
        col = next(c for c in theirs.columns if c.startswith("2sfca"))
        expected = theirs[col].reindex([f"d{i}" for i in range(40)]).fillna(0).to_numpy()
        np.testing.assert_allclose(ours, expected, rtol=1e-9, atol=1e-15)


def test_metz_against_independent_brute_force(engine: object) -> None:
    """Grid and geodesic distances recomputed here, without geo_clsm's access code."""
    result = engine.access["metz"]  # type: ignore[attr-defined]
    cat = engine.catalog  # type: ignore[attr-defined]
    cmp_pos = [r.public_position() for r in cat.resources if r.public_position() and r.matches_type("CMP")]
    lons = np.array([p.lon for p in cmp_pos])
    lats = np.array([p.lat for p in cmp_pos])
    geod = Geod(ellps="GRS80")
    qpv = cat.qpv[cat.qpv.territory == "metz"].to_crs(2154)
    for rec in qpv.itertuples():
        x0, y0, x1, y1 = rec.geometry.bounds
        xs = np.arange(np.floor(x0 / 50) * 50 + 25, x1, 50)
        ys = np.arange(np.floor(y0 / 50) * 50 + 25, y1, 50)
        pts = [(x, y) for x in xs for y in ys if rec.geometry.contains(shapely.Point(x, y))]
        plon, plat = to_wgs84(np.array([p[0] for p in pts]), np.array([p[1] for p in pts]), LAMBERT93)
        near = []
        for lo, la in zip(plon, plat, strict=True):
            near.append(geod.inv(np.full(len(lons), lo), np.full(len(lats), la), lons, lats)[2].min())
        row = result.qpv[(result.qpv.code_qp == rec.code_qp) & (result.qpv.resource_type == "CMP")].iloc[0]
        assert row["n_sample_points"] == len(pts)
        assert row["mean_m"] == pytest.approx(np.mean(near), rel=0.005)
        assert row["max_m"] == pytest.approx(np.max(near), rel=0.005)
        assert row["within_1000m_share"] == pytest.approx(np.mean(np.array(near) <= 1000), abs=0.02)


def test_population_layer_weights_sample_points(square: Catalog) -> None:
    import dataclasses

    west, east = _ll(CENTRE[0] - 50, CENTRE[1]), _ll(CENTRE[0] + 50, CENTRE[1])
    pop = gpd.GeoDataFrame(
        {"population": [900.0, 100.0], "cell_m": [200.0, 200.0], "territory": ["test", "test"]},
        geometry=[shapely.Point(west), shapely.Point(east)],
        crs="EPSG:4326",
    )
    res = compute_access(dataclasses.replace(square, population=pop), territory="test", types=["GEM"])
    row = _row(res, "GEM")
    # 900 people on the 8 western cells, 100 on the 8 eastern ones; the GEM is 1 km east.
    d_west = [np.hypot(1000 - dx, dy) for dx, dy in OFFSETS if dx < 0]
    d_east = [np.hypot(1000 - dx, dy) for dx, dy in OFFSETS if dx > 0]
    assert row["mean_m"] == pytest.approx(0.9 * np.mean(d_west) + 0.1 * np.mean(d_east), abs=0.1)
    assert any("pondérés par la population" in n for n in res.notes)
    unweighted = _row(compute_access(square, territory="test", types=["GEM"]), "GEM")
    assert unweighted["mean_m"] < row["mean_m"]  # most people live on the far side

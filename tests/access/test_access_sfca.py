"""2SFCA with distance decay and sub-communal demand, checked against PySAL ``access``;
uncertainty of each QPV row; Angoulême's adult CMPs under the audience rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from access import Access, weights
from pyproj import Transformer

from geo_clsm.access.indicators import sample_territory
from geo_clsm.access.params import APL_STEPS, AccessParams
from geo_clsm.access.present import format_fr, present
from geo_clsm.access.sfca import two_step_fca
from geo_clsm.data.catalog import Catalog
from geo_clsm.engine.core import Engine


def _pysal(
    demand_xy: np.ndarray, pop: np.ndarray, supply_xy: np.ndarray, cap: np.ndarray, *, catchment_m: float, fn: object
) -> np.ndarray:
    """PySAL's 2SFCA at every demand point (pairs beyond the catchment left out of the cost table)."""
    d = np.hypot(demand_xy[:, None, 0] - supply_xy[None, :, 0], demand_xy[:, None, 1] - supply_xy[None, :, 1])
    i, j = np.nonzero(d <= catchment_m)
    cost = pd.DataFrame({"origin": i, "dest": j, "cost": d[i, j]})
    acc = Access(
        demand_df=pd.DataFrame({"geoid": np.arange(len(pop)), "pop": pop}),
        demand_index="geoid",
        demand_value="pop",
        supply_df=pd.DataFrame({"geoid": np.arange(len(cap)), "cap": cap}),
        supply_index="geoid",
        supply_value="cap",
        cost_df=cost,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    out = acc.two_stage_fca(max_cost=catchment_m, weight_fn=fn)
    col = next(c for c in out.columns if c.startswith("2sfca"))
    return out[col].reindex(np.arange(len(pop))).fillna(0).to_numpy()


def test_stepped_decay_matches_pysal_step_function() -> None:
    rng = np.random.default_rng(7)
    demand_xy = rng.uniform(0, 20_000, (60, 2))
    pop = rng.integers(0, 5000, 60).astype(float)
    supply_xy = rng.uniform(0, 20_000, (15, 2))
    cap = rng.integers(1, 4, 15).astype(float)
    catchment = 8000.0
    steps = [(share * catchment, w) for share, w in APL_STEPS]
    ours = two_step_fca(demand_xy, pop, supply_xy, cap, demand_xy, catchment_m=catchment, steps=steps)
    theirs = _pysal(demand_xy, pop, supply_xy, cap, catchment_m=catchment, fn=weights.step_fn(dict(steps)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-15)
    assert AccessParams(decay="step").steps_for("CMP") == ((2500.0, 1.0), (3750.0, 2 / 3), (5000.0, 1 / 3))


def test_metz_qpvs_get_distinct_2sfca_that_agree_with_pysal(engine: Engine) -> None:
    """Same demand (200 m commune grid), supply (CMPs by the rule, capacity 1) and Gaussian decay."""
    result = engine.access["metz"]
    params = result.params
    catchment, sigma = params.catchment_for("CMP"), params.sigma_for("CMP")
    assert params.decay == "gaussian" and catchment == 5000 and sigma == 2500
    ctx = sample_territory(engine.catalog, territory="metz", params=params, max_catchment_m=catchment)
    to_l93 = Transformer.from_crs(4326, 2154, always_xy=True)
    pos = [p for r in engine.catalog.resources if r.matches_type("CMP") and (p := r.public_position())]
    sx, sy = to_l93.transform([p.lon for p in pos], [p.lat for p in pos])
    supply = np.column_stack([sx, sy])
    x0, y0, x1, y1 = ctx.communes.total_bounds
    keep = (supply[:, 0] > x0 - 2 * catchment) & (supply[:, 0] < x1 + 2 * catchment)
    keep &= (supply[:, 1] > y0 - 2 * catchment) & (supply[:, 1] < y1 + 2 * catchment)
    supply = supply[keep]
    # QPV sample points join PySAL's origins with no population: they get a score, add no demand.
    q_xy = np.vstack(ctx.q_pts)
    origins = np.vstack([ctx.demand_xy, q_xy])
    pop = np.concatenate([ctx.demand_pop, np.zeros(len(q_xy))])
    theirs = _pysal(origins, pop, supply, np.ones(len(supply)), catchment_m=catchment, fn=weights.gaussian(sigma))
    q_scores = theirs[len(ctx.demand_xy) :]
    rows = result.qpv[result.qpv["resource_type"] == "CMP"].set_index("code_qp")
    offset = 0
    for code, pts in zip(ctx.qpv["code_qp"], ctx.q_pts, strict=True):
        expected = q_scores[offset : offset + len(pts)].mean()
        offset += len(pts)
        assert rows.loc[code, "sfca"] == pytest.approx(expected, rel=1e-9)
    assert rows["sfca"].nunique() == 8
    assert present(rows.reset_index())["sfca_per_10k"].nunique() == 8  # still distinct as shown
    # n_resources: the CMPs within the catchment of the QPV, not the national count.
    qpv = ctx.qpv.set_index("code_qp")
    for code, row in rows.iterrows():
        n = sum(shapely.Point(x, y).distance(qpv.loc[code, "geometry"]) <= catchment for x, y in supply)
        assert row["n_resources"] == n < 100


def test_angouleme_adult_cmps_are_not_missing(engine: Engine) -> None:
    """Angoulême's CMPs are recorded as "CMP" of unstated public or as day hospitals offering one."""
    result = engine.access["angouleme"]
    rows = result.qpv[result.qpv["resource_type"] == "CMP_ADULTE"]
    assert len(rows) == 5
    to_l93 = Transformer.from_crs(4326, 2154, always_xy=True)
    offers = []  # independent reading: a CMP by type or by a service, for adults or unstated
    for r in engine.catalog.resources:
        p = r.public_position()
        is_cmp = r.type.value in ("CMP", "CMP_ADULTE") or {"CMP", "CMP_ADULTE"} & set(r.services)
        if p and is_cmp and r.audience.age_min is None and r.audience.age_max is None:
            offers.append(shapely.Point(*to_l93.transform(p.lon, p.lat)))
    qpv = engine.catalog.qpv.to_crs(2154).set_index("code_qp")
    for row in rows.itertuples():
        nearest = min(o.distance(qpv.loc[row.code_qp, "geometry"]) for o in offers)
        assert row.zone_blanche is (nearest > 1000)
        assert row.mean_m < 2500  # was about 30 km when only "CMP_ADULTE" counted
        assert row.n_unknown_audience >= 1 and "au public non précisé" in row.note
        assert f"dont {row.n_unknown_audience} au public non précisé" in row.note
    assert (~rows["zone_blanche"]).sum() >= 3
    # Known audience only: no local CMP states its public, so every QPV is far again.
    known = result.variant(known_audience_only=True).qpv
    known = known[known["resource_type"] == "CMP_ADULTE"]
    assert known["zone_blanche"].all() and (known["n_unknown_audience"] == 0).all()
    assert (known["mean_m"].to_numpy() > rows["mean_m"].to_numpy() + 10_000).all()


def test_uncertainty_of_each_row(catalog: Catalog, engine: Engine) -> None:
    rows = engine.access["metz"].qpv
    for row in rows.itertuples():
        assert row.n_sample_points >= 1
        assert row.fragile is (row.n_resources < 3)
        assert ("valeur fragile" in row.note) is row.fragile
        if row.n_resources_relied:
            assert 0 <= row.commune_precision_share <= 1
    assert any(r.fragile for r in rows.itertuples()) and not all(r.fragile for r in rows.itertuples())
    assert any("2SFCA (CMP" in n and "gaussienne" in n for n in engine.access["metz"].notes)


def test_presented_figures_are_rounded_once() -> None:
    raw = pd.DataFrame(
        {
            "mean_m": [74.88, None],
            "mean_m_diff": [-26.90000000000009, 4.0],
            "within_500m_share": [0.456789, 0.30000000000000004],
            "walk_minutes_mean": [12.6, None],
            "sfca_per_10k": [0.225712345, 0.0],
            "equity_ratio_mean": [1.23456, None],
            "n_resources": [3, 0],
            "zone_blanche": [False, True],
        }
    )
    shown = present(raw)
    assert shown["mean_m"].tolist()[0] == 70 and pd.isna(shown["mean_m"].tolist()[1])
    assert shown["mean_m_diff"].tolist() == [-30, 0]
    assert shown["within_500m_share"].tolist() == [0.46, 0.3]
    assert shown["walk_minutes_mean"].tolist()[0] == 13
    assert shown["sfca_per_10k"].tolist() == [0.226, 0.0]
    assert shown["equity_ratio_mean"].tolist()[0] == 1.23
    assert format_fr("mean_m", 1230) == "1\u202f230 m" and format_fr("within_500m_share", 0.46) == "46 %"
    assert format_fr("zone_blanche", True) == "oui" and format_fr("mean_m", None) == "—"


def test_catchments_are_per_type_and_validated() -> None:
    p = AccessParams()
    assert p.catchment_for("CMP_ADULTE") < p.catchment_for("HOPITAL_PSY")
    assert AccessParams(catchment_m=3000).catchment_for("HOPITAL_PSY") == 3000
    assert "σ = 2\u202f500 m" in p.decay_fr("CMP")
    with pytest.raises(Exception, match="type inconnu"):
        AccessParams(catchments_m={"ZZ": 1000})

"""Indicators by psychiatric sector (issue 29, item 3) against an independent computation on the
FICTITIOUS Metz sectors (tests/fixtures/sectors): sector outlines rebuilt with geopandas from the
layers, resources projected with pyproj, the sector and nearest distances by brute force in plain
Python over the QPV's sample points and population weights; and « sectorisation non renseignée »
(never 0) without sector data."""

from __future__ import annotations

import math

import geopandas as gpd
import pytest
import shapely
from pyproj import Transformer

from geo_clsm.access.indicators import compute_access, sample_territory
from geo_clsm.access.params import AccessParams
from geo_clsm.access.sectorised import NOT_INFORMED, SECTOR_COLUMNS, SECTOR_TYPES
from geo_clsm.data.catalog import Catalog
from geo_clsm.model.resource_types import ResourceType
from tests.sector_fixtures import catalog_with_sectors

TYPES = list(SECTOR_TYPES)
PUBLIC = {
    ResourceType.CMP: "adultes",
    ResourceType.CMP_ADULTE: "adultes",
    ResourceType.CATTP: "adultes",
    ResourceType.HDJ: "adultes",
    ResourceType.CMP_ENFANT: "enfants",
    ResourceType.CMPP: "enfants",
}


@pytest.fixture(scope="module")
def sectorised(catalog: Catalog) -> Catalog:
    return catalog_with_sectors(catalog)


@pytest.fixture(scope="module")
def result(sectorised: Catalog):  # type: ignore[no-untyped-def]
    return compute_access(sectorised, territory="metz", types=TYPES)


def _outline(catalog: Catalog, sector) -> shapely.Geometry:  # type: ignore[no-untyped-def]
    """The sector's extent in Lambert-93, rebuilt from the layers without the engine's resolver."""
    communes = catalog.communes_of("metz")
    parts = list(communes[communes["insee_com"].isin(sector.extent.communes)].geometry)
    parts += list(catalog.qpv[catalog.qpv["code_qp"].isin(sector.extent.qpv)].geometry)
    if sector.extent.polygon_wkt:
        parts.append(shapely.from_wkt(sector.extent.polygon_wkt))
    return gpd.GeoSeries([shapely.union_all(parts)], crs="EPSG:4326").to_crs("EPSG:2154").iloc[0]


def _quantile(values: list[float], weights: list[float], q: float) -> float:
    pairs = sorted(zip(values, weights, strict=True))
    total, acc = sum(weights), 0.0
    for v, w in pairs:
        acc += w
        if acc / total >= q - 1e-12:
            return v
    return pairs[-1][0]


def _expected(catalog: Catalog, rtype: ResourceType) -> dict[str, dict[str, float | None]]:
    ctx = sample_territory(catalog, territory="metz", params=AccessParams(), max_catchment_m=10_000)
    to_l93 = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)
    places = {}
    for r in catalog.resources:
        pos = r.public_position()
        if pos is not None and r.matches_type(rtype):
            places[r.id] = to_l93.transform(pos.lon, pos.lat)
    sectors = [(s, _outline(catalog, s)) for s in catalog.sectors if s.public == PUBLIC[rtype]]
    out = {}
    for code, pts, weights in zip(ctx.qpv["code_qp"], ctx.q_pts, ctx.q_w, strict=True):
        d_ref, d_near, w_known, other = [], [], [], 0.0
        for (x, y), w in zip(pts.tolist(), weights.tolist(), strict=True):
            mine = [s for s, g in sectors if g.covers(shapely.Point(x, y))]
            refs = [places[i] for i in mine[0].referents if i in places] if len(mine) == 1 else []
            if not refs or w <= 0:
                continue
            ref = min(math.hypot(x - a, y - b) for a, b in refs)
            near = min(math.hypot(x - a, y - b) for a, b in places.values())
            d_ref.append(ref)
            d_near.append(near)
            w_known.append(w)
            other += w if ref > near + 1e-6 else 0.0
        if not w_known:
            out[code] = {"sector_referent_mean_m": None}
            continue
        tw = sum(w_known)
        out[code] = {
            "sector_covered_share": tw / float(weights.sum()),
            "sector_referent_mean_m": sum(d * w for d, w in zip(d_ref, w_known, strict=True)) / tw,
            "sector_referent_p90_m": _quantile(d_ref, w_known, 0.9),
            "sector_nearest_mean_m": sum(d * w for d, w in zip(d_near, w_known, strict=True)) / tw,
            "sector_nearest_p90_m": _quantile(d_near, w_known, 0.9),
            "sector_nearest_other_share": other / tw,
        }
    return out


@pytest.mark.parametrize("rtype", [ResourceType.CMP_ADULTE, ResourceType.CMP_ENFANT, ResourceType.HDJ])
def test_sector_indicators_match_a_brute_force_computation(sectorised: Catalog, result, rtype: ResourceType) -> None:  # type: ignore[no-untyped-def]
    expected = _expected(sectorised, rtype)
    rows = result.sectors[result.sectors["resource_type"] == rtype.value].set_index("code_qp")
    assert set(rows.index) == set(expected)
    for code, exp in expected.items():
        row = rows.loc[code]
        if exp["sector_referent_mean_m"] is None:
            assert row["sectorisation"] == NOT_INFORMED, code
            continue
        for col, value in exp.items():
            assert row[col] == pytest.approx(value, rel=1e-9, abs=1e-6), (code, col)


def test_the_referent_farther_than_the_nearest_shows(result) -> None:  # type: ignore[no-untyped-def]
    """The fixture's point whose sector's CMP is farther than another CMP: the sector distance is
    longer than the nearest, and the share sent past a nearer CMP is positive."""
    rows = result.sectors[result.sectors["resource_type"] == "CMP_ADULTE"]
    farther = rows[rows["sector_referent_mean_m"] > rows["sector_nearest_mean_m"] + 1]
    assert not farther.empty
    assert (farther["sector_nearest_other_share"] > 0).all()
    assert (rows["sectorisation"] != NOT_INFORMED).all()


def test_without_sector_data_every_figure_says_not_informed_never_zero(catalog: Catalog) -> None:
    result = compute_access(catalog, territory="metz", types=[ResourceType.CMP_ADULTE, ResourceType.GEM])
    rows = result.sectors
    assert set(rows["resource_type"]) == {"CMP_ADULTE"}  # a GEM is not received by sector
    assert len(rows) == len(catalog.qpv[catalog.qpv["territory"] == "metz"])
    assert (rows["sectorisation"] == NOT_INFORMED).all()
    numbers = [c for c in SECTOR_COLUMNS if c.endswith(("_m", "_share"))]
    assert rows[numbers].isna().all().all()

"""PolygonCells answers as a plain STRtree "within" query does, point by point."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo_clsm.data.catalog import Catalog
from geo_clsm.geo.point_cells import PolygonCells


def _expected(geoms: np.ndarray, x: float, y: float) -> list[int]:
    # Independent: a fresh tree, a shapely Point, the "within" predicate.
    return sorted(int(i) for i in shapely.STRtree(geoms).query(shapely.Point(x, y), predicate="within"))


def _synthetic_polygons() -> np.ndarray:
    """Overlapping squares, a triangle, a ring with a hole, a multipolygon: edges on cell lines too."""
    return np.array(
        [
            shapely.box(0.0, 0.0, 0.02, 0.02),  # its edges lie on cell boundaries (cell 0.01)
            shapely.box(0.005, 0.005, 0.035, 0.015),
            shapely.Polygon([(0.0, 0.0), (0.04, 0.0), (0.0, 0.04)]),
            shapely.box(-0.05, -0.05, 0.05, 0.05).difference(shapely.box(-0.01, -0.01, 0.01, 0.01)),
            shapely.MultiPolygon([shapely.box(0.1, 0.1, 0.101, 0.101), shapely.box(0.2, 0.2, 0.25, 0.25)]),
        ],
        dtype=object,
    )


@settings(max_examples=400, deadline=None)
@given(
    x=st.one_of(st.floats(-0.06, 0.26), st.sampled_from([0.0, 0.005, 0.01, 0.02, 0.035, 0.04, 0.1, 0.25, -0.01])),
    y=st.one_of(st.floats(-0.06, 0.26), st.sampled_from([0.0, 0.005, 0.01, 0.015, 0.02, 0.04, 0.101, -0.05])),
)
def test_same_polygons_as_the_tree_on_synthetic_shapes(x: float, y: float) -> None:
    geoms = _synthetic_polygons()
    cells = PolygonCells(geoms, cell_size=0.01)
    expected = _expected(geoms, x, y)
    # Asked twice: the first query fills the cell, the second reads it.
    assert cells.containing(x, y) == expected
    assert cells.containing(x, y) == expected
    assert cells.first_containing(x, y) == (expected[0] if expected else None)


def test_same_communes_and_qpv_as_the_tree_on_the_shipped_layers(catalog: Catalog) -> None:
    rng = np.random.default_rng(7)
    communes = np.asarray(catalog.communes.reset_index(drop=True).geometry.values)
    qpv = np.asarray(catalog.qpv.reset_index(drop=True).geometry.values)
    x0, y0, x1, y1 = catalog.communes[catalog.communes["territory"] != "france"].total_bounds
    xs = rng.uniform(x0, x1, 600).tolist()
    ys = rng.uniform(y0, y1, 600).tolist()
    # Vertices of the QPV outlines (on a boundary: in no polygon's interior, or in a neighbour's).
    for g in qpv[:5]:
        for vx, vy in shapely.get_coordinates(g)[:20].tolist():
            xs.append(vx)
            ys.append(vy)
    c_cells, q_cells = PolygonCells(communes), PolygonCells(qpv, cell_size=0.002)
    c_tree, q_tree = shapely.STRtree(communes), shapely.STRtree(qpv)
    points = shapely.points(xs, ys)
    c_expected = [sorted(int(i) for i in c_tree.query(p, predicate="within")) for p in points]
    q_expected = [sorted(int(i) for i in q_tree.query(p, predicate="within")) for p in points]
    for x, y, ce, qe in zip(xs, ys, c_expected, q_expected, strict=True):
        assert c_cells.containing(x, y) == ce
        assert c_cells.first_containing(x, y) == (ce[0] if ce else None)
        assert q_cells.containing(x, y) == qe
    assert sum(1 for ce in c_expected if len(ce) > 1) > 100  # pilot communes overlap the national layer


def test_no_polygon_for_points_outside_or_not_finite() -> None:
    cells = PolygonCells(_synthetic_polygons(), cell_size=0.01)
    assert cells.containing(5.0, 5.0) == []
    assert cells.first_containing(float("nan"), 0.0) is None
    assert cells.containing(0.0, float("inf")) == []
    assert PolygonCells(np.array([], dtype=object)).containing(0.0, 0.0) == []


def test_forgets_cells_beyond_its_bound_and_still_answers() -> None:
    geoms = _synthetic_polygons()
    cells = PolygonCells(geoms, cell_size=0.001, max_cells=4)
    for x in np.linspace(-0.04, 0.04, 41).tolist():
        assert cells.containing(x, 0.003) == _expected(geoms, x, 0.003)
    assert len(cells._cells) <= 4

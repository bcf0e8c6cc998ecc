"""The one bounding-box rule (:class:`geo_clsm.geo.area.Area`), vectorised, against a brute-force
reference written here point by point and shape by shape with GEOS on each geometry: random
boxes, edges drawn on the points themselves (edges included), positions missing, Lambert-93 outlines."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from geo_clsm.geo.area import Area, published, published_xy
from geo_clsm.model.errors import InvalidInputError

RNG = np.random.default_rng(33)
N = 400
X = np.round(RNG.uniform(5.9, 6.5, N), 6)
Y = np.round(RNG.uniform(48.9, 49.3, N), 6)
X[::17] = np.nan  # no public position
Y[::17] = np.nan
X[5::50] = X[4::50]  # shared coordinates: ties on an edge
SHAPES = np.array(
    [
        *(shapely.Point(x, y) if np.isfinite(x) else None for x, y in zip(X[:60], Y[:60], strict=True)),
        *(shapely.box(x, y, x + 0.03, y + 0.02) for x, y in zip(X[60:120] - 0.01, Y[60:120], strict=True)),
        *(shapely.buffer(shapely.Point(x, y), 0.02) for x, y in zip(X[120:160], Y[120:160], strict=True)),
    ],
    dtype=object,
)


def coordinate(values: np.ndarray, lo: float, hi: float) -> st.SearchStrategy[float]:
    """A coordinate: anywhere around the points, or exactly one of theirs (an edge on a point)."""
    finite = [float(v) for v in values if np.isfinite(v)]
    return st.one_of(st.floats(lo, hi, allow_nan=False), st.sampled_from(finite))


@st.composite
def boxes(draw: st.DrawFn) -> Area:
    xs = sorted([draw(coordinate(X, 5.8, 6.6)), draw(coordinate(X, 5.8, 6.6))])
    ys = sorted([draw(coordinate(Y, 48.8, 49.4)), draw(coordinate(Y, 48.8, 49.4))])
    return Area(xs[0], ys[0], xs[1], ys[1])


def brute_points(area: Area, x: np.ndarray, y: np.ndarray) -> list[int]:
    out = []
    for i, (px, py) in enumerate(zip(x, y, strict=True)):
        if not (np.isfinite(px) and np.isfinite(py)):
            continue
        shape = area.outline if area.outline is not None else shapely.box(area.x0, area.y0, area.x1, area.y1)
        if area.x0 == area.x1 or area.y0 == area.y1:  # a degenerate box: a segment or a point
            inside = area.x0 <= px <= area.x1 and area.y0 <= py <= area.y1
        else:
            inside = shape.intersects(shapely.Point(px, py))
        if inside:
            out.append(i)
    return out


@settings(max_examples=300, deadline=None)
@given(area=boxes())
def test_points_in_a_box_as_geos_says_edges_included(area: Area) -> None:
    assert area.select_points(X, Y).tolist() == brute_points(area, X, Y)


@settings(max_examples=200, deadline=None)
@given(area=boxes())
def test_shapes_intersecting_a_box_as_geos_says(area: Area) -> None:
    assume(area.x0 < area.x1 and area.y0 < area.y1)  # a box as the APIs accept it
    bounds = shapely.bounds(SHAPES)
    points = shapely.get_type_id(SHAPES) == 0
    box = shapely.box(area.x0, area.y0, area.x1, area.y1)
    want = [i for i, g in enumerate(SHAPES) if g is not None and box.intersects(g)]
    assert area.select_shapes(bounds, SHAPES, points).tolist() == want


L93 = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True)


@settings(max_examples=100, deadline=None)
@given(
    x0=st.floats(900_000, 960_000),
    y0=st.floats(6_880_000, 6_930_000),
    w=st.floats(100, 40_000),
    h=st.floats(100, 40_000),
)
def test_a_reprojected_outline_selects_what_intersects_it(x0: float, y0: float, w: float, h: float) -> None:
    ring = shapely.segmentize(shapely.box(x0, y0, x0 + w, y0 + h), 100.0)
    outline = shapely.transform(ring, lambda xy: np.column_stack(L93.transform(xy[:, 0], xy[:, 1])))
    area = Area.around(outline)
    assert area.select_points(X, Y).tolist() == brute_points(area, X, Y)
    want = [i for i, g in enumerate(SHAPES) if g is not None and outline.intersects(g)]
    assert area.select_shapes(shapely.bounds(SHAPES), SHAPES, shapely.get_type_id(SHAPES) == 0).tolist() == want


class _Pos:
    def __init__(self, lon: float, lat: float) -> None:
        self.lon, self.lat = lon, lat


class _Placed:
    def __init__(self, pos: _Pos | None) -> None:
        self.pos = pos

    def public_position(self) -> _Pos | None:
        return self.pos


def test_the_published_position_is_tested_not_the_raw_one() -> None:
    """6.1234567 is published 6.123457: a box starting at 6.123457 holds it (what a client sees)."""
    placed = [_Placed(_Pos(6.1234567, 49.1)), _Placed(None), _Placed(_Pos(6.1234564, 49.1))]
    x, y = published_xy(placed)
    assert x[0] == published(6.1234567) == 6.123457 and np.isnan(x[1])
    assert Area(6.123457, 49.0, 6.2, 49.2).select_points(x, y).tolist() == [0]
    envelope = Area(6.123457, 49.0, 6.2, 49.2).sql_envelope()
    assert envelope["x0"] < 6.1234564  # the SQL superset holds both raw positions


@pytest.mark.parametrize("text", ["a,b,c,d", "1,2,3", "6.3,49,6.1,49.2", "0,95,1,96", "-190,0,0,1"])
def test_a_bad_box_is_a_french_error(text: str) -> None:
    with pytest.raises(InvalidInputError, match="bbox"):
        Area.parse(text)

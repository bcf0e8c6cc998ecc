"""A bounding box selects the same resources, in the same order and with the same counts, from
``/ogc/collections/*/items``, ``/api/resources`` and ``/api/markers`` (issue 33), each equal to a
brute-force reference written here: every resource of the catalog tested one at a time on its
published position (the coordinates each answer shows), every QPV outline with GEOS.

Random boxes (hypothesis) around Metz and over France; their edges often fall exactly on a
resource's published coordinates, where "edges included" and "published, not raw" matter."""

from __future__ import annotations

from typing import Any

import shapely
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from geo_clsm.engine.core import Engine

ITEMS = "/ogc/collections/{}/items"


def _published(engine: Engine) -> list[tuple[str, float, float]]:
    out = []
    for r in engine.catalog.resources:
        pos = r.public_position()
        if pos is not None:
            out.append((r.id, round(pos.lon, 6), round(pos.lat, 6)))
    return out


def brute_force(engine: Engine, box: tuple[float, float, float, float]) -> list[str]:
    x0, y0, x1, y1 = box
    return [rid for rid, x, y in _published(engine) if x0 <= x <= x1 and y0 <= y <= y1]


@st.composite
def boxes(draw: st.DrawFn, engine: Engine) -> tuple[float, float, float, float]:
    placed = _published(engine)
    metz = [(x, y) for _, x, y in placed if 5.9 <= x <= 6.5 and 48.9 <= y <= 49.3]
    wide = draw(st.booleans())
    lo_x, hi_x, lo_y, hi_y = (-5.0, 9.6, 41.3, 51.1) if wide else (5.9, 6.5, 48.9, 49.3)

    def coordinate(axis: int, lo: float, hi: float) -> float:
        on_a_point = draw(st.booleans())
        if on_a_point:
            return float(draw(st.sampled_from(metz))[axis])
        return draw(st.floats(lo, hi, allow_nan=False))

    xs = sorted([coordinate(0, lo_x, hi_x), coordinate(0, lo_x, hi_x)])
    ys = sorted([coordinate(1, lo_y, hi_y), coordinate(1, lo_y, hi_y)])
    if xs[0] == xs[1]:
        xs[1] += 1e-6
    if ys[0] == ys[1]:
        ys[1] += 1e-6
    return xs[0], ys[0], xs[1], ys[1]


def _text(box: tuple[float, float, float, float]) -> str:
    return ",".join(repr(v) for v in box)


def _get(client: TestClient, url: str, **params: Any) -> dict[str, Any]:
    r = client.get(url, params=params)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def check_box(client: TestClient, engine: Engine, box: tuple[float, float, float, float]) -> None:
    want = brute_force(engine, box)
    ogc = _get(client, ITEMS.format("resources"), bbox=_text(box), limit=10_000)
    assert [f["id"] for f in ogc["features"]] == want
    assert ogc["numberMatched"] == ogc["numberReturned"] == len(want)
    page = _get(client, ITEMS.format("resources"), bbox=_text(box), limit=3, offset=1)
    assert [f["id"] for f in page["features"]] == want[1:4] and page["numberMatched"] == len(want)
    api = _get(client, "/api/resources", bbox=_text(box), limit=5000)
    assert [f["id"] for f in api["features"]] == want
    assert api["numberMatched"] == len(want)
    markers = _get(client, "/api/markers", bbox=_text(box))
    assert [m[0] for m in markers["markers"]] == want


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_one_box_selects_the_same_resources_everywhere(client: TestClient, engine: Engine, data: st.DataObject) -> None:
    check_box(client, engine, data.draw(boxes(engine)))


def test_the_metz_box_and_an_edge_on_a_resource(client: TestClient, engine: Engine) -> None:
    check_box(client, engine, (6.1, 49.0, 6.3, 49.2))
    rid, x, y = next(p for p in _published(engine) if 6.1 < p[1] < 6.3 and 49.0 < p[2] < 49.2)
    for box in ((x, y, x + 0.01, y + 0.01), (x - 0.01, y - 0.01, x, y)):
        assert rid in brute_force(engine, box)
        check_box(client, engine, box)


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_qpv_outlines_intersecting_a_box(client: TestClient, engine: Engine, data: st.DataObject) -> None:
    box = data.draw(boxes(engine))
    outline = shapely.box(*box)
    qpv = engine.catalog.qpv
    want = [str(c) for c, g in zip(qpv["code_qp"], qpv.geometry, strict=True) if outline.intersects(g)]
    got = _get(client, ITEMS.format("qpv"), bbox=_text(box), limit=10_000)
    assert [f["id"] for f in got["features"]] == want and got["numberMatched"] == len(want)


def test_markers_without_a_box_are_every_placed_resource(client: TestClient, engine: Engine) -> None:
    assert [m[0] for m in _get(client, "/api/markers")["markers"]] == [p[0] for p in _published(engine)]
    assert client.get("/api/markers", params={"bbox": "6.3,49,6.1,49.2"}).status_code == 422


def test_an_edge_on_the_published_position_holds_the_resource(client: TestClient, engine: Engine) -> None:
    """A resource whose raw position lies just outside a box drawn on its published coordinates is
    in it everywhere: the rule tests what the answers show (before, ``/api/resources`` tested the
    raw position and ``/ogc`` the published one)."""
    moved = [
        (r.id, pos.lon, round(pos.lon, 6), pos.lat)
        for r in engine.catalog.resources
        if (pos := r.public_position()) is not None and round(pos.lon, 6) != pos.lon
    ]
    assert moved, "the shipped data has positions finer than their published 6 decimals"
    for rid, raw, shown, lat in moved[:5]:
        box = (
            (shown, lat - 0.01, shown + 0.01, lat + 0.01)
            if raw < shown
            else (shown - 0.01, lat - 0.01, shown, lat + 0.01)
        )
        assert rid in brute_force(engine, box)
        check_box(client, engine, box)

"""POST /api/nearest/batch: the same answers as GET /api/nearest, point by point; ids kept;
JSON and CSV; bad input is a French 4xx; positions never logged. And the data-only
responses' ETag / Cache-Control."""

import csv
import io
import logging
import re

import numpy as np
import pytest
from fastapi.testclient import TestClient

from geo_clsm.engine.core import Engine

BORNY = (6.22361, 49.11296)


def _points(engine: Engine, n: int, seed: int = 3) -> list[dict[str, object]]:
    """Points in both pilots (around their resources), and two outside every territory."""
    rng = np.random.default_rng(seed)
    pilots = [
        p for r in engine.catalog.resources if r.territory in ("metz", "angouleme") and (p := r.public_position())
    ]
    pts: list[dict[str, object]] = []
    for i in range(n):
        p = pilots[int(rng.integers(len(pilots)))]
        assert p is not None
        pts.append(
            {
                "id": f"q{i}",
                "lon": round(p.lon + rng.uniform(-0.03, 0.03), 5),
                "lat": round(p.lat + rng.uniform(-0.02, 0.02), 5),
            }
        )
    return [*pts, {"id": "berlin", "lon": 13.4, "lat": 52.5}, {"id": "atlantique", "lon": -20.0, "lat": 45.0}]


@pytest.mark.parametrize("params", [{}, {"k": 8, "type": "CMP", "age": 15}, {"max_distance_m": 3000}])
def test_batch_gives_the_same_answers_as_nearest_point_by_point(
    client: TestClient, engine: Engine, params: dict[str, object]
) -> None:
    pts = _points(engine, 40)
    r = client.post("/api/nearest/batch", json={"points": pts}, params=params)
    assert r.status_code == 200, r.text
    answers = r.json()["answers"]
    assert [a["id"] for a in answers] == [p["id"] for p in pts]
    for p, a in zip(pts, answers, strict=True):
        single = client.get("/api/nearest", params={"lat": p["lat"], "lon": p["lon"], **params})
        if single.status_code != 200:
            assert a["status"] == single.status_code and a["detail"] == single.json()["detail"]
            continue
        assert {key: v for key, v in a.items() if key != "id"} == single.json()
    assert answers[-1]["status"] == 404 and "hors des territoires" in answers[-1]["detail"]


def test_batch_csv_in_and_out(client: TestClient, engine: Engine) -> None:
    pts = _points(engine, 5)
    body = "id;latitude;longitude\n" + "".join(f"{p['id']};{p['lat']};{p['lon']}\n" for p in pts)
    r = client.post(
        "/api/nearest/batch",
        content=body.encode(),
        headers={"content-type": "text/csv"},
        params={"format": "csv", "k": 3},
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    first = client.get("/api/nearest", params={"lat": pts[0]["lat"], "lon": pts[0]["lon"], "k": 3}).json()
    mine = [row for row in rows if row["id"] == "q0"]
    assert [row["resource_id"] for row in mine] == [f["id"] for f in first["features"]]
    assert [float(row["distance_m"]) for row in mine] == [f["properties"]["distance_m"] for f in first["features"]]
    assert [row["rank"] for row in mine] == ["1", "2", "3"]
    berlin = [row for row in rows if row["id"] == "berlin"]
    assert len(berlin) == 1 and "hors des territoires" in berlin[0]["error"]


def test_ids_default_to_the_row_number(client: TestClient) -> None:
    r = client.post("/api/nearest/batch", json={"points": [{"lat": BORNY[1], "lon": BORNY[0]}] * 2}, params={"k": 1})
    assert [a["id"] for a in r.json()["answers"]] == ["1", "2"]


@pytest.mark.parametrize(
    ("body", "ctype", "fragment"),
    [
        (b'{"points": []}', "application/json", "points"),
        (b'{"points": [{"lat": 95, "lon": 6}]}', "application/json", "lat"),
        (b"not json", "application/json", "points"),
        (b"\xff\xfe", "application/json", "UTF-8"),
        (b"id,lat,lon\na,49.1,abc\n", "text/csv", "ligne 2, champ lon"),
        (b"id,x_only\na,1\n", "text/csv", "colonnes lat et lon"),
        (b"id,lat,lon\n" + b"a,49.1,6.2\n" * 10_001, "text/csv", "10000 au plus"),
    ],
)
def test_bad_batches_are_422_in_french(client: TestClient, body: bytes, ctype: str, fragment: str) -> None:
    r = client.post("/api/nearest/batch", content=body, headers={"content-type": ctype})
    assert r.status_code == 422, r.text
    assert fragment in r.json()["detail"]


def test_batch_positions_are_never_logged(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="geo_clsm.requests")
    client.post("/api/nearest/batch", json={"points": [{"id": "x", "lat": 49.123456, "lon": 6.234567}]})
    text = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "/api/nearest/batch" in text
    assert "49.1" not in text and "6.23" not in text
    assert re.findall(r"\d+\.\d{3,}", text) == []


@pytest.mark.parametrize("path", ["/api/markers", "/api/territories", "/api/gaps?territory=metz", "/api/qpv"])
def test_data_only_responses_carry_an_etag_and_answer_304(client: TestClient, path: str) -> None:
    first = client.get(path)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert "max-age" in first.headers["cache-control"]
    again = client.get(path, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.get(path).content == first.content
    other = client.get(path, headers={"if-none-match": '"something-else"'})
    assert other.status_code == 200 and other.content == first.content


def test_nearest_is_not_cached(client: TestClient) -> None:
    r = client.get("/api/nearest", params={"lat": BORNY[1], "lon": BORNY[0]})
    assert "etag" not in r.headers

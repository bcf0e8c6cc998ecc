"""``geo-clsm nearest --in points.csv --out answers.csv`` and ``geo-clsm serve --workers N``,
as real subprocesses, compared with ``GET /api/nearest``."""

import csv
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
from fastapi.testclient import TestClient

from tests.conftest import _free_port

EXE = Path(sys.executable).parent / "geo-clsm"
POINTS = [
    ("gare-metz", 49.1097, 6.1770),
    ("borny", 49.11296, 6.22361),
    ("angouleme", 45.6487, 0.1560),
    ("berlin", 52.5, 13.4),
]


def test_nearest_cli_answers_like_the_api(tmp_path: Path, client: TestClient) -> None:
    src = tmp_path / "points.csv"
    src.write_text("id,lat,lon\n" + "".join(f"{i},{la},{lo}\n" for i, la, lo in POINTS), encoding="utf-8")
    out = tmp_path / "answers.csv"
    proc = subprocess.run(
        [str(EXE), "nearest", "--in", str(src), "--out", str(out), "--k", "4", "--type", "CMP"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    for qid, lat, lon in POINTS:
        mine = [r for r in rows if r["id"] == qid]
        api = client.get("/api/nearest", params={"lat": lat, "lon": lon, "k": 4, "type": "CMP"})
        if api.status_code != 200:
            assert len(mine) == 1 and mine[0]["error"] == api.json()["detail"]
            continue
        feats = api.json()["features"]
        assert [r["resource_id"] for r in mine] == [f["id"] for f in feats]
        assert [float(r["distance_m"]) for r in mine] == [f["properties"]["distance_m"] for f in feats]
    assert list(rows[0]) == [
        "id",
        "rank",
        "resource_id",
        "name",
        "type",
        "commune",
        "distance_m",
        "walk_minutes",
        "sector_role",
        "sectors",
        "error",
    ]


def test_nearest_cli_rejects_a_bad_file_with_the_line(tmp_path: Path) -> None:
    src = tmp_path / "points.csv"
    src.write_text("id,lat,lon\na,49.1,6.2\nb,nord,6.2\n", encoding="utf-8")
    proc = subprocess.run(
        [str(EXE), "nearest", "--in", str(src), "--out", str(tmp_path / "a.csv")],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 2
    assert "ligne 3, champ lat" in proc.stderr


def test_nearest_cli_answers_through_the_query_backend_setting(tmp_path: Path) -> None:
    """The CLI reads GEO_CLSM_QUERY_BACKEND as the service does (it answered from memory whatever the
    setting): PostGIS on a SQLite database is refused with the service's French message."""
    src = tmp_path / "points.csv"
    src.write_text("id,lat,lon\na,49.11296,6.22361\n", encoding="utf-8")
    env = {
        **os.environ,
        "GEO_CLSM_QUERY_BACKEND": "postgis",
        "GEO_CLSM_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
    }
    proc = subprocess.run(
        [str(EXE), "nearest", "--in", str(src), "--out", str(tmp_path / "a.csv")],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env=env,
    )
    assert proc.returncode == 2, proc.stdout
    assert "GEO_CLSM_QUERY_BACKEND=postgis demande une base PostgreSQL" in proc.stderr
    assert not (tmp_path / "a.csv").exists()


def test_serve_with_two_workers_gives_the_same_answers(client: TestClient) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [str(EXE), "serve", "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "GEO_CLSM_TILES_URL": "none"},
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 240
        while True:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.5)
        workers = psutil.Process(proc.pid).children(recursive=True)
        assert len([w for w in workers if "multiprocessing" in " ".join(w.cmdline())]) >= 2
        q = "lat=49.11296&lon=6.22361&k=5&type=CMP"
        expected = client.get(f"/api/nearest?{q}").json()
        for _ in range(12):  # fresh connections: the kernel spreads them over the workers
            with urllib.request.urlopen(f"{base}/api/nearest?{q}", timeout=10) as r:
                assert json.loads(r.read()) == expected
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)

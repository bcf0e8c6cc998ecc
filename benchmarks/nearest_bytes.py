"""Every ``/api/nearest`` answer, byte for byte, before and after a change to its path (issue 33).

A speed change on the path of ``GET /api/nearest`` must not change one byte of what it answers.
This script asks a fixed set of questions of the whole app (every middleware, through its ASGI
interface) at a frozen moment and writes each answer's status, headers (but ``x-data-version``,
which names the engine object) and body to a file; run it on the code before the change and on the
code after, then compare the two files (``--compare``).

The questions: 150 random points in the two pilots (seed 33) and the named points of the
FICTITIOUS sectors (``tests/fixtures/sectors``), each with a set of query strings (no filter,
k=1 and 50, types, age, ``open_at`` aware and naive, spoken language, ``accepts_new``, a short
``max_distance_m``, HEAD, gzip asked), by commune, and failures (422, 404, 409). Three apps: the
shipped layers, the same with the fictitious sectors in the database of record, and — when
``--pg URL`` is given (an empty PostgreSQL + PostGIS, e.g. ``tests/pg.sh start DIR``) — the latter
on the PostGIS backend.

Run: ``.venv/bin/python benchmarks/nearest_bytes.py OUT.jsonl [--pg URL]``, then
``.venv/bin/python benchmarks/nearest_bytes.py --compare BEFORE.jsonl AFTER.jsonl``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sys
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MOMENTS = [datetime(2026, 12, 8, 10, 30), datetime(2026, 12, 25, 22, 15)]  # a weekday morning, a holiday night
FILTERS = [
    "",
    "&k=1",
    "&k=50",
    "&type=CMP&age=15",
    "&type=CMP_ADULTE&k=3",
    "&type=GEM&type=CSAPA&max_distance_m=3000",
    "&type=CMP&type=HDJ&age=40&k=4",
    "&open_at=2026-12-09T10:00:00%2B01:00",
    "&open_at=2026-12-09T19:30:00",
    "&lang_spoken=en&k=2",
    "&accepts_new=true",
    "&max_distance_m=10",
    "&type=EMPP&age=70",
    "&type=MDA&age=8",
]
OTHER = [
    "commune=Metz&k=4",
    "commune=57463&type=CMP_ADULTE",
    "commune=57751",
    "commune=57256&k=2",
    "commune=Angoul%C3%AAme",
    "lat=49.1197",
    "lat=abc&lon=6.19",
    "lat=49.1197&lon=6.1955&k=500",
    "lat=48.0&lon=-30.0",
    "commune=Saint-Martin",
    "commune=Metzzz",
    "lat=49.1197&lon=6.1955&lat=49.2",
    "lat=49.1197&lon=6.1955&type=NOPE",
    "",
]


def questions() -> Iterator[tuple[str, str, bool]]:
    """(method, query string, gzip asked)."""
    from tests.sector_fixtures import POINTS

    rng = np.random.default_rng(33)
    pilots = [*zip(rng.uniform(6.05, 6.35, 100), rng.uniform(49.0, 49.2, 100), strict=True)]
    pilots += [*zip(rng.uniform(0.05, 0.3, 50), rng.uniform(45.55, 45.75, 50), strict=True)]
    points = [(round(float(a), 5), round(float(b), 5)) for a, b in pilots] + list(POINTS.values())
    for lon, lat in points:
        for f in FILTERS:
            yield "GET", f"lat={lat}&lon={lon}{f}", False
    for q in OTHER:
        yield "GET", q, False
    lon, lat = points[0]
    yield "HEAD", f"lat={lat}&lon={lon}", False
    yield "GET", f"lat={lat}&lon={lon}", True
    yield "GET", f"lat={lat}&lon={lon}&k=50", True


async def _ask(app: Any, method: str, query: str, gzip: bool) -> dict[str, Any]:
    headers = [(b"host", b"127.0.0.1"), (b"accept", b"*/*")]
    if gzip:
        headers.append((b"accept-encoding", b"gzip, deflate"))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": "/api/nearest",
        "raw_path": b"/api/nearest",
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    out: dict[str, Any] = {"q": f"{method} {query}{' gzip' if gzip else ''}", "body": b""}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
            out["headers"] = [
                [k.decode("latin-1"), v.decode("latin-1")] for k, v in message["headers"] if k != b"x-data-version"
            ]
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    await app(scope, receive, send)
    if gzip:  # a gzip stream carries no time; compared as sent
        out["body"] = "b64:" + base64.b64encode(out["body"]).decode()
    else:
        out["body"] = out["body"].decode()
    return out


def capture(path: Path, pg_url: str | None) -> int:
    from fastapi.testclient import TestClient

    from geo_clsm.model import clock
    from geo_clsm.settings import Settings
    from geo_clsm.web.app import create_app
    from tests.sector_fixtures import app_with_sectors

    work = Path(tempfile.mkdtemp(prefix="nearest_bytes_"))
    apps: list[tuple[str, Any]] = [
        ("shipped", lambda: create_app(Settings(data_dir=ROOT / "layers", database_url=f"sqlite:///{work / 'a.db'}"))),
        ("sectors", lambda: app_with_sectors(f"sqlite:///{work / 'b.db'}")),
    ]
    if pg_url:
        apps.append(("sectors-postgis", lambda: app_with_sectors(pg_url, query_backend="postgis")))
    n = 0
    with path.open("w") as out:
        for name, make in apps:
            app = make()
            with TestClient(app):  # the lifespan: engine, store
                loop = asyncio.new_event_loop()
                for moment in MOMENTS:
                    with clock.frozen_at(moment):
                        for method, query, gzip in questions():
                            answer = loop.run_until_complete(_ask(app, method, query, gzip))
                            answer["app"], answer["at"] = name, moment.isoformat()
                            out.write(json.dumps(answer, ensure_ascii=False) + "\n")
                            n += 1
                loop.close()
            print(f"{name}: done ({n} answers so far)", flush=True)
    return n


def compare(before: Path, after: Path) -> int:
    a, b = before.read_text().splitlines(), after.read_text().splitlines()
    if len(a) != len(b):
        print(f"different numbers of answers: {len(a)} / {len(b)}")
        return 1
    bad = 0
    statuses: dict[int, int] = {}
    for x, y in zip(a, b, strict=True):
        ja = json.loads(x)
        statuses[ja["status"]] = statuses.get(ja["status"], 0) + 1
        if x != y:
            bad += 1
            if bad <= 5:
                jb = json.loads(y)
                print(f"DIFFERENT: {ja['app']} {ja['at']} {ja['q']}")
                for key in ("status", "headers", "body"):
                    if ja[key] != jb[key]:
                        print(f"  {key}: {str(ja[key])[:300]}\n  {'':{len(key)}}  {str(jb[key])[:300]}")
    print(f"{len(a)} answers compared (statuses {dict(sorted(statuses.items()))}): {bad} different")
    return 1 if bad else 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?", type=Path)
    ap.add_argument("--pg", default=None, help="an empty PostgreSQL + PostGIS database URL (PostGIS backend)")
    ap.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = ap.parse_args()
    if args.compare:
        sys.exit(compare(*args.compare))
    if args.out is None:
        ap.error("give an output file, or --compare BEFORE AFTER")
    print(f"{capture(args.out, args.pg)} answers written to {args.out}")


if __name__ == "__main__":
    main()

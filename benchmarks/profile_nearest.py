"""Where a ``GET /api/nearest`` request spends its time, in process (a profiling aid, not a benchmark).

The app (shipped layers, a temporary SQLite database) is driven through its ASGI interface
directly, with the requests of ``bench_http.py`` (random points in both pilots, k=5), and
``cProfile`` records ``N_REQUESTS`` of them after a warm-up. Prints the mean time per request
against the same loop calling a bare FastAPI constant endpoint (``baseline_app.py``), then
the profile's top entries.

Run: ``.venv/bin/python benchmarks/profile_nearest.py [N_REQUESTS] [--sort tottime|cumulative]``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from common import ROOT, points_in_pilots

Asgi = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def _scope(path: str, query: bytes) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"accept", b"*/*")],  # as wrk sends them: no gzip
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def _drive(app: Asgi, requests: list[tuple[str, bytes]]) -> int:
    """Run the requests one after the other; returns the bytes sent (checks every status is 200)."""
    sent = 0
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal sent
        if message["type"] == "http.response.start":
            statuses.append(message["status"])
        else:
            sent += len(message.get("body", b""))

    for path, query in requests:
        await app(_scope(path, query), receive, send)
        assert statuses[-1] == 200, (path, query, statuses[-1])
    return sent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=3000)
    ap.add_argument("--sort", default="tottime")
    ap.add_argument("--top", type=int, default=45)
    ap.add_argument("--callers", default=None, help="also print the callers of functions matching this")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="profile_nearest_"))
    os.environ.setdefault("GEO_CLSM_DATABASE_URL", f"sqlite:///{tmp / 'geo_clsm.db'}")
    from fastapi.testclient import TestClient

    from geo_clsm.settings import Settings
    from geo_clsm.web.app import create_app

    points = points_in_pilots(2000)
    requests = [("/api/nearest", f"lat={lat:.5f}&lon={lon:.5f}&k=5".encode()) for lon, lat in points]
    requests = (requests * (args.n // len(requests) + 1))[: args.n]
    app = create_app(Settings(data_dir=ROOT / "layers"))
    with TestClient(app) as client:  # runs the lifespan (engine, store, indicators)
        sample = client.get("/api/nearest?" + requests[0][1].decode()).content
        body_file = tmp / "sample.json"
        body_file.write_bytes(sample)
        os.environ["BENCH_BODY_FILE"] = str(body_file)
        from baseline_app import create_app as create_baseline

        bare = create_baseline()
        loop = asyncio.new_event_loop()
        loop.run_until_complete(_drive(app, requests[:500]))  # warm-up
        loop.run_until_complete(_drive(bare, [("/const", b"")] * 500))
        bare_us, app_us = float("inf"), float("inf")
        for _ in range(
            3
        ):  # the best of three rounds each, interleaved; this thread's CPU time: a busy machine (or the app's start-up threads) disturbs it less than wall time
            t0 = time.thread_time()
            loop.run_until_complete(_drive(bare, [("/const", b"")] * args.n))
            bare_us = min(bare_us, (time.thread_time() - t0) / args.n * 1e6)
            t0 = time.thread_time()
            loop.run_until_complete(_drive(app, requests))
            app_us = min(app_us, (time.thread_time() - t0) / args.n * 1e6)
        print(
            f"in process, {args.n} requests, CPU time: /api/nearest {app_us:.0f} µs/request, bare constant {bare_us:.0f} µs"
        )
        prof = cProfile.Profile()
        prof.enable()
        loop.run_until_complete(_drive(app, requests))
        prof.disable()
        loop.close()
    stats = pstats.Stats(prof).strip_dirs().sort_stats(args.sort)
    stats.print_stats(args.top)
    if args.callers:
        stats.print_callers(args.callers)


if __name__ == "__main__":
    main()

"""Bounded mixed load on loopback: the service under 32 connections for a fixed time.

Starts ``geo-clsm serve`` on 127.0.0.1 (a free port, tiles "none", rate limits off), waits for it,
then runs mixed traffic: nearest 70 %, markers 10 %, resources 10 %, qpv/gaps 5 %, pages 5 %
(fixed seed). Prints, every interval, requests/s, p50/p99 latency, errors and the server's RSS;
at the end the totals, the RSS of the first interval after warm-up (baseline) and of the last, and
their ratio (memory must not grow after warm-up), and the server's peak RSS. Exit code 1 if any
request failed (status >= 500, or a transport error) or if RSS grew by more than 10 %.

    .venv/bin/python benchmarks/load_mixed.py                 # 10 minutes, 32 connections
    .venv/bin/python benchmarks/load_mixed.py --duration-s 60 --interval-s 15   # a quick look

Not part of ``make test``: it loads the machine for its whole duration.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
MIX = [("nearest", 70), ("markers", 10), ("resources", 10), ("qpv_gaps", 5), ("pages", 5)]
METZ = (49.08, 49.16, 6.12, 6.25)  # lat, lat, lon, lon
ANGOULEME = (45.60, 45.70, 0.08, 0.22)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_mb(pid: int) -> tuple[float, float]:
    """Current and peak resident memory of ``pid`` (MB), from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def _request(rng: random.Random) -> str:
    kind = rng.choices([k for k, _ in MIX], weights=[w for _, w in MIX])[0]
    if kind == "nearest":
        lat0, lat1, lon0, lon1 = rng.choice([METZ, ANGOULEME])
        lat, lon = rng.uniform(lat0, lat1), rng.uniform(lon0, lon1)
        extra = rng.choice(["", "&type=CMP", "&type=GEM", "&age=15"])
        return f"/api/nearest?lat={lat:.5f}&lon={lon:.5f}&k=5{extra}"
    if kind == "markers":
        return "/api/markers"
    if kind == "resources":
        return rng.choice(["/api/resources?territory=metz", "/api/resources?territory=angouleme&type=CMP"])
    if kind == "qpv_gaps":
        return rng.choice(["/api/qpv?territory=metz", "/api/gaps?territory=angouleme", "/api/gaps?format=csv"])
    return rng.choice(["/", "/?territory=metz", "/planning?territory=metz&type=CMP&indicator=mean_m"])


async def _worker(
    client: httpx.AsyncClient, rng: random.Random, deadline: float, samples: list[tuple[float, float, bool]]
) -> None:
    while time.monotonic() < deadline:
        path = _request(rng)
        start = time.monotonic()
        try:
            r = await client.get(path)
            ok = r.status_code < 500
        except httpx.HTTPError:
            ok = False
        samples.append((time.monotonic(), time.monotonic() - start, ok))


def _line(label: str, samples: list[tuple[float, float, bool]], seconds: float, rss: float) -> str:
    lat = sorted(s[1] * 1000 for s in samples) or [0.0]
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    errors = sum(not s[2] for s in samples)
    return (
        f"{label:>8}  {len(samples) / seconds:8.1f} req/s  p50 {statistics.median(lat):7.1f} ms  "
        f"p99 {p99:7.1f} ms  errors {errors}  RSS {rss:7.1f} MB"
    )


async def _run(base: str, pid: int, *, connections: int, duration_s: float, interval_s: float) -> int:
    samples: list[tuple[float, float, bool]] = []
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60.0) as client:
        start = time.monotonic()
        deadline = start + duration_s
        tasks = [
            asyncio.create_task(_worker(client, random.Random(20261123 + i), deadline, samples))
            for i in range(connections)
        ]
        rss_series: list[float] = []
        print(f"{'t (s)':>8}  {'rate':>14}  {'latency':>28}")
        t = start
        while t < deadline:
            await asyncio.sleep(min(interval_s, deadline - t))
            now = time.monotonic()
            window = [s for s in samples if t <= s[0] < now]
            rss, _ = _rss_mb(pid)
            rss_series.append(rss)
            print(_line(f"{now - start:.0f}", window, now - t, rss), flush=True)
            t = now
        await asyncio.gather(*tasks)
    total = time.monotonic() - start
    _, peak = _rss_mb(pid)
    print(_line("total", samples, total, rss_series[-1]))
    baseline = rss_series[1] if len(rss_series) > 2 else rss_series[0]  # the first interval is warm-up
    ratio = rss_series[-1] / baseline
    print(f"RSS after warm-up (baseline) {baseline:.1f} MB, at the end {rss_series[-1]:.1f} MB: ratio {ratio:.3f}")
    print(f"server peak RSS {peak:.1f} MB")
    errors = sum(not s[2] for s in samples)
    return 1 if errors or ratio > 1.10 else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--duration-s", type=float, default=600.0)
    p.add_argument("--interval-s", type=float, default=60.0)
    args = p.parse_args()
    port = _free_port()
    env = {**os.environ, "GEO_CLSM_TILES_URL": "none", "GEO_CLSM_RATE_LIMITS": '{"scenarios": 0}'}
    exe = Path(sys.executable).parent / "geo-clsm"
    server = subprocess.Popen(
        [str(exe), "serve", "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            assert server.poll() is None, "the server stopped"
            assert time.monotonic() < deadline, "the server did not start within 5 minutes"
            try:
                if httpx.get(base + "/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(1)
        return asyncio.run(
            _run(base, server.pid, connections=args.connections, duration_s=args.duration_s, interval_s=args.interval_s)
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())

"""The batch worst case over HTTP: the largest ``POST /api/nearest/batch`` the service accepts.

Target (issue 25, item 2): no single request takes the service down. While the worst-case batch
runs, ``/api/nearest`` p99 stays within 3× its p99 alone, and the server's memory grows by less
than 300 MiB.

- Figure: ``POST /api/nearest/batch?k=5`` with 10,000 synthetic points inside the two pilots'
  communes (``MAX_POINTS`` × k=5 = the default budget ``GEO_CLSM_BATCH_MAX_ANSWERS``, 50,000
  answers; one more point or k=6 is refused with a 413), JSON answer read in full: its time, its
  size, the server's resident memory sampled every 20 ms while it runs (peak, and growth over the
  RSS just before), the server's VmHWM at the end; and ``/api/nearest`` p99 while it runs.
- Then three such batches at once (the pool works on two, queues the third): the time until the
  last is answered, the RSS growth, ``/api/nearest`` p99 meanwhile (printed, not in the target).
- Baseline, same server, same run: ``/api/nearest`` p99 alone (no batch), for the same time.
- ``/api/nearest`` load: one client connection (keep-alive) asking k=5 at 2,000 random points in
  the pilots, one request after the other; latency per request measured by the client.
- Server: ``uvicorn geo_clsm.web.app:create_app`` (uvloop + httptools, one worker, access log off) on
  127.0.0.1, a SQLite database in a temporary folder, rate limits off.

Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_batch_worst.py``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np
from bench_http import uvicorn_cmd
from common import ROOT, free_port, points_in_pilots, process_peak_mib, report, server

N_POINTS = 10_000
K = 5
N_NEAREST_POINTS = 2000


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class NearestLoad(threading.Thread):
    """``/api/nearest`` one request after the other until stopped; the latencies, in ms."""

    def __init__(self, base: str, points: np.ndarray) -> None:
        super().__init__(daemon=True)
        self.base, self.points = base, points
        self.stop = threading.Event()
        self.latencies_ms: list[float] = []
        self.errors = 0

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=120) as c:
            i = 0
            while not self.stop.is_set():
                lon, lat = self.points[i % len(self.points)]
                i += 1
                t0 = time.perf_counter()
                r = c.get("/api/nearest", params={"lat": f"{lat:.5f}", "lon": f"{lon:.5f}", "k": K})
                self.latencies_ms.append((time.perf_counter() - t0) * 1e3)
                self.errors += r.status_code != 200


class RssSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.stop = threading.Event()
        self.peak = 0.0

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, rss_mib(self.pid))
            time.sleep(0.02)


def p99(values: list[float]) -> float:
    return float(np.percentile(values, 99)) if values else float("nan")


def nearest_alone(base: str, points: np.ndarray, seconds: float) -> NearestLoad:
    load = NearestLoad(base, points)
    load.start()
    time.sleep(seconds)
    load.stop.set()
    load.join()
    return load


def three_at_once(base: str, bodies: list[dict[str, object]], pid: int, nearest_pts: np.ndarray) -> dict[str, float]:
    """Three worst-case batches sent together: the time until the last is answered, their statuses,
    the server's RSS growth and /api/nearest p99 meanwhile."""
    rss_before = rss_mib(pid)
    sampler, load = RssSampler(pid), NearestLoad(base, nearest_pts)
    sampler.start()
    load.start()
    statuses: list[int] = []

    def one(body: dict[str, object]) -> None:
        with httpx.Client(base_url=base, timeout=600) as c:
            r = c.post("/api/nearest/batch", json=body, params={"k": K})
            statuses.append(r.status_code if r.json()["count"] == N_POINTS else -1)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=one, args=(body,)) for body in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - t0
    for thread in (load, sampler):
        thread.stop.set()
        thread.join()
    assert statuses == [200, 200, 200], statuses
    return {
        "seconds": seconds,
        "growth_mib": sampler.peak - rss_before,
        "p99_ms": p99(load.latencies_ms),
        "nearest_requests": len(load.latencies_ms),
    }


def main() -> None:
    pts = points_in_pilots(4 * N_POINTS + N_NEAREST_POINTS, seed=7)
    bodies = [
        {
            "points": [
                {"id": f"synthetic-{i}", "lon": round(x, 5), "lat": round(y, 5)}
                for i, (x, y) in enumerate(pts[b * N_POINTS : (b + 1) * N_POINTS])
            ]
        }
        for b in range(4)
    ]
    body, nearest_pts = bodies[0], pts[4 * N_POINTS :]
    work = Path(tempfile.mkdtemp(prefix="bench_batch_worst_"))
    env = {
        "PYTHONPATH": f"{ROOT}:{ROOT / 'benchmarks'}",
        "GEO_CLSM_DATABASE_URL": f"sqlite:///{work / 'geo_clsm.db'}",
        "GEO_CLSM_RATE_LIMITS": json.dumps({"batch": 0}),
    }
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with server(uvicorn_cmd("geo_clsm.web.app:create_app", port), env=env, health=f"{base}/healthz") as (proc, _):
        nearest_alone(base, nearest_pts, 2)  # warm-up, not measured
        with httpx.Client(base_url=base, timeout=600) as c:  # over budget: refused at once
            over = c.post("/api/nearest/batch", json=body, params={"k": K + 1})
        assert over.status_code == 413, over.status_code
        # The batch, with /api/nearest meanwhile.
        rss_before = rss_mib(proc.pid)
        sampler, load = RssSampler(proc.pid), NearestLoad(base, nearest_pts)
        sampler.start()
        load.start()
        t0 = time.perf_counter()
        with httpx.Client(base_url=base, timeout=600) as c:
            r = c.post("/api/nearest/batch", json=body, params={"k": K})
        batch_s = time.perf_counter() - t0
        load.stop.set()
        sampler.stop.set()
        load.join()
        sampler.join()
        assert r.status_code == 200, r.text[:300]
        answer = r.json()
        assert answer["count"] == N_POINTS and len(answer["answers"]) == N_POINTS
        size_mib = len(r.content) / 2**20
        del answer, r
        # Three at once (the 5.3 GB): the pool works on two, queues the third.
        three = three_at_once(base, bodies[1:], proc.pid, nearest_pts)  # other points
        # The baseline: /api/nearest alone, as long as the batch ran (at least 5 s).
        alone = nearest_alone(base, nearest_pts, max(5.0, batch_s))
        hwm = process_peak_mib(proc.pid)
    shutil.rmtree(work, ignore_errors=True)

    during_p99, alone_p99 = p99(load.latencies_ms), p99(alone.latencies_ms)
    ratio = during_p99 / alone_p99
    growth = sampler.peak - rss_before
    print(f"batch worst case: {N_POINTS} synthetic points × k={K} (the budget), JSON answer {size_mib:.0f} MiB")
    print(f"  batch answered in {batch_s:.1f} s; 413 for k={K + 1}")
    print(
        f"  server RSS before {rss_before:.0f} MiB, peak during the batch {sampler.peak:.0f} MiB "
        f"(+{growth:.0f} MiB), VmHWM {hwm:.0f} MiB"
    )
    print(
        f"  /api/nearest during the batch: {len(load.latencies_ms)} requests, p50 "
        f"{np.percentile(load.latencies_ms, 50):.1f} ms, p99 {during_p99:.1f} ms, errors {load.errors}"
    )
    print(
        f"  /api/nearest alone:            {len(alone.latencies_ms)} requests, p50 "
        f"{np.percentile(alone.latencies_ms, 50):.1f} ms, p99 {alone_p99:.1f} ms, errors {alone.errors}"
    )
    print(f"  p99 ratio during/alone {ratio:.2f}x")
    print(
        f"  three at once: all answered in {three['seconds']:.1f} s, RSS +{three['growth_mib']:.0f} MiB, "
        f"/api/nearest meanwhile {three['nearest_requests']:.0f} requests, p99 {three['p99_ms']:.1f} ms ({three['p99_ms'] / alone_p99:.2f}x alone)"
    )
    report(
        f"batch worst case ({N_POINTS} points × k={K}) and /api/nearest p99 meanwhile",
        figure=f"batch {batch_s:.1f} s, RSS +{growth:.0f} MiB; nearest p99 {during_p99:.1f} ms during",
        baseline_name="/api/nearest p99 alone, same server",
        baseline=f"{alone_p99:.1f} ms",
        ratio=f"p99 {ratio:.2f}x",
        peak_mib=max(sampler.peak, hwm),
        target="p99 ≤ 3× alone, RSS growth < 300 MiB",
        met=ratio <= 3 and growth < 300 and load.errors == 0 and alone.errors == 0,
        extra={
            "batch_s": batch_s,
            "answer_mib": size_mib,
            "rss_before_mib": rss_before,
            "vm_hwm_mib": hwm,
            "three_at_once": three,
        },
    )


if __name__ == "__main__":
    main()

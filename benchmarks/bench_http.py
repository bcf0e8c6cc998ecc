"""``/api/nearest`` throughput against a bare FastAPI endpoint, same uvicorn settings, one run.

Target (issue 9): throughput ≥ 60 % of the baseline's, p99 ≤ 3× the baseline's p99.

- Figure: ``GET /api/nearest?lat=…&lon=…&k=5`` at random points inside the two pilots'
  communes (2,000 points drawn once, cycled by the load client), the shipped layers.
- Baseline: ``benchmarks/baseline_app.py``, a bare FastAPI ``async`` endpoint returning a
  constant body of the same size (a real ``/api/nearest`` answer captured first).
- Both: ``uvicorn`` (uvloop + httptools, one worker, access log off) on 127.0.0.1; load from
  Debian's ``wrk`` (16 connections, 1 thread, ``DURATION_S`` seconds, ``--latency``), after
  ``WARMUP_S`` seconds of the same load that are not measured.
- Peak memory: the servers' peak RSS (VmHWM).

Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_http.py``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from common import BIN, ROOT, free_port, points_in_pilots, process_peak_mib, report, server

CONNECTIONS = 16
DURATION_S = int(os.environ.get("BENCH_HTTP_SECONDS", "10"))
WARMUP_S = 3  # each server is loaded this long before it is measured (same for both)
N_POINTS = 2000

LUA = """
local pts = {%s}
local i = 0
request = function()
  i = i %% #pts + 1
  return wrk.format("GET", "/api/nearest?lat=" .. pts[i][2] .. "&lon=" .. pts[i][1] .. "&k=5")
end
"""


def uvicorn_cmd(target: str, port: int) -> list[str]:
    return [
        str(BIN / "uvicorn"),
        target,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]


def wrk(url: str, script: Path | None, *, seconds: int = DURATION_S) -> dict[str, float]:
    args = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script is not None:
        args += ["-s", str(script)]
    out = subprocess.run([*args, url], capture_output=True, text=True, timeout=DURATION_S + 60, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    lat = {m.group(1): _ms(m.group(2)) for m in re.finditer(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M)}
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50_ms": lat["50"], "p99_ms": lat["99"], "non2xx": float(non2xx.group(1)) if non2xx else 0.0}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    assert m is not None, text
    return float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: `make bench` installs it (apt-get install wrk)")
    points = points_in_pilots(N_POINTS)
    work = Path(tempfile.mkdtemp(prefix="bench_http_"))
    script = work / "nearest.lua"
    script.write_text(LUA % ",".join(f"{{{lon:.5f},{lat:.5f}}}" for lon, lat in points))
    env = {"PYTHONPATH": f"{ROOT}:{ROOT / 'benchmarks'}"}

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with server(uvicorn_cmd("api.main:create_app", port), env=env, health=f"{base}/healthz") as (proc, _):
        lon, lat = points[0]
        with urllib.request.urlopen(f"{base}/api/nearest?lat={lat:.5f}&lon={lon:.5f}&k=5") as r:
            sample = r.read()
        wrk(base, script, seconds=WARMUP_S)  # not measured: caches, first allocations, start-up threads
        app = wrk(base, script)
        app_peak = process_peak_mib(proc.pid)
    (work / "sample.json").write_bytes(sample)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env_b = {**env, "BENCH_BODY_FILE": str(work / "sample.json")}
    with server(uvicorn_cmd("baseline_app:create_app", port), env=env_b, health=f"{base}/const") as (proc, _):
        wrk(f"{base}/const", None, seconds=WARMUP_S)
        bare = wrk(f"{base}/const", None)
        bare_peak = process_peak_mib(proc.pid)
    shutil.rmtree(work, ignore_errors=True)

    share = app["rps"] / bare["rps"]
    p99_ratio = app["p99_ms"] / bare["p99_ms"]
    print(f"/api/nearest vs bare FastAPI, {CONNECTIONS} connections, {DURATION_S} s each, body {len(sample)} bytes")
    for name, r in (("/api/nearest", app), ("bare FastAPI constant", bare)):
        print(
            f"  {name:<22} {r['rps']:8.0f} req/s  p50 {r['p50_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  non-2xx {r['non2xx']:.0f}"
        )
    print(f"  share {share:.0%}, p99 ratio {p99_ratio:.2f}x, server peak RSS {app_peak:.0f} / {bare_peak:.0f} MiB")
    report(
        "/api/nearest throughput (k=5, 16 conn.)",
        figure=f"{app['rps']:.0f} req/s, p99 {app['p99_ms']:.1f} ms",
        baseline_name="bare FastAPI async constant, same body size",
        baseline=f"{bare['rps']:.0f} req/s, p99 {bare['p99_ms']:.1f} ms",
        ratio=f"{share:.0%} of throughput, p99 {p99_ratio:.2f}x",
        peak_mib=app_peak,
        target="≥ 60 %, p99 ≤ 3×",
        met=share >= 0.6 and p99_ratio <= 3 and app["non2xx"] == 0,
        extra={"raw": json.loads(json.dumps({"app": app, "baseline": bare}))},
    )


if __name__ == "__main__":
    main()

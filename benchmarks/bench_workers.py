"""API throughput with 4 workers against 1 worker, under mixed traffic (same run, same requests).

Starts ``geo-clsm serve --workers N`` on 127.0.0.1 (tiles "none", rate limits off, a throw-away
SQLite database of record, the in-memory query backend unless ``BENCH_WORKERS_BACKEND=postgis``
with ``GEO_CLSM_DATABASE_URL`` set to a PostgreSQL), warms it, then drives it with ``wrk``
(16 connections, 1 thread) over the mix of ``load_mixed.py`` (nearest 70 %, markers 10 %,
resources 10 %, QPV / gaps 5 %, pages 5 %; fixed seed). Target (issue 15): 4 workers >= 1.6x
the requests/s of 1 worker, on this 2-core machine (wrk shares it). Prints the figures and a
``BENCH`` line.

    .venv/bin/python benchmarks/bench_workers.py      # BENCH_WORKERS_SECONDS=15 by default
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from common import BIN, free_port, process_peak_mib, report, wait_http
from load_mixed import _request

DURATION_S = int(os.environ.get("BENCH_WORKERS_SECONDS", "15"))
CONNECTIONS = 16
N_PATHS = 4000
LUA = """
local paths = {%s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


def cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds of these processes so far."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def wait_idle(pid: int, *, timeout_s: float = 600) -> None:
    """Wait until every worker has finished starting (the server's processes idle for 3 s):
    /healthz answers as soon as one worker is up, while the others still load their layers."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        pids = [pid, *children(pid)]
        before = cpu_s(pids)
        time.sleep(3)
        if cpu_s(pids) - before < 0.3:
            return
    raise TimeoutError("the workers did not settle")


def run(workers: int, script: Path, db_dir: Path) -> tuple[float, float, int]:
    """(requests/s, peak RSS of the server's processes in MiB, non-2xx/3xx responses)."""
    port = free_port()
    env = {
        **os.environ,
        "GEO_CLSM_TILES_URL": "none",
        "GEO_CLSM_RATE_LIMITS": '{"scenarios": 0}',
        "GEO_CLSM_QUERY_BACKEND": os.environ.get("BENCH_WORKERS_BACKEND", "memory"),
    }
    env.setdefault("GEO_CLSM_DATABASE_URL", f"sqlite:///{db_dir / 'bench.db'}")
    cmd = [str(BIN / "geo-clsm"), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz", timeout_s=300, proc=proc)
        wait_idle(proc.pid)
        for _ in range(8 * workers):  # every worker answers once before the measure
            urllib.request.urlopen(f"{base}/api/markers", timeout=60).read()
        subprocess.run(["wrk", "-t1", f"-c{CONNECTIONS}", "-d3s", "-s", str(script), base], capture_output=True)
        out = subprocess.run(
            ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{DURATION_S}s", "--timeout", "10s", "-s", str(script), base],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        pids = [proc.pid, *children(proc.pid)]
        peak = sum(p for p in (process_peak_mib(p) for p in pids) if p == p)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    rps = float(next(line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec")))
    bad = next((int(line.split()[-1]) for line in out.splitlines() if "Non-2xx" in line), 0)
    return rps, peak, bad


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: `make wrk` installs it")
    rng = random.Random(15)
    paths = [_request(rng) for _ in range(N_PATHS)]
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "mixed.lua"
        script.write_text(LUA % ", ".join(f'"{p}"' for p in paths))
        one = run(1, script, Path(tmp) / "one")
        four = run(4, script, Path(tmp) / "four")
    load1 = os.getloadavg()[0]
    print(
        f"mixed traffic, {CONNECTIONS} connections, {DURATION_S} s: 1 worker {one[0]:.0f} req/s, "
        f"4 workers {four[0]:.0f} req/s ({four[0] / one[0]:.2f}x); non-2xx/3xx: {one[2]} / {four[2]}; "
        f"server peak RSS {one[1]:.0f} / {four[1]:.0f} MiB (load average {load1:.1f} on {os.cpu_count()} CPUs)"
    )
    report(
        "API, mixed traffic, 4 workers",
        figure=f"{four[0]:.0f} req/s",
        baseline_name="1 worker",
        baseline=f"{one[0]:.0f} req/s",
        ratio=f"{four[0] / one[0]:.2f}x",
        peak_mib=four[1],
        target=">= 1.6x the requests/s of 1 worker",
        met=four[0] / one[0] >= 1.6,
        extra={"errors": one[2] + four[2]},
    )


if __name__ == "__main__":
    main()

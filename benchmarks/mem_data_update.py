"""The serving process's memory across data updates and rollbacks (issue 14: no growth after warm-up).

Starts ``geo-clsm serve`` through ``traced_serve.py`` (memory lines every 2 s; a fresh SQLite
database and versions folder in a temporary directory, the shipped layers, the usual start-up
cache), asks a fixed set of requests, then ``--rounds`` times: ``geo-clsm data update --source
qpv`` from a local HTTP fixture (the shipped QPV layer, a different neighbourhood renamed each
round, so each update is new data), waits until the service answers with it, asks the requests
again, then ``geo-clsm data rollback shipped`` and the same. After each step (and a pause longer
than the memory release's delay) it prints the server's RSS and its breakdown (anonymous and
file-backed, glibc's arenas, whether GDAL was loaded, pyarrow's pool).

Figure: the RSS after the last step; baseline (same run): the RSS after warm-up, before any
update; ratio; the server's peak RSS. Two minutes or so; no load beyond one client.

    .venv/bin/python benchmarks/mem_data_update.py [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_mixed import NEAREST, OTHERS, ROOT, _cli, _free_port, _qpv_fixture, _rss_mb, _wait_for

SETTLE_S = 10.0  # longer than the memory release's delay (5 s) after the last swap


class _Server:
    def __init__(self, pid: int, log: Path, client: httpx.Client) -> None:
        self.pid, self.log, self.client = pid, log, client
        self.paths = NEAREST[:40] + [p for group in OTHERS.values() for p in group]

    def version(self) -> str:
        return self.client.get("/api/qpv?territory=metz").headers.get("x-data-version", "")

    def wait_for_new_version(self, old: str, timeout_s: float = 300.0) -> None:
        deadline = time.monotonic() + timeout_s
        while self.version() == old:
            assert time.monotonic() < deadline, "the service did not pick the new data up"
            time.sleep(0.5)

    def settle(self) -> None:
        for _ in range(2):
            for path in self.paths:
                assert self.client.get(path).status_code == 200, path
        time.sleep(SETTLE_S)

    def report(self, step: str) -> float:
        lines = [ln for ln in self.log.read_text(errors="replace").splitlines() if " mem " in ln]
        rss = _rss_mb(self.pid)[0]
        detail = lines[-1].split(" mem ", 1)[1] if lines else ""
        print(f"{step:<22} RSS {rss:7.1f} MB   {detail}", flush=True)
        return rss


def _steps(server: _Server, env: dict[str, str], rounds: int) -> list[float]:
    server.settle()
    series = [server.report("warm")]
    features = server.client.get("/api/qpv?territory=metz").json()["features"]
    for i in range(rounds):
        fixture, url = _qpv_fixture(features[i % len(features)]["id"])
        old = server.version()
        took = time.monotonic()
        print("  " + asyncio.run(_cli({**env, "GEO_CLSM_SOURCE_QPV_URL": url}, "data", "update", "--source", "qpv")))
        fixture.shutdown()
        server.wait_for_new_version(old)
        print(f"  served {time.monotonic() - took:.1f} s after the command started")
        server.settle()
        series.append(server.report(f"after update {i + 1}"))
        old = server.version()
        print("  " + asyncio.run(_cli(env, "data", "rollback", "shipped")))
        server.wait_for_new_version(old)
        server.settle()
        series.append(server.report(f"after rollback {i + 1}"))
    return series


def main() -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--rounds", type=int, default=2, help="updates, each followed by a rollback (default 2)")
    args = p.parse_args()
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="geo_clsm_mem_") as tmp:
        env = {
            **os.environ,
            "GEO_CLSM_TILES_URL": "none",
            "GEO_CLSM_DATABASE_URL": f"sqlite:///{tmp}/synthetic_mem.db",
            "GEO_CLSM_VERSIONS_DIR": f"{tmp}/versions",
            "GEO_CLSM_LOCAL_TERRITORIES_FILE": f"{tmp}/territories.toml",
            "TRACE_MEMORY_S": "2",
        }
        exe = Path(sys.executable).parent / "geo-clsm"
        subprocess.run([str(exe), "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
        log = Path(tmp) / "server.log"
        with log.open("wb") as log_file:
            cmd = [sys.executable, str(ROOT / "benchmarks" / "traced_serve.py"), "serve", "--port", str(port)]
            server = subprocess.Popen([*cmd, "--host", "127.0.0.1"], cwd=ROOT, env=env, stderr=log_file)
            base = f"http://127.0.0.1:{port}"
            try:
                _wait_for(base, server)
                with httpx.Client(base_url=base, timeout=120) as client:
                    probe = _Server(server.pid, log, client)
                    series = _steps(probe, env, args.rounds)
                    peak = _rss_mb(server.pid)[1]
            finally:
                server.terminate()
                server.wait(timeout=30)
    print(
        f"RSS after {args.rounds} updates and rollbacks {series[-1]:.1f} MB; baseline (same run, after warm-up) "
        f"{series[0]:.1f} MB; ratio {series[-1] / series[0]:.3f}; highest step {max(series) / series[0]:.3f}; "
        f"server peak RSS {peak:.1f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Start-up to the first ``/healthz`` answer, shipped layers, against the same app with an empty catalog.

Target (issue 9): ≤ 2 s, RSS ≤ 250 MB (with unchanged data, i.e. a restart: warm cache).

- Figure: ``geo-clsm serve`` on 127.0.0.1 with the shipped layers, from process start to the
  first 200 from ``/healthz``, with the start-up cache filled by a previous start (a restart
  with unchanged data). The cold start (empty cache: parse layers, compute indicators) is
  printed too. RSS: the server's peak resident memory (VmHWM) once it answers; then, for
  information, its peak once the gazetteer (built in a thread after start-up) is ready and
  a first nearest search answered.
- Baseline: the same command and app on a synthetic data folder holding one synthetic
  commune and no resource (``synthetic_empty_catalog``), warm cache too.
- Each data set has its own SQLite database in a temporary folder: created and seeded by the
  first (cold) start, reused by the restarts, never the developer's ``var/geo_clsm.db``.
- Each start is measured ``REPEAT`` times; the best is kept (the machine is shared). The server's
  CPU time to the first answer (user + system) is printed beside the wall time: on a loaded
  machine it shows what the start-up itself costs.

Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_startup.py``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from common import BIN, ROOT, free_port, process_peak_mib, report, server

REPEAT = 2

MANIFEST = """
[[layer]]
id = "synthetic_communes"
path = "synthetic_communes.geojson"
kind = "communes"
format = "communes"
source = "synthetic benchmark layer (one invented commune), never shipped"
licence = "none"
vintage = "2026"
crs = "EPSG:4326"
fields = ["insee_com", "nom", "dep", "population_municipale"]

[[territory]]
id = "synthetic_empty_catalog"
name = "synthetic empty catalog"
kind = "national"
layers = ["synthetic_communes"]
"""


def empty_catalog(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.toml").write_text(MANIFEST, encoding="utf-8")
    square = [[[6.0, 49.0], [6.1, 49.0], [6.1, 49.1], [6.0, 49.1], [6.0, 49.0]]]
    feat = {
        "type": "Feature",
        "properties": {"insee_com": "99999", "nom": "synthetic", "dep": "99", "population_municipale": 1},
        "geometry": {"type": "Polygon", "coordinates": square},
    }
    (folder / "synthetic_communes.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [feat]}))
    return folder


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a running process (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start(data_dir: Path, cache_dir: Path, database: Path) -> tuple[float, float, float, float]:
    """Seconds to the first /healthz 200, the server's peak RSS then (MiB) and its CPU seconds;
    then its peak RSS once it has built what it builds after start-up (the gazetteer, waited for
    by a commune search) and answered a nearest search (MiB)."""
    port = free_port()
    env = {
        "GEO_CLSM_DATA_DIR": str(data_dir),
        "GEO_CLSM_CACHE_DIR": str(cache_dir),
        "GEO_CLSM_DATABASE_URL": f"sqlite:///{database}",
    }
    cmd = [str(BIN / "geo-clsm"), "serve", "--port", str(port)]
    with server(cmd, env=env, health=f"http://127.0.0.1:{port}/healthz", timeout_s=300) as (proc, seconds):
        ready = seconds, process_peak_mib(proc.pid), cpu_s(proc.pid)
        for path in ("/api/geocode?q=Metz", "/api/nearest?lon=6.1757&lat=49.1193&k=5"):
            with contextlib.suppress(urllib.error.HTTPError):  # the empty catalog knows no Metz
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60).read()
        return (*ready, process_peak_mib(proc.pid))


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench_startup_"))
    try:
        shipped, empty = ROOT / "layers", empty_catalog(work / "synthetic_empty_catalog")
        cold = start(shipped, work / "cache", work / "shipped.db")
        warm = min(start(shipped, work / "cache", work / "shipped.db") for _ in range(REPEAT))
        start(empty, work / "cache", work / "empty.db")
        base = min(start(empty, work / "cache", work / "empty.db") for _ in range(REPEAT))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    cold_s = cold[0]
    print(f"start-up to the first /healthz answer (geo-clsm serve, 127.0.0.1; load average {os.getloadavg()[0]:.1f})")
    for label, (wall, mib, cpu, serving) in (
        ("shipped layers, cold cache", cold),
        ("shipped layers, restart", warm),
        ("baseline empty catalog", base),
    ):
        print(
            f"  {label:30s} {wall:6.2f} s   CPU {cpu:5.2f} s   peak RSS {mib:5.0f} MiB"
            f"   (then {serving:4.0f} MiB once the gazetteer is built and a nearest search answered)"
        )
    mb = warm[1] * 2**20 / 1e6
    report(
        "start-up to first /healthz, shipped layers (restart)",
        figure=f"{warm[0]:.2f} s (CPU {warm[2]:.2f} s), RSS {mb:.0f} MB (cold cache {cold_s:.1f} s)",
        baseline_name="same app, synthetic empty catalog",
        baseline=f"{base[0]:.2f} s (CPU {base[2]:.2f} s), RSS {base[1] * 2**20 / 1e6:.0f} MB",
        ratio=f"{warm[0] / base[0]:.2f}x time, {warm[1] / base[1]:.2f}x RSS",
        peak_mib=warm[1],
        target="≤ 2 s, RSS ≤ 250 MB",
        met=warm[0] <= 2 and mb <= 250,
        extra={"serving_peak_mib": round(warm[3], 1)},
    )


if __name__ == "__main__":
    main()

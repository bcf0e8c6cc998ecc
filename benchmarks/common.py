"""Shared helpers for the benchmarks: result lines, peak memory, synthetic data, local servers.

Every benchmark prints human-readable lines, then one machine line ``BENCH {json}`` with
its figure, the named baseline measured in the same run, their ratio, the peak memory and
whether the issue's target is met. ``benchmarks/run_all.py`` collects those lines into a
markdown table. Synthetic data is named ``synthetic_…`` and never shipped.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def report(
    name: str,
    *,
    figure: str,
    baseline_name: str,
    baseline: str,
    ratio: str,
    peak_mib: float,
    target: str,
    met: bool,
    extra: dict[str, Any] | None = None,
) -> None:
    """Print the benchmark's machine line (read by run_all.py)."""
    row = {
        "benchmark": name,
        "figure": figure,
        "baseline_name": baseline_name,
        "baseline": baseline,
        "ratio": ratio,
        "peak_mib": round(peak_mib, 1),
        "target": target,
        "met": met,
        **(extra or {}),
    }
    print("BENCH " + json.dumps(row, ensure_ascii=False), flush=True)


def self_peak_mib() -> float:
    """Peak resident memory of this process (VmHWM), MiB."""
    return _vm_hwm(os.getpid())


def _vm_hwm(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def process_peak_mib(pid: int) -> float:
    """Peak resident memory (VmHWM) of another process, MiB (NaN once it has exited)."""
    return _vm_hwm(pid)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, *, timeout_s: float, proc: subprocess.Popen[bytes] | None = None) -> float:
    """Poll ``url`` until it answers 200; returns the time waited (s). Raises on timeout or exit."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout_s:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return time.perf_counter() - t0
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(url)


@contextmanager
def server(
    args: Sequence[str], *, env: dict[str, str] | None = None, health: str, timeout_s: float = 120
) -> Iterator[tuple[subprocess.Popen[bytes], float]]:
    """Run a server command (127.0.0.1), wait for ``health``; stop it on exit. Yields (proc, seconds to ready)."""
    full_env = {**os.environ, **(env or {})}
    t0 = time.perf_counter()
    proc = subprocess.Popen(list(args), env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    try:
        wait_http(health, timeout_s=timeout_s, proc=proc)
        yield proc, time.perf_counter() - t0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def synthetic_resource_rows(n: int, *, seed: int = 0) -> Iterator[dict[str, Any]]:
    """``n`` synthetic resources in the project's CSV schema, spread over mainland France."""
    rng = np.random.default_rng(seed)
    types = ["CMP_ADULTE", "CMP_ENFANT", "CATTP", "HDJ", "CMPP", "GEM", "MDA", "PAEJ", "CSAPA"]
    lon = rng.uniform(-1.5, 7.0, n)
    lat = rng.uniform(43.5, 49.5, n)
    for i in range(n):
        yield {
            "id": f"synthetic-{i}",
            "type": types[i % len(types)],
            "name": f"synthetic resource {i}",
            "street": f"{i % 200 + 1} rue synthétique",
            "postcode": f"{57000 + i % 900:05d}",
            "commune": "Synthetic",
            "phone": f"03 87 {i % 100:02d} {i // 100 % 100:02d} {i // 10000 % 100:02d}",
            "age_min": "" if i % 3 else "18",
            "lon": f"{lon[i]:.6f}",
            "lat": f"{lat[i]:.6f}",
            "position_precision": "address",
            "position_source": "synthetic",
            "source": "synthetic benchmark set",
            "last_verified": date(2026, 1, 1).isoformat(),
        }


def points_in_pilots(n: int, *, seed: int = 1) -> np.ndarray:
    """``n`` random (lon, lat) points inside the shipped pilot communes (uniform over their area)."""
    import shapely

    from geo_clsm.data.cache import DEFAULT_CACHE_DIR, load_catalog_cached

    cat = load_catalog_cached(ROOT / "layers", territories=["metz", "angouleme"], cache_dir=DEFAULT_CACHE_DIR)
    rng = np.random.default_rng(seed)
    geoms = cat.communes.geometry.values
    x0, y0, x1, y1 = cat.communes.total_bounds
    union = shapely.union_all(np.asarray(geoms))
    shapely.prepare(union)
    out: list[tuple[float, float]] = []
    per_pilot = {tid: cat.communes[cat.communes["territory"] == tid].total_bounds for tid in cat.territories}
    while len(out) < n:
        for b in per_pilot.values():
            px = rng.uniform(b[0], b[2], 256)
            py = rng.uniform(b[1], b[3], 256)
            inside = shapely.contains_xy(union, px, py)
            out.extend(zip(px[inside].tolist(), py[inside].tolist(), strict=True))
    del x0, y0, x1, y1
    return np.array(out[:n])

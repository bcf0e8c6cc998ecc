"""Run every benchmark of issue 9 and print their results as a markdown table.

Each benchmark runs as its own process (its output is shown as it comes) and ends with a
``BENCH {json}`` line; this script collects those lines. ``make bench`` runs it.
Figures depend on the machine and its load: the table says which machine, when.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = [
    "bench_http.py",
    "bench_headers.py",
    "bench_nearest.py",
    "bench_batch.py",
    "bench_batch_worst.py",
    "bench_startup.py",
    "bench_import.py",
    "bench_map.py",
]
TIMEOUT_S = 240


def main() -> int:
    rows: list[dict[str, object]] = []
    t0 = time.perf_counter()
    for name in BENCHMARKS:
        print(f"== {name}", flush=True)
        try:
            proc = subprocess.run(
                [sys.executable, str(HERE / name)], capture_output=True, text=True, timeout=TIMEOUT_S, check=False
            )
            out = proc.stdout
            if proc.returncode != 0:
                print(proc.stderr[-2000:], file=sys.stderr)
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            print(f"   {name}: timed out after {TIMEOUT_S} s", file=sys.stderr)
        for line in out.splitlines():
            if line.startswith("BENCH "):
                rows.append(json.loads(line[6:]))
            else:
                print(line)
        if not any(r.get("script") == name for r in rows) and rows and "script" not in rows[-1]:
            rows[-1]["script"] = name
    minutes = (time.perf_counter() - t0) / 60
    load = os.getloadavg()
    print()
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {load[0]:.1f} / {load[1]:.1f}; "
        f"`make bench`, {minutes:.1f} min."
    )
    print()
    print("| Benchmark | Figure | Baseline (same run) | Ratio | Peak RSS | Target | Met |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        met = "met" if r["met"] else "missed"
        print(
            f"| {r['benchmark']} | {r['figure']} | {r['baseline_name']}: {r['baseline']} | {r['ratio']} "
            f"| {r['peak_mib']:.0f} MiB | {r['target']} | {met} |"
        )
    missing = len(BENCHMARKS) - len(rows)
    if missing:
        print(f"\n{missing} benchmark(s) gave no result (see above).")
    return 0 if not missing else 1


if __name__ == "__main__":
    raise SystemExit(main())

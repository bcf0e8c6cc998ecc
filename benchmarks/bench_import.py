"""Import of a 200,000-row resources CSV (synthetic), against ``pandas.read_csv`` of the same file.

Target (issue 9): ≤ 5 s, ≤ 400 MB.

- Figure: ``geo-clsm import resources synthetic_resources_200k.csv`` (validation of every
  row into the resource model, report printed), as a subprocess: wall time and the
  process's peak RSS (``os.wait4``).
- Baseline: ``pandas.read_csv`` of the same file in a subprocess (interpreter start and
  ``import pandas`` included, as the figure includes its own).
- Data: ``synthetic_resource_rows`` (the project's CSV schema, invented values), written to a
  temporary file named ``synthetic_resources_200k.csv`` and removed afterwards.

Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_import.py``.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import BIN, report, synthetic_resource_rows

from geo_clsm.data.importers.resource_schema import COLUMNS

N_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "200000"))


def run(cmd: list[str]) -> tuple[float, float, str, float]:
    """Wall seconds, peak RSS (MiB), stdout and CPU seconds (user + system) of a command."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - t0, usage.ru_maxrss / 1024, out, usage.ru_utime + usage.ru_stime


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench_import_"))
    path = work / "synthetic_resources_200k.csv"
    try:
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(
                f, fieldnames=[c for c in COLUMNS if c not in ("x", "y")] + ["x", "y"], extrasaction="ignore"
            )
            w.writeheader()
            w.writerows(synthetic_resource_rows(N_ROWS))
        size_mb = path.stat().st_size / 1e6
        ours_s, ours_mib, out, ours_cpu = run([str(BIN / "geo-clsm"), "import", "resources", str(path)])
        base_s, base_mib, _, base_cpu = run([sys.executable, "-c", f"import pandas; pandas.read_csv({str(path)!r})"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary = " ".join(line.strip() for line in out.splitlines() if "importées" in line or "rejetées" in line)
    print(f"import of {N_ROWS} synthetic resource rows ({size_mb:.0f} MB CSV)")
    print(
        f"  geo-clsm import resources   {ours_s:7.2f} s ({ours_cpu:.2f} s CPU)   peak RSS {ours_mib:6.0f} MiB   ({summary})"
    )
    print(f"  baseline pandas.read_csv    {base_s:7.2f} s ({base_cpu:.2f} s CPU)   peak RSS {base_mib:6.0f} MiB")
    print(f"  load average {os.getloadavg()[0]:.1f} (on a loaded machine, CPU seconds say more than wall time)")
    mb = ours_mib * 2**20 / 1e6
    report(
        "import of a 200,000-row resources CSV (synthetic)",
        figure=f"{ours_s:.1f} s, {mb:.0f} MB",
        baseline_name="pandas.read_csv of the same file",
        baseline=f"{base_s:.1f} s, {base_mib * 2**20 / 1e6:.0f} MB",
        ratio=f"{ours_s / base_s:.1f}x time, {ours_mib / base_mib:.1f}x memory",
        peak_mib=ours_mib,
        target="≤ 5 s, ≤ 400 MB",
        met=ours_s <= 5 and mb <= 400,
    )


if __name__ == "__main__":
    main()

"""Lighthouse on an old phone (issue 28): each public page's Performance and Accessibility scores,
Total Blocking Time and Largest Contentful Paint, beside the same page with no markers at all.

- Figure: Lighthouse 12 (npm ``lighthouse``, installed by this script into the git-ignored
  ``.cache/lighthouse``; ``make lighthouse`` does the same), its default mobile emulation and
  simulated throttling (slow 4G, CPU ×4), Debian's Chromium (``CHROME_PATH=/usr/bin/chromium``,
  the flags of ``tests/e2e/conftest.py``), against a ``geo-clsm serve`` on a random port with the
  shipped layers. ``RUNS`` runs per page, the median of each figure.
- Baseline (same run): the same page with ``?markers=0``: ``static/app/map.js`` then draws an empty
  marker layer (no ``/api/markers`` request, no marker made): the floor for this layout. Pages
  without markers (``/recherche``) have no baseline.
- Tiles: off (``GEO_CLSM_TILES_URL=none``) unless ``--tiles`` names a tile server, e.g. a local one:
  ``--tiles 'http://127.0.0.1:8080/{z}/{x}/{y}.png'`` (nothing is ever fetched from a third party).
- Peak memory: the server's (VmHWM) at the end. "CPU index" is Lighthouse's own probe of the
  machine's speed during the runs (``benchmarkIndex``, median): a loaded machine gives a low index,
  and Lighthouse's simulated slowdown (×4) then multiplies tasks already stretched by the load.

Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_lighthouse.py [--pages / /planning]
[--runs 3] [--tiles URL] [--app-dir DIR]`` (``--app-dir``: serve another checkout's ``geo_clsm``,
e.g. an export of ``main`` for the "before" figures). Figures depend on the machine and its load
(printed): Lighthouse's simulated CPU slowdown multiplies the tasks it observes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from common import BIN, ROOT, free_port, process_peak_mib, report, server

LIGHTHOUSE_DIR = ROOT / ".cache" / "lighthouse"
LIGHTHOUSE = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
LIGHTHOUSE_VERSION = "12"
CHROMIUM = "/usr/bin/chromium"
RUNS = 3
TARGET = {"performance": 95, "accessibility": 100, "tbt_ms": 150, "lcp_ms": 2000}
# The pages of issue 28: the resident page, the planner's page, the page without script, and a
# CLSM's own pages (issue 31): its territory's home /t/{id} and what its site frames, /embed/{id}
# (the map, and the list first).
PAGES = ["/", "/planning", "/recherche", "/recherche?q=Metz", "/t/metz", "/embed/metz", "/embed/metz?mode=liste"]
MAP_PAGES = ("/", "/planning", "/t/", "/embed/")  # pages with markers (a path, or a prefix ending in /)


def has_markers(path: str) -> bool:
    bare = path.split("?")[0]
    return any(bare == p or (p.endswith("/") and p != "/" and bare.startswith(p)) for p in MAP_PAGES)


NPM_INSTALL = ["npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix"]
LIGHTHOUSE_ARGS = ["--only-categories=performance,accessibility"]


def chrome_flags() -> str:
    sys.path.insert(0, str(ROOT))
    from tests.e2e.conftest import ARGS  # the browser tests' flags: one Chromium set-up for both

    return "--chrome-flags=" + " ".join(ARGS)


def ensure_lighthouse() -> Path:
    if not LIGHTHOUSE.exists():
        LIGHTHOUSE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [*NPM_INSTALL, str(LIGHTHOUSE_DIR), f"lighthouse@{LIGHTHOUSE_VERSION}"],
            check=True,
        )
    return LIGHTHOUSE


def lighthouse(url: str, out: Path) -> dict[str, float]:
    """One Lighthouse run: scores (0-100), TBT and LCP (ms)."""
    subprocess.run(
        [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}", *LIGHTHOUSE_ARGS, chrome_flags()],
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        check=True,
        timeout=300,
    )
    r = json.loads(out.read_text())
    audits = r["audits"]
    return {
        "performance": round(100 * (r["categories"]["performance"]["score"] or 0)),
        "accessibility": round(100 * (r["categories"]["accessibility"]["score"] or 0)),
        "tbt_ms": float(audits["total-blocking-time"]["numericValue"]),
        "lcp_ms": float(audits["largest-contentful-paint"]["numericValue"]),
        "benchmark_index": float(r.get("environment", {}).get("benchmarkIndex") or 0),  # Lighthouse's CPU probe
    }


def median_of(url: str, runs: int, tmp: Path) -> dict[str, Any]:
    results = [lighthouse(url, tmp / f"run-{i}.json") for i in range(runs)]
    med = {k: statistics.median(r[k] for r in results) for k in results[0]}
    return {**med, "runs": results}


def with_flag(path: str) -> str:
    return path + ("&" if "?" in path else "?") + "markers=0"


def fmt(m: dict[str, Any]) -> str:
    return (
        f"{m['performance']:.0f} / {m['accessibility']:.0f}, TBT {m['tbt_ms']:.0f} ms, LCP {m['lcp_ms'] / 1000:.2f} s"
        f" (CPU index {m['benchmark_index']:.0f})"
    )


def met(m: dict[str, Any]) -> bool:
    return bool(
        m["performance"] >= TARGET["performance"]
        and m["accessibility"] >= TARGET["accessibility"]
        and m["tbt_ms"] <= TARGET["tbt_ms"]
        and m["lcp_ms"] <= TARGET["lcp_ms"]
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", nargs="+", default=PAGES)
    ap.add_argument("--runs", type=int, default=RUNS)
    ap.add_argument("--tiles", default="none", help="tile URL template (a local tile server); none by default")
    ap.add_argument("--app-dir", type=Path, help="serve the geo_clsm package of this folder (e.g. an export of main)")
    args = ap.parse_args()
    ensure_lighthouse()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {"GEO_CLSM_TILES_URL": args.tiles}
    if args.app_dir:
        env["PYTHONPATH"] = str(args.app_dir.resolve())
        env.setdefault("GEO_CLSM_DATA_DIR", str(ROOT / "layers"))  # this checkout's layers (an export may have none)
    cmd = [
        str(BIN / "python"),
        "-P",
        "-c",
        "import sys; from geo_clsm.cli import main; sys.exit(main())",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    load = os.getloadavg()
    rows: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []
    with server(cmd, env=env, health=f"{base}/healthz", timeout_s=300) as (proc, _), tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for path in args.pages:
            for warm in (path, with_flag(path)):  # the first request builds and caches the page
                subprocess.run(["curl", "-s", "-o", "/dev/null", base + warm], check=False)
            page = median_of(base + path, args.runs, tmp)
            floor = median_of(base + with_flag(path), args.runs, tmp) if has_markers(path) else None
            rows.append((path, page, floor))
            print(f"{path}: {fmt(page)}" + (f"   | no markers: {fmt(floor)}" if floor else ""), flush=True)
        peak = process_peak_mib(proc.pid)
    load_end = os.getloadavg()
    print()
    print(
        f"Lighthouse {LIGHTHOUSE_VERSION} mobile (simulated slow 4G, CPU x4), {args.runs} runs per page (median), "
        f"tiles {args.tiles}; load average {load[0]:.1f} at start, {load_end[0]:.1f} at end; server peak {peak:.0f} MiB"
    )
    print()
    print(
        "| Page | Performance | Accessibility | TBT | LCP | No markers (same run): Perf / A11y, TBT, LCP | Target met |"
    )
    print("|---|---|---|---|---|---|---|")
    for path, page, floor in rows:
        print(
            f"| `{path}` | {page['performance']:.0f} | {page['accessibility']:.0f} | {page['tbt_ms']:.0f} ms "
            f"| {page['lcp_ms'] / 1000:.2f} s | {fmt(floor) if floor else '—'} | {'met' if met(page) else 'missed'} |"
        )
    worst = min(rows, key=lambda r: r[1]["performance"])
    report(
        "Lighthouse mobile, worst page",
        figure=f"{worst[0]}: {fmt(worst[1])}",
        baseline_name="same page, no markers",
        baseline=fmt(worst[2]) if worst[2] else "—",
        ratio=f"TBT ×{worst[1]['tbt_ms'] / max(worst[2]['tbt_ms'], 1):.1f}" if worst[2] else "—",
        peak_mib=peak,
        target="Performance ≥ 95, Accessibility 100, TBT ≤ 150 ms, LCP ≤ 2.0 s",
        met=all(met(p) for _, p, _ in rows),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Map page with 5,000 resources: bytes and time to the first marker in headless Chromium,
against folium's default Marker + MarkerCluster page with the same points.

Target (issue 9): ≤ 1 MB and ≤ 1.5 s.

- Figure: the resident page ``/`` of the app (uvicorn on 127.0.0.1, tiles "none") on the
  shipped layers whose resources are replaced by 5,000 synthetic resources
  (``synthetic-map-…``) in the two pilots. Bytes: the HTML plus the ``/api/markers`` payload
  it fetches (as sent, gzip when the browser asks). Time: from navigation start to the first
  ``.leaflet-marker-icon`` (a marker or a cluster) in the DOM, ``performance.now()``.
- Baseline: ``folium.Map`` (default OSM tiles, answered empty locally) with a ``MarkerCluster`` holding one default
  ``folium.Marker`` per point, same points; its CDN scripts are answered locally (Leaflet
  and MarkerCluster from the vendored copies, the others empty), nothing leaves the machine.
- Browser: Debian's Chromium (``/usr/bin/chromium``) via Playwright, a fresh context per load,
  best of ``REPEAT``. Peak memory: this process (app and folium build), VmHWM.

Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_map.py``.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import folium
import numpy as np
import uvicorn
from common import ROOT, free_port, points_in_pilots, report, self_peak_mib
from folium.plugins import MarkerCluster
from playwright.sync_api import Browser, Route, sync_playwright

from geo_clsm.data.cache import DEFAULT_CACHE_DIR, load_catalog_cached
from geo_clsm.engine.core import Engine
from geo_clsm.model.position import Position, PositionPrecision
from geo_clsm.model.resource import Resource
from geo_clsm.settings import Settings
from geo_clsm.web.app import create_app

N = 5000
REPEAT = 3
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
VENDOR = ROOT / "geo_clsm" / "web" / "static" / "vendor"
TYPES = ["CMP_ADULTE", "CMP_ENFANT", "CATTP", "HDJ", "CMPP", "GEM", "MDA", "PAEJ", "CSAPA"]
FIRST_MARKER_JS = """() => new Promise(resolve => {
  const done = () => resolve(performance.now());
  setTimeout(() => resolve(-1), 60000);
  if (document.querySelector('.leaflet-marker-icon')) return done();
  new MutationObserver((_, obs) => {
    if (document.querySelector('.leaflet-marker-icon')) { obs.disconnect(); done(); }
  }).observe(document, {childList: true, subtree: true});
})"""


def synthetic_engine(points: np.ndarray) -> Engine:
    shipped = load_catalog_cached(None, territories=["metz", "angouleme"], cache_dir=DEFAULT_CACHE_DIR)
    resources = [
        Resource(
            id=f"synthetic-map-{i}",
            type=TYPES[i % len(TYPES)],
            name=f"synthetic map resource {i}",
            territory="metz" if lat > 47 else "angouleme",
            position=Position(lon=float(lon), lat=float(lat), precision=PositionPrecision.ADDRESS, source="synthetic"),
            source="synthetic benchmark set",
            last_verified=date(2026, 1, 1),
        )
        for i, (lon, lat) in enumerate(points)
    ]
    return Engine(dataclasses.replace(shipped, resources=resources))  # a new catalog: nothing derived is stale


def folium_page(points: np.ndarray) -> str:
    m = folium.Map(location=[49.12, 6.18], zoom_start=11)  # default tiles: answered empty, locally
    cluster = MarkerCluster().add_to(m)
    for lon, lat in points:
        folium.Marker([float(lat), float(lon)]).add_to(cluster)
    return m.get_root().render()


def _local_cdn(route: Route) -> None:
    url = route.request.url
    name = url.rsplit("/", 1)[-1]
    files = {
        "leaflet.js": VENDOR / "leaflet" / "leaflet.js",
        "leaflet.css": VENDOR / "leaflet" / "leaflet.css",
        "leaflet.markercluster.js": VENDOR / "markercluster" / "leaflet.markercluster.js",
        "MarkerCluster.css": VENDOR / "markercluster" / "MarkerCluster.css",
        "MarkerCluster.Default.css": VENDOR / "markercluster" / "MarkerCluster.Default.css",
    }
    path = files.get(name) or (VENDOR / "leaflet" / "images" / name)
    if path.is_file():
        ctype = "text/css" if name.endswith(".css") else "image/png" if name.endswith(".png") else "text/javascript"
        route.fulfill(status=200, body=path.read_bytes(), content_type=ctype)
    else:
        route.fulfill(status=200, body=b"", content_type="text/plain")


def first_marker_ms(browser: Browser, url: str, *, html: str | None = None) -> tuple[float, int]:
    """Time to the first marker (ms), and bytes received from the page's own host."""
    ctx = browser.new_context()
    page = ctx.new_page()
    received = [0]
    if html is not None:
        page.route("http://bench.invalid/**", lambda r: r.fulfill(status=200, body=html, content_type="text/html"))
        page.route("https://**/*", _local_cdn)
    else:
        page.on(
            "response", lambda r: received.__setitem__(0, received[0] + _size(r)) if "/static/" not in r.url else None
        )
    page.goto(url, wait_until="commit")
    ms = float(page.evaluate(FIRST_MARKER_JS))
    if ms < 0:
        raise RuntimeError(f"no marker within 60 s on {url}")
    ctx.close()
    return ms, received[0] if html is None else len(html.encode())


def _size(response) -> int:  # type: ignore[no-untyped-def]
    try:
        return int(response.header_value("content-length") or len(response.body()))
    except Exception:
        return 0


def main() -> None:
    points = points_in_pilots(N, seed=5)
    engine = synthetic_engine(points)
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="bench_map_"))  # its own database: never ./var's, whose schema may be behind
    settings = Settings(tiles_url="none", database_url=f"sqlite:///{work / 'geo_clsm.db'}")
    srv = uvicorn.Server(
        uvicorn.Config(create_app(settings, engine=engine), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        if not thread.is_alive():
            raise SystemExit("bench_map: the server did not start (see its error above)")
        time.sleep(0.05)
    baseline_html = folium_page(points)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            first_marker_ms(browser, f"http://127.0.0.1:{port}/")  # renders and caches the page once
            ours = min(first_marker_ms(browser, f"http://127.0.0.1:{port}/") for _ in range(REPEAT))
            base = min(
                first_marker_ms(browser, "http://bench.invalid/folium.html", html=baseline_html) for _ in range(REPEAT)
            )
            browser.close()
    finally:
        srv.should_exit = True
        shutil.rmtree(work, ignore_errors=True)
    peak = self_peak_mib()
    print(f"map page with {N} synthetic resources, headless Chromium ({CHROMIUM})")
    print(f"  geo_clsm /  (HTML + /api/markers)  {ours[1] / 1e6:6.2f} MB   first marker {ours[0]:7.0f} ms")
    print(f"  baseline folium Marker+Cluster    {base[1] / 1e6:6.2f} MB   first marker {base[0]:7.0f} ms")
    report(
        "map page, 5,000 resources (synthetic), headless Chromium",
        figure=f"{ours[1] / 1e6:.2f} MB, first marker {ours[0] / 1e3:.2f} s",
        baseline_name="folium default Marker + MarkerCluster page, same points",
        baseline=f"{base[1] / 1e6:.2f} MB, first marker {base[0] / 1e3:.2f} s",
        ratio=f"{ours[1] / base[1]:.2f}x bytes, {ours[0] / base[0]:.2f}x time",
        peak_mib=peak,
        target="≤ 1 MB and ≤ 1.5 s",
        met=ours[1] <= 1e6 and ours[0] <= 1500,
    )


if __name__ == "__main__":
    main()

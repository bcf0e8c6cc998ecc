"""``/ogc`` against two peers serving the same features: tipg (PostGIS) and pygeoapi (its PostgreSQL
provider), one server at a time on the same uvicorn stack (issue 33).

- Peers: tipg and pygeoapi, at the versions pinned in :data:`PEERS`, installed from PyPI into the
  benchmark's own venv under the git-ignored ``.cache/bench-peers/`` (created on first run; their
  code is never part of this repository).
- Data: a throw-away PostgreSQL + PostGIS (started as ``tests/pg.sh`` does, and on 127.0.0.1) with one table,
  ``resources``: every item of geo_clsm's ``resources`` collection (the 3,966 public resources of the
  shipped layers), one column per public property, the published WGS84 point, rows in catalog order
  (a GiST index on the point, the id as primary key). geo_clsm serves the same items from memory
  (its default backend).
- Queries: a page of 100 in a bounding box around Metz, a page of 1,000 with no filter, one
  feature by id. The peers' page of 1,000 is timed in their default order (the id's); its ids are
  checked on the same page asked with ``sortby=ord`` (geo_clsm's catalog order, an indexed column:
  tipg's sorted page is several times slower than its default one). Correctness first: each server's answer to each query must hold the same ids
  (a set: the peers have no order of their own) and the same ``numberMatched``; the timing only runs if so.
- Servers: ``uvicorn`` (uvloop + httptools, one worker, access log off) on 127.0.0.1, each alone
  (started, measured on the three queries, stopped); load from Debian's ``wrk`` (2 threads, 16
  connections) for ``--seconds`` (env ``BENCH_OGC_SECONDS``, default 10) per query after 2 s of
  unmeasured warm-up, in ``--rounds`` passes over the servers (default 2, the figure is the best
  round, as the others' load comes and goes). Peak memory: each server's peak RSS (VmHWM).
- Figures: req/s per server and query, ratios geo_clsm ÷ tipg and ÷ pygeoapi. Target (issue 33):
  geo_clsm ≥ 1.5× tipg on every query.

Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_ogc_peers.py --seconds 3 --rounds 1`` (quick).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

from common import BIN, ROOT, free_port, process_peak_mib, report, server

PEERS = {"tipg": "1.6.1", "pygeoapi": "0.21.0"}
PEER_DEPS = ["psycopg2-binary==2.9.13", "GeoAlchemy2==0.21.0"]  # pygeoapi's PostgreSQL provider
SAME_STACK = ("uvicorn", "uvloop", "httptools")  # at the versions geo_clsm runs on
PEER_VENV = ROOT / ".cache" / "bench-peers" / "venv"
CONNECTIONS = 16
THREADS = 2
WARMUP_S = 2
METZ = "6.1,49.0,6.3,49.2"
FEATURE_ID = "metz-epsm-metz-jury"
QUERIES = {  # name -> (geo_clsm path, tipg path, pygeoapi path)
    "items?limit=100&bbox= (Metz)": (
        f"/ogc/collections/resources/items?limit=100&bbox={METZ}",
        f"/collections/public.resources/items?limit=100&bbox={METZ}",
        f"/collections/resources/items?f=json&limit=100&bbox={METZ}",
    ),
    "items?limit=1000": (
        "/ogc/collections/resources/items?limit=1000",
        "/collections/public.resources/items?limit=1000",
        "/collections/resources/items?f=json&limit=1000",
    ),
    "one feature by id": (
        f"/ogc/collections/resources/items/{FEATURE_ID}",
        f"/collections/public.resources/items/{FEATURE_ID}",
        f"/collections/resources/items/{FEATURE_ID}?f=json",
    ),
}
SERVERS = ("geo_clsm", "tipg", "pygeoapi")
ORDERED = "&sortby=ord"
"""Added, for the check of the ids only, to a peer's page of 1,000: the catalog order geo_clsm gives."""


def peer_python() -> Path:
    """The peers' venv (created and filled from PyPI on first use, at the pinned versions)."""
    py = PEER_VENV / "bin" / "python"
    stack = [f"{name}=={metadata.version(name)}" for name in SAME_STACK]
    pins = [f"{name}=={version}" for name, version in PEERS.items()] + PEER_DEPS + stack
    stamp = PEER_VENV / "pins.txt"
    if py.exists() and stamp.exists() and stamp.read_text() == "\n".join(pins):
        return py
    print(f"installing {', '.join(pins)} into {PEER_VENV} (once)", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(PEER_VENV)], check=True)
    subprocess.run([str(py), "-m", "pip", "install", "-q", *pins], check=True)
    stamp.write_text("\n".join(pins))
    return py


@contextmanager
def postgis() -> Iterator[tuple[str, int]]:
    """A throw-away PostgreSQL + PostGIS, as ``tests/pg.sh`` starts one (there on a unix socket only;
    here also on 127.0.0.1 at a free port: tipg reads no socket path in its URL). Yields (URL, port)."""
    pgdir = Path(tempfile.mkdtemp(prefix="geo_clsm_ogcpeers."))
    bin_dir = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))[-1]
    as_user = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    if os.getuid() == 0:
        shutil.chown(pgdir, "postgres")
    port = free_port()

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True)

    run(str(bin_dir / "initdb"), "-D", f"{pgdir}/data", "-U", "postgres", "--auth=trust", "-E", "UTF8")
    opts = f"-k {pgdir} -c listen_addresses=127.0.0.1 -p {port} -c fsync=off -c synchronous_commit=off"
    ctl = [str(bin_dir / "pg_ctl"), "-D", f"{pgdir}/data", "-l", f"{pgdir}/server.log", "-w", "-t", "60"]
    run(*ctl, "-o", opts, "start")
    try:
        run(str(bin_dir / "createdb"), "-h", str(pgdir), "-p", str(port), "-U", "postgres", "bench")
        yield f"postgresql://postgres@127.0.0.1:{port}/bench", port
    finally:
        subprocess.run([*as_user, *ctl, "-m", "fast", "stop"], check=False, capture_output=True)
        shutil.rmtree(pgdir, ignore_errors=True)


def _sql_type(values: list[Any]) -> str:
    kinds = {type(v) for v in values if v is not None}
    if kinds <= {bool} and kinds:
        return "boolean"
    if kinds <= {int} and kinds:
        return "bigint"
    if kinds <= {int, float} and kinds:
        return "double precision"
    if kinds <= {str}:
        return "text"
    return "jsonb"


def load_table(url: str) -> int:
    """The ``resources`` table: geo_clsm's ``resources`` items (public properties, published point)."""
    import psycopg

    from geo_clsm.data.layers import load_catalog
    from geo_clsm.engine.core import Engine
    from geo_clsm.exports import ogc

    items = ogc.items(Engine(load_catalog()), "resources")
    names = [k for k in items[0].properties if k != "id"]
    columns = {k: _sql_type([i.properties.get(k) for i in items]) for k in names}
    ddl = ", ".join(f'"{k}" {t}' for k, t in columns.items())
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        conn.execute(f"CREATE TABLE resources (id text PRIMARY KEY, ord integer, {ddl}, geom geometry(Point, 4326))")
        placeholders = ", ".join(["%s"] * (len(names) + 2))
        with conn.cursor() as cur:
            rows = []
            for n, item in enumerate(items):
                values = [
                    json.dumps(item.properties.get(k)) if columns[k] == "jsonb" else item.properties.get(k)
                    for k in names
                ]
                wkt = None if item.geometry is None else item.geometry.wkt
                rows.append([item.id, n, *values, wkt])
            cols = ", ".join(["id", "ord", *(f'"{k}"' for k in names)])
            cur.executemany(
                f"INSERT INTO resources ({cols}, geom) VALUES ({placeholders}, ST_GeomFromText(%s, 4326))", rows
            )
        conn.execute("CREATE INDEX resources_geom ON resources USING gist (geom)")
        conn.execute("CREATE INDEX resources_ord ON resources (ord)")
        conn.execute("VACUUM ANALYZE resources")
    return len(items)


def uvicorn_args(uvicorn: Path, target: str, port: int, *, factory: bool = False) -> list[str]:
    return [
        str(uvicorn),
        target,
        *(["--factory"] if factory else []),
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


PYGEOAPI_CONFIG = """
server:
  bind: {{host: 127.0.0.1, port: {port}}}
  url: http://127.0.0.1:{port}
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  language: en-US
  limits: {{default_items: 10, max_items: 10000}}
  limit: 10
  map: {{url: "https://example.invalid/{{z}}/{{x}}/{{y}}.png", attribution: none}}
logging: {{level: ERROR}}
metadata:
  identification: {{title: bench, description: bench, keywords: [bench], keywords_type: theme, terms_of_service: none, url: http://127.0.0.1}}
  license: {{name: none, url: http://127.0.0.1}}
  provider: {{name: bench, url: http://127.0.0.1}}
  contact: {{name: bench, email: bench@example.invalid}}
resources:
  resources:
    type: collection
    title: resources
    description: the public resources
    keywords: [resources]
    extents:
      spatial: {{bbox: [-180, -90, 180, 90], crs: http://www.opengis.net/def/crs/OGC/1.3/CRS84}}
    providers:
      - type: feature
        name: PostgreSQL
        data: {{host: 127.0.0.1, port: {pg_port}, dbname: bench, user: postgres, password: "", search_path: [public]}}
        id_field: id
        table: resources
        geom_field: geom
"""


def server_commands(name: str, port: int, url: str, pg_port: int, work: Path) -> tuple[list[str], dict[str, str], str]:
    """(command, environment, health URL) of a server."""
    base = f"http://127.0.0.1:{port}"
    if name == "geo_clsm":
        env = {"GEO_CLSM_DATABASE_URL": f"sqlite:///{work / 'geo_clsm.db'}", "PYTHONPATH": str(ROOT)}
        return uvicorn_args(BIN / "uvicorn", "geo_clsm.web.app:create_app", port, factory=True), env, f"{base}/healthz"
    peer_bin = PEER_VENV / "bin"
    if name == "tipg":
        env = {
            "DATABASE_URL": url,
            "TIPG_DB_SCHEMAS": '["public"]',
            "TIPG_MAX_FEATURES_PER_QUERY": "10000",
        }
        return uvicorn_args(peer_bin / "uvicorn", "tipg.main:app", port), env, f"{base}/collections"
    config = work / "pygeoapi.yml"
    config.write_text(PYGEOAPI_CONFIG.format(port=port, pg_port=pg_port))
    openapi = work / "pygeoapi-openapi.yml"
    env = {"PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    subprocess.run(
        [str(peer_bin / "pygeoapi"), "openapi", "generate", str(config), "--output-file", str(openapi)],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    return uvicorn_args(peer_bin / "uvicorn", "pygeoapi.starlette_app:APP", port), env, f"{base}/collections?f=json"


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settle(pid: int, *, timeout_s: float = 180) -> None:
    """Wait until the server is idle (under 5 % of a CPU over a second): start-up work in the
    background (geo_clsm's access indicators) is not measured."""
    deadline = time.monotonic() + timeout_s
    last = _cpu_s(pid)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = _cpu_s(pid)
        if now - last < 0.05:
            return
        last = now


def fetch(url: str) -> dict[str, Any]:
    req = urllib.request.Request(url, headers={"Accept": "application/geo+json, application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        body: dict[str, Any] = json.loads(r.read())
    return body


def answer(body: dict[str, Any]) -> tuple[frozenset[str], int | None]:
    """The ids of an answer (a set) and its numberMatched (None for one feature)."""
    if body.get("type") == "Feature":
        return frozenset([str(body["id"])]), None
    return frozenset(str(f["id"]) for f in body["features"]), body.get("numberMatched")


def wrk(url: str, seconds: int) -> float:
    args = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s", url]
    out = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        raise RuntimeError(f"{url}: {bad.group(1)} answers not 2xx")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b > 0 else "∞ (no answer completed in the time)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_OGC_SECONDS", "10")))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_OGC_ROUNDS", "2")))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: `make bench` installs it (apt-get install wrk)")
    peer_python()
    work = Path(tempfile.mkdtemp(prefix="bench_ogc_peers_"))
    rps: dict[str, dict[str, float]] = {s: {} for s in SERVERS}
    peak: dict[str, float] = {s: 0.0 for s in SERVERS}
    with postgis() as (url, pg_port):
        n = load_table(url)
        print(f"{n} public resources in PostGIS and in geo_clsm's memory; wrk -t{THREADS} -c{CONNECTIONS}", flush=True)
        expected: dict[str, tuple[frozenset[str], int | None]] = {}
        for rnd in range(args.rounds):
            for s, name in enumerate(SERVERS):
                port = free_port()
                cmd, env, health = server_commands(name, port, url, pg_port, work)
                with server(cmd, env=env, health=health, timeout_s=180) as (proc, _):
                    base = f"http://127.0.0.1:{port}"
                    settle(proc.pid)
                    for query, paths in QUERIES.items():
                        timed = answer(fetch(base + paths[s]))
                        ids = answer(fetch(base + paths[s] + ORDERED))[0] if s and "limit=1000" in query else timed[0]
                        got = (ids, timed[1])
                        want = expected.setdefault(query, got)
                        if got != want or len(timed[0]) != len(want[0]):
                            sys.exit(
                                f"{name} answers {query} otherwise: {len(got[0])} ids, {got[1]} matched, not {len(want[0])}, {want[1]}"
                            )
                        wrk(base + paths[s], WARMUP_S)
                        r = wrk(base + paths[s], args.seconds)
                        rps[name][query] = max(rps[name].get(query, 0.0), r)
                        print(f"  round {rnd + 1} {name:<9} {query:<30} {r:9.1f} req/s", flush=True)
                    peak[name] = max(peak[name], process_peak_mib(proc.pid))
    shutil.rmtree(work, ignore_errors=True)
    load = os.getloadavg()
    print(
        f"\n(load average {load[0]:.1f} / {load[1]:.1f} on {os.cpu_count()} CPUs; best of {args.rounds} rounds of {args.seconds} s)"
    )
    print(f"| query | geo_clsm | tipg {PEERS['tipg']} | pygeoapi {PEERS['pygeoapi']} | ÷ tipg | ÷ pygeoapi |")
    print("|---|---|---|---|---|---|")
    for query in QUERIES:
        g, t, p = (rps[s][query] for s in SERVERS)
        print(f"| `{query}` | {g:,.0f} | {t:,.0f} | {p:,.0f} | {_ratio(g, t)} | {_ratio(g, p)} |")
    print(f"| peak RSS | {peak['geo_clsm']:.0f} MiB | {peak['tipg']:.0f} MiB | {peak['pygeoapi']:.0f} MiB | | |")
    worst = min(rps["geo_clsm"][q] / max(rps["tipg"][q], 1e-9) for q in QUERIES)
    report(
        "/ogc against tipg and pygeoapi (3 queries, 16 conn.)",
        figure=", ".join(f"{q}: {rps['geo_clsm'][q]:,.0f} req/s" for q in QUERIES),
        baseline_name=f"tipg {PEERS['tipg']} on PostGIS (pygeoapi {PEERS['pygeoapi']} beside)",
        baseline=", ".join(f"{rps['tipg'][q]:,.0f} req/s" for q in QUERIES),
        ratio=", ".join(
            f"{_ratio(rps['geo_clsm'][q], rps['tipg'][q])}x tipg, {_ratio(rps['geo_clsm'][q], rps['pygeoapi'][q])}x pygeoapi"
            for q in QUERIES
        ),
        peak_mib=peak["geo_clsm"],
        target="≥ 1.5× tipg on every query (issue 33)",
        met=worst >= 1.5,
        extra={"rps": rps, "peak_mib_each": peak},
    )


if __name__ == "__main__":
    main()

"""Bounded mixed load on loopback, with live changes: the service under 32 connections.

Starts ``geo-clsm serve`` on 127.0.0.1 (a free port, tiles "none", rate limits off, a fresh SQLite
database and data-versions folder in a temporary directory, the shipped layers), waits for it, then
runs mixed traffic: nearest 70 %, markers 10 %, resources 10 %, qpv/gaps 5 %, pages 5 % (fixed seed;
nearest over 300 fixed points, so every answer is asked many times). Meanwhile (see ``_changes``):

- an editor signs in through the admin API and changes a Metz CMP's phone number every minute
  (every quarter of the run when it is shorter than 4 minutes; ``--change-every-s``);
- a ``geo-clsm data update --source qpv`` publishes a QPV file served by a local HTTP fixture server
  (the shipped QPV layer with one neighbourhood renamed, ``… (version de test)``), at 40 % of the
  run, and ``geo-clsm data rollback shipped`` puts the shipped layer back at 70 % (or later, once the
  update has been served).

Every answer carries ``X-Data-Version`` (the data that answered it). Consistency check: all the
answers to one request (path and query) under one data version are identical (JSON and CSV; the
time-dependent ``open_now``/``open_status`` set aside); an answer mixing old and new data would
differ from its version's other answers. It also checks that the changes were seen: the renamed QPV
in ``/api/qpv`` answers and the editor's last phone number in ``/api/resources``.

Prints, every interval, requests/s, p50/p99 latency, errors (any status but 200, or a transport
error), data versions seen and the server's RSS (now, and the lowest of the interval, sampled every
2 s); at the end each failed request (time, path, error, and with ``--trace-server`` the server's
keep-alive closes and event-loop stalls around it), the totals, the lowest RSS of the first interval
after warm-up (baseline) against the last's (ratio: memory must not grow after warm-up) and the
server's peak RSS. Exit code 1 on any error, inconsistent answer, unseen change, or RSS growth
above 10 %. The client pool drops idle connections after 5 s (httpx's default), the server after
``GEO_CLSM_KEEP_ALIVE_S`` (75 s).

    .venv/bin/python benchmarks/load_mixed.py               # 10 minutes, 32 connections (make load)
    .venv/bin/python benchmarks/load_mixed.py --minutes 1   # a quick look (lines every 15 s)
    make load LOAD_ARGS="--minutes 3 --change-every-s 20 --trace-server"   # many versions, diagnosed

Not part of ``make test``: it loads the machine for its whole duration.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_consistency import RENAMED_SUFFIX, Observed
from traced_serve import explain_failures

ROOT = Path(__file__).resolve().parent.parent
MIX = [("nearest", 70), ("markers", 10), ("resources", 10), ("qpv_gaps", 5), ("pages", 5)]
METZ = (49.08, 49.16, 6.12, 6.25)  # lat, lat, lon, lon
ANGOULEME = (45.60, 45.70, 0.08, 0.22)
EDITOR = ("synthetic_load_editor@example.invalid", "synthetic-load-password-2026")
RSS_SAMPLE_S = 2.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_mb(pid: int) -> tuple[float, float]:
    """Current and peak resident memory of ``pid`` (MB), from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def _nearest_paths(rng: random.Random, n: int = 300) -> list[str]:
    out = []
    for _ in range(n):
        lat0, lat1, lon0, lon1 = rng.choice([METZ, ANGOULEME])
        lat, lon = rng.uniform(lat0, lat1), rng.uniform(lon0, lon1)
        extra = rng.choice(["", "&type=CMP", "&type=GEM", "&age=15"])
        out.append(f"/api/nearest?lat={lat:.5f}&lon={lon:.5f}&k=5{extra}")
    return out


NEAREST = _nearest_paths(random.Random(20261123))
OTHERS = {
    "markers": ["/api/markers"],
    "resources": ["/api/resources?territory=metz", "/api/resources?territory=angouleme&type=CMP"],
    "qpv_gaps": ["/api/qpv?territory=metz", "/api/gaps?territory=angouleme", "/api/gaps?format=csv"],
    "pages": ["/", "/?territory=metz", "/planning?territory=metz&type=CMP&indicator=mean_m"],
}


def _request(rng: random.Random) -> str:
    kind = rng.choices([k for k, _ in MIX], weights=[w for _, w in MIX])[0]
    return rng.choice(NEAREST if kind == "nearest" else OTHERS[kind])


async def _worker(client: httpx.AsyncClient, rng: random.Random, deadline: float, seen: Observed) -> None:
    while time.monotonic() < deadline:
        path = _request(rng)
        start = time.monotonic()
        try:
            r = await client.get(path)
            ok = r.status_code == 200
            seen.statuses[str(r.status_code)] += 1
            if ok:
                seen.check(path, r)
            else:
                seen.failures.append((start, time.monotonic() - start, path, f"HTTP {r.status_code}"))
        except httpx.HTTPError as exc:
            ok = False
            seen.statuses[type(exc).__name__] += 1
            seen.failures.append((start, time.monotonic() - start, path, f"{type(exc).__name__}: {exc}"))
        seen.samples.append((time.monotonic(), time.monotonic() - start, ok))


def _line(label: str, samples: list[tuple[float, float, bool]], seconds: float, rss: float, versions: int) -> str:
    lat = sorted(s[1] * 1000 for s in samples) or [0.0]
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    errors = sum(not s[2] for s in samples)
    return (
        f"{label:>8}  {len(samples) / seconds:8.1f} req/s  p50 {statistics.median(lat):7.1f} ms  "
        f"p99 {p99:7.1f} ms  errors {errors}  versions {versions}  RSS {rss:7.1f} MB"
    )


class _Fixture(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


def _qpv_fixture(renamed: str) -> tuple[ThreadingHTTPServer, str]:
    """The shipped QPV layer with one neighbourhood renamed, served on loopback (as the data-update tests do)."""
    doc = json.loads((ROOT / "layers" / "pilots" / "qpv2024_metz_angouleme.geojson").read_text(encoding="utf-8"))
    for f in doc["features"]:
        if f["properties"]["code_qp"] == renamed:
            f["properties"]["lib_qp"] += RENAMED_SUFFIX
    _Fixture.body = json.dumps(doc).encode()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Fixture)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}/qpv.geojson"


async def _cli(env: dict[str, str], *args: str) -> str:
    exe = Path(sys.executable).parent / "geo-clsm"
    proc = await asyncio.create_subprocess_exec(
        str(exe), *args, cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await proc.communicate()
    text = out.decode(errors="replace").strip().splitlines()
    summary = text[-1] if text else ""
    if proc.returncode != 0:
        raise RuntimeError(f"geo-clsm {' '.join(args)} failed: {summary}")
    return summary


async def _changes(
    base: str, env: dict[str, str], seen: Observed, start: float, duration_s: float, step_s: float
) -> list[str]:
    """The editor's changes (one every ``step_s``) and the data update, at fixed times of the run;
    a log of what was done."""
    log: list[str] = []
    async with httpx.AsyncClient(base_url=base, timeout=120.0) as c:
        me = (await c.post("/api/auth/login", json={"email": EDITOR[0], "password": EDITOR[1]})).json()
        headers = {"X-CSRF-Token": me["csrf_token"]}
        edits = [step_s * (i + 0.5) for i in range(int(duration_s / step_s))]
        events = [(t, "edit", i) for i, t in enumerate(edits)]
        events += [(0.4 * duration_s, "update", 0), (0.7 * duration_s, "rollback", 0)]
        for at, what, i in sorted(events):
            await asyncio.sleep(max(0.0, start + at - time.monotonic()))
            if what == "rollback":  # once the update has been served (a rebuild takes a while under load)
                while not seen.renamed_served() and time.monotonic() < start + 0.9 * duration_s:
                    await asyncio.sleep(1.0)
            if time.monotonic() > start + duration_s:
                break
            t = time.monotonic() - start
            if what == "edit":
                phone = f"03 87 99 00 {i % 100:02d}"
                r = await c.patch(f"/api/admin/resources/{seen.edited_id}", json={"phone": phone}, headers=headers)
                assert r.status_code == 200, r.text
                seen.phones.setdefault("expected", set()).add(phone)
                log.append(f"{t:6.0f} s  editor: phone of {seen.edited_id} -> {phone}")
            elif what == "update":
                log.append(f"{t:6.0f} s  {await _cli(env, 'data', 'update', '--source', 'qpv')}")
            else:
                log.append(f"{t:6.0f} s  {await _cli(env, 'data', 'rollback', 'shipped')}")
    return log


@dataclass
class Run:
    base: str
    pid: int
    env: dict[str, str]
    connections: int
    duration_s: float
    interval_s: float
    change_every_s: float
    keepalive_expiry_s: float
    server_log: Path


async def _run(run: Run) -> int:
    seen = Observed()
    async with httpx.AsyncClient(base_url=run.base, timeout=60.0) as c:
        seen.edited_id = (await c.get("/api/resources?territory=metz&type=CMP&limit=1")).json()["features"][0]["id"]
        seen.renamed_qp = (await c.get("/api/qpv?territory=metz")).json()["features"][0]["id"]
    fixture, url = _qpv_fixture(seen.renamed_qp)
    env = {**run.env, "GEO_CLSM_SOURCE_QPV_URL": url}
    # The pool drops an idle connection before the server's keep-alive timer would close it
    # (a request sent on a connection the server is closing gets a reset).
    limits = httpx.Limits(
        max_connections=run.connections,
        max_keepalive_connections=run.connections,
        keepalive_expiry=run.keepalive_expiry_s,
    )
    async with httpx.AsyncClient(base_url=run.base, limits=limits, timeout=60.0) as client:
        start = time.monotonic()
        deadline = start + run.duration_s
        tasks = [
            asyncio.create_task(_worker(client, random.Random(20261123 + i), deadline, seen))
            for i in range(run.connections)
        ]
        changes = asyncio.create_task(_changes(run.base, env, seen, start, run.duration_s, run.change_every_s))
        rss_series: list[float] = []  # per interval: the lowest of the RSS sampled every 2 s
        print(f"{'t (s)':>8}  {'rate':>14}  {'latency':>28}  (RSS: now / lowest of the interval)", flush=True)
        t = start
        while t < deadline:
            end = min(t + run.interval_s, deadline)
            sampled = []
            while (now := time.monotonic()) < end:
                sampled.append(_rss_mb(run.pid)[0])
                await asyncio.sleep(min(RSS_SAMPLE_S, end - now))
            window = [s for s in seen.samples if t <= s[0] < now]
            rss = _rss_mb(run.pid)[0]
            rss_series.append(min([*sampled, rss]))
            line = _line(f"{now - start:.0f}", window, now - t, rss, len(seen.versions))
            print(f"{line} / {rss_series[-1]:7.1f} MB", flush=True)
            t = now
        await asyncio.gather(*tasks)
        log = await changes
    fixture.shutdown()
    print("failed requests (s from the start, path, error; server events within 1 s):")
    print(explain_failures(seen.failures, start=start, server_log=run.server_log) or "  none")
    return _summary(seen, log, rss_series, run.pid, time.monotonic() - start)


def _summary(seen: Observed, log: list[str], rss_series: list[float], pid: int, total_s: float) -> int:
    _, peak = _rss_mb(pid)
    print(_line("total", seen.samples, total_s, _rss_mb(pid)[0], len(seen.versions)))
    print("changes during the run:\n  " + "\n  ".join(log))
    print(f"statuses: {dict(seen.statuses)}")
    print(f"data versions answered: {len(seen.versions)} ({sum(seen.versions.values())} answers with X-Data-Version)")
    names = set().union(*seen.qpv_names.values()) if seen.qpv_names else set()
    renamed_seen = any(n.endswith(RENAMED_SUFFIX) for n in names) and any(not n.endswith(RENAMED_SUFFIX) for n in names)
    expected_phones = seen.phones.pop("expected", set())
    phones_seen = set().union(*seen.phones.values()) if seen.phones else set()
    edits_seen = len(expected_phones & phones_seen)
    print(f"QPV {seen.renamed_qp}: names answered {sorted(names)}")
    print(f"editor's phones answered: {edits_seen} of {len(expected_phones)} changes seen")
    print(f"inconsistent answers (same request and data version, different data): {len(seen.inconsistent)}")
    for line in seen.inconsistent[:10]:
        print("  " + line)
    one_name = all(len(v) == 1 for v in seen.qpv_names.values())
    print(f"one QPV name per data version: {one_name}")
    # The lowest RSS of each interval: a swap holds two engines (and after a data update two catalogs)
    # for a moment, which a single sample may or may not catch; memory that is kept shows in the lowest.
    baseline = rss_series[1] if len(rss_series) > 2 else rss_series[0]  # the first interval is warm-up
    ratio = rss_series[-1] / baseline
    print(
        f"RSS (lowest of the interval) after warm-up (baseline) {baseline:.1f} MB, "
        f"in the last interval {rss_series[-1]:.1f} MB: ratio {ratio:.3f}"
    )
    print(f"server peak RSS {peak:.1f} MB")
    errors = sum(not s[2] for s in seen.samples)
    failed = errors or seen.inconsistent or not one_name or not renamed_seen or edits_seen == 0 or ratio > 1.10
    print("RESULT: " + ("FAILED" if failed else "passed"))
    return 1 if failed else 0


def _wait_for(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 300
    while True:
        assert server.poll() is None, "the server stopped"
        assert time.monotonic() < deadline, "the server did not start within 5 minutes"
        try:
            if httpx.get(base + "/healthz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)


def main() -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--minutes", type=float, default=10.0, help="length of the run (default 10)")
    p.add_argument("--interval-s", type=float, default=None, help="report every … s (default 60, 15 under 3 min)")
    p.add_argument(
        "--change-every-s",
        type=float,
        default=None,
        help="an editor's change every … s (default 60, a quarter under 4 min)",
    )
    p.add_argument(
        "--keepalive-expiry-s",
        type=float,
        default=5.0,
        help="client pool: idle connections dropped after … s (httpx: 5)",
    )
    p.add_argument(
        "--trace-server",
        action="store_true",
        help="serve through benchmarks/traced_serve.py (keep-alive closes and event-loop lag in the server log)",
    )
    p.add_argument("--server-log", type=Path, default=None, help="keep the server's log in this file")
    args = p.parse_args()
    duration_s = args.minutes * 60
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="geo_clsm_load_") as tmp:
        env = {
            **os.environ,
            "GEO_CLSM_TILES_URL": "none",
            "GEO_CLSM_RATE_LIMITS": '{"scenarios": 0, "login": 0, "reports": 0}',
            "GEO_CLSM_DATABASE_URL": f"sqlite:///{tmp}/synthetic_load.db",
            "GEO_CLSM_VERSIONS_DIR": f"{tmp}/versions",
            "GEO_CLSM_LOCAL_TERRITORIES_FILE": f"{tmp}/territories.toml",
            "GEO_CLSM_COOKIE_SECURE": "false",
            "GEO_CLSM_PASSWORD": EDITOR[1],
        }
        exe = Path(sys.executable).parent / "geo-clsm"
        subprocess.run([str(exe), "db", "upgrade"], env=env, cwd=ROOT, check=True)
        subprocess.run([str(exe), "user", "add", EDITOR[0], "--role", "editor"], env=env, cwd=ROOT, check=True)
        serve = [sys.executable, str(ROOT / "benchmarks" / "traced_serve.py")] if args.trace_server else [str(exe)]
        server_log = args.server_log or Path(tmp) / "server.log"
        with server_log.open("wb") as log_file:
            server = subprocess.Popen(
                [*serve, "serve", "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env, stderr=log_file
            )
            run = Run(
                base=f"http://127.0.0.1:{port}",
                pid=server.pid,
                env=env,
                connections=args.connections,
                duration_s=duration_s,
                interval_s=args.interval_s or (60.0 if args.minutes >= 3 else 15.0),
                change_every_s=args.change_every_s or (60.0 if duration_s >= 240 else duration_s / 4),
                keepalive_expiry_s=args.keepalive_expiry_s,
                server_log=server_log,
            )
            try:
                _wait_for(run.base, server)
                return asyncio.run(_run(run))
            finally:
                server.terminate()
                server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())

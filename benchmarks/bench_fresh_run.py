"""A fresh clone to a serving app: ``git clone`` → ``make run`` → the first page served.

Target (issue 27): a fresh clone serves in well under two minutes.

- Figure: the wall time from ``git clone`` of this checkout's committed ``HEAD`` into an empty
  temporary folder to the first page served by ``make run`` there (its first ``/healthz`` 200, then
  ``GET /``, the resident's map page) (a new ``.venv``,
  pip and uv with no cache: ``PIP_NO_CACHE_DIR=1``, ``UV_NO_CACHE=1``, as on a new machine). ``make run`` is run in its steps so
  that each is timed: the clone, the virtual environment (``make .venv/bin/python``), the install of
  what serving needs (``make install-serve``), then ``make run`` itself (the Debian libraries check,
  the cold start: layers read, database created and seeded, engine built, the first answer), and
  the first page. pip's output is timed line by line: the install is split into resolving and
  downloading, then unpacking and installing, with the slowest packages to fetch. A restart
  (``make run`` again) is printed after, outside the figure.
- Baseline: ``git clone`` and ``python -m venv`` alone (what any Python project's fresh start
  pays, nothing installed), measured in the same run.
- Peak memory: the largest resident set of a child process (pip or the server), from ``getrusage``.

Run: ``.venv/bin/python benchmarks/bench_fresh_run.py`` (not in ``make bench``: it installs a whole
environment). ``--keep`` leaves the clone in place; ``--source`` clones another repository or path.
The machine's load (``uptime``) is printed beside the figure: a shared machine makes it slower.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from common import ROOT, free_port, report

TARGET_S = 120.0


CPU: dict[str, float] = {}
"""Each step's CPU time (user + system of the processes it ran): on a shared machine, the wall time
grows with the load; the CPU time much less."""


def _children_cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def _timed(
    cmd: list[str],
    cwd: Path,
    env: dict[str, str],
    log: Path,
    step: str = "",
    lines: list[tuple[float, str]] | None = None,
) -> float:
    """Run ``cmd`` to its end; with ``lines``, each line it prints is kept with its time (seconds from the start)."""
    start, cpu = time.perf_counter(), _children_cpu()
    with log.open("ab") as out:
        if lines is None:
            subprocess.run(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, check=True)
        else:
            proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            assert proc.stdout is not None
            for raw in proc.stdout:
                lines.append((time.perf_counter() - start, raw.decode(errors="replace").rstrip()))
                out.write(raw)
            if proc.wait() != 0:
                raise subprocess.CalledProcessError(proc.returncode, cmd)
    if step:
        CPU[step] = _children_cpu() - cpu
    return time.perf_counter() - start


def _install_split(lines: list[tuple[float, str]], total: float) -> tuple[float, list[tuple[str, float]]]:
    """From the installer's timed output: when it started installing (the end of resolving and
    downloading), and with pip the slowest packages to resolve and fetch (the time from its
    « Collecting » to the next; uv fetches in parallel)."""
    marks = [(t, line.split()[1]) for t, line in lines if line.startswith("Collecting ")]
    # pip says « Installing collected packages » once it has everything; uv « Prepared N packages in … ».
    starts = ("Installing collected packages", "Prepared ")
    installing = next((t for t, line in lines if line.strip().startswith(starts)), total)
    ends = [t for t, _ in marks[1:]] + [installing] if marks else []
    spans = [(name, end - t) for (t, name), end in zip(marks, ends, strict=True)]
    return installing, sorted(spans, key=lambda s: -s[1])


SERVER_MARKS = {
    "database created": "base de données créée",
    "port open": "Uvicorn running on",
}
"""Lines of ``make run``'s log whose time is printed: the layers read (the database is created
after), then the port opened (the engine built)."""


def _serve_until_healthy(
    clone: Path, env: dict[str, str], log: Path, port: int, step: str = "make run to the first /healthz 200"
) -> tuple[float, float, dict[str, float]]:
    """``make run`` to the first ``/healthz`` 200, then the first page (``GET /``) served: both
    times from the start of ``make run``, and the times of :data:`SERVER_MARKS` in its log."""
    start = time.perf_counter()
    marks: dict[str, float] = {}
    proc = subprocess.Popen(
        ["make", "run", f"PORT={port}", "HOST=127.0.0.1"],
        cwd=clone,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def keep_log() -> None:
        assert proc.stdout is not None
        with log.open("ab") as out:
            for raw in proc.stdout:
                line = raw.decode(errors="replace")
                for name, text in SERVER_MARKS.items():
                    if text in line and name not in marks:
                        marks[name] = time.perf_counter() - start
                out.write(raw)

    reader = threading.Thread(target=keep_log, daemon=True)
    reader.start()
    cpu = _children_cpu()
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"make run stopped (exit {proc.returncode}); see {log}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    if r.status == 200:
                        healthy = time.perf_counter() - start
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=120) as r:
            r.read()
            if r.status != 200:
                raise SystemExit(f"GET / answered {r.status}; see {log}")
        return healthy, time.perf_counter() - start, marks
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
        reader.join(timeout=5)
        CPU[step] = _children_cpu() - cpu  # the server's, to its stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=str(ROOT), help="the repository to clone (default: this checkout)")
    parser.add_argument("--keep", action="store_true", help="keep the clone and its log")
    parser.add_argument("--rev", help="check this commit out in the clone (default: the source's HEAD)")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs")
    work = Path(tempfile.mkdtemp(prefix="geo-clsm-fresh-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "GEO_CLSM_"))}
    env["PIP_NO_CACHE_DIR"] = "1"
    env["UV_NO_CACHE"] = "1"  # uv (the Makefile's installer) with no cache either
    env["GEO_CLSM_DATABASE_URL"] = f"sqlite:///{work / 'fresh.db'}"  # never the developer's var/ database
    log = work / "fresh.log"
    try:
        # Baseline: clone and an empty virtual environment.
        base_clone = _timed(["git", "clone", "--quiet", args.source, str(work / "base")], work, env, log)
        base_venv = _timed([sys.executable, "-m", "venv", str(work / "base" / ".venv")], work, env, log)
        baseline = base_clone + base_venv
        shutil.rmtree(work / "base")
        # The figure: the steps of `make run` on a fresh clone.
        clone = work / "clone"
        steps = {"git clone": _timed(["git", "clone", "--quiet", args.source, str(clone)], work, env, log, "git clone")}
        if args.rev:
            steps["git clone"] += _timed(["git", "checkout", "--quiet", args.rev], clone, env, log)
        venv, install = "virtual environment (make .venv/bin/python)", "install for serving (make install-serve)"
        steps[venv] = _timed(["make", ".venv/bin/python"], clone, env, log, venv)
        pip_lines: list[tuple[float, str]] = []
        steps[install] = _timed(["make", "install-serve"], clone, env, log, install, lines=pip_lines)
        fetched, slowest = _install_split(pip_lines, steps[install])
        serving = "make run to the first /healthz 200"
        steps[serving], first_page, marks = _serve_until_healthy(clone, env, log, free_port())
        page = "first page (GET /) after it"
        steps[page] = first_page - steps[serving]
        total = sum(steps.values())
        for name, seconds in steps.items():
            cpu = f"CPU {CPU[name]:.1f} s" if name in CPU else "its CPU counted in the step above"
            print(f"  {name}: {seconds:.1f} s ({cpu})")
            if name == install:
                print(f"    resolve and download {fetched:.1f} s, then unpack and install {seconds - fetched:.1f} s")
                print("    slowest to resolve and fetch: " + ", ".join(f"{n} {t:.1f} s" for n, t in slowest[:6]))
            if name == serving:
                print("    " + ", ".join(f"{k} at {v:.1f} s" for k, v in marks.items()))
        # Not in the figure: a restart (the start-up cache and the byte-code written by the first start).
        restart = "restart: make run again to the first /healthz 200"
        again, again_page, _ = _serve_until_healthy(clone, env, log, free_port(), restart)
        print(f"  then {restart}: {again:.1f} s (CPU {CPU[restart]:.1f} s), first page +{again_page - again:.1f} s")
        installed = subprocess.run(
            [str(clone / ".venv" / "bin" / "python"), "-m", "pip", "list", "--format=freeze"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.count("\n")
        print(
            f"fresh clone to the first page served: {total:.1f} s ({installed} packages installed); baseline {baseline:.1f} s"
        )
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        report(
            "fresh_clone_to_serving",
            figure=f"{total:.1f} s",
            baseline_name="git clone + python -m venv (nothing installed)",
            baseline=f"{baseline:.1f} s",
            ratio=f"{total / baseline:.1f}x",
            peak_mib=peak,
            target=f"< {TARGET_S:.0f} s",
            met=total < TARGET_S,
            extra={
                "steps_s": {k: round(v, 1) for k, v in steps.items()},
                "steps_cpu_s": {k: round(v, 1) for k, v in CPU.items()},
                "install_fetch_s": round(fetched, 1),
                "fetch_s_by_package": {n: round(t, 2) for n, t in slowest},
                "serve_marks_s": {k: round(v, 1) for k, v in marks.items()},
                "restart_s": round(again, 1),
                "rev": args.rev or "HEAD",
                "load": round(load[0], 2),
                "packages": installed,
            },
        )
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

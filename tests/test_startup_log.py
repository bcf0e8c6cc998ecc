"""`geo-clsm serve` starts quietly: one line per meaningful event (database created, records
seeded, where it serves), no Alembic plugin lines, no uvicorn chatter."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

MAX_STARTUP_LINES = 6


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_prints_one_line_per_meaningful_event(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "GEO_CLSM_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
    exe = Path(sys.executable).parent / "geo-clsm"
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 240  # a bound on the wait, not an assertion on speed
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            raise AssertionError("the server never answered /healthz")
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    startup = out.split("GET /healthz")[0]
    lines = [ln for ln in startup.splitlines() if ln.strip()]
    assert "alembic" not in startup and "Running upgrade" not in startup
    assert "Waiting for application startup" not in startup and "Started server process" not in startup
    assert any("base de données créée" in ln for ln in lines), startup
    assert any(f"Uvicorn running on http://127.0.0.1:{port}" in ln for ln in lines), startup
    assert len(lines) <= MAX_STARTUP_LINES, startup

"""Bytes of headers per answer (issue 33, item 2), on the wire, against the main branch's header set.

Figure: the header block uvicorn sends (status line, every header, the blank line) for
``/api/nearest`` (k=5), one OGC feature, ``/api/markers`` and a page (``/``), read from a raw
socket (a request as ``wrk`` sends it: no gzip asked). Baseline, named ``main before issue 33``:
the same answers with the security middleware's headers as they were before (session 7, commit
f410bf8: the page policy with a 22-character nonce, ``nosniff``, ``Referrer-Policy``,
``Permissions-Policy`` and ``X-Frame-Options`` on every answer, and uvicorn's ``server`` header,
which ``geo-clsm serve`` no longer sends), re-created here from
:func:`~geo_clsm.web.middleware.security.content_security_policy` and the same settings.
Also printed: each answer's body size and the headers' share of what goes on the wire.

Run: ``.venv/bin/python benchmarks/bench_headers.py`` (also ``make bench``).
"""

from __future__ import annotations

import json
import socket
import tempfile
import urllib.request
from pathlib import Path

from bench_http import uvicorn_cmd
from common import ROOT, free_port, process_peak_mib, report, server

from geo_clsm.settings import Settings
from geo_clsm.web.middleware.security import content_security_policy

SECURITY_HEADERS = {
    "content-security-policy",
    "x-content-type-options",
    "referrer-policy",
    "permissions-policy",
    "x-frame-options",
}


def main_branch_headers(settings: Settings) -> list[tuple[str, str]]:
    """The security middleware's headers on every answer before issue 33 (the named baseline)."""
    out = [
        ("content-security-policy", content_security_policy(settings, "x" * 22)),  # token_urlsafe(16): 22 chars
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("permissions-policy", "geolocation=(self), camera=(), microphone=()"),
    ]
    if not settings.frame_ancestors:
        out.append(("x-frame-options", "DENY"))
    return out


def fetch_raw(port: int, target: str) -> tuple[bytes, int]:
    """The header block of ``GET target`` as sent on a kept-alive connection, and the body's length."""
    request = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            data += s.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(dict(_headers(head + b"\r\n"))["content-length"])
        while len(body) < length:
            body += s.recv(65536)
    return head + b"\r\n\r\n", len(body)


def _headers(block: bytes) -> list[tuple[str, str]]:
    lines = block.decode("latin-1").split("\r\n")[1:]
    return [(k.strip().lower(), v.strip()) for k, _, v in (line.partition(":") for line in lines if line)]


def baseline_size(block: bytes, settings: Settings) -> int:
    """The same block with the security headers as they were on the main branch."""
    status_line = block.split(b"\r\n", 1)[0]
    kept = [(k, v) for k, v in _headers(block) if k not in SECURITY_HEADERS and k != "server"]
    kept.append(("server", "uvicorn"))  # `geo-clsm serve` sent it before issue 33
    lines = [f"{k}: {v}" for k, v in (*kept, *main_branch_headers(settings))]
    return len(status_line) + 2 + sum(len(line) + 2 for line in lines) + 2


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench_headers_"))
    env = {"PYTHONPATH": f"{ROOT}:{ROOT / 'benchmarks'}", "GEO_CLSM_DATABASE_URL": f"sqlite:///{work / 'g.db'}"}
    settings = Settings()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    rows = []
    blocks: dict[str, bytes] = {}
    cmd = [*uvicorn_cmd("geo_clsm.web.app:create_app", port), "--no-server-header"]  # as `geo-clsm serve`
    with server(cmd, env=env, health=f"{base}/healthz") as (proc, _):
        with urllib.request.urlopen(f"{base}/ogc/collections/resources/items?limit=1") as r:
            feature_id = json.loads(r.read())["features"][0]["id"]
        targets = {
            "/api/nearest (k=5)": "/api/nearest?lat=49.1197&lon=6.1955&k=5",
            "one OGC feature": f"/ogc/collections/resources/items/{feature_id}",
            "/api/markers": "/api/markers",
            "a page (/)": "/",
        }
        for name, target in targets.items():
            block, body = fetch_raw(port, target)
            assert block.startswith(b"HTTP/1.1 200"), block[:80]
            rows.append((name, baseline_size(block, settings), len(block), body))
            blocks[name] = block
        peak = process_peak_mib(proc.pid)
    print("Bytes of headers per answer (status line and blank line included), no gzip asked")
    print(f"  {'answer':<20} {'main':>6} {'now':>6} {'body':>8}  headers' share of the wire: main -> now")
    for name, before, after, body in rows:
        print(
            f"  {name:<20} {before:6d} {after:6d} {body:8d}  {before / (before + body):.0%} -> {after / (after + body):.0%}"
        )
    print("  /api/nearest's headers now:")
    for line in blocks["/api/nearest (k=5)"].decode("latin-1").split("\r\n")[1:-2]:
        print(f"    {line}")
    page = dict(_headers(blocks["a page (/)"]))
    page_kept = (
        page.get("content-security-policy", "").startswith("default-src 'self'") and "permissions-policy" in page
    )
    nearest = rows[0]
    feature = rows[1]
    report(
        "Bytes of headers per answer (issue 33)",
        figure=f"/api/nearest {nearest[2]} B, one OGC feature {feature[2]} B, page {rows[3][2]} B",
        baseline_name="main before issue 33 (page policy and page-only headers on every answer)",
        baseline=f"/api/nearest {nearest[1]} B, one OGC feature {feature[1]} B, page {rows[3][1]} B",
        ratio=f"API answers {nearest[2] / nearest[1]:.2f}x / {feature[2] / feature[1]:.2f}x, page {rows[3][2] / rows[3][1]:.2f}x",
        peak_mib=peak,
        target="API answers carry no page-only header; pages keep their policy",
        met=nearest[2] < nearest[1] and page_kept,
        extra={"rows": [{"answer": n, "main": b, "now": a, "body": s} for n, b, a, s in rows]},
    )


if __name__ == "__main__":
    main()

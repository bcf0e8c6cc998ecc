"""The baselines of bench_http.py: a bare FastAPI app answering a real ``/api/nearest`` body.

The body is a real ``/api/nearest`` answer (file ``BENCH_BODY_FILE``), read once. Two routes:

- ``/bytes``: the same bytes, already encoded, in a plain ``Response`` — the framework's floor
  for an answer of that size (routing, one async endpoint, sending the bytes). The named baseline.
- ``/const``: the body parsed once and returned as the same dict on every request, so FastAPI
  serialises a body of the same size each time (the baseline before issue 26, reported beside).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import Response


def create_app() -> FastAPI:
    raw = Path(os.environ["BENCH_BODY_FILE"]).read_bytes()
    body: dict[str, Any] = json.loads(raw)
    app = FastAPI()

    @app.get("/bytes")
    async def encoded() -> Response:
        return Response(raw, media_type="application/json")

    @app.get("/const")
    async def const() -> dict[str, Any]:
        return body

    return app

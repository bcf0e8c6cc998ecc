"""The baseline of bench_http.py: a bare FastAPI app whose async endpoint returns a constant.

The constant is a real ``/api/nearest`` answer (file ``BENCH_BODY_FILE``), parsed once and
returned as the same dict on every request, so FastAPI serialises a body of the same size.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI


def create_app() -> FastAPI:
    body: dict[str, Any] = json.loads(Path(os.environ["BENCH_BODY_FILE"]).read_bytes())
    app = FastAPI()

    @app.get("/const")
    async def const() -> dict[str, Any]:
        return body

    return app

"""The web part of a batch of nearest queries: the budget of a request, and its answer in chunks.

``POST /api/nearest/batch`` streams the answers of :func:`geo_clsm.engine.batch.answers` (the one
batch answerer, shared with ``geo-clsm nearest``) chunk by chunk, each chunk worked out in the
heavy-work pool (``geo_clsm/web/heavy.py``). Plain functions, no event loop: they run in a worker thread.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import orjson
from fastapi import HTTPException

from geo_clsm.engine.batch import BatchQuery, QueryPoint, answer_rows, answers, write_answers_csv


def check_budget(n_points: int, k: int, max_answers: int) -> None:
    """Refuse with a 413 and French advice a batch whose points × k is over ``max_answers``."""
    if n_points * k > max_answers:
        raise HTTPException(
            status_code=413,
            detail=f"lot trop lourd : {n_points} points × k={k} = {n_points * k} réponses, {max_answers} au plus "
            f"par requête ; découper en lots de {max(1, max_answers // k)} points au plus avec k={k}, ou réduire k",
        )


def json_chunk(points: Sequence[QueryPoint], q: BatchQuery, *, first: bool) -> bytes:
    """The answers of ``points`` as a slice of the ``answers`` JSON array (comma-led unless ``first``)."""
    body = b",".join(orjson.dumps(a) for a in answers(points, q))
    return body if first or not body else b"," + body


def csv_chunk(points: Sequence[QueryPoint], q: BatchQuery, *, first: bool) -> bytes:
    """The CSV rows of ``points`` (the header line first if ``first``)."""
    buf = io.StringIO()
    write_answers_csv((row for a in answers(points, q) for row in answer_rows(a)), buf, header=first)
    return buf.getvalue().encode("utf-8")

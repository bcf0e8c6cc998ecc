"""Background jobs of the web service: long computations (large site suggestions) with their progress.

An in-process registry: a job runs in a thread of its own small executor (never on the event
loop, never in the heavy pool's threads), reports ``(step, fraction)`` as it goes, and keeps its
answer or its French error for ``ttl_s`` seconds after it ends (the ``max_kept`` latest ended
ones at most). At most ``max_jobs`` jobs are waiting or running at once; beyond, a new one is
refused with a French 429 and ``Retry-After``.
Jobs are lost when the process stops: the planner starts again (nothing is saved).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import HTTPException, Path

from geo_clsm.model.errors import GeoClsmError

JobId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=40,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Identifiant du calcul, donné par POST /api/suggestions (job_url)",
        examples=["k3Jx9QpL2mVw7TnA"],
    ),
]
"""A job's id in a path (its URL is the key: a 404 for an unknown or expired one)."""

Status = Literal["en attente", "en cours", "terminé", "échec"]
Report = Callable[[str, float], None]


@dataclass
class Job:
    """One job: its state as the planner's screen polls it."""

    id: str
    kind: str
    status: Status = "en attente"
    step: str = "en attente d'un calcul en cours"
    progress: float = 0.0
    result: Any = None
    error: str | None = None
    created: float = field(default_factory=time.monotonic)
    ended: float | None = None

    def view(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "step": self.step,
            "progress": round(self.progress, 3),
            "elapsed_s": round((self.ended or time.monotonic()) - self.created, 1),
        }
        if self.status == "terminé":
            out["result"] = self.result
        if self.error:
            out["error"] = self.error
        return out


class JobRegistry:
    """At most ``max_jobs`` unfinished jobs, run ``workers`` at a time; ended ones kept ``ttl_s``."""

    def __init__(self, *, max_jobs: int = 4, workers: int = 1, ttl_s: float = 1800.0, max_kept: int = 32) -> None:
        self.max_jobs = max(1, max_jobs)
        self.ttl_s = ttl_s
        self.max_kept = max(1, max_kept)
        self._executor = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="geo-clsm-job")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def _prune(self) -> None:
        now = time.monotonic()
        ended = sorted((j for j in self._jobs.values() if j.ended is not None), key=lambda j: j.ended or 0.0)
        for n, j in enumerate(ended):
            if now - (j.ended or now) > self.ttl_s or n < len(ended) - self.max_kept:
                del self._jobs[j.id]

    def unfinished(self) -> int:
        with self._lock:
            return sum(1 for j in self._jobs.values() if j.ended is None)

    def submit(self, kind: str, work: Callable[[Report], Any]) -> Job:
        """A new job running ``work(report)``; a French 429 when ``max_jobs`` are unfinished."""
        with self._lock:
            self._prune()
            if sum(1 for j in self._jobs.values() if j.ended is None) >= self.max_jobs:
                raise HTTPException(
                    status_code=429,
                    detail=f"trop de calculs en tâche de fond ({self.max_jobs} au plus) : réessayer dans une minute",
                    headers={"Retry-After": "60"},
                )
            job = Job(id=secrets.token_urlsafe(12), kind=kind)
            self._jobs[job.id] = job
        self._executor.submit(self._run, job, work)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            self._prune()
            return self._jobs.get(job_id)

    def _run(self, job: Job, work: Callable[[Report], Any]) -> None:
        def report(step: str, fraction: float) -> None:
            job.step = step
            job.progress = max(job.progress, min(1.0, fraction))

        job.status = "en cours"
        job.step = "calcul en cours"
        try:
            job.result = work(report)
            job.status, job.step, job.progress = "terminé", "terminé", 1.0
        except GeoClsmError as exc:  # bad input found while working: said in French, as a 4xx would
            job.status, job.error = "échec", str(exc)
        except Exception as exc:
            job.status, job.error = "échec", f"calcul interrompu par une erreur interne ({type(exc).__name__})"
        finally:
            job.ended = time.monotonic()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

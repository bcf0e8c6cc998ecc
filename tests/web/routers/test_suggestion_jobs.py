"""Large site suggestions run as background jobs: 202 and a job URL, its progress, then the answer."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient

from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.web.app import create_app
from geo_clsm.web.jobs import JobRegistry
from geo_clsm.web.lifecycle import service_state

BODY = {"territory": "metz", "type": "CMP", "sites": 2, "mairies": False, "qpv_weight": 2.0}


@pytest.fixture(scope="module")
def jobs_client(engine: Engine) -> Iterator[TestClient]:
    settings = Settings(rate_limits={"suggestions": 0}, background_jobs_max=2)
    with TestClient(create_app(settings, engine=engine)) as c:
        yield c


def _wait(c: TestClient, url: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    seen: list[dict[str, Any]] = []
    for _ in range(600):  # polls until the job ends (no time is asserted)
        r = c.get(url)
        assert r.status_code == 200, r.text
        seen.append(r.json())
        if seen[-1]["status"] in ("terminé", "échec"):
            return seen[-1], seen
        time.sleep(0.2)
    raise AssertionError(f"job never ended: {seen[-1]}")


def test_background_job_gives_the_immediate_answer(jobs_client: TestClient) -> None:
    now = jobs_client.post("/api/suggestions", json=BODY)
    assert now.status_code == 200, now.text
    r = jobs_client.post("/api/suggestions", json={**BODY, "background": True})
    assert r.status_code == 202, r.text
    url = r.headers["location"]
    assert r.json()["job_url"] == url and url.startswith("/api/suggestions/jobs/")
    assert r.json()["status"] in ("en attente", "en cours")
    last, seen = _wait(jobs_client, url)
    assert last["status"] == "terminé" and last["progress"] == 1.0
    assert all(0.0 <= s["progress"] <= 1.0 and s["step"] for s in seen)
    assert last["result"]["sites"] == now.json()["sites"]
    assert last["result"]["rows"] == now.json()["rows"]


def test_more_sites_than_the_immediate_bound_run_as_a_job(jobs_client: TestClient) -> None:
    r = jobs_client.post("/api/suggestions", json={**BODY, "sites": 7})
    assert r.status_code == 202, r.text
    last, _ = _wait(jobs_client, r.headers["location"])
    assert last["status"] == "terminé", last
    assert len(last["result"]["sites"]) == 7


def test_bad_requests_are_french_4xx_before_any_job(jobs_client: TestClient) -> None:
    r = jobs_client.post("/api/suggestions", json={**BODY, "sites": 11})
    assert r.status_code == 422
    r = jobs_client.post("/api/suggestions", json={**BODY, "sites": 7, "territory": "nulle-part"})
    assert r.status_code == 404 and "territoire inconnu" in r.json()["detail"]
    r = jobs_client.get("/api/suggestions/jobs/inconnu")
    assert r.status_code == 404 and "inconnu ou expiré" in r.json()["detail"]
    assert jobs_client.get("/api/suggestions/jobs/pas%20un%20id").status_code == 422
    assert service_state(jobs_client.app).jobs.unfinished() == 0  # type: ignore[arg-type]


def test_jobs_are_bounded_in_number() -> None:
    jobs = JobRegistry(max_jobs=2)
    release = threading.Event()
    try:
        a = jobs.submit("t", lambda report: release.wait(30))
        b = jobs.submit("t", lambda report: release.wait(30))
        with pytest.raises(HTTPException) as refused:
            jobs.submit("t", lambda report: None)
        assert refused.value.status_code == 429 and "au plus" in str(refused.value.detail)
        assert refused.value.headers == {"Retry-After": "60"}
        assert {a.status, b.status} <= {"en attente", "en cours"}
    finally:
        release.set()
        jobs.shutdown()


def test_a_failing_job_reports_its_error_in_french() -> None:
    from geo_clsm.model.errors import InvalidInputError

    jobs = JobRegistry(max_jobs=1)
    done = threading.Event()

    def work(report: Any) -> None:
        report("étape", 0.5)
        try:
            raise InvalidInputError("aucun site candidat dans la zone du territoire")
        finally:
            done.set()

    job = jobs.submit("t", work)
    done.wait(30)
    for _ in range(100):
        if job.ended is not None:
            break
        time.sleep(0.05)
    assert job.view()["status"] == "échec" and "aucun site candidat" in job.view()["error"]
    assert job.progress == 0.5
    jobs.shutdown()


def test_files_of_a_finished_job_never_carry_a_formula(jobs_client: TestClient) -> None:
    import csv
    import io

    from openpyxl import load_workbook

    body = {
        **BODY,
        "sites": 1,
        "qpv_centroids": False,
        "candidates_csv": 'nom;lon;lat\n=HYPERLINK("http://x");6,1757;49,1193\n',
        "background": True,
    }
    url = jobs_client.post("/api/suggestions", json=body).headers["location"]
    assert jobs_client.get(url + "/export").status_code in (200, 404)  # 404 (French) until the job ends
    last, _ = _wait(jobs_client, url)
    assert last["status"] == "terminé", last
    fr = jobs_client.get(url + "/export", params={"format": "csv-fr"})
    assert fr.status_code == 200 and fr.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(fr.text.lstrip("\ufeff")), delimiter=";"))
    assert rows[1][0] == "site suggéré n° 1" and "HYPERLINK" in rows[1][2]
    assert not any(c.startswith("=") for r in rows for c in r)
    wb = load_workbook(io.BytesIO(jobs_client.get(url + "/export", params={"format": "xlsx"}).content))
    cells = [c for row in wb["Données"].iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)  # a text cell, shown as typed, never a formula
    link = next(c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert link.data_type == "s" and link.quotePrefix
    geo = jobs_client.get(url + "/export", params={"format": "geojson"})
    assert geo.headers["content-type"].startswith("application/geo+json")
    assert geo.json()["features"][0]["geometry"]["coordinates"] == [6.1757, 49.1193]
    page = jobs_client.get(url + "/print", params={"lang": "en"})
    assert page.status_code == 200 and "Where to open: suggested sites" in page.text
    assert jobs_client.get(url + "/export", params={"format": "pdf"}).status_code == 422
    gone = jobs_client.get("/api/suggestions/jobs/inconnu/export")
    assert gone.status_code == 404 and "inconnu ou expiré" in gone.json()["detail"]


def test_ended_jobs_kept_are_bounded_too() -> None:
    jobs = JobRegistry(max_jobs=1, max_kept=2)
    made = []
    for _ in range(4):
        job = jobs.submit("t", lambda report: "fini")
        for _ in range(200):
            if job.ended is not None:
                break
            time.sleep(0.02)
        made.append(job.id)
    jobs.submit("t", lambda report: None)  # a new job prunes the old ones
    assert jobs.get(made[0]) is None and jobs.get(made[1]) is None
    assert jobs.get(made[3]) is not None and jobs.get(made[3]).view()["result"] == "fini"  # type: ignore[union-attr]
    jobs.shutdown()

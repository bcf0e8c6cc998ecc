"""POST /api/suggestions: the sites, the objective, and the same after-figures as /api/scenarios."""

from __future__ import annotations

from fastapi.testclient import TestClient

BODY = {"territory": "metz", "type": "CMP", "sites": 2, "mairies": False, "qpv_weight": 2.0}


def test_suggested_change_gives_the_same_figures_in_scenarios(client: TestClient) -> None:
    r = client.post("/api/suggestions", json=BODY)
    assert r.status_code == 200, r.text
    out = r.json()
    assert len(out["sites"]) == 2 and out["model_cell_m"] == 200
    assert all({"lon", "lat", "kind", "label"} <= set(s) for s in out["sites"])
    o = out["objective"]
    assert o["name"] == "mean" and o["after"] < o["before"]
    again = client.post(
        "/api/scenarios", json={"territory": "metz", "changes": out["changes"], "types": ["CMP"], "qpv_weight": 2.0}
    )
    assert again.status_code == 200, again.text
    scen = again.json()
    assert scen["rows"] == out["rows"]
    assert scen["territory_objective"][0]["mean_m"] == {"before": o["before"], "after": o["after"]}


def test_coverage_objective_and_scenario_covered_population(client: TestClient) -> None:
    body = {**BODY, "sites": 1, "objective": "coverage", "within_m": 1000}
    out = client.post("/api/suggestions", json=body).json()
    o = out["objective"]
    assert o["name"] == "coverage" and o["after"] >= o["before"]
    scen = client.post(
        "/api/scenarios",
        json={"territory": "metz", "changes": out["changes"], "within_m": 1000, "qpv_weight": 2.0},
    ).json()
    assert scen["territory_objective"][0]["covered_population"] == {"before": o["before"], "after": o["after"]}


def test_bad_candidate_rows_reported(client: TestClient) -> None:
    csv = "nom;lon;lat\nIci;6,1757;49,1193\nLà;six;49.1\n"
    out = client.post("/api/suggestions", json={**BODY, "sites": 1, "candidates_csv": csv}).json()
    assert out["candidates"]["rejected_rows"] == [
        {"row": 2, "field": "lon", "reason": "« six » n'est pas un nombre (longitude en degrés)"}
    ]


def test_bounds_give_french_4xx(client: TestClient) -> None:
    r = client.post("/api/suggestions", json={**BODY, "sites": 11})
    assert r.status_code == 422
    r = client.post("/api/suggestions", json={**BODY, "objective": "coverage"})
    assert r.status_code == 422 and "within_m" in r.json()["detail"]
    r = client.post("/api/suggestions", json={**BODY, "territory": "nulle-part"})
    assert r.status_code == 404

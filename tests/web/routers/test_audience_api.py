"""The audience rule through the API: unknown audiences kept and counted, or dropped on request."""

from fastapi.testclient import TestClient


def test_resources_count_and_drop_unknown_audiences(client: TestClient) -> None:
    params = {"type": "CMP_ADULTE", "territory": "angouleme"}
    body = client.get("/api/resources", params=params).json()
    n_unknown = body["numberUnknownAudience"]
    # Angoulême's CMPs are recorded as "CMP" of unstated public or as day hospitals offering a CMP.
    assert n_unknown >= 1 and body["note"] == f"dont {n_unknown} au public non précisé"
    types = {f["properties"]["type"] for f in body["features"]}
    assert "CMP" in types or "HDJ" in types
    known = client.get("/api/resources", params={**params, "known_audience_only": True}).json()
    assert known["numberMatched"] == body["numberMatched"] - n_unknown
    assert known["numberUnknownAudience"] == 0 and known["note"] is None
    assert all(f["properties"]["type"] == "CMP_ADULTE" for f in known["features"])

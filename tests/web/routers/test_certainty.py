"""Results that say how sure they are (issue 17): national lines where nothing is near, unknown
audiences marked and listed last, no "0 m" at commune precision, one way to name a commune."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from geo_clsm.data.importers.dedupe import group_same_site
from geo_clsm.data.importers.finess_common import type_from_category
from geo_clsm.data.importers.names import readable, readable_street
from geo_clsm.engine.core import Engine
from geo_clsm.model import clock
from geo_clsm.model.resource_types import ResourceType

# Lyon 8e town hall (WGS84), 387 km from the Maison des adolescents of Metz.
LYON = {"lat": 45.7348, "lon": 4.8742}


def _get(client: TestClient, path: str, **params: Any) -> dict[str, Any]:
    r = client.get(path, params=params)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_lyon_teenager_gets_national_lines_not_metz(client: TestClient) -> None:
    with clock.frozen_at(datetime(2026, 12, 8, 10, 0)):  # a Tuesday morning: both lines open
        body = _get(client, "/api/nearest", **LYON, type=["MDA", "PAEJ"], age=15, k=5)
    assert body["features"] == []  # not the MDA of Metz, 387 km away
    assert {m["type"] for m in body["missing_types"]} == {"MDA", "PAEJ"}
    assert body["message"].startswith("Pas de maison des adolescents ni de point d'écoute (PAEJ) connus près d'ici")
    lines = [f["id"] for f in body["national_lines"]]
    assert lines[0] == "ligne-fil-sante-jeunes"  # the line for young people first
    assert "ligne-3114" in lines
    assert all(f["geometry"] is None for f in body["national_lines"])
    # At 23:30 Fil Santé Jeunes (09:00-23:00) is closed: the open 3114 comes first, the closed line stays listed.
    with clock.frozen_at(datetime(2026, 12, 8, 23, 30)):
        night = _get(client, "/api/nearest", **LYON, type=["MDA", "PAEJ"], age=15, k=5)
    states = {f["id"]: f["properties"]["open_now"] for f in night["national_lines"]}
    assert night["national_lines"][0]["id"] == "ligne-3114" and states["ligne-fil-sante-jeunes"] is False
    # In Metz the same query finds the MDA and offers no lines.
    metz = _get(client, "/api/nearest", commune="Metz", type=["MDA"], age=15)
    assert metz["features"] and metz["missing_types"] == [] and metz["national_lines"] == []


def test_near_limit_is_a_setting(client: TestClient, engine: Engine) -> None:
    from geo_clsm.engine.nearby import search
    from geo_clsm.engine.nearest import NearestQuery

    # Independent check: the Metz MDA lies about 387 km from Lyon 8e, so a 500 km limit finds it.
    far = search(engine, LYON["lon"], LYON["lat"], NearestQuery(types=[ResourceType.MDA], near_limit_m=500_000))
    assert far.results and far.results[0].distance_m > 300_000 and far.missing_types == []
    near = search(engine, LYON["lon"], LYON["lat"], NearestQuery(types=[ResourceType.MDA], near_limit_m=50_000))
    assert near.results == [] and near.missing_types == [ResourceType.MDA]


def test_eight_year_old_known_child_resources_first_others_marked(client: TestClient) -> None:
    body = _get(client, "/api/nearest", commune="Metz", age=8, k=15)
    feats = body["features"]
    known = [f["properties"]["audience_known"] for f in feats]
    assert known[0] is True and False in known
    assert known == sorted(known, reverse=True)  # every known one before every unknown one
    for f in feats:
        p = f["properties"]
        lo, hi = p["audience"]["age_min"], p["audience"]["age_max"]
        if p["audience_known"]:
            # Independent check of the age: the record's own range, or the CMP enfants 0-17 / MDA 11-25 rule.
            implied = {"CMP_ENFANT": (0, 17), "MDA": (11, 25)}.get(p["type"], (None, None))
            lo, hi = (lo, hi) if (lo, hi) != (None, None) else implied
            assert (lo or 0) <= 8 <= (200 if hi is None else hi)
        else:
            assert lo is None and hi is None and p["type"] not in ("CMP_ENFANT", "CMP_ADULTE", "MDA")
    # The psychiatric clinics of unknown audience are never among the known ones.
    assert all(f["properties"]["type"] != "HOPITAL_PSY" for f in feats if f["properties"]["audience_known"])


def test_commune_precision_is_never_zero_metres(client: TestClient, engine: Engine) -> None:
    # A resource placed at its commune's town hall, searched from that commune.
    r = next(
        r
        for r in engine.catalog.resources
        if r.public_position() is not None
        and r.public_position().precision.value == "commune"  # type: ignore[union-attr]
        and r.territory in ("metz", "angouleme")
    )
    body = _get(client, "/api/nearest", commune=r.insee_com, k=50)
    hit = next(f for f in body["features"] if f["id"] == r.id)
    assert hit["properties"]["distance_label"] == "dans la commune"
    assert hit["properties"]["distance_is_approximate"] is True
    assert all(not f["properties"]["distance_label"].startswith("0 m") for f in body["features"])
    assert body["query"]["precision"] == "commune"


def test_address_not_found_says_so(client: TestClient) -> None:
    body = _get(client, "/api/nearest", address="1 rue Serpenoise, 57000 Metz")
    assert body["query"]["precision"] == "commune"
    assert body["query"]["message"] == "Adresse non trouvée : recherche autour de la mairie de Metz"
    g = _get(client, "/api/geocode", q="1 rue Serpenoise Metz")
    assert g["precision"] == "commune" and g["message"].startswith("Adresse non trouvée")


def test_one_way_to_name_a_commune(client: TestClient) -> None:
    by = {
        q: {f["id"] for f in _get(client, "/api/resources", commune=q, limit=500)["features"]}
        for q in ("57463", "Metz", "metz", "57000")
    }
    assert by["57463"] and by["57463"] == by["Metz"] == by["metz"] == by["57000"]
    for path, params in (("/api/resources", {"commune": "Saint-Denis"}), ("/api/nearest", {"commune": "Saint-Denis"})):
        r = client.get(path, params=params)
        assert r.status_code == 409, r.text
        cands = r.json()["candidates"]
        assert {c["label"] for c in cands[:2]} == {"Saint-Denis (93)", "Saint-Denis (974)"}
        assert all(c["population"] > 100_000 for c in cands[:2])
    r = client.get("/api/geocode", params={"q": "Woipy"})
    assert r.status_code == 404 and r.json()["suggestions"][0]["name"] == "Woippy"
    spec = client.get("/openapi.json").json()
    assert "409" in spec["paths"]["/api/geocode"]["get"]["responses"]


def test_national_lines_listed_never_on_the_map(client: TestClient) -> None:
    body = _get(client, "/api/resources", type=["LIGNE_ECOUTE", "URGENCE"])
    by_id = {f["id"]: f["properties"] for f in body["features"]}
    assert {"ligne-3114", "ligne-fil-sante-jeunes", "ligne-114"} <= set(by_id)
    assert by_id["ligne-114"]["type"] == "URGENCE"
    # The README says rows noted "à vérifier" must say so publicly.
    assert by_id["ligne-drogues-info-service"]["to_verify"] is True
    assert by_id["ligne-drogues-info-service"]["provenance_fr"].endswith("à vérifier")
    assert by_id["ligne-3114"]["to_verify"] is False
    markers = {m[0] for m in _get(client, "/api/markers")["markers"]}
    assert not markers & set(by_id)


def test_honest_dates_and_readable_names(client: TestClient) -> None:
    p = _get(client, "/api/resources/finess-690025838")["properties"]  # Lyon psychiatric emergency unit
    assert p["type"] == "URGENCES_PSY"  # FINESS files it as a CMP
    assert p["name"] == "UNITE DE PSYCHIATRIE D'URGENCE ET DE LIAISON - ARHM"  # raw value kept
    assert p["display_name"] == "Unité de Psychiatrie d'Urgence et de Liaison - ARHM"
    assert p["display_street"] == "20 Quai Claude Bernard"
    assert p["provenance_fr"] == "issu de FINESS (mars 2020), non confirmé" and p["verified_by_person"] is False
    curated = _get(client, "/api/resources/metz-cmp-cattp-adultes-gambetta")["properties"]
    assert "vérifié" not in curated["provenance_fr"]  # transcribed from sources, not verified by a person
    # Mende: the units are named by their own name, not all "CHS FRANCOIS TOSQUELLES".
    mende = _get(client, "/api/resources", commune="Mende", limit=50)["features"]
    names = [f["properties"]["display_name"] for f in mende]
    assert len(names) >= 4 and len(set(names)) == len(names)
    assert not any("Tosquelles" in n and n.startswith("CHS") for n in names)


def test_same_site_duplicates_grouped(engine: Engine) -> None:
    cat = engine.catalog
    # CMP judiciaire Magritte (FINESS 160015426) shares building and phone with the curated CMP Centre Magritte.
    assert "finess-160015426" not in cat.resources_by_id
    kept = dict(cat.replaced)["finess-160015426"]
    assert cat.resources_by_id[kept].territory == "angouleme"
    # Grouping twice changes nothing (every group was folded), and nothing else was dropped.
    again, pairs = group_same_site(cat.resources)
    assert pairs == [] and len(again) == len(cat.resources)


def test_written_rules() -> None:
    assert type_from_category("156", "UNITE DE PSYCHIATRIE D'URGENCE ET DE LIAISON - ARHM") is ResourceType.URGENCES_PSY
    assert type_from_category("156", "CMP ENFANTS MENDE") is ResourceType.CMP_ENFANT
    assert type_from_category("156", "HOSPITALISATION DE JOUR ADULTES") is ResourceType.HDJ
    assert readable("CENTRE D ACCUEIL D URGENCE") == "Centre d'Accueil d'Urgence"
    assert readable("CMP Centre Magritte") == "CMP Centre Magritte"  # already readable: unchanged
    assert readable_street("QU CLAUDE BERNARD") == "Quai Claude Bernard"
    assert readable_street("4 PL CHARLES DE GAULLE") == "4 Place Charles de Gaulle"


def test_lines_are_not_places_for_access_indicators(client: TestClient, engine: Engine) -> None:
    for result in engine.access.values():
        assert not {"LIGNE_ECOUTE", "URGENCE"} & set(result.qpv["resource_type"])
    r = client.get("/planning", params={"territory": "metz", "type": "LIGNE_ECOUTE"})
    assert r.status_code == 422 and "lignes nationales" in r.json()["detail"]

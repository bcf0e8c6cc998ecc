"""What the resident reads (issue 27), without a browser: messages agreed in gender and number, a
teenager told when a place exists but not for their age, an emergency service that receives every
age, the status line of /recherche without internal codes, distances in the page's number format."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from geo_clsm.engine.nearest import NearestAnswer
from geo_clsm.model.resource_types import ResourceType

BORNY = {"lat": 49.11296, "lon": 6.22361}


def test_messages_agree_in_gender_and_number() -> None:
    def message(*types: ResourceType) -> str | None:
        return NearestAnswer([], list(types), [], 50_000).message_fr()

    assert str(message(ResourceType.URGENCES_PSY)).startswith("Pas d'urgences psychiatriques connues près d'ici")
    assert str(message(ResourceType.MDA)).startswith("Pas de maison des adolescents connue près d'ici")
    assert str(message(ResourceType.GEM)).startswith("Pas de GEM (groupe d'entraide mutuelle) connu près d'ici")
    assert str(message(ResourceType.MDA, ResourceType.PAEJ)).startswith(
        "Pas de maison des adolescents ni de point d'écoute (PAEJ) connus près d'ici"
    )
    assert str(message(ResourceType.HOPITAL_PSY)).startswith("Pas d'hôpital psychiatrique connu")


def test_a_teenager_is_told_it_is_about_age(client: TestClient) -> None:
    """Metz's PAEJ receives 18-25 year-olds: at 15, the answer says a PAEJ exists for other ages."""
    body = client.get("/api/nearest", params={**BORNY, "type": "PAEJ", "age": 15}).json()
    assert body["missing_types"] == [{"type": "PAEJ", "label": "Point d'écoute (PAEJ)", "other_ages": True}]
    assert body["message"].startswith(
        "Pas de point d'écoute (PAEJ) pour une personne de 15 ans près d'ici : il en existe pour d'autres âges."
    )
    adult = client.get("/api/nearest", params={**BORNY, "type": "PAEJ", "age": 20}).json()
    assert adult["missing_types"] == [] and adult["features"]


def test_an_emergency_receives_every_age(client: TestClient) -> None:
    for age in (8, 15, 40, 80):
        body = client.get("/api/nearest", params={**BORNY, "type": "URGENCES_PSY", "age": age, "k": 3}).json()
        assert body["features"], age
        assert all(f["properties"]["audience_known"] is True for f in body["features"]), age


def test_recherche_status_line_names_the_place_once(client: TestClient) -> None:
    fr = client.get("/recherche", params={"q": "Borny"}).text
    status = re.search(r'<p class="gc-status" role="status">([^<]*)</p>', fr)
    assert status is not None
    assert status.group(1) == "10 ressources trouvées près du quartier Borny (Metz)."
    en = client.get("/recherche", params={"q": "Borny", "lang": "en"}).text
    assert "QN0" not in en and "near the Borny neighbourhood (Metz)" in en
    kms = re.findall(r'<bdi class="gc-dist">[^<]*?(\d+[.,]\d) km</bdi>', en)
    assert kms and all("." in k for k in kms), kms
    assert "issu de" not in en and "from FINESS (" in en and "), not confirmed" in en


def test_geocoder_choices_carry_no_qpv_code(client: TestClient) -> None:
    body = client.get("/api/geocode", params={"q": "Metz"}).json()
    labels = [a["label"] for a in body["alternatives"]]
    assert labels and not any(re.search(r"QN\d", label) for label in labels), labels

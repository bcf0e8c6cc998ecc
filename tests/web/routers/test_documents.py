"""GET /guide/{territory}: the printable HTML guide, the PDF, and French 4xx on bad input."""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from geo_clsm.engine.core import Engine
from geo_clsm.settings import Settings
from geo_clsm.web.app import create_app

REGISTRY = Path(__file__).resolve().parents[3] / "layers" / "pilots" / "resources_metz_angouleme.csv"


@pytest.fixture(scope="module")
def public(engine: Engine) -> Iterator[TestClient]:
    settings = Settings(public_url="https://sante-mentale.example.fr/", guide_contact="clsm@example.fr")
    with TestClient(create_app(settings, engine=engine)) as c:
        yield c


def test_html_guide_lists_the_territory_and_points_to_the_configured_map(public: TestClient) -> None:
    r = public.get("/guide/angouleme")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = html.unescape(r.text)
    assert '<html lang="fr">' in page and "<title>Guide santé mentale — Grand Angoulême</title>" in page
    assert "https://sante-mentale.example.fr/?territory=angouleme" in page and "clsm@example.fr" in page
    with REGISTRY.open(encoding="utf-8-sig", newline="") as fh:
        rows = [row for row in csv.DictReader(fh) if row["territory"] == "Grand Angoulême"]
    for row in rows:
        assert row["name"] in page, row["id"]
    # Self-contained: nothing loaded from elsewhere.
    assert not re.findall(r"<(?:script|link|img)\b[^>]*(?:src|href)=[\"'](?!data:)", page)


def test_pdf_guide(public: TestClient) -> None:
    r = public.get("/guide/metz", params={"format": "pdf", "audience": "jeunes", "layout": "a5"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert (
        r.content.startswith(b"%PDF-")
        and 'filename="guide-sante-mentale-metz-jeunes-a5.pdf"' in r.headers["content-disposition"]
    )


def test_without_a_public_url_the_guide_has_no_link_to_the_serving_address(client: TestClient) -> None:
    page = client.get("/guide/metz", params={"audience": "professionnels"}).text
    assert "testserver" not in page and "Code QR" not in page  # never built from the Host header
    assert "FINESS" in page and "570012898" in page  # professionals see FINESS numbers


@pytest.mark.parametrize(
    ("path", "params", "status", "words"),
    [
        ("/guide/nulle-part", {}, 404, "territoire « nulle-part »"),
        ("/guide/france", {}, 404, "territoires pilotes"),
        ("/guide/metz", {"audience": "adultes"}, 422, "audience"),
        ("/guide/metz", {"layout": "a3"}, 422, "valeurs possibles"),
        ("/guide/metz", {"format": "docx"}, 422, "format"),
    ],
)
def test_bad_input_is_a_french_4xx(
    client: TestClient, path: str, params: dict[str, str], status: int, words: str
) -> None:
    r = client.get(path, params=params)
    assert r.status_code == status
    assert words in r.json()["detail"]

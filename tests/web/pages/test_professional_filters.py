"""Professional journey (issue 27), at the HTTP level: /recherche's filters live in its URL (type,
age band, open now, spoken language), are restored in the form, said in words for the screen and
the printout, carried by the language links; a bad filter is a French 422. The resident page offers
the same filters (its script keeps them in the URL: tests/e2e/journeys/test_professional.py)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs

from fastapi.testclient import TestClient


def _types(html: str) -> list[str]:
    return re.findall(r'<li class="gc-item" data-type="([A-Z_]+)"', html)


def test_recherche_filters_come_from_the_url_and_are_restored(client: TestClient) -> None:
    r = client.get("/recherche", params={"q": "Borny", "type": "CMP_ADULTE", "age": "adulte", "open": "1"})
    assert r.status_code == 200
    html = r.text
    assert set(_types(html)) == {"CMP_ADULTE"}, _types(html)
    # The form shows the filters of the URL: a reload or a shared link gives the same view.
    assert '<option value="CMP_ADULTE" selected>' in html
    assert '<option value="adulte" selected>' in html
    assert re.search(r'name="open" value="1" checked', html)
    # In words, for the screen and the printout: the place and the filters.
    assert "Filtres : " in html and "ouvert maintenant" in html and "Adulte" in html
    assert "Liste établie le " in html
    # The language links keep the search and its filters.
    links = re.findall(r'<a href="/recherche\?lang=en&amp;([^"]+)"', html)
    assert links, "no English link"
    kept = parse_qs(links[0].replace("&amp;", "&"))
    assert kept == {"q": ["Borny"], "age": ["adulte"], "type": ["CMP_ADULTE"], "open": ["1"]}


def test_recherche_without_filters_says_so_and_in_english(client: TestClient) -> None:
    html = client.get("/recherche", params={"q": "Borny"}).text
    assert "Sans filtre : tous les types, tous les âges." in html
    assert len(set(_types(html))) > 1
    en = client.get("/recherche", params={"q": "Borny", "type": "CMP_ADULTE", "lang": "en"}).text
    assert "Filters: " in en and "List made on " in en and "Filtres" not in en


def test_recherche_spoken_language_filter(client: TestClient) -> None:
    r = client.get("/recherche", params={"q": "Borny", "lang_spoken": "ar"})
    assert r.status_code == 200
    assert '<option value="ar" selected>' in r.text
    assert "langue parlée : arabe" in r.text


def test_recherche_bad_filters_are_a_french_422(client: TestClient) -> None:
    r = client.get("/recherche", params={"q": "Borny", "type": "PSYCHANALYSTE"})
    assert r.status_code == 422 and "Type de lieu inconnu" in r.text
    r = client.get("/recherche", params={"q": "Borny", "lang_spoken": "12"})
    assert r.status_code == 422 and "Langue inconnue" in r.text


def test_resident_page_offers_open_now_and_spoken_language(client: TestClient) -> None:
    html = client.get("/").text
    assert 'id="gc-open"' in html and 'id="gc-lang-spoken"' in html
    assert '<option value="ar">arabe</option>' in html
    assert 'id="gc-print-for"' in html

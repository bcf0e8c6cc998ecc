"""Residents first (issue 13), at the HTTP and core level: orientation rules, catalogues,
language choice, /recherche (same answer as /api/nearest), spoken languages, open now, PWA."""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from geo_clsm.engine.query import filter_resources
from geo_clsm.i18n import LOCALES_DIR, available_langs, choose_lang, translator
from geo_clsm.i18n.extract import all_messages
from geo_clsm.i18n.orientation import RULES_FILE, parse_rules, rules
from geo_clsm.model.hours import is_open_at
from geo_clsm.model.resource import Resource
from geo_clsm.model.resource_types import LINE_TYPES, ResourceType


def test_orientation_rules_are_complete_and_checked() -> None:
    r = rules()
    assert {s.id for s in r.situations} >= {"urgence", "mal-etre", "addiction", "parler", "famille"}
    assert [c.id for c in r.who] == ["moi", "enfant", "proche"]
    crisis = r.situation("urgence")
    assert crisis is not None and crisis.crisis and crisis.numbers[:2] == ("3114", "15")
    assert crisis.types[0] is ResourceType.URGENCES_PSY
    # Children are sent to child services, never to adult CMPs.
    for s in r.situations:
        assert ResourceType.CMP_ADULTE not in s.types_for(8), s.id
        assert all(t not in LINE_TYPES for t in s.types), s.id
    assert set(r.explanations) == set(ResourceType)
    assert r.explanations[ResourceType.CMP_ADULTE].startswith("Le CMP")
    doc = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))
    doc["situations"][1]["types"] = ["CMP_ADULTE", "PSYCHOLOGUE"]
    with pytest.raises(ValueError, match="mal-etre"):
        parse_rules(doc)


def test_catalogues_translate_every_message() -> None:
    messages = all_messages()
    assert "Que faire ?" in messages and "Urgence :" in messages and "Ouvert maintenant" in messages
    assert set(available_langs()) >= {"fr", "en", "ar"}
    for lang in ("en", "ar"):
        with (LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
            cat = read_po(f, locale=lang)
        translated = {m.id: m.string for m in cat if m.id and m.string and not m.fuzzy}
        missing = [m for m in messages if m not in translated]
        assert not missing, (lang, missing)
        for msgid, text in translated.items():  # placeholders kept
            assert set(re.findall(r"{\w+}", str(msgid))) == set(re.findall(r"{\w+}", str(text))), (lang, msgid)
    assert translator("ar")("Numéros d'urgence") == "أرقام الطوارئ" and translator("ar").dir == "rtl"
    assert translator("fr")("Numéros d'urgence") == "Numéros d'urgence"


@pytest.mark.parametrize(
    ("requested", "header", "expected"),
    [
        (None, None, "fr"),
        (None, "ar-MA,ar;q=0.9,fr;q=0.8", "ar"),
        (None, "de-DE,en;q=0.5", "en"),
        (None, "de-DE", "fr"),
        ("en", "ar", "en"),
        ("xx", "en-GB", "en"),
        (None, "en;q=abc, *", "fr"),
    ],
)
def test_language_choice(requested: str | None, header: str | None, expected: str) -> None:
    assert choose_lang(requested, header) == expected


def _names(html: str) -> list[str]:
    return [re.sub(r"&#x27;|&#39;", "'", n).replace("&amp;", "&") for n in re.findall(r"<h3>(.*?)</h3>", html)]


def test_recherche_lists_the_same_resources_as_the_api(client: TestClient) -> None:
    page = client.get("/recherche", params={"q": "Borny"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<script" not in page.text  # works with JavaScript blocked
    spot = client.get("/api/geocode", params={"q": "Borny"}).json()
    api = client.get("/api/nearest", params={"lat": spot["lat"], "lon": spot["lon"], "k": 10}).json()
    assert _names(page.text) == [
        f["properties"].get("display_name") or f["properties"]["name"] for f in api["features"]
    ]
    for f in api["features"]:
        assert f["properties"]["distance_label"] in page.text
    assert 'href="tel:3114"' in page.text and 'href="tel:15"' in page.text
    assert 'lang="fr" dir="ltr"' in page.text


def test_recherche_situation_age_and_problems(client: TestClient) -> None:
    child = client.get("/recherche", params={"q": "Borny", "situation": "mal-etre", "age": "enfant"}).text
    types = re.findall(r'class="gc-item" data-type="(\w+)"', child)
    assert types and types[0] in {"CMP_ENFANT", "CMPP", "MDA", "PAEJ"} and "CMP_ADULTE" not in types
    assert "centre public de consultations gratuites" in child
    crisis = client.get("/recherche", params={"q": "Borny", "situation": "urgence"}).text
    assert crisis.index('href="tel:3114"') < crisis.index('href="tel:15"') < crisis.index('class="gc-results"')
    assert crisis.index("tel:3114", crisis.index("</header>")) < crisis.index("<h1>")  # before anything else
    assert set(re.findall(r'class="gc-item" data-type="(\w+)"', crisis)) == {"URGENCES_PSY"}
    assert client.get("/recherche", params={"q": "Atlantis"}).status_code == 404
    homonyms = client.get("/recherche", params={"q": "Saint-Denis"})
    assert homonyms.status_code == 409 and "Saint-Denis (974)" in homonyms.text
    assert client.get("/recherche", params={"q": "x"}).status_code == 422
    assert client.get("/recherche", params={"q": "Metz", "situation": "inconnue"}).status_code == 422
    assert client.get("/recherche").status_code == 200  # the form alone
    arabic = client.get("/recherche", params={"q": "Borny"}, headers={"Accept-Language": "ar"})
    assert 'dir="rtl"' in arabic.text and "أقرب الموارد" in arabic.text and arabic.headers["content-language"] == "ar"


def test_resident_page_languages_and_helper(client: TestClient) -> None:
    fr = client.get("/").text
    assert 'id="gc-orient"' in fr and "Que faire ?" in fr and 'action="/recherche"' in fr
    assert 'type="application/json" id="gc-page-config"' in fr and re.search(r"/orient\.[0-9a-f]{10}\.js", fr)
    assert fr.index('class="gc-skip"') < fr.index('class="gc-banner"') < fr.index('class="folium-map"')
    ar = client.get("/", params={"lang": "ar"})
    assert '<html lang="ar" dir="rtl">' in ar.text and "أرقام الطوارئ" in ar.text
    en = client.get("/", headers={"Accept-Language": "en-GB,en"}).text
    assert '<html lang="en" dir="ltr">' in en and "Emergency numbers" in en and "What to do?" in en


def _resource(rid: str, languages: tuple[str, ...]) -> Resource:
    return Resource(
        id=rid,
        name=f"synthetic {rid}",
        type=ResourceType.PAEJ,
        territory="metz",
        insee_com="57463",
        commune="Metz",
        source="synthetic test record",
        last_verified=date(2026, 1, 1),
        languages=languages,
    )


def test_spoken_language_filter(client: TestClient) -> None:
    rs = [_resource("a", ("fr", "ar")), _resource("b", ()), _resource("c", ("en",))]
    assert [r.id for r in filter_resources(rs, languages=["ar"])] == ["a"]
    assert [r.id for r in filter_resources(rs, languages=["fr"])] == ["a", "b"]
    assert [r.id for r in filter_resources(rs, languages=["AR", "en"])] == ["a", "c"]
    # No shipped resource states its languages yet: Arabic finds nothing near, French everything.
    ar = client.get("/api/nearest", params={"commune": "Metz", "lang_spoken": "ar"}).json()
    assert ar["features"] == [] and ar["national_lines"]
    fr = client.get("/api/nearest", params={"commune": "Metz", "lang_spoken": "fr"}).json()
    assert len(fr["features"]) == 5
    listed = client.get("/api/resources", params={"commune": "Metz", "lang_spoken": "ar"}).json()
    assert listed["features"] == []
    bad = client.get("/api/nearest", params={"commune": "Metz", "lang_spoken": "arabe!"})
    assert bad.status_code == 422 and "format invalide « arabe! »" in bad.json()["detail"]


def test_open_now_counts_french_public_holidays() -> None:
    weekdays = "Mo-Fr 09:00-17:00"
    # 14 July 2026 is a Tuesday and a public holiday (fête nationale); 15 July a plain Wednesday.
    assert datetime(2026, 7, 14).weekday() == 1
    assert is_open_at(weekdays, datetime(2026, 7, 14, 10, 0)) is False
    assert is_open_at(weekdays, datetime(2026, 7, 15, 10, 0)) is True
    assert is_open_at(weekdays, datetime(2026, 7, 15, 18, 0)) is False
    assert is_open_at("24/7", datetime(2026, 7, 14, 3, 0)) is True
    assert is_open_at("Mo-Fr 09:00-17:00; PH 10:00-12:00", datetime(2026, 7, 14, 11, 0)) is True
    # 25 December 2026 is a Friday.
    assert is_open_at(weekdays, datetime(2026, 12, 25, 10, 0)) is False


def test_open_now_in_the_nearest_answer(client: TestClient) -> None:
    body = client.get("/api/nearest", params={"commune": "Metz", "k": 20}).json()
    for f in body["features"]:
        p = f["properties"]
        assert p["open_now"] is None if not p["opening_hours"] else isinstance(p["open_now"], bool)


def test_installable_app(client: TestClient) -> None:
    manifest = client.get("/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    body = manifest.json()
    assert body["start_url"] == "/" and body["display"] == "standalone"
    for icon in body["icons"]:
        assert client.get(icon["src"]).status_code == 200
    sw = client.get("/sw.js")
    assert sw.status_code == 200 and "javascript" in sw.headers["content-type"]
    shell = re.findall(r'"(/[^"]*)"', sw.text.split("var SHELL")[1].split("];")[0])
    assert "/hors-ligne" in shell and "/" in shell
    for url in shell:
        assert client.get(url).status_code == 200, url
    offline = client.get("/hors-ligne").text
    assert all(f'href="tel:{n}"' in offline for n in ("3114", "15", "112"))

"""The editor screens are in French, English and Arabic, chosen as the public pages choose: ``?lang=``,
else the browser's ``Accept-Language``, else French; a chosen ``?lang=`` follows links, forms and
redirects."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from tests.web.routers.conftest import EDITOR, csrf_token

RID = "metz-cmp-cattp-adultes-metz-nord"
SCREENS = ("/admin/resources", "/admin/review", "/admin/reports", "/admin/import", f"/admin/resources/{RID}/history")
HEADINGS = {
    "fr": ("Fiches de l'annuaire", "Fiches à vérifier", "Signalements du public", "Importer des fiches"),
    "en": ("Directory records", "Records to check", "Reports from the public", "Import records"),
    "ar": ("بطاقات الدليل", "بطاقات للتحقق", "بلاغات الجمهور", "استيراد بطاقات"),
}


def _main(page: str) -> str:
    body = page.split("<main", 1)[1]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_each_screen_speaks_the_browsers_language(editor_client: TestClient, lang: str) -> None:
    accept = {"fr": "fr-FR,fr;q=0.9", "en": "en-GB,en;q=0.9", "ar": "ar"}[lang]
    pages = [editor_client.get(path, headers={"Accept-Language": accept}) for path in SCREENS]
    for path, r in zip(SCREENS, pages, strict=True):
        assert r.status_code == 200, path
        assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in r.text, path
        assert 'href="/admin/resources?lang=' not in r.text  # the browser says it again: no ?lang= needed
    for r, heading in zip(pages, HEADINGS[lang], strict=False):
        assert heading in _main(r.text)
    history = _main(pages[-1].text)
    if lang == "en":
        assert "History of" in history and "Record loaded from the shipped layers" in history
        assert "Fiche chargée" not in history
    if lang == "ar":
        assert "سجل" in history and "Historique" not in history


def test_a_chosen_language_follows_links_forms_and_redirects(editor_client: TestClient) -> None:
    r = editor_client.get("/admin/resources?lang=ar", headers={"Accept-Language": "fr"})
    assert 'dir="rtl"' in r.text and 'href="/admin/reports?lang=ar"' in r.text
    assert "Reports from the public" in _main(editor_client.get("/admin/reports?lang=en").text)
    # A form posted in English answers with an English screen (its redirect keeps ?lang=en).
    anon = TestClient(editor_client.app, base_url="https://testserver")
    login = anon.get("/admin/login?lang=en")
    assert "Email address" in _main(login.text) and 'action="/admin/login?lang=en"' in login.text
    done = anon.post(
        "/admin/login?lang=en",
        data={"email": EDITOR[0], "password": EDITOR[1], "csrf_token": csrf_token(login.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/admin/resources?lang=en"
    wrong = anon.post(
        "/admin/login?lang=ar", data={"email": EDITOR[0], "password": "faux", "csrf_token": csrf_token(login.text)}
    )
    assert wrong.status_code == 401 and "البريد الإلكتروني أو كلمة المرور غير صحيحة" in _main(wrong.text)


def test_french_stays_the_default(editor_client: TestClient) -> None:
    r = editor_client.get("/admin/resources")
    assert '<html lang="fr" dir="ltr">' in r.text and "Fiches de l'annuaire" in _main(r.text)

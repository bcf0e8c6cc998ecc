"""The editor screens in English and in Arabic on a 375 px phone, as a person meets them: the browser
speaks the language, the login form, the records, a record's history and the public reports are in
it (Arabic right to left), and no page is wider than the phone. Screenshots in tests/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from geo_clsm.engine.core import Engine
from tests.e2e.editor_session import serve_app, sign_in
from tests.e2e.journeys.phone import ARTIFACTS, PHONE, overflow, phone

EDITOR = ("langues@clsm-metz.fr", "mot-de-passe-langues")
RID = "metz-cmp-cattp-adultes-metz-nord"
SEEN = {
    "en": {
        "records": "Directory records",
        "search": "Search (name, town, street, identifier)",
        "history_link": "History",
        "history": "History of",
        "seeded": "Record loaded from the shipped layers",
        "reports_link": "Reports",
        "reports": "Reports from the public",
        "handled": "Handled",
        "sign_out": "Sign out",
    },
    "ar": {
        "records": "بطاقات الدليل",
        "search": "بحث (الاسم، البلدية، الشارع، المعرّف)",
        "history_link": "السجل",
        "history": "سجل «",
        "seeded": "حُمّلت البطاقة من الطبقات المرفقة",
        "reports_link": "البلاغات",
        "reports": "بلاغات الجمهور",
        "handled": "المعالَجة",
        "sign_out": "تسجيل الخروج",
    },
}
FRENCH = ("Fiches de l'annuaire", "Se déconnecter", "Historique", "Signalements du public", "Chercher")


@pytest.fixture(scope="module")
def server(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('editor-langs') / 'editor.db'}"
    with serve_app(engine, url, EDITOR) as base:
        yield base


def _fits(page: Page, step: str) -> None:
    doc, window, offscreen = overflow(page, PHONE["width"])
    assert doc <= window and not offscreen, (step, doc, window, offscreen)


def _no_french(page: Page) -> None:
    shown = page.locator("body").inner_text()
    for text in FRENCH:
        assert text not in shown, text


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_an_editor_works_in_their_language_on_a_phone(browser: Browser, server: str, lang: str) -> None:
    seen = SEEN[lang]
    page = phone(browser, lang=lang)
    sign_in(page, server, EDITOR, lang=lang)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    expect(page.get_by_role("heading", level=1)).to_have_text(seen["records"])
    expect(page.get_by_role("button", name=seen["sign_out"])).to_be_visible()
    _no_french(page)
    if lang == "ar":  # right to left: the heading starts at the right edge of the phone
        right = page.evaluate(
            "() => { const r = document.createRange(); r.selectNodeContents(document.querySelector('h1'));"
            " const b = r.getBoundingClientRect(); return [b.left, b.right]; }"
        )
        assert right[1] > PHONE["width"] - 40 and right[0] > 40, right
    _fits(page, "records")
    page.screenshot(path=str(ARTIFACTS / f"editor_{lang}_records.png"), full_page=True)

    # Find a record, open it, then its history: the seeded entry in the page's language.
    page.get_by_label(seen["search"]).fill("Metz-Nord")
    page.get_by_label(seen["search"]).press("Enter")
    page.locator(f'main a[href^="/admin/resources/{RID}"]').first.click()
    page.wait_for_url(f"**/admin/resources/{RID}*")
    page.get_by_role("link", name=seen["history_link"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(seen["history"])
    expect(page.locator("ol.history > li").last).to_contain_text(seen["seeded"])
    _no_french(page)
    _fits(page, "history")
    page.screenshot(path=str(ARTIFACTS / f"editor_{lang}_history.png"), full_page=True)

    # The public reports, then the handled ones.
    page.get_by_role("link", name=seen["reports_link"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(seen["reports"])
    page.get_by_role("link", name=seen["handled"], exact=True).click()
    expect(page.get_by_role("link", name=seen["handled"], exact=True)).to_have_attribute("aria-current", "page")
    _no_french(page)
    _fits(page, "reports")
    page.screenshot(path=str(ARTIFACTS / f"editor_{lang}_reports.png"), full_page=True)
    page.context.close()

"""No French left in an English page (issue 27): the resident's pages and a popup, in English, show
none of the French strings in use — the catalogue's msgids (those English translates differently)
and the French words the engine writes (provenance, distances, messages). Places' own names and
addresses (data, in French) are left out of the text read.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po
from playwright.sync_api import Browser, Page

from .phone import BORNY, map_ready, phone, shot

CATALOGUE = Path(__file__).resolve().parents[3] / "geo_clsm" / "i18n" / "locales" / "en" / "LC_MESSAGES" / "messages.po"
ENGINE_FRENCH = [  # written by the engine or the model, not catalogue msgids
    "source :", "vérifié le", "à vérifier", "date non indiquée", "dans la commune", "moins de 100 m", "environ ",
    "min à pied", "connu près d'ici", "Lignes nationales joignables", "janvier", "février", "mars 2", "avril",
    "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre", "lundi", "mardi", "mercredi",
    "jeudi", "vendredi", "samedi", "dimanche", "Public :", "Horaires :", "Signaler",
    "issu de", "non confirmé", "confirmé par", "à confirmer par téléphone", "Premier rendez-vous", "nouvelles demandes",
]  # fmt: skip
# The data shown as is (names, addresses) in each page: removed before reading.
_DATA = "main > p > strong, .gc-result strong, .gc-addr, .gc-item h3, .gc-crisis-near, .gc-line strong, .gc-popup > strong, .leaflet-control-attribution"


def _french_strings() -> list[str]:
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f)
    ids = [
        str(m.id)
        for m in catalogue
        if m.id and isinstance(m.id, str) and m.string and m.string != m.id and len(m.id) >= 6
    ]
    return [re.split(r"\{", s)[0].strip() for s in ids if len(re.split(r"\{", s)[0].strip()) >= 6] + ENGINE_FRENCH


def _chrome_text(page: Page) -> str:
    """The page's visible text without the places' own names and addresses."""
    return str(
        page.evaluate(
            """(sel) => {
              const clone = document.body.cloneNode(true);
              clone.querySelectorAll(sel + ', script, style, noscript').forEach(e => e.remove());
              clone.querySelectorAll('.gc-popup').forEach(p => {  // the address line of a popup
                const lines = p.innerHTML.split('<br>'); p.innerHTML = lines.filter((_, i) => i !== 3).join('<br>');
              });
              document.body.appendChild(clone); clone.style.position = 'absolute';
              const text = clone.innerText; clone.remove(); return text;
            }""",
            _DATA,
        )
    )


def _found(text: str) -> list[str]:
    return [s for s in _french_strings() if s in text]


def test_english_pages_and_popups_have_no_french(browser: Browser, server: str) -> None:
    page = phone(browser, lang="en", geolocation=BORNY, permissions=["geolocation"])
    problems: dict[str, list[str]] = {}
    for path in (
        "/recherche?lang=en",
        "/recherche?q=Borny&lang=en",
        "/recherche?q=Borny&situation=urgence&age=ado&lang=en",
        "/recherche?q=Atlantis&lang=en",
        "/hors-ligne?lang=en",
        "/signaler/metz-cmp-cattp-adultes-gambetta?lang=en",  # « Report a mistake », from a popup
    ):
        page.goto(server + path)
        problems[path] = _found(_chrome_text(page))
    page.goto(server + "/?lang=en")
    map_ready(page)
    page.locator("#gc-crisis-now").tap()
    page.locator(".gc-crisis-near").get_by_text("Nearest psychiatric emergency").wait_for(timeout=60_000)
    problems["/ crisis"] = _found(_chrome_text(page))
    page.goto(server + "/?lang=en&q=Borny")
    map_ready(page)
    page.wait_for_function("() => Number(document.body.getAttribute('data-results') || 0) > 0", timeout=60_000)
    problems["/ search"] = _found(_chrome_text(page))
    buttons = page.locator("#gc-results button.gc-result")
    for i in range(min(4, buttons.count())):  # a few popups: FINESS and web sources, groups, ages
        buttons.nth(i).tap()
        page.locator(".leaflet-popup-content .gc-report").last.wait_for(timeout=60_000)
        problems[f"/ popup {i}"] = _found(_chrome_text(page))
    report = page.locator(".leaflet-popup-content .gc-report").last
    assert (report.get_attribute("href") or "").endswith("?lang=en")  # the form in English too
    shot(page, "english-popup")
    assert not {k: v for k, v in problems.items() if v}, problems

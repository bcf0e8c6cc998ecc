"""No public page is wider than a phone (issue 27): at 320, 375 and 414 px, in French, English and
Arabic (right-to-left), the document is no wider than the window and every visible link, button and
field is inside it horizontally (a wide table may scroll inside its own region, which must fit).

Each page is loaded once per language on a touch phone, then the window is set to each width.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from .phone import LANGS, WIDTHS, map_ready, overflow, phone, shot, with_lang

PAGES = [
    "/",
    "/recherche",
    "/recherche?q=Borny",  # with results
    "/recherche?q=Borny&situation=urgence",  # the crisis numbers first
    "/recherche?q=Atlantis",  # without results: the problem said
    "/planning",
    "/planning/france",
    "/hors-ligne",
    "/signaler/metz-cmp-cattp-adultes-gambetta",
    "/guide/metz",
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", PAGES)
def test_no_page_is_wider_than_a_phone(browser: Browser, server: str, path: str, lang: str) -> None:
    page = phone(browser, lang=lang, width=WIDTHS[0])
    response = page.goto(with_lang(server + path, lang))
    assert response is not None
    if "text/html" not in response.headers.get("content-type", ""):
        pytest.skip(f"{path} answers {response.status} {response.headers.get('content-type')}, not a page")
    if path == "/":
        map_ready(page)
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 667})
        page.wait_for_timeout(50)  # one frame for the layout to follow (not a timing assertion)
        doc, window, outside = overflow(page, width)
        if doc > width or window != width or outside:
            problems.append(f"{width} px: document {doc} px, window {window} px, outside: {outside[:5]}")
            shot(page, f"width-{lang}-{width}{path.replace('/', '_').replace('?', '_')}")
    assert not problems, problems

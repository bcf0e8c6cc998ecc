"""What a person sees before any script runs (issue 28), in a real headless Chromium at phone size
(375×667) with JavaScript disabled, in each language: the emergency numbers, « Que faire ? » and the
search form are in the page's HTML and on the first screen (no empty map box pushes them down)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Locator

from geo_clsm.i18n import translator

PHONE = {"width": 375, "height": 667}


def _on_first_screen(item: Locator) -> None:
    assert item.is_visible()
    box = item.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
@pytest.mark.parametrize("path", ["/", "/?territory=metz"])
def test_banner_helper_and_search_form_without_javascript(browser: Browser, server: str, lang: str, path: str) -> None:
    t = translator(lang)
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="fr-FR")
    page = context.new_page()
    sep = "&" if "?" in path else "?"
    page.goto(f"{server}{path}{sep}lang={lang}")
    banner = page.locator("header.gc-banner")
    for number in ("3114", "15", "112"):
        _on_first_screen(banner.locator(f'a[href="tel:{number}"]'))
    _on_first_screen(page.get_by_role("heading", name=t("Que faire ?")))
    form = page.locator("form#gc-search")
    _on_first_screen(form.get_by_label(t("Commune, code postal, quartier ou adresse")))
    _on_first_screen(form.get_by_role("button", name=t("Chercher")))
    # The help starts right under the banner: no map box (empty without script) above it.
    banner_box, panel_box = banner.bounding_box(), page.locator("#gc-panel").bounding_box()
    assert banner_box and panel_box and panel_box["y"] <= banner_box["y"] + banner_box["height"] + 1
    page.screenshot(path=f"tests/artifacts/first-paint-nojs-{lang}-{path.strip('/?').replace('=', '-') or 'home'}.png")
    context.close()

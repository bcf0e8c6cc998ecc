"""The planner's QPV table in a real headless Chromium: sortable from the keyboard alone."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _values(page: Page, col: str) -> list[float]:
    cells = page.locator(f"#gc-qpv-table tbody td:nth-child({_index(page, col) + 1})")
    return [float(v) for v in cells.evaluate_all("cs => cs.map(c => c.getAttribute('data-value'))") if v != ""]


def _index(page: Page, col: str) -> int:
    return int(page.locator(f'#gc-qpv-table thead th[data-col="{col}"]').evaluate("th => th.cellIndex"))


def test_qpv_table_sorts_with_the_keyboard(browser: Browser, server: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(server + "/planning?territory=metz&type=CMP_ADULTE&indicator=mean_m")
    page.wait_for_selector("#gc-qpv-table tbody tr")
    assert page.locator("#gc-qpv-table tbody tr").count() == 8
    # Tab from the QPV header's button reaches the next header's button.
    page.locator('th[data-col="lib_qp"] button').focus()
    page.keyboard.press("Tab")
    active = page.evaluate("document.activeElement.closest('th') && document.activeElement.closest('th').dataset.col")
    assert active == "mean_m"
    page.keyboard.press("Enter")
    th = page.locator('th[data-col="mean_m"]')
    assert th.get_attribute("aria-sort") == "ascending"
    assert page.locator('th[data-col="lib_qp"]').get_attribute("aria-sort") == "none"
    values = _values(page, "mean_m")
    assert values == sorted(values) and len(set(values)) > 1
    assert "croissant" in page.locator("#gc-sort-status").inner_text()
    page.keyboard.press("Space")  # again: descending
    assert th.get_attribute("aria-sort") == "descending"
    values = _values(page, "mean_m")
    assert values == sorted(values, reverse=True)
    # The 2SFCA column: eight distinct values, sortable too.
    page.locator('th[data-col="sfca_per_10k"] button').focus()
    page.keyboard.press("Enter")
    sfca = _values(page, "sfca_per_10k")
    assert sfca == sorted(sfca) and len(set(sfca)) == 8
    page.screenshot(path=str(ARTIFACTS / "planner_table.png"), full_page=True)

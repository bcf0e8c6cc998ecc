"""Browser tests' shared pieces: one headless Chromium (Debian ``/usr/bin/chromium``, driven by
Playwright) for the whole session, the contexts each test opened closed after it, and axe-core.

``GEO_CLSM_SKIP_E2E=1`` skips every browser test (machines without Chromium).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from geo_clsm.engine.core import Engine

from .a11y_site import A11ySite, serve_site

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).resolve().parents[2] / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# WCAG 2.5.3 (label in name, wcag21a): a link's accessible name contains the text it shows.
EXPERIMENTAL_RULES = ["label-content-name-mismatch"]

if os.environ.get("GEO_CLSM_SKIP_E2E") == "1":  # pragma: no cover - opt-out for machines without Chromium
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Playwright's sync API runs an event loop in the main thread while it is started: it is stopped
    at the end of each module, so that later tests may call ``asyncio.run`` (the tests run e2e before
    web/ since the packages were split)."""
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One Chromium for the browser tests of a module."""
    assert Path(CHROMIUM).exists(), "Debian chromium is missing: `make test` installs it (apt-get install chromium)"
    b = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
    yield b
    b.close()


@pytest.fixture(autouse=True)
def _close_contexts(browser: Browser) -> Iterator[None]:
    """Each test starts from a browser with no context open, and its own are closed after it."""
    yield
    for context in list(browser.contexts):
        context.close()


def axe_violations(page: Page, *, only: list[str] | None = None) -> list[dict[str, Any]]:
    """axe-core's violations at the WCAG 2.1 A/AA tags (the page's context must bypass the CSP), with
    the WCAG 2.5.3 rule axe still marks experimental (:data:`EXPERIMENTAL_RULES`, off by default);
    ``only``: just these rules (e.g. ``["target-size"]``, WCAG 2.2's 2.5.8, which Lighthouse runs)."""
    assert AXE.exists(), "axe-core is missing: run `make axe` (npm install axe-core into .cache/axe)"
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    if only:
        result = page.evaluate("(rules) => axe.run(document, {runOnly: {type: 'rule', values: rules}})", only)
    else:
        result = page.evaluate(
            "([tags, extra]) => axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " rules: Object.fromEntries(extra.map((id) => [id, {enabled: true}]))})",
            [WCAG_TAGS, EXPERIMENTAL_RULES],
        )
    return [
        {"id": v["id"], "targets": [n["target"] for n in v["nodes"][:5]], "summary": v["nodes"][0]["failureSummary"]}
        for v in result["violations"]
    ]


@pytest.fixture(scope="session")
def a11y_site(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[A11ySite]:
    """One app for the axe and pa11y checks of every page (tests/e2e/a11y_site.py)."""
    with serve_site(engine, tmp_path_factory.mktemp("a11y-site")) as site:
        yield site


@pytest.fixture(scope="session")
def axe() -> Callable[[Page], list[dict[str, Any]]]:
    """:func:`axe_violations`, for the test modules."""
    return axe_violations

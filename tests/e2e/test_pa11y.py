"""pa11y (HTML_CodeSniffer runner, WCAG 2 AA) finds no error on any page of tests/e2e/a11y_site.py,
in French, English and Arabic (issue 28).

pa11y comes from npm: ``make pa11y`` installs it into the git-ignored ``.cache/pa11y`` without
puppeteer's own browser (``PUPPETEER_SKIP_DOWNLOAD=1``); ``tests/e2e/pa11y.json`` points it at
Debian's ``/usr/bin/chromium`` with the flags of the other browser tests. One ``node`` process
(``tests/e2e/pa11y_run.js``) checks every page of a language with one Chromium, against the one
server of the session.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .a11y_site import LANGS, PAGES, A11ySite
from .conftest import ARGS, CHROMIUM

HERE = Path(__file__).resolve().parent
MODULES = HERE.parents[1] / ".cache" / "pa11y" / "node_modules"
CONFIG = HERE / "pa11y.json"
RUNNER = HERE / "pa11y_run.js"


def run_pa11y(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """pa11y's errors for each job ({url, cookies?, actions?}), one Chromium for all of them."""
    assert (MODULES / "pa11y").is_dir(), "pa11y is missing: run `make pa11y` (npm install pa11y into .cache/pa11y)"
    node = shutil.which("node")
    assert node, "node is missing (it comes with npm)"
    done = subprocess.run(
        [node, str(RUNNER), str(MODULES), str(CONFIG)],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        timeout=60 + 90 * len(jobs),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results: list[dict[str, Any]] = json.loads(done.stdout)
    assert [r["url"] for r in results] == [j["url"] for j in jobs]
    return results


def _report(results: list[dict[str, Any]]) -> str:
    lines = []
    for r in results:
        for e in r["errors"]:
            lines.append(f"{r['url']}\n  {e['code']}\n  {e['message']}\n  {e['selector']}\n  {e['context'][:300]}")
    return "\n".join(lines)


def test_config_uses_the_browser_of_the_other_browser_tests() -> None:
    config = json.loads(CONFIG.read_text(encoding="utf-8"))
    assert config["runners"] == ["htmlcs"] and config["standard"] == "WCAG2AA"
    assert config["chromeLaunchConfig"] == {"executablePath": CHROMIUM, "args": ARGS}


@pytest.mark.parametrize("lang", LANGS)
def test_pa11y_finds_no_error(a11y_site: A11ySite, lang: str) -> None:
    jobs = [
        {
            "url": a11y_site.url(page, lang),
            "cookies": a11y_site.cookies(page),
            "actions": [f"wait for element {page.ready} to be added"] if page.ready else [],
        }
        for page in PAGES
    ]
    results = run_pa11y(jobs)
    assert all(r["title"] for r in results), [r["url"] for r in results if not r["title"]]  # pages, not errors
    assert not any(r["errors"] for r in results), "pa11y (htmlcs, WCAG2AA) errors:\n" + _report(results)


def test_pa11y_can_fail(tmp_path: Path) -> None:
    """The check is live: the two faults issue 28 found are reported (a white letter on the old MDA
    orange, 3.0:1, and a form with no submit button)."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!doctype html><html lang="fr"><head><title>Essai</title></head><body><main>'
        '<form aria-label="Filtrer"><label for="a">Âge</label><select id="a"><option>12</option></select></form>'
        '<p><span style="background:#e07a00;color:#fff">M</span> Maison des adolescents</p></main></body></html>',
        encoding="utf-8",
    )
    (result,) = run_pa11y([{"url": bad.as_uri()}])
    codes = {e["code"] for e in result["errors"]}
    assert any(".1_4_3." in c for c in codes), _report([result])
    assert any(".H32.2" in c for c in codes), _report([result])

"""The report as PDF: it renders (pages read back as PNG by poppler's pdftoppm), is tagged and
in French, and holds every QPV of the territory and every figure of the comparison table."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

import pytest

from geo_clsm.data.catalog import Catalog
from geo_clsm.documents.report.figures import report_figures
from geo_clsm.documents.report.render import as_document, compare_html, report_html
from geo_clsm.engine.core import Engine
from tests.documents.conftest import pdftotext


@pytest.fixture(scope="module")
def figures(catalog: Catalog, engine: Engine) -> dict[str, object]:
    return {
        t: report_figures(catalog, territory=t, access=engine.access[t], generated_on=date(2026, 11, 23))
        for t in ("metz", "angouleme")
    }


@pytest.fixture(scope="module")
def pdf(catalog: Catalog, figures: dict[str, object], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "angouleme.pdf"
    out.write_bytes(as_document(report_html(catalog, figures["angouleme"]), "pdf"))  # type: ignore[arg-type]
    return out


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]


def test_pdf_renders_every_page(pdf: Path, tmp_path: Path) -> None:
    pages = _pages(pdf)
    assert pages >= 3
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "p")], check=True)
    pngs = sorted(tmp_path.glob("p-*.png"))
    assert len(pngs) == pages
    assert all(p.stat().st_size > 1000 for p in pngs)


def test_pdf_holds_every_qpv_and_the_comparison(pdf: Path, catalog: Catalog, figures: dict[str, object]) -> None:
    text = " ".join(pdftotext(pdf).split())
    qpv = catalog.qpv[catalog.qpv["territory"] == "angouleme"]
    assert len(qpv) > 0
    for code, name in zip(qpv["code_qp"], qpv["lib_qp"], strict=True):
        assert code in text
        assert " ".join(str(name).split()) in text
    assert "Diagnostic territorial en santé mentale" in text
    assert "3114" in text
    fig = figures["angouleme"]
    france = [r for r in fig.rows("france") if r["per_10k"]]  # type: ignore[attr-defined]
    assert france
    for r in france:
        assert f"{r['per_10k']:g}".replace(".", ",") in text


def test_pdf_is_tagged_french_with_a_title(pdf: Path) -> None:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes", info, re.M)
    assert re.search(r"^Title:\s+Diagnostic territorial en santé mentale — Grand Angoulême", info, re.M)


def test_compare_puts_territories_side_by_side(figures: dict[str, object]) -> None:
    html = compare_html([figures["metz"], figures["angouleme"]])  # type: ignore[list-item]
    assert "Eurométropole de Metz" in html and "Grand Angoulême" in html
    assert html.count("— ratio QPV / reste") == 2

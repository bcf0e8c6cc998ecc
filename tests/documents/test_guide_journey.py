"""The guide as a professional hands it out (issue 27): no « non précisé » / « non renseigné »
line padding each entry (what is unknown is named once: « À confirmer auprès du lieu : … »), no
page left almost empty, and `geo-clsm guide` says on stderr when GEO_CLSM_PUBLIC_URL is unset."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

import pytest

from geo_clsm.cli import main
from geo_clsm.data.catalog import Catalog
from geo_clsm.documents.guide import build_guide
from tests.documents.conftest import pdftotext

PADDING = re.compile(r"non précisée?s?|non renseignée?s?", re.I)


@pytest.mark.parametrize("audience", ["tous", "professionnels"])
def test_no_entry_is_padded_with_unknowns(guide_catalog: Catalog, audience: str) -> None:
    guide = build_guide(guide_catalog, territory="metz", audience=audience, generated_on=date(2026, 12, 7))
    assert guide.entries
    for e in guide.entries:
        for label, value in e.facts:
            assert not PADDING.search(value), (e.name, label, value)
        labels = [label for label, _ in e.facts]
        assert len(labels) == len(set(labels)), e.name
    # What is not known is named once per entry, as things to check with the place.
    confirm = [e for e in guide.entries if e.to_confirm]
    assert confirm and all("non" not in (e.to_confirm or "") for e in confirm)
    assert any("horaires" in (e.to_confirm or "") for e in confirm)


def test_pdf_has_no_padding_line_nor_near_empty_page(metz_pdf: Path) -> None:
    text = pdftotext(metz_pdf)
    # a type's name, a group's heading, and « Votre secteur »'s one sentence without sector data (issue 29)
    headings = ("CMP (public non précisé)", "Commune non précisée", "Sectorisation non renseignée pour ce territoire")
    for heading in headings:
        text = text.replace(heading, "")
    assert not PADDING.search(text), PADDING.search(text)
    assert "À confirmer auprès du lieu" in text
    info = subprocess.run(["pdfinfo", str(metz_pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]
    words = [len(pdftotext(metz_pdf, "-f", str(i), "-l", str(i)).split()) for i in range(1, pages + 1)]
    # A map page carries about 100 words of caption; a page of 40 words is a page left almost empty.
    assert min(words) >= 80, words


def test_guide_command_warns_on_stderr_without_public_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GEO_CLSM_PUBLIC_URL", raising=False)
    out = tmp_path / "guide.html"
    assert main(["guide", "--territory", "metz", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "GEO_CLSM_PUBLIC_URL" in captured.err and "code QR" in captured.err
    html = out.read_text(encoding="utf-8")
    assert "127.0.0.1" not in html and "localhost" not in html
    monkeypatch.setenv("GEO_CLSM_PUBLIC_URL", "https://sante-mentale.example.fr")
    assert main(["guide", "--territory", "metz", "--out", str(out)]) == 0
    assert "GEO_CLSM_PUBLIC_URL" not in capsys.readouterr().err
    assert "https://sante-mentale.example.fr/?territory=metz" in out.read_text(encoding="utf-8")

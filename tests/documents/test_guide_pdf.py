"""The printed guide, read back as a reader would: PNG pages (pdftoppm), text (pdftotext),
structure (pdfinfo, the PDF catalog) and the QR code (zxing-cpp)."""

from __future__ import annotations

import csv
import re
import subprocess
import zlib
from pathlib import Path

import zxingcpp
from PIL import Image

from tests.documents.conftest import PUBLIC_URL, SYNTHETIC_NOTE, SYNTHETIC_STREET, pdftotext

REGISTRY = Path(__file__).resolve().parents[2] / "layers" / "pilots" / "resources_metz_angouleme.csv"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _squash(text: str) -> str:
    """Text without any whitespace: a name broken over two lines still matches."""
    return re.sub(r"\s+", "", text)


def _registry_rows(label: str) -> list[dict[str, str]]:
    with REGISTRY.open(encoding="utf-8-sig", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["territory"] == label]


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]


def test_pages_render_to_png(metz_pdf: Path, tmp_path: Path) -> None:
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(metz_pdf), str(tmp_path / "p")], check=True)
    pngs = sorted(tmp_path.glob("p-*.png"))
    assert len(pngs) == _pages(metz_pdf) >= 5
    for png in pngs:
        lo, hi = Image.open(png).convert("L").getextrema()
        assert lo < 100 and hi > 200, f"{png.name} looks blank"
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "3", str(metz_pdf), str(ARTIFACTS / "guide_metz")])


def test_every_public_resource_is_listed_with_its_phone(metz_pdf: Path) -> None:
    text = _squash(pdftotext(metz_pdf))
    rows = _registry_rows("Eurométropole de Metz")
    assert len(rows) >= 15
    for row in rows:
        assert _squash(row["name"]) in text, row["id"]
        if row["phone"]:
            assert _squash(row["phone"]) in text, row["id"]
    assert "GEMSYNTHÉTIQUElieudiscret" in text and "0300000001" in text
    with (REGISTRY.parents[1] / "france" / "national_lines.csv").open(encoding="utf-8", newline="") as fh:
        lines = list(csv.DictReader(fh))
    for line in lines:  # the national phone lines are listed too
        assert _squash(line["name"]) in text and _squash(line["phone"]) in text, line["id"]


def test_emergency_numbers_on_every_page(metz_pdf: Path, metz_jeunes_pdf: Path) -> None:
    for pdf in (metz_pdf, metz_jeunes_pdf):
        pages = pdftotext(pdf).split("\f")[: _pages(pdf)]
        assert len(pages) == _pages(pdf)
        for i, page in enumerate(pages, 1):
            flat = " ".join(page.split())
            for number in ("3114", "15 (SAMU)", "112"):
                assert number in flat, f"{pdf.name} page {i}: {number} missing"


def test_no_confidential_street_and_no_internal_note(metz_pdf: Path, metz_jeunes_pdf: Path) -> None:
    with REGISTRY.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    notes = [r["notes"] for r in rows if r["notes"].strip()]
    for pdf in (metz_pdf, metz_jeunes_pdf):
        text = _squash(pdftotext(pdf))
        assert _squash(SYNTHETIC_STREET) not in text
        assert "Synthétique-Secrète" not in text
        assert _squash(SYNTHETIC_NOTE)[:30] not in text
        for note in notes:
            assert _squash(note)[:40] not in text
    assert "Accueildesparentslemercredi." in _squash(pdftotext(metz_pdf))  # public_info is shown


def test_jeunes_guide_leaves_out_adults_only_and_puts_youth_first(metz_jeunes_pdf: Path) -> None:
    text = _squash(pdftotext(metz_jeunes_pdf))
    rows = _registry_rows("Eurométropole de Metz")
    adults_only = [r for r in rows if r["type"] == "CMP_ADULTE" or r["audience"] in ("adultes", "personnes âgées")]
    youth = [r for r in rows if r["type"] in ("MDA", "CMP_ENFANT", "PAEJ")]
    assert adults_only and youth
    for r in adults_only:
        assert _squash(r["name"]) not in text, r["id"]
    for r in youth:
        assert _squash(r["name"]) in text, r["id"]
    body = text[text.index("Leslieux,partypeetparcommune") :]
    assert body.index("Maisondesadolescents") < body.index("Urgencespsychiatriques")


def test_qr_code_decodes_to_the_configured_url(metz_pdf: Path, tmp_path: Path) -> None:
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(metz_pdf), str(tmp_path / "c")], check=True
    )
    (png,) = tmp_path.glob("c-*.png")
    found = zxingcpp.read_barcodes(Image.open(png))
    assert [b.text for b in found] == [f"{PUBLIC_URL}/?territory=metz"]


def _catalog_streams(pdf: Path) -> bytes:
    data = pdf.read_bytes()
    out = [data]
    for m in re.finditer(rb"stream\r?\n", data):
        try:
            out.append(zlib.decompressobj().decompress(data[m.end() : data.find(b"endstream", m.end())]))
        except zlib.error:
            continue
    return b"\n".join(out)


def test_tagged_pdf_with_language_title_and_body_at_least_11pt(metz_pdf: Path, tmp_path: Path) -> None:
    info = subprocess.run(["pdfinfo", str(metz_pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes", info, re.M)
    assert re.search(r"^Title:\s+Guide santé mentale — Eurométropole de Metz", info, re.M)
    raw = _catalog_streams(metz_pdf)
    assert b"/Lang (fr)" in raw and b"/StructTreeRoot" in raw and b"/Marked true" in raw
    # Word boxes: DejaVu Sans's box is 1.164 em high, so 11 pt text gives 12.8 pt boxes;
    # 10 pt text would give 11.6. The map's numbers are pixels, not text.
    subprocess.run(["pdftotext", "-bbox", str(metz_pdf), str(tmp_path / "b.html")], check=True)
    boxes = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', (tmp_path / "b.html").read_text())
    heights = [float(b) - float(a) for a, b in boxes]
    assert len(heights) > 500
    assert min(heights) >= 12.3


def test_situations_point_to_the_pages_that_list_the_types(metz_pdf: Path) -> None:
    pages = pdftotext(metz_pdf).split("\f")
    refs = re.findall(r"• (.+?) — page (\d+)", pdftotext(metz_pdf))
    assert len(refs) >= 10
    for label, page in refs:
        assert int(page) >= 3  # after the cover and "À qui s'adresser ?"
        assert label in pages[int(page) - 1], (label, page)  # the section heading is on that page

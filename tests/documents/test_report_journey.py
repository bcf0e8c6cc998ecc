"""The diagnostic report as a planner reads it (issue 27): QPV communes by name, the national layer
and the directory never contradict without saying why, no ratio on a tiny count (« fragile »), no
chart label cut at an edge, a warning instead of distances for types placed only at town halls, and
no table of « aucun lieu recensé » lines."""

from __future__ import annotations

import io
import re
from datetime import date
from html import unescape

import pytest
from PIL import Image

from geo_clsm.data.catalog import Catalog
from geo_clsm.documents.report.charts import per_10k_chart_png
from geo_clsm.documents.report.figures import ReportFigures, report_figures
from geo_clsm.documents.report.render import report_html
from geo_clsm.documents.report.view import FRAGILE_COUNT, comparison_table
from geo_clsm.engine.core import Engine


@pytest.fixture(scope="module")
def metz(engine: Engine) -> tuple[ReportFigures, str]:
    fig = report_figures(
        engine.catalog, territory="metz", access=engine.access.get("metz"), generated_on=date(2026, 12, 7)
    )
    return fig, unescape(report_html(engine.catalog, fig, with_charts=False))


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_qpv_communes_by_name(metz: tuple[ReportFigures, str]) -> None:
    _, html = metz
    assert not re.search(r"\d{5},\d{5}", html)
    assert "<td>Metz, Woippy</td>" in html  # QN05723M spans 57463 and 57751


def test_no_ratio_on_a_tiny_count(metz: tuple[ReportFigures, str]) -> None:
    fig, html = metz
    table = comparison_table(fig)
    assert table is not None
    counts = {row[0]: int(row[1]) for row in table["rows"]}
    for row in table["rows"]:
        versus = row[-1]
        if counts[row[0]] < FRAGILE_COUNT:
            assert "×" not in versus, row
    assert "× 0" not in html and "× 8,3" not in html
    assert "fragile : 1 lieu ici" in html


def test_layer_and_directory_differences_are_explained(metz: tuple[ReportFigures, str]) -> None:
    fig, html = metz
    assert fig.differences, "the two tables differ for Metz"
    text = _text(html)
    assert "Pourquoi les deux tableaux ne donnent pas les mêmes nombres" in text
    cattp = next(d for d in fig.differences if d["type"] == "CATTP")
    assert f"CATTP : {cattp['layer']} dans la couche nationale, {cattp['directory']} dans l'annuaire" in text
    assert cattp["by_service"] + cattp["other_source"] >= cattp["directory"] - cattp["layer"]


def test_types_placed_at_town_halls_get_a_warning_not_distances(metz: tuple[ReportFigures, str]) -> None:
    fig, html = metz
    vague = {p["type"] for p in fig.precision if p["count"] and p["at_commune"] == p["count"]}
    assert {"MDA", "PAEJ", "CSAPA"} <= vague, fig.precision
    text = _text(html)
    assert "Attention : " in text and "placés à la mairie de leur commune" in text
    for caption in re.findall(r"<caption>([^<]+)</caption>", html):
        assert caption not in {"Maison des adolescents", "Point d'écoute (PAEJ)", "CSAPA (addictions)"}, caption


def test_no_table_of_empty_lines(metz: tuple[ReportFigures, str]) -> None:
    _, html = metz
    assert html.count("aucun lieu recensé") == 0
    assert re.search(r"Aucun lieu recensé dans les \d+ autres communes \([\d\u202f ]+ habitants\) : ", html)
    assert "Aucun lieu recensé à l'intérieur des 8 quartiers." in html


def test_chart_labels_are_never_cut(catalog: Catalog) -> None:
    rows = [
        {"scope": "territory", "code": "x", "name": "Un territoire au nom assez long", "type": t, "per_10k": v}
        for t, v in (("URGENCES_PSY", 0.04), ("CMP_ENFANT", 0.2), ("HOPITAL_PSY", 0.1))
    ]
    labels = {"URGENCES_PSY": "Urgences psychiatriques", "CMP_ENFANT": "CMP enfants et adolescents",
              "HOPITAL_PSY": "Hôpital psychiatrique"}  # fmt: skip
    png = per_10k_chart_png(rows, labels=labels, title="Lieux pour 10 000 habitants", source="Source : test")
    img = Image.open(io.BytesIO(png)).convert("L")
    w, h = img.size
    edges = [img.getpixel((x, y)) for x in range(w) for y in (0, h - 1)]
    edges += [img.getpixel((x, y)) for y in range(h) for x in (0, 1, w - 2, w - 1)]
    assert min(edges) > 200, "ink touches the image's edge: a label is cut"
